"""Checking the model at a hospital it has not seen: one hospital's file, a model without it, and the check's limits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet import cli
from heartnet.local_check import patients_needed, patients_to_recalibrate, row_fingerprints, rows_seen_in_training


def run(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_hospitals_patients_are_written_whole_or_in_two_stratified_halves(tmp_path, capsys):
    code, out, _ = run(capsys, "data", "--hospital", "Cleveland", "--out", str(tmp_path / "cleveland.csv"))
    cleveland = pd.read_csv(tmp_path / "cleveland.csv")
    assert code == 0 and "cleveland.csv (303 patients)" in out
    assert list(cleveland.columns) == [*heartnet.FEATURE_NAMES, heartnet.TARGET]
    assert len(heartnet.validate_rows(cleveland.drop(columns=heartnet.TARGET))) == 303  # valid as written
    code, out, _ = run(capsys, "data", "--hospital", "Cleveland", "--out", str(tmp_path / "half.csv"), "--halves")
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
def test_a_bad_hospital_request_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "data", *argv)
    assert code == 2 and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def without_cleveland(tmp_path_factory):
    """A model trained without Cleveland, and Cleveland's patients, as the README's example makes them."""
    folder = tmp_path_factory.mktemp("cleveland")
    assert cli.main(["data", "--hospital", "Cleveland", "--out", str(folder / "cleveland.csv")]) == 0
    assert cli.main(["train", "--without-hospital", "Cleveland", "--out", str(folder / "sin.keras")]) == 0
    return folder


def test_a_model_trained_without_a_hospital_records_it_and_never_saw_its_patients(without_cleveland, capsys):
    metadata = json.loads((without_cleveland / "sin.json").read_text(encoding="utf-8"))
    assert metadata["data"]["without_hospital"] == "Cleveland" and metadata["data"]["rows"] == 917 - 303
    assert "--without-hospital Cleveland" in metadata["command"]
    code, out, err = run(capsys, "evaluate", "--model", str(without_cleveland / "sin.keras"), "--json")
    assert code == 0 and json.loads(out)["n"] == len(metadata["split"]["test_rows"])  # its own split, read back
    cleveland = str(without_cleveland / "cleveland.csv")
    code, out, err = run(capsys, "evaluate", "--data", cleveland, "--model", str(without_cleveland / "sin.keras"))
    assert code == 0 and "rows the model was trained on" not in err  # no row of Cleveland was a training row
    assert out.splitlines()[1].startswith("303 patients")


def test_evaluate_says_how_many_patients_a_check_needs(without_cleveland, capsys):
    cleveland = str(without_cleveland / "cleveland.csv")
    model = str(without_cleveland / "sin.keras")
    code, out, _ = run(capsys, "evaluate", "--data", cleveland, "--model", model, "--json")
    result = json.loads(out)
    needed = result["patients_needed"]
    assert code == 0 and needed["patients"] == max(needed["by_criterion"].values())
    assert needed["widths"]["calibration_slope"] == 0.4 and result["rows_seen_in_training"] == 0
    _, text, _ = run(capsys, "evaluate", "--data", cleveland, "--model", model)
    half_width = (result["calibration_slope_high"] - result["calibration_slope_low"]) / 2
    assert f"about {needed['patients']} patients" in text and f"these 303 give the slope ±{half_width:.2f}" in text


def test_recalibrating_on_fewer_patients_than_advised_warns_in_one_line_and_still_works(
    without_cleveland, tmp_path, capsys
):
    few = tmp_path / "few.csv"
    pd.read_csv(without_cleveland / "cleveland.csv").head(60).to_csv(few, index=False)
    model = str(without_cleveland / "sin.keras")
    _, out, _ = run(capsys, "evaluate", "--data", str(few), "--model", model, "--json")
    criteria = json.loads(out)["patients_needed"]["by_criterion"]  # the advice evaluate --data gives for this file
    advised = max(criteria["calibration_in_the_large"], criteria["calibration_slope"])
    code, out, err = run(capsys, "recalibrate", str(few), "--model", model, "--out", str(tmp_path / "r.keras"))
    assert code == 0 and "from 60 rows" in out and (tmp_path / "r.keras").is_file()
    assert err.count("\n") == 1 and err.startswith(
        f"heartnet: warning: 60 rows, fewer than the about {advised} advised for a recalibration (pmvalsampsize: "
        f"O/E ±0.1 needs {criteria['calibration_in_the_large']}, slope ±0.2 needs {criteria['calibration_slope']})"
    )


def test_a_check_on_the_models_own_training_rows_is_warned_about(tmp_path, capsys, trained_path, dataset, metadata):
    train = dataset.drop(index=metadata["split"]["test_rows"]).head(60)
    path = tmp_path / "seen.csv"
    train.to_csv(path, index=False)
    code, _, err = run(capsys, "evaluate", "--data", str(path), "--model", str(trained_path))
    assert code == 0 and "heartnet: warning: 60 of these 60 rows are rows the model was trained on" in err
    code, _, err = run(
        capsys, "recalibrate", str(path), "--model", str(trained_path), "--out", str(tmp_path / "r.keras")
    )
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
