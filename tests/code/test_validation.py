"""The validator: fields, containers, types and clean output (the bad-value corpus is in test_bad_inputs.py)."""

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet.validation import validate_frame, validate_row, validate_rows


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


@pytest.mark.parametrize("dtype", ["Int64", "Float64", object])
def test_pandas_na_is_a_missing_value_alone_and_in_any_column(patient, dtype):
    frame = pd.DataFrame([patient, patient])
    na = pd.array([pd.NA, 200], dtype=dtype)
    assert math.isnan(validate_row({**patient, "Cholesterol": pd.NA})["Cholesterol"])
    assert math.isnan(validate_frame(frame.assign(Cholesterol=na))["Cholesterol"][0])
    with pytest.raises(heartnet.ValidationError, match=r"^field 'Age': missing value"):
        validate_row({**patient, "Age": pd.NA})
    with pytest.raises(heartnet.ValidationError, match=r"^row 0, field 'Age': missing value"):
        validate_frame(frame.assign(Age=na))


def test_a_number_a_row_accepts_is_accepted_in_a_list_of_rows(patient):
    row = {**patient, "Oldpeak": Fraction(1, 2)}
    assert validate_row(row)["Oldpeak"] == validate_rows([row, row])["Oldpeak"][1] == 0.5


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


def test_row_problems_gives_every_problem_of_a_row(patient):
    from heartnet.validation import row_problems

    assert row_problems(patient) == []
    row = {**patient, "Sex": "X", "MaxHR": 900, "Smoker": "yes"}
    del row["Age"]
    problems = row_problems(row)
    assert [(problem.field, problem.problem) for problem in problems] == [
        ("Age", "missing field"),
        ("Smoker", "unknown field"),
        ("Sex", None),
        ("MaxHR", None),
    ]


def test_one_label_rule_for_the_loader_training_and_local_files():
    import numpy as np

    from heartnet.validation import not_a_label

    labels = [0, 1, 1.0, 2, -1, True, np.bool_(False), float("nan"), "1", None]
    assert not_a_label(labels).tolist() == [False, False, False, True, True, True, True, True, True, True]
