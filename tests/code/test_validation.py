"""Every bad input gets a clear ValidationError (or TypeError) before TensorFlow sees it."""

import math

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet.validation import validate_frame, validate_row, validate_rows

BAD_VALUES = [
    # field, value, message pattern
    ("Age", None, r"field 'Age': missing value; expected a number from 18 to 100 años"),
    ("Age", math.nan, r"field 'Age': missing value"),
    ("Age", math.inf, r"field 'Age': got inf; expected a number from 18 to 100"),
    ("Age", -math.inf, r"field 'Age': got -inf"),
    ("Age", -3, r"field 'Age': got -3; expected a number from 18 to 100"),
    ("Age", "54", r"field 'Age': got str '54'; expected a number"),
    ("Age", True, r"field 'Age': got a boolean True"),
    ("Age", [54], r"field 'Age': got list \[54\]"),
    ("Age", {"value": 54}, r"field 'Age': got dict"),
    ("Age", 10**400, r"field 'Age': got 1000000000"),
    ("MaxHR", 900, r"field 'MaxHR': got 900; expected a number from 50 to 230 lpm"),
    ("RestingBP", 0, r"field 'RestingBP': got 0; expected a number from 60 to 250 mm Hg"),
    ("Oldpeak", "1,5", r"field 'Oldpeak': got str '1,5'"),
    ("Cholesterol", -5, r"field 'Cholesterol': got -5; expected a number from 50 to 700 mg/dl or None"),
    ("Cholesterol", "none", r"field 'Cholesterol': got str 'none'"),
    ("Sex", "X", r"field 'Sex': got 'X'; expected one of 'M', 'F'$"),
    ("Sex", 1, r"field 'Sex': got 1; expected one of 'M', 'F'"),
    ("Sex", None, r"field 'Sex': missing value; expected one of 'M', 'F'"),
    ("ChestPainType", "XYZ", r"field 'ChestPainType': got 'XYZ'; expected one of 'TA', 'ATA', 'NAP', 'ASY'"),
    ("ChestPainType", "asy", r"field 'ChestPainType': got 'asy'; expected one of .* \(did you mean 'ASY'\?\)"),
    ("ChestPainType", " ASY ", r"field 'ChestPainType': got ' ASY '; .*did you mean 'ASY'\?"),
    ("ST_Slope", "flat", r"field 'ST_Slope': got 'flat'; .*\(did you mean 'Flat'\?\)"),
    ("ExerciseAngina", True, r"field 'ExerciseAngina': got True; expected one of 'N', 'Y'"),
    ("FastingBS", 2, r"field 'FastingBS': got 2; expected one of 0, 1"),
    ("FastingBS", "1", r"field 'FastingBS': got '1'; expected one of 0, 1"),
    ("FastingBS", True, r"field 'FastingBS': got True"),
    ("FastingBS", 0.5, r"field 'FastingBS': got 0.5"),
    ("RestingECG", "x" * 10_000, r"field 'RestingECG': got 'xxxxx[x]*\.\.\.; expected one of"),
]


@pytest.mark.parametrize(("field", "value", "pattern"), BAD_VALUES, ids=lambda v: str(v)[:20])
def test_bad_value_is_rejected_with_field_value_and_allowed(patient, field, value, pattern):
    patient[field] = value
    with pytest.raises(heartnet.ValidationError, match=pattern) as caught:
        validate_row(patient)
    assert caught.value.field == field
    assert caught.value.value is value
    assert caught.value.allowed.startswith("expected")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("field", "value", "pattern"), BAD_VALUES, ids=lambda v: str(v)[:20])
def test_frame_names_the_first_bad_row(patient, field, value, pattern):
    rows = [dict(patient) for _ in range(4)]
    rows[2][field] = value
    rows[3][field] = value
    with pytest.raises(heartnet.ValidationError, match="^row 2, " + pattern.removeprefix("^")) as caught:
        validate_rows(pd.DataFrame(rows, dtype=object))
    assert caught.value.row == 2


def test_missing_field(patient):
    del patient["ST_Slope"]
    with pytest.raises(heartnet.ValidationError, match=r"field 'ST_Slope': missing field; every field is required"):
        validate_row(patient)


def test_missing_cholesterol_field_explains_none(patient):
    del patient["Cholesterol"]
    with pytest.raises(heartnet.ValidationError, match=r"'Cholesterol': missing field; .*None when not measured"):
        validate_row(patient)


def test_unknown_field(patient):
    patient["Smoker"] = "yes"
    with pytest.raises(heartnet.ValidationError, match=r"field 'Smoker': unknown field; known fields are Age, Sex"):
        validate_row(patient)


def test_empty_dict_names_the_first_missing_field():
    with pytest.raises(heartnet.ValidationError, match="field 'Age': missing field"):
        validate_row({})


@pytest.mark.parametrize("row", [["Age", 54], "Age=54", 54, None], ids=repr)
def test_a_row_that_is_not_a_dict_is_a_type_error(row):
    with pytest.raises(TypeError, match="a row must be a dict of field values, got"):
        validate_row(row)


@pytest.mark.parametrize("rows", ["abc", 3, {"Age": 54}], ids=repr)
def test_rows_that_are_not_a_frame_or_list_are_a_type_error(rows):
    with pytest.raises(TypeError, match="rows must be a pandas DataFrame or a list of dicts"):
        validate_rows(rows)


def test_a_list_item_that_is_not_a_dict_names_its_row(patient):
    with pytest.raises(TypeError, match="row 1: a row must be a dict"):
        validate_rows([patient, "oops"])


def test_heart_disease_in_a_row_is_ignored(patient):
    assert validate_row({**patient, "HeartDisease": 1}) == validate_row(patient)


@pytest.mark.parametrize("missing", [None, 0, math.nan, np.float64("nan")], ids=repr)
def test_cholesterol_not_measured(patient, missing):
    patient["Cholesterol"] = missing
    assert math.isnan(validate_row(patient)["Cholesterol"])


def test_numpy_scalars_and_ints_are_accepted(patient):
    as_numpy = {
        **patient,
        "Age": np.int64(54),
        "RestingBP": np.float32(140),
        "FastingBS": np.int8(0),
        "Oldpeak": 1,
        "Sex": np.str_("M"),
    }
    assert validate_row(as_numpy) == validate_row({**patient, "Oldpeak": 1.0})
    clean = validate_row(as_numpy)
    assert type(clean["Age"]) is float and type(clean["FastingBS"]) is int and type(clean["Sex"]) is str


def test_clean_row_is_in_spec_order(patient):
    assert tuple(validate_row(dict(reversed(patient.items())))) == heartnet.FEATURE_NAMES


def test_frame_and_list_give_the_same_clean_frame(patient, dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(50)
    from_frame = validate_frame(features)
    from_list = validate_rows(features.to_dict("records"))
    pd.testing.assert_frame_equal(from_frame, from_list)
    assert from_frame["FastingBS"].dtype == "int64"
    assert from_frame["Age"].dtype == "float64"


def test_frame_missing_and_unknown_columns(dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(3)
    with pytest.raises(heartnet.ValidationError, match="field 'MaxHR': missing field"):
        validate_frame(features.drop(columns="MaxHR"))
    with pytest.raises(heartnet.ValidationError, match="field 'extra': unknown field"):
        validate_frame(features.assign(extra=1))


def test_frame_with_duplicated_column(dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(3)
    doubled = pd.concat([features, features[["Age"]]], axis=1)
    with pytest.raises(heartnet.ValidationError, match="field 'Age': duplicated column"):
        validate_frame(doubled)


def test_numeric_frame_column_with_nan_and_inf_is_checked_vectorized(dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(10).copy()
    features.loc[7, "MaxHR"] = np.inf
    features.loc[8, "Oldpeak"] = np.nan
    with pytest.raises(heartnet.ValidationError, match=r"^row 7, field 'MaxHR': got inf"):
        validate_frame(features)


def test_the_earliest_bad_row_wins_across_columns(dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(10).copy().astype(object)
    features.loc[6, "Age"] = 5
    features.loc[4, "ST_Slope"] = "Sideways"
    with pytest.raises(heartnet.ValidationError, match=r"^row 4, field 'ST_Slope'"):
        validate_frame(features)


def test_empty_list_gives_an_empty_frame():
    assert validate_rows([]).columns.tolist() == list(heartnet.FEATURE_NAMES)
    assert len(validate_rows([])) == 0


def test_input_frame_is_not_modified(dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(5).copy()
    features.loc[0, "Cholesterol"] = 0
    before = features.copy()
    validate_frame(features)
    pd.testing.assert_frame_equal(features, before)
