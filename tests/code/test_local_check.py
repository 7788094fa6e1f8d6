"""Checking the model at a hospital it has not seen: one hospital's file and the check's limits.

A model trained without a hospital, checked on it: tests/model/test_without_a_hospital.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet.local_check import patients_needed, patients_to_recalibrate, row_fingerprints, rows_seen_in_training


def test_a_hospitals_patients_are_written_whole_or_in_two_stratified_halves(tmp_path, run):
    code, out, _ = run("data", "--hospital", "Cleveland", "--out", str(tmp_path / "cleveland.csv"))
    cleveland = pd.read_csv(tmp_path / "cleveland.csv")
    assert code == 0 and "cleveland.csv (303 patients)" in out
    assert list(cleveland.columns) == [*heartnet.FEATURE_NAMES, heartnet.TARGET]
    assert len(heartnet.validate_rows(cleveland.drop(columns=heartnet.TARGET))) == 303  # valid as written
    code, out, _ = run("data", "--hospital", "Cleveland", "--out", str(tmp_path / "half.csv"), "--halves")
    halves = [pd.read_csv(tmp_path / f"half_{name}.csv") for name in "ab"]
    assert code == 0 and sorted(len(half) for half in halves) == [151, 152]
    rates = [half[heartnet.TARGET].mean() for half in halves]
    assert abs(rates[0] - rates[1]) < 0.01  # stratified by the outcome
    both = pd.concat(halves).sort_values(list(cleveland.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(both, cleveland.sort_values(list(cleveland.columns)).reset_index(drop=True))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--hospital", "Mars", "--out", "x.csv"], "no hospital 'Mars' in the data; its hospitals are 'Hungary'"),
        (["--hospital", "Cleveland"], "--hospital and --out go together"),
        (["--hospital", "Cleveland", "--out", "x.txt"], "--out must end in .csv"),
    ],
)
def test_a_bad_hospital_request_is_one_line_and_exit_2(tmp_path, run, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("data", *argv)
    assert code == 2 and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_check_on_the_models_own_training_rows_is_warned_about(tmp_path, run, trained_path, dataset, metadata):
    train = dataset.drop(index=metadata["split"]["test_rows"]).head(60)
    path = tmp_path / "seen.csv"
    train.to_csv(path, index=False)
    code, _, err = run("evaluate", "--data", str(path), "--model", str(trained_path))
    assert code == 0 and "heartnet: warning: 60 of these 60 rows are rows the model was trained on" in err
    code, _, err = run("recalibrate", str(path), "--model", str(trained_path), "--out", str(tmp_path / "r.keras"))
    assert code == 0 and "60 of these 60 rows are rows the model was trained on" in err


def test_fingerprints_find_training_rows_and_only_them(dataset):
    rows = dataset.head(20)
    fingerprints = row_fingerprints(rows)
    assert len(set(fingerprints)) == 20 and fingerprints == row_fingerprints(rows.copy())
    assert rows_seen_in_training(dataset.head(30), fingerprints) == 20
    changed = rows.assign(Age=rows["Age"] + 1)  # one value off is another patient
    assert rows_seen_in_training(changed, fingerprints) == 0 and rows_seen_in_training(rows, None) == 0
    assert (
        rows_seen_in_training(rows.assign(Cholesterol=np.nan), row_fingerprints(rows.assign(Cholesterol=np.nan))) == 20
    )


def test_patients_needed_grows_as_the_slope_must_be_measured_more_precisely():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 400)
    y = (rng.random(400) < p).astype(int)
    needed = patients_needed(y, p, c_statistic=0.85)
    assert set(needed["by_criterion"]) == {"calibration_in_the_large", "calibration_slope", "c_statistic"}
    assert needed["patients"] == max(needed["by_criterion"].values()) > 100
    better = patients_needed(y, p, c_statistic=0.95)
    assert better["by_criterion"]["c_statistic"] < needed["by_criterion"]["c_statistic"]  # a tighter AUC is cheaper
    with pytest.raises(ValueError, match="with and without the disease"):
        patients_needed(np.ones(50), p[:50], c_statistic=0.8)


def test_a_recalibration_needs_the_patients_of_the_calibration_criteria_not_of_the_roc_auc():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 400)
    y = (rng.random(400) < p).astype(int)
    needed = patients_to_recalibrate(y, p)
    criteria = needed["by_criterion"]
    assert needed["recalibration"] == max(criteria["calibration_in_the_large"], criteria["calibration_slope"])
    assert needed == patients_to_recalibrate(y, p)  # the ROC AUC is the patients' own: the same answer twice
    assert patients_to_recalibrate(np.ones(50), p[:50]) is None  # one outcome only: nothing to compute
