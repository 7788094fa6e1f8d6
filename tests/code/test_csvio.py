"""Reading a CSV of patients (heartnet.csvio): encodings, separators, decimal marks, line numbers, odd rows."""

from __future__ import annotations

import pandas as pd
import pytest

import heartnet
from heartnet.csvio import detect_encoding, read_patients
from heartnet.errors import FileProblem


def test_the_encoding_is_detected_utf8_first_then_windows_1252():
    assert detect_encoding("Paciente,Edad\nJosé,54\n".encode()) == "utf-8"
    assert detect_encoding("\ufeffPaciente\nJosé\n".encode()) == "utf-8"  # a byte-order mark
    assert detect_encoding("Paciente\nJosé – «Begoña»\n".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"Paciente\n\x81\x8d\n") == "latin-1"  # bytes Windows-1252 leaves undefined
    with pytest.raises(FileProblem, match="not a text file"):
        detect_encoding(b"PK\x03\x04\x00\x00", "book.xlsx")


def test_read_patients_keeps_cells_as_written_and_numbers_its_lines(tmp_path):
    path = tmp_path / "p.csv"
    header = ";".join(["ID", *heartnet.FEATURE_NAMES])
    row = "Ñandú;54;M;ASY;140;;0;Normal;120;Y;1,5;Flat"
    path.write_bytes(f"{header}\n{row}\n\n{row}\n".encode("cp1252"))
    patients = read_patients(path)
    assert (patients.sep, patients.decimal, patients.encoding) == (";", ",", "cp1252")
    assert list(patients.cells.iloc[0]) == row.split(";")  # "" stays "", "1,5" stays "1,5"
    assert patients.values["Oldpeak"].iloc[0] == 1.5 and pd.isna(patients.values["Cholesterol"].iloc[0])
    assert list(patients.lines) == [2, 3]  # blank lines are not counted


def test_read_patients_sets_rows_of_the_wrong_width_aside_only_when_asked(patient):
    header = ",".join(patient)
    good = ",".join(str(value) for value in patient.values())
    text = f"{header}\n{good}\n\n{good},x\n{good}\n".encode()
    patients = read_patients(text, set_aside=True)
    assert list(patients.lines) == [2, 4] and patients.malformed == {3: 12}  # the blank line is not counted
    with pytest.raises(FileProblem, match="not a readable CSV"):
        read_patients(text)  # the loader's reading: the whole file is refused


@pytest.mark.parametrize(("oldpeak", "decimal", "seen"), [("1,5", ",", True), ("1.5", ".", True), ("2", ",", False)])
def test_the_decimal_mark_is_the_one_the_numbers_use(patient, oldpeak, decimal, seen):
    cells = {**patient, "Oldpeak": oldpeak}
    patients = read_patients((";".join(patient) + "\n" + ";".join(str(value) for value in cells.values())).encode())
    assert (patients.sep, patients.decimal, patients.decimals_seen) == (";", decimal, seen)
    assert patients.values["Oldpeak"].iloc[0] == float(oldpeak.replace(",", "."))  # both marks are read
