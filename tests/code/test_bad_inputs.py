"""The corpus of bad inputs: every one gets a clear error naming the field or file, never a traceback.

Each row case goes through predict_one, through predict inside a frame, and
through the CLI (exit code 2, one line on stderr, nothing on stdout).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import heartnet
from heartnet import cli
from heartnet.features import FEATURES
from tests.examples import PATIENT as BASE

REMOVE = object()

# (case, field, value or REMOVE, pattern the message must match); one case per input
ROW_CASES = [
    ("missing field", "Age", REMOVE, r"field 'Age': missing field"),
    ("missing nullable field", "Cholesterol", REMOVE, r"field 'Cholesterol': missing field.*None when not measured"),
    ("unknown field", "Smoker", "yes", r"field 'Smoker': unknown field; known fields are Age"),
    ("misspelt field", "age", 54, r"field 'age': unknown field"),
    ("None for a number", "MaxHR", None, r"field 'MaxHR': missing value; expected a number"),
    ("None for a category", "Sex", None, r"field 'Sex': missing value; expected one of 'M', 'F'"),
    ("NaN", "Oldpeak", math.nan, r"field 'Oldpeak': missing value"),
    ("+inf", "RestingBP", math.inf, r"field 'RestingBP': got inf"),
    ("-inf", "Oldpeak", -math.inf, r"field 'Oldpeak': got -inf"),
    ("string for a number", "Age", "54", r"field 'Age': got str '54'"),
    ("decimal comma string", "Oldpeak", "1,5", r"field 'Oldpeak': got str '1,5'"),
    ("number for a category", "ChestPainType", 3, r"field 'ChestPainType': got 3; expected one of"),
    (
        "unknown category",
        "ST_Slope",
        "Sideways",
        r"field 'ST_Slope': got 'Sideways'; expected one of 'Up', 'Flat', 'Down'",
    ),
    ("stray spaces", "Sex", " M ", r"field 'Sex': got ' M '.*did you mean 'M'\?"),
    ("boolean for a number", "Age", True, r"field 'Age': got a boolean True"),
    ("boolean for a binary", "FastingBS", False, r"field 'FastingBS': got False; expected one of 0, 1"),
    ("negative age", "Age", -1, r"field 'Age': got -1; expected a number from 18 to 100 años"),
    ("MaxHR 900", "MaxHR", 900, r"field 'MaxHR': got 900; expected a number from 50 to 230 lpm"),
    ("nested list", "Age", [54], r"field 'Age': got list \[54\]"),
    ("nested dict", "Sex", {"value": "M"}, r"field 'Sex': got \{'value': 'M'\}"),
    ("huge string", "RestingECG", "x" * 100_000, r"field 'RestingECG': got 'x+\.\.\.; expected one of"),
    ("huge integer", "Age", 10**400, r"field 'Age': got 1000"),
    ("age 150", "Age", 150, r"field 'Age': got 150"),
    ("Oldpeak 11", "Oldpeak", 11, r"field 'Oldpeak': got 11; expected a number from -5 to 10 mm"),
    ("cholesterol 5000", "Cholesterol", 5000, r"field 'Cholesterol': got 5000"),
    ("word for a number", "MaxHR", "fast", r"field 'MaxHR': got str 'fast'"),
    ("empty string category", "Sex", "", r"field 'Sex': got ''; expected one of"),
    ("bytes category", "Sex", b"M", r"field 'Sex': got b'M'"),
    ("float category", "ST_Slope", 1.0, r"field 'ST_Slope': got 1.0"),
    ("half a binary", "FastingBS", 0.5, r"field 'FastingBS': got 0.5"),
    ("complex number", "Age", 1 + 2j, r"field 'Age': got complex"),
    ("tuple", "RestingBP", (140,), r"field 'RestingBP': got tuple"),
    ("numpy NaN", "MaxHR", np.float64("nan"), r"field 'MaxHR': missing value"),
    ("numpy bool", "Age", np.bool_(True), r"field 'Age': got a boolean True"),
    ("None for age", "Age", None, r"field 'Age': missing value; expected a number from 18 to 100 años"),
    ("NaN age", "Age", math.nan, r"field 'Age': missing value"),
    ("infinite age", "Age", math.inf, r"field 'Age': got inf; expected a number from 18 to 100"),
    ("minus infinite age", "Age", -math.inf, r"field 'Age': got -inf"),
    ("dict for a number", "Age", {"value": 54}, r"field 'Age': got dict"),
    ("blood pressure 0 with range", "RestingBP", 0, r"RestingBP.: got 0; expected a number from 60 to 250 mm Hg"),
    ("negative cholesterol, None hint", "Cholesterol", -5, r"got -5; expected a number from 50 to 700 mg/dl or None"),
    ("word for cholesterol", "Cholesterol", "none", r"field 'Cholesterol': got str 'none'"),
    ("unknown sex", "Sex", "X", r"field 'Sex': got 'X'; expected one of 'M', 'F'$"),
    ("number for sex", "Sex", 1, r"field 'Sex': got 1; expected one of 'M', 'F'"),
    ("unknown chest pain", "ChestPainType", "XYZ", r"got 'XYZ'; expected one of 'TA', 'ATA', 'NAP', 'ASY'"),
    ("wrong case with list", "ChestPainType", "asy", r"got 'asy'; expected one of .* \(did you mean 'ASY'\?\)"),
    ("padded category", "ChestPainType", " ASY ", r"field 'ChestPainType': got ' ASY '; .*did you mean 'ASY'\?"),
    ("wrong case slope", "ST_Slope", "flat", r"field 'ST_Slope': got 'flat'; .*\(did you mean 'Flat'\?\)"),
    ("boolean angina", "ExerciseAngina", True, r"field 'ExerciseAngina': got True; expected one of 'N', 'Y'"),
    ("binary 2 with values", "FastingBS", 2, r"field 'FastingBS': got 2; expected one of 0, 1"),
    ("string binary with values", "FastingBS", "1", r"field 'FastingBS': got '1'; expected one of 0, 1"),
    ("boolean binary", "FastingBS", True, r"field 'FastingBS': got True"),
]
# The cases where a known field holds a bad value (not a missing or unknown field).
VALUE_CASES = [case for case in ROW_CASES if case[2] is not REMOVE and case[1] in heartnet.FEATURE_NAMES]


def _row(field, value):
    row = dict(BASE)
    if value is REMOVE:
        del row[field]
    else:
        row[field] = value
    return row


@pytest.mark.parametrize(("case", "field", "value", "pattern"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_predict_one_rejects(model, case, field, value, pattern):
    with pytest.raises(heartnet.ValidationError, match=pattern) as caught:
        heartnet.predict_one(_row(field, value), model)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("case", "field", "value", "pattern"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_a_bad_value_keeps_the_value_received_and_says_what_is_allowed(case, field, value, pattern):
    with pytest.raises(heartnet.ValidationError, match=pattern) as caught:
        heartnet.validate_row(_row(field, value))
    assert caught.value.value is value
    assert caught.value.allowed.startswith("expected")


@pytest.mark.parametrize(("case", "field", "value", "pattern"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_a_frame_names_its_first_bad_row(case, field, value, pattern):
    rows = [dict(BASE), dict(BASE), _row(field, value), _row(field, value)]
    with pytest.raises(heartnet.ValidationError, match=pattern) as caught:
        heartnet.validate_rows(pd.DataFrame(rows, dtype=object))
    assert caught.value.row == 2 and str(caught.value).startswith(f"row 2, field '{field}': ")


@pytest.mark.parametrize(("case", "field", "value", "pattern"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_predict_names_the_bad_row_of_a_frame(model, monkeypatch, case, field, value, pattern):
    import importlib

    monkeypatch.setattr(importlib.import_module("heartnet.inference"), "probabilities", lambda *a: pytest.fail("TF"))
    rows = [dict(BASE), dict(BASE), _row(field, value)]
    frame = pd.DataFrame(rows, dtype=object) if value is not REMOVE else pd.DataFrame(rows)
    if value is REMOVE:  # a frame has no per-row missing key: the whole column is missing
        frame = frame.drop(columns=field)
        pattern = rf"field '{field}': missing field"
    with pytest.raises(heartnet.ValidationError, match=pattern):
        heartnet.predict(frame, model)


@pytest.mark.parametrize(("case", "field", "value", "pattern"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_cli_exits_2_with_one_line(capsys, trained_path, case, field, value, pattern):
    row = _row(field, value)
    try:
        text = json.dumps(row, allow_nan=True)
    except (TypeError, ValueError):
        pytest.skip("not expressible in JSON")
    if isinstance(value, float) and not math.isfinite(value):
        pytest.skip("JSON has no NaN or infinity")
    assert cli.main(["predict", text, "--model", str(trained_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and err.startswith("heartnet: error: ")


@pytest.mark.parametrize(
    ("rows", "error", "pattern"),
    [
        ({}, heartnet.ValidationError, r"field 'Age': missing field"),
        ("a string", TypeError, r"rows must be a pandas DataFrame or a list of dicts"),
        ([BASE, "a string"], TypeError, r"row 1: a row must be a dict"),
        ([BASE, [1, 2]], TypeError, r"row 1: a row must be a dict"),
        (42, TypeError, r"rows must be a pandas DataFrame or a list of dicts, got int"),
    ],
    ids=["empty dict", "string", "string item", "list item", "number"],
)
def test_containers_that_are_not_rows(model, rows, error, pattern):
    call = heartnet.predict_one if isinstance(rows, dict) else heartnet.predict
    with pytest.raises(error, match=pattern):
        call(rows, model)


def test_predict_one_of_a_list_or_string_is_a_type_error(model):
    for bad in (["Age", 54], "Age=54", None):
        with pytest.raises(TypeError, match="a row must be a dict of field values"):
            heartnet.predict_one(bad, model)


# --- property tests ---


def _inside(feature):
    if feature.kind == "numeric":
        values = st.floats(min_value=feature.min, max_value=feature.max, allow_nan=False)
        if feature.nullable:
            values = st.one_of(values, st.none())
        return values
    return st.sampled_from(feature.values)


ROWS = st.fixed_dictionaries({feature.name: _inside(feature) for feature in FEATURES})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=ROWS)
def test_any_row_inside_the_spec_gives_a_probability(model, row):
    probability = heartnet.predict_one(row, model)
    assert 0.0 <= probability <= 1.0 and math.isfinite(probability)


def _outside(feature):
    if feature.kind == "numeric":
        return st.one_of(
            st.floats(max_value=feature.min, exclude_max=True, allow_nan=False),
            st.floats(min_value=feature.max, exclude_min=True),
            st.text(max_size=5),
            st.booleans(),
            *([] if feature.nullable else [st.none()]),
        ).filter(lambda v: not (feature.nullable and isinstance(v, float) and v == feature.missing_code))
    return st.one_of(
        st.text(max_size=8).filter(lambda v: v not in feature.values),
        st.integers().filter(lambda v: v not in feature.values or feature.kind == "categorical"),
        st.floats(allow_nan=False).filter(lambda v: v not in feature.values),
        st.none(),
        st.booleans() if feature.kind == "binary" else st.nothing(),
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_one_field_outside_the_spec_raises_a_validation_error_and_nothing_else(data):
    row = data.draw(ROWS)
    feature = data.draw(st.sampled_from(FEATURES))
    row[feature.name] = data.draw(_outside(feature))
    with pytest.raises(heartnet.ValidationError) as caught:
        heartnet.validate_row(row)
    assert caught.value.field == feature.name


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_vectorized_and_scalar_checks_agree(data):
    rows = [data.draw(ROWS) for _ in range(3)]
    feature = data.draw(st.sampled_from(FEATURES))
    position = data.draw(st.integers(0, 2))
    rows[position][feature.name] = data.draw(_outside(feature))
    with pytest.raises(heartnet.ValidationError) as caught:
        heartnet.validate_rows(pd.DataFrame(rows, dtype=object))
    assert caught.value.row == position and caught.value.field == feature.name


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(ROWS, min_size=1, max_size=4))
def test_valid_rows_come_back_clean_in_spec_order_and_types(rows):
    clean = heartnet.validate_rows(pd.DataFrame(rows))
    assert list(clean.columns) == list(heartnet.FEATURE_NAMES) and len(clean) == len(rows)
    for feature in FEATURES:
        column = clean[feature.name]
        given_values = [row[feature.name] for row in rows]
        if feature.kind == "numeric":
            assert column.dtype == "float64"
            expected = [np.nan if v is None or v == feature.missing_code else v for v in given_values]
            np.testing.assert_array_equal(column.to_numpy(), np.array(expected, dtype=float))
            assert np.isfinite(column.dropna()).all() and (feature.nullable or column.notna().all())
        else:
            assert column.tolist() == given_values


@pytest.mark.parametrize(("case", "field", "value", "pattern"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_the_app_phrases_every_case_in_spanish(case, field, value, pattern):
    from heartnet.features import FEATURES_BY_NAME
    from heartnet.spanish import validation_message

    with pytest.raises(heartnet.ValidationError) as caught:
        heartnet.validate_row(_row(field, value))
    message = validation_message(caught.value)
    feature = FEATURES_BY_NAME.get(field)
    assert (feature.label if feature else field) in message
    assert not any(word in message for word in ("expected", "got", "field"))  # no English left


@pytest.mark.parametrize(
    ("command", "key", "value", "pattern"),
    [
        ("evaluate", "split.test_rows", [99999], r"'split\.test_rows' must be a list of row positions .*, got 99999"),
        ("evaluate", "split.test_rows", "abc", r"'split\.test_rows' must be a list of row positions, got 'abc'"),
        ("predict", "observed_ranges", {"Age": "x"}, r"'observed_ranges\.Age' must be .*two numbers, got 'x'"),
    ],
    ids=["a held-out row past the data", "held-out rows as text", "a range as text"],
)
def test_hand_edited_metadata_exits_2_with_one_line_naming_the_field(
    capsys, model_copy, metadata, command, key, value, pattern
):
    """The README invites editing the metadata (the threshold): a slip there is the user's to fix, not a traceback."""
    outer, _, inner = key.rpartition(".")
    path = model_copy(**({outer: {**metadata[outer], inner: value}} if outer else {key: value}))
    argv = [command, json.dumps(BASE)] if command == "predict" else [command]
    assert cli.main([*argv, "--model", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert re.match(rf"heartnet: error: \S*copia\.json: {pattern}$", err.strip())
