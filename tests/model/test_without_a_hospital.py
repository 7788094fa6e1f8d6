"""A model trained without a hospital, checked and recalibrated on that hospital's patients (the README's example)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from heartnet import cli


@pytest.fixture(scope="module")
def without_cleveland(tmp_path_factory):
    """A model trained without Cleveland, and Cleveland's patients, as the README's example makes them."""
    folder = tmp_path_factory.mktemp("cleveland")
    assert cli.main(["data", "--hospital", "Cleveland", "--out", str(folder / "cleveland.csv")]) == 0
    assert cli.main(["train", "--without-hospital", "Cleveland", "--out", str(folder / "sin.keras")]) == 0
    return folder


def test_a_model_trained_without_a_hospital_records_it_and_never_saw_its_patients(without_cleveland, run):
    metadata = json.loads((without_cleveland / "sin.json").read_text(encoding="utf-8"))
    assert metadata["data"]["without_hospital"] == "Cleveland" and metadata["data"]["rows"] == 917 - 303
    assert "--without-hospital Cleveland" in metadata["command"]
    code, out, err = run("evaluate", "--model", str(without_cleveland / "sin.keras"), "--json")
    assert code == 0 and json.loads(out)["n"] == len(metadata["split"]["test_rows"])  # its own split, read back
    cleveland = str(without_cleveland / "cleveland.csv")
    code, out, err = run("evaluate", "--data", cleveland, "--model", str(without_cleveland / "sin.keras"))
    assert code == 0 and "rows the model was trained on" not in err  # no row of Cleveland was a training row
    assert out.splitlines()[1].startswith("303 patients")


def test_evaluate_says_how_many_patients_a_check_needs(without_cleveland, run):
    cleveland = str(without_cleveland / "cleveland.csv")
    model = str(without_cleveland / "sin.keras")
    code, out, _ = run("evaluate", "--data", cleveland, "--model", model, "--json")
    result = json.loads(out)
    needed = result["patients_needed"]
    assert code == 0 and needed["patients"] == max(needed["by_criterion"].values())
    assert needed["widths"]["calibration_slope"] == 0.4 and result["rows_seen_in_training"] == 0
    _, text, _ = run("evaluate", "--data", cleveland, "--model", model)
    half_width = (result["calibration_slope_high"] - result["calibration_slope_low"]) / 2
    assert f"about {needed['patients']} patients" in text and f"these 303 give the slope ±{half_width:.2f}" in text


def test_recalibrating_on_fewer_patients_than_advised_warns_in_one_line_and_still_works(
    without_cleveland, tmp_path, run
):
    few = tmp_path / "few.csv"
    pd.read_csv(without_cleveland / "cleveland.csv").head(60).to_csv(few, index=False)
    model = str(without_cleveland / "sin.keras")
    _, out, _ = run("evaluate", "--data", str(few), "--model", model, "--json")
    criteria = json.loads(out)["patients_needed"]["by_criterion"]  # the advice evaluate --data gives for this file
    advised = max(criteria["calibration_in_the_large"], criteria["calibration_slope"])
    code, out, err = run("recalibrate", str(few), "--model", model, "--out", str(tmp_path / "r.keras"))
    assert code == 0 and "from 60 rows" in out and (tmp_path / "r.keras").is_file()
    assert err.count("\n") == 1 and err.startswith(
        f"heartnet: warning: 60 rows, fewer than the about {advised} advised for a recalibration (pmvalsampsize: "
        f"O/E ±0.1 needs {criteria['calibration_in_the_large']}, slope ±0.2 needs {criteria['calibration_slope']})"
    )
