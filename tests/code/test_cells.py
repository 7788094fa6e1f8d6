"""Rows of text cells judged (heartnet.cells): what the spec says of every cell, the same everywhere."""

import io
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import heartnet
from heartnet.app.uploads import score_upload
from heartnet.cells import check_patients, reasons_text
from heartnet.csvio import read_patients
from heartnet.errors import ValidationError, WrongWidth
from heartnet.features import FEATURES
from heartnet.local_check import read_labelled
from heartnet.score import score_csv
from heartnet.spanish import reasons_message, validation_message
from heartnet.validation import check_value

_TEXT = st.text(alphabet="abcENAn019 .+-_", max_size=6)  # never a separator, a quote or a line break


def _number_cells(feature, sep: str):
    """Any cell a numeric column might hold, around and on the edges of its range."""
    marks = [".", ","] if sep == ";" else ["."]
    low, high = int(feature.min), int(feature.max)
    integers = st.integers(low - 20, high + 20).map(str)
    decimals = st.tuples(st.floats(feature.min - 5, feature.max + 5), st.integers(0, 3), st.sampled_from(marks)).map(
        lambda t: f"{t[0]:.{t[1]}f}".replace(".", t[2])
    )
    padded = integers.map(lambda text: f" {text} ")
    edges = st.sampled_from(
        [
            *(str(low), str(high), f"{high}.0", f"{high}.01", f"{low - 1}.99", "0", "", "NA", "nan", "1e2", "+1", "-0"),
            *("0E900", "9E999", "-Infinity", " nan", "1_0", ".5", "5.", "0x10", "٥٤", "99999999999999999999"),
        ]
    )
    return st.one_of(integers, decimals, padded, edges, _TEXT)


def _choice_cells(feature):
    """Any cell a binary or categorical column might hold: its values, near misses, text."""
    allowed = [str(value) for value in feature.values]
    variants = [text.lower() for text in allowed] + [f" {text}" for text in allowed] + [f"{text}.0" for text in allowed]
    return st.one_of(st.sampled_from(allowed), st.sampled_from([*variants, "", "NA", "2", "-1"]), _TEXT)


def _valid_cells(feature):
    """A cell the validator accepts (so that a row's other cells don't hide a wrong verdict on one)."""
    if feature.kind != "numeric":
        return st.sampled_from([str(value) for value in feature.values])
    numbers = st.floats(feature.min, feature.max).map(lambda value: f"{value:.2f}")
    return st.one_of(numbers, st.just("")) if feature.nullable else numbers


@st.composite
def _files(draw):
    """A CSV of a few rows, each valid but for at most two cells, which may be anything."""
    sep = draw(st.sampled_from([",", ";"]))
    names = [f.name for f in FEATURES]
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        odd = draw(st.sets(st.sampled_from(names), max_size=2))
        rows.append(
            {
                f.name: draw(
                    (_number_cells(f, sep) if f.kind == "numeric" else _choice_cells(f))
                    if f.name in odd
                    else _valid_cells(f)
                )
                for f in FEATURES
            }
        )
    text = sep.join(names) + "\n" + "".join(sep.join(row[name] for name in names) + "\n" for row in rows)
    return text.encode()


def _plain(value):
    """A cell's clean value as Python holds it: numpy scalars unwrapped, bytes categories decoded."""
    value = value.item() if isinstance(value, np.generic) else value
    return value.decode() if isinstance(value, bytes) else value


def _same(found, expected) -> bool:
    found = _plain(found)
    both_missing = isinstance(found, float) and math.isnan(found) and math.isnan(expected)
    return type(found) is type(expected) and (both_missing or found == expected)


def _reason(error: ValidationError) -> tuple:
    """What a reason says: field, line, problem, what is allowed, the hint, and the value quoted (``9`` as 9, ``9.0``
    as 9.0)."""
    return (error.field, error.row, error.problem, error.allowed, error.hint, repr(error.value))


# The reference, written apart from heartnet.csvio and heartnet.validation: pandas reads the file (its own CSV
# reader and its own list of cells that mean "no value"), Python reads each cell, and the spec's rules are spelled
# out below. Only the wording of a reason is asked of heartnet (check_value), given the reference's value.


def _reference_number(text: str) -> float | int | None:
    """A trimmed cell's number as Python reads it (ASCII digits, a point, an exponent, an infinity), else None."""
    if not text.isascii() or "_" in text or "nan" in text.lower():  # float() takes "1_0" and "nan": not numbers
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else number


def _reference_cell(cell: str | float, sep: str) -> object:
    """A number's (or a flag's) cell: NaN where pandas found no value or only spaces; trimmed, with "1,5" read as
    1.5 in ';' files; a number where Python reads one, else the trimmed text."""
    if isinstance(cell, float):  # NaN: empty, "NA" and the like
        return cell
    text = cell.strip().replace(",", ".") if sep == ";" else cell.strip()
    number = _reference_number(text)
    return math.nan if text == "" else text if number is None else number


def _reference_values(data: bytes) -> pd.DataFrame:
    """Each feature cell's value as the reference reads it; a category exactly as written (NaN: no value)."""
    sep = ";" if b";" in data.split(b"\n", 1)[0] else ","
    raw = pd.read_csv(io.BytesIO(data), sep=sep, dtype=str)
    return pd.DataFrame(
        {
            f.name: pd.Series(
                [cell if f.kind == "categorical" else _reference_cell(cell, sep) for cell in raw[f.name]], dtype=object
            )
            for f in FEATURES
        }
    )


def _spec(feature, value) -> tuple[bool, object]:
    """``(accepted, clean value)``, from the spec in plain words.

    A number lies in its range, inclusive, or, for the nullable one, is
    missing or its missing code (both: not measured, NaN); a flag is a
    number equal to 0 or 1; a category is text equal to an allowed value.
    """
    if feature.kind == "numeric":
        if isinstance(value, str):
            return False, None
        if math.isnan(value) or (feature.nullable and value == feature.missing_code):
            return feature.nullable, math.nan
        return feature.min <= value <= feature.max, float(value)
    if feature.kind == "binary":
        accepted = not isinstance(value, str) and value in feature.values
        return accepted, int(value) if accepted else None
    return isinstance(value, str) and value in feature.values, value


_HEADER = ",".join(f.name for f in FEATURES)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_files())
@example(f"{_HEADER}\n18.00,M,TA,60.00, ,0,Normal,50.00,N,0.00,Up\n".encode())  # spaces: an empty cell, found here
@example(f"{_HEADER}\n0,M,TA,-0,50.00,0,Normal,50.00,N,0.00,Up\n18.5,M,TA,60,50,0,Normal,50,N,0,Up\n".encode())
@example(f"{_HEADER}\n1e2,M,TA,2.5E2,0E900,1.0,Normal,230,N,-5,Up\n".encode())  # exponents; 0E900 is 0
def test_every_cell_gets_the_specs_verdict_value_and_reason(data):
    """heartnet's reading and checking of a file against the reference's reading and the spec, cell by cell."""
    patients = read_patients(data)
    checked = check_patients(patients)
    reference = _reference_values(data)
    good_row = 0
    for position, line in enumerate(patients.lines):
        verdicts = []
        for feature in FEATURES:
            value = reference[feature.name].iloc[position]
            accepted, clean = _spec(feature, value)
            if accepted:
                verdicts.append((True, clean))
                continue
            with pytest.raises(ValidationError) as refused:
                check_value(feature, value)
            verdicts.append((False, _reason(refused.value.at(int(line), "line"))))
        bad = [reason for ok, reason in verdicts if not ok]
        assert bool(checked.good[position]) == (not bad), (line, verdicts)
        if bad:
            assert [_reason(problem) for problem in checked.rejects[int(line)]] == bad
            continue
        assert int(line) not in checked.rejects
        for feature, (_, value) in zip(FEATURES, verdicts, strict=True):
            found = checked.columns[feature.name][good_row]
            assert _same(found, value), (feature.name, found, value)
        good_row += 1
    assert good_row == len(checked.columns[FEATURES[0].name])


def _mixed_file(patient, *, label: bool = False) -> bytes:
    """Two good rows around a bad Sex (line 3), a row with one field too many (4) and an age of NA (5)."""
    names = [f.name for f in FEATURES] + ["HeartDisease"] * label
    patient = patient | {"HeartDisease": 1}
    good = [str(patient[name]) for name in names]
    bad_sex = [("x" if name == "Sex" else cell) for name, cell in zip(names, good, strict=True)]
    bad_age = [("NA" if name == "Age" else cell) for name, cell in zip(names, good, strict=True)]
    rows = [names, good, bad_sex, [*good, "9"], bad_age, good]
    return "".join(",".join(row) + "\n" for row in rows).encode()


def test_score_the_batch_page_and_the_local_evaluation_reject_the_same_rows_for_the_same_reasons(
    tmp_path, patient, trained_path
):
    model = heartnet.load(trained_path)
    data = _mixed_file(patient)
    source = tmp_path / "patients.csv"
    source.write_bytes(data)
    summary = score_csv(source, tmp_path / "out.csv", model, rejects_path=tmp_path / "rejects.csv")
    batch = score_upload(read_patients(data, set_aside=True), model)
    local = read_labelled(_mixed_file(patient, label=True))

    def structured(rejects):
        return {line: [(e.field, repr(e.value), e.problem) for e in problems] for line, problems in rejects.items()}

    assert list(summary.first_rejects) == [3, 4, 5]
    assert structured(summary.first_rejects) == structured(check_patients(read_patients(data, set_aside=True)).rejects)
    assert [str(error) for error in summary.first_rejects[4]] == ["line 4: expected 11 fields, got 12"]
    assert [str(error) for error in local.rejected[4]] == ["line 4: expected 12 fields, got 13"]  # the label column
    assert {line: v for line, v in structured(local.rejected).items() if line != 4} == {
        line: v for line, v in structured(summary.first_rejects).items() if line != 4
    }
    assert list(batch.rejects["línea"]) == [3, 4, 5]
    assert list(batch.rejects["motivos"]) == [reasons_message(summary.first_rejects[line]) for line in (3, 4, 5)]
    written = pd.read_csv(tmp_path / "rejects.csv")
    assert list(written["line"]) == [3, 4, 5]
    assert list(written["reason"]) == [reasons_text(summary.first_rejects[line]) for line in (3, 4, 5)]
    assert summary.scored == len(batch.result) == len(local.frame) == 2
    assert np.allclose(batch.probabilities, heartnet.predict([patient, patient], model))


def test_a_row_of_the_wrong_width_is_worded_in_english_and_in_spanish():
    error = WrongWidth(13, 12, row=7)
    assert str(error) == "line 7: expected 12 fields, got 13"
    assert reasons_text([error]) == "expected 12 fields, got 13"
    spanish = validation_message(error)
    assert spanish.startswith("Línea 7: la fila tiene 13 celdas y el encabezado 12 columnas")
    assert reasons_message([error]).startswith("La fila tiene 13 celdas")


@pytest.mark.parametrize("cell", ["", "NA"])
def test_an_unmeasured_cholesterol_is_valid_and_missing_everywhere(cell, patient):
    names = [f.name for f in FEATURES]
    row = [cell if name == "Cholesterol" else str(patient[name]) for name in names]
    checked = check_patients(read_patients((",".join(names) + "\n" + ",".join(row) + "\n").encode()))
    assert checked.good.all() and math.isnan(checked.columns["Cholesterol"][0])
    assert np.isnan(checked.frame()["Cholesterol"]).all() and tuple(checked.frame()) == heartnet.FEATURE_NAMES
