"""The one engine that checks rows of text cells (heartnet.cells): the same verdicts as the validator, everywhere."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import heartnet
from heartnet.app.batch import score_upload
from heartnet.cells import check_patients, reasons_text
from heartnet.csvio import read_patients
from heartnet.errors import ValidationError, WrongWidth
from heartnet.features import FEATURES
from heartnet.score import score_csv
from heartnet.spanish import reasons_message, validation_message
from heartnet.updating import read_labelled
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
        [str(low), str(high), f"{high}.0", f"{high}.01", f"{low - 1}.99", "0", "", "NA", "nan", "1e2", "+1", "-0"]
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
    """What a reason says: field, line, problem, what is allowed, the hint, and the value (0 and 0.0 alike).

    Whether a file's ``0`` reads as 0 or 0.0 depends on the other cells of its
    column (pandas parses a column at a time), not on the verdict.
    """
    value = error.value
    if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
        value = float(value) + 0.0  # -0.0 and 0.0 alike
    return (error.field, error.row, error.problem, error.allowed, error.hint, repr(value))


_HEADER = ",".join(f.name for f in FEATURES)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_files())
@example(f"{_HEADER}\n18.00,M,TA,60.00, ,0,Normal,50.00,N,0.00,Up\n".encode())  # spaces: an empty cell, found here
@example(f"{_HEADER}\n0,M,TA,-0,50.00,0,Normal,50.00,N,0.00,Up\n18.5,M,TA,60,50,0,Normal,50,N,0,Up\n".encode())
def test_every_cell_gets_the_validators_verdict_value_and_reason(data):
    """Reference: pandas reads the whole file as the loader does, and check_value judges each cell."""
    patients = read_patients(data)
    checked = check_patients(patients)
    good_row = 0
    for position, line in enumerate(patients.lines):
        verdicts = []
        for feature in FEATURES:
            try:
                verdicts.append((True, check_value(feature, patients.values[feature.name].iloc[position])))
            except ValidationError as error:
                verdicts.append((False, _reason(error.at(int(line), "line"))))
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

    assert list(summary.rejects) == [3, 4, 5]
    assert structured(summary.rejects) == structured(check_patients(read_patients(data, set_aside=True)).rejects)
    assert [str(error) for error in summary.rejects[4]] == ["line 4: expected 11 fields, got 12"]
    assert [str(error) for error in local.rejected[4]] == ["line 4: expected 12 fields, got 13"]  # the label column
    assert {line: v for line, v in structured(local.rejected).items() if line != 4} == {
        line: v for line, v in structured(summary.rejects).items() if line != 4
    }
    assert list(batch.rejects["línea"]) == [3, 4, 5]
    assert list(batch.rejects["motivos"]) == [reasons_message(summary.rejects[line]) for line in (3, 4, 5)]
    written = pd.read_csv(tmp_path / "rejects.csv")
    assert list(written["line"]) == [3, 4, 5]
    assert list(written["reason"]) == [reasons_text(summary.rejects[line]) for line in (3, 4, 5)]
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
