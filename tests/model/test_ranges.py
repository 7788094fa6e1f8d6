"""Values a model never saw: recorded at training, warned about by predict, counted by score, never an error."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet import cli
from heartnet.ranges import observed_ranges
from heartnet.score import score_csv


@pytest.fixture(scope="module")
def trained_model(trained_path):
    return heartnet.load(trained_path)


def test_training_records_the_range_of_each_number_its_rows_span(trained_model, dataset):
    train = dataset.drop(index=trained_model.metadata["split"]["test_rows"])
    ranges = trained_model.observed_ranges
    assert set(ranges) == {f.name for f in heartnet.FEATURES if f.kind == "numeric"}
    for name, (low, high) in ranges.items():
        assert (low, high) == (train[name].min(), train[name].max())  # NaN (not measured) ignored
        feature = heartnet.features.FEATURES_BY_NAME[name]
        assert feature.min <= low < high <= feature.max  # narrower than what the validator accepts
    classifier = heartnet.HeartnetClassifier.from_trained(trained_model)
    assert classifier.observed_ranges_ == ranges


def test_a_valid_but_unseen_value_is_predicted_with_a_warning_naming_field_value_and_range(trained_model, patient):
    low, high = trained_model.observed_ranges["Age"]
    young = {**patient, "Age": low - 5}
    assert heartnet.validate_row(young)  # valid for the validator
    with pytest.warns(heartnet.OutOfRangeWarning) as caught:
        probability = heartnet.predict_one(young, trained_model)
    assert len(caught) == 1
    warning = caught[0].message
    assert (warning.field, warning.value, warning.low, warning.high, warning.count) == ("Age", low - 5, low, high, 1)
    assert f"Age: {low - 5:g} is outside the range the model was trained on ({low:g} to {high:g}" in str(warning)
    with warnings.catch_warnings():  # users can filter it like any warning, and the prediction is the same
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=heartnet.OutOfRangeWarning)
        assert heartnet.predict_one(young, trained_model) == probability


def test_predict_warns_once_per_field_with_the_count_and_the_most_extreme_value(trained_model, patient):
    (age_low, _), (_, hr_high) = trained_model.observed_ranges["Age"], trained_model.observed_ranges["MaxHR"]
    rows = [
        patient,
        {**patient, "Age": age_low - 2},
        {**patient, "Age": age_low - 7},
        {**patient, "MaxHR": hr_high + 1},
    ]
    with pytest.warns(heartnet.OutOfRangeWarning) as caught:
        heartnet.predict(rows, trained_model)
    found = {w.message.field: (w.message.count, w.message.value) for w in caught}
    assert found == {"Age": (2, age_low - 7), "MaxHR": (1, hr_high + 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the training range itself warns of nothing
        heartnet.predict([{**patient, "Age": age_low}], trained_model)


def test_validation_errors_stay_errors_and_models_without_ranges_stay_silent(trained_model, model, patient):
    with pytest.raises(heartnet.ValidationError, match="Age"):
        heartnet.predict_one({**patient, "Age": 150}, trained_model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        heartnet.predict_one({**patient, "Age": 19}, model)  # a bare Keras model records no range


def test_observed_ranges_ignore_what_was_not_measured():
    frame = pd.DataFrame({f.name: [1.0, np.nan, 3.0] for f in heartnet.FEATURES if f.kind == "numeric"})
    assert observed_ranges(frame)["Cholesterol"] == [1.0, 3.0]


def test_the_cli_prints_one_line_on_stderr_and_exits_0(capsys, trained_path, trained_model, patient):
    low = trained_model.observed_ranges["Age"][0]
    code = cli.main(["predict", json.dumps({**patient, "Age": low - 5}), "--model", str(trained_path)])
    captured = capsys.readouterr()
    assert code == 0 and captured.out.startswith("probability ")
    assert captured.err.splitlines() == [
        f"heartnet: warning: Age: {low - 5:g} is outside the range the model was trained on "
        f"({low:g} to {trained_model.observed_ranges['Age'][1]:g} años); it extrapolates"
    ]


def test_score_names_the_fields_per_row_and_counts_them_once(tmp_path, trained_path, trained_model, patient, capsys):
    low = trained_model.observed_ranges["Age"][0]
    high = trained_model.observed_ranges["MaxHR"][1]
    rows = pd.DataFrame([patient] * 5)
    rows.loc[1, "Age"] = low - 3
    rows.loc[3, ["Age", "MaxHR"]] = [low - 1, high + 2]
    rows.loc[4, "Age"] = 500  # invalid: rejected, not warned about
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows.to_csv(source, index=False)
    summary = score_csv(source, out, trained_model)
    assert (summary.scored, summary.rejected) == (4, 1)
    assert summary.out_of_range == {"Age": 2, "MaxHR": 1} and summary.rows_out_of_range == 2
    scored = pd.read_csv(out, keep_default_na=False)
    assert list(scored["out_of_range"]) == ["", "Age", "", "Age MaxHR"]

    code = cli.main(["score", str(source), str(tmp_path / "cli.csv"), "--model", str(trained_path)])
    err = capsys.readouterr().err.splitlines()
    assert code == 0 and len(err) == 1
    assert err[0].startswith("heartnet: warning: 2 scored rows have values outside the ranges the model was trained")
    assert "(Age 2, MaxHR 1)" in err[0] and "out_of_range column" in err[0]


def test_the_classifiers_predict_proba_and_predict_warn_once_per_field(trained_model, patient):
    """``HeartnetClassifier`` promises ``predict``'s warning: from ``observed_ranges_``, as for the saved model."""
    classifier = heartnet.HeartnetClassifier.from_trained(trained_model)
    (age_low, _), (_, hr_high) = classifier.observed_ranges_["Age"], classifier.observed_ranges_["MaxHR"]
    rows = pd.DataFrame(
        [patient, {**patient, "Age": age_low - 2}, {**patient, "Age": age_low - 7}, {**patient, "MaxHR": hr_high + 1}]
    )
    for method in (classifier.predict_proba, classifier.predict):
        with pytest.warns(heartnet.OutOfRangeWarning) as caught:
            method(rows)
        assert sorted((w.message.field, w.message.count) for w in caught) == [("Age", 2), ("MaxHR", 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the training range: silent
        classifier.predict_proba(rows.head(1))
