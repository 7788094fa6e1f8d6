"""A model for a new hospital: evaluate it on local patients, recalibrate it, use the result as any model."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet.errors import DataError
from heartnet.features import HOSPITAL, TARGET
from heartnet.layers import Recalibration
from heartnet.local_check import read_labelled
from heartnet.updating import recalibrate


@pytest.fixture(scope="module")
def hospitals():
    return heartnet.load_dataset(with_hospital=True)


def write_csv(path, frame: pd.DataFrame):
    """As a hospital's file would hold it: cholesterol 0 when not measured, no Hospital column."""
    frame = frame.drop(columns=HOSPITAL, errors="ignore")
    frame.assign(Cholesterol=frame["Cholesterol"].fillna(0)).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def swiss_csv(tmp_path_factory, hospitals):
    """A hospital whose disease rate is far above what the model predicts on average (Switzerland)."""
    rows = hospitals[hospitals[HOSPITAL] == "Switzerland"]
    return write_csv(tmp_path_factory.mktemp("local") / "suiza.csv", rows)


def test_the_recalibrated_model_is_one_keras_model_that_saves_loads_and_predicts_the_update(tmp_path, model, swiss_csv):
    base = heartnet.TrainedModel(model, {"threshold": 0.5, "model_sha256": "abc"})
    local = read_labelled(swiss_csv)
    recalibrated, update, metadata = recalibrate(base, local, method="intercept")
    assert update.intercept > 0  # Switzerland has more disease than the model expects
    path = heartnet.save_model(recalibrated, tmp_path / "suiza.keras", metadata=metadata)
    loaded = heartnet.load(path)  # safe mode
    before = heartnet.predict(local.frame, base)
    after = heartnet.predict(local.frame, loaded)
    np.testing.assert_allclose(after, update.apply(before), atol=1e-5)
    assert after.mean() > before.mean()
    record = loaded.metadata["recalibration"]
    assert record["base_model_sha256"] == "abc" and record["method"] == "intercept"
    assert record["local_data"] == {"sha256": local.sha256, "rows": len(local.frame), "rows_rejected": 0}
    assert record["intercept"] == update.intercept and record["chain"] == []
    assert heartnet.predict_one(local.frame.drop(columns=TARGET).iloc[0].to_dict(), loaded) == pytest.approx(
        after[0], abs=1e-6
    )


def test_recalibrating_twice_composes_into_one_layer_and_records_the_chain(tmp_path, model, swiss_csv):

    base = heartnet.TrainedModel(model, {"model_sha256": "abc"})
    local = read_labelled(swiss_csv)
    first, update1, metadata1 = recalibrate(base, local, method="intercept")
    once = heartnet.load(heartnet.save_model(first, tmp_path / "once.keras", metadata=metadata1))
    second, update2, metadata2 = recalibrate(once, local, method="intercept")
    assert sum(isinstance(layer, Recalibration) for layer in second.layers) == 1
    expected = update2.apply(update1.apply(heartnet.predict(local.frame, base)))
    np.testing.assert_allclose(heartnet.predict(local.frame, second), expected, atol=1e-5)
    chain = metadata2["recalibration"]["chain"]
    assert [entry["intercept"] for entry in chain] == [update1.intercept]
    assert metadata2["recalibration"]["base_model_sha256"] == once.metadata["model_sha256"]


def test_a_dataframe_works_as_local_data_and_is_validated(model, hospitals):
    base = heartnet.TrainedModel(model, {})
    rows = hospitals[hospitals[HOSPITAL] == "Cleveland"].head(60).drop(columns=HOSPITAL)
    _, update, metadata = heartnet.recalibrate(base, rows, method="intercept")
    assert metadata["recalibration"]["local_data"]["rows"] == 60 and update.rows == 60
    with pytest.raises(DataError, match="no 'HeartDisease' column"):
        heartnet.recalibrate(base, rows.drop(columns=TARGET))
    with pytest.raises(heartnet.ValidationError, match="Age"):
        heartnet.recalibrate(base, rows.assign(Age=500))


# --- the command line ---


def test_evaluate_data_reports_the_local_metrics_and_the_rows_left_out(run, trained_path, tmp_path, hospitals):
    rows = hospitals[hospitals[HOSPITAL] == "Cleveland"].head(80).copy()
    rows.iloc[2, 0] = 500  # line 4: an impossible age
    source = write_csv(tmp_path / "local.csv", rows)
    code, out, _ = run("evaluate", "--data", source, "--model", trained_path, "--json")
    assert code == 0
    result = json.loads(out)
    assert {"n", "prevalence", "roc_auc", "brier", "log_loss", "calibration_intercept", "calibration_slope"} <= set(
        result
    )
    assert result["n"] == 79 and result["rejected"] == [{"line": 4, "reason": result["rejected"][0]["reason"]}]
    assert "Age" in result["rejected"][0]["reason"]
    good = read_labelled(source).frame
    probabilities = heartnet.predict(good, heartnet.load(trained_path))
    assert result["brier"] == pytest.approx(np.mean((probabilities - good[TARGET]) ** 2), abs=1e-6)
    matrix = result["confusion_matrix"]
    assert result["sensitivity"] == matrix["tp"] / (matrix["tp"] + matrix["fn"])
    assert result["npv"] == matrix["tn"] / (matrix["tn"] + matrix["fn"])
    code, text, _ = run("evaluate", "--data", source, "--model", trained_path)
    assert code == 0 and "left out 1 row that failed validation" in text and "line 4" in text
    assert "calibration intercept" in text and "NPV" in text


def test_recalibrate_writes_a_model_that_every_command_uses(run, trained_path, tmp_path, swiss_csv, patient):
    out = tmp_path / "suiza.keras"
    code, text, _ = run("recalibrate", swiss_csv, "--model", trained_path, "--out", out, "--method", "intercept")
    assert code == 0 and "intercept" in text and out.is_file() and out.with_suffix(".json").is_file()
    code, before, _ = run("predict", json.dumps(patient), "--model", trained_path, "--json")
    code, after, _ = run("predict", json.dumps(patient), "--model", out, "--json")
    assert json.loads(after)["probability"] > json.loads(before)["probability"]
    code, _, _ = run("score", swiss_csv, tmp_path / "scored.csv", "--model", out)
    scored = pd.read_csv(tmp_path / "scored.csv")
    np.testing.assert_allclose(
        scored["probability"], heartnet.predict(read_labelled(swiss_csv).frame, heartnet.load(out)), atol=1e-6
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows.drop(columns=TARGET), r"HeartDisease"),
        (lambda rows: rows.assign(HeartDisease=2), r"line 2: HeartDisease must be 0 or 1 in every row; got '2'"),
        (lambda rows: rows.assign(HeartDisease=1), r"with and without coronary artery disease"),
        (lambda rows: rows.head(10), r"needs at least 20 valid rows; got 10"),
    ],
    ids=["no labels", "labels not 0/1", "one class", "too few rows"],
)
def test_recalibrate_refuses_bad_local_data_with_exit_2_and_writes_nothing(
    run, trained_path, tmp_path, hospitals, change, message
):
    rows = change(hospitals[hospitals[HOSPITAL] == "Cleveland"].head(60))
    source, out = write_csv(tmp_path / "local.csv", rows), tmp_path / "new.keras"
    code, _, err = run("recalibrate", source, "--model", trained_path, "--out", out)
    errors = [line for line in err.splitlines() if not line.startswith("heartnet: warning:")]
    assert code == 2 and len(errors) == 1 and re.search(message, errors[0])  # one line, beside any warning
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_recalibrate_refuses_to_overwrite_its_model_a_non_keras_out_and_a_model_that_is_not_heartnets(
    run, trained_path, tmp_path, swiss_csv
):
    before = trained_path.read_bytes()
    code, _, err = run("recalibrate", swiss_csv, "--model", trained_path, "--out", trained_path)
    assert code == 2 and "--out is the model itself" in err and trained_path.read_bytes() == before
    code, _, err = run("recalibrate", swiss_csv, "--model", trained_path, "--out", tmp_path / "x.h5")
    assert code == 2 and "--out must end in .keras" in err and not (tmp_path / "x.h5").exists()
    fake = tmp_path / "fake.keras"
    fake.write_bytes(b"not a model")
    code, _, err = run("recalibrate", swiss_csv, "--model", fake, "--out", tmp_path / "y.keras")
    assert code == 2 and "fake." in err and not (tmp_path / "y.keras").exists()


def test_evaluate_data_with_one_class_gives_valid_json_and_no_auc(run, trained_path, tmp_path, hospitals):
    rows = hospitals[(hospitals[HOSPITAL] == "Switzerland") & (hospitals[TARGET] == 1)].head(30)
    code, out, _ = run("evaluate", "--data", write_csv(tmp_path / "sick.csv", rows), "--model", trained_path, "--json")
    result = json.loads(out)  # strict JSON: no NaN
    assert code == 0 and result["roc_auc"] is None and result["calibration_slope"] is None
    assert result["specificity"] is None and result["sensitivity"] is not None


def test_evaluate_data_without_a_valid_row_exits_2(run, trained_path, tmp_path, hospitals):
    rows = hospitals.head(5).assign(Age=500)
    code, _, err = run("evaluate", "--data", write_csv(tmp_path / "bad.csv", rows), "--model", trained_path)
    assert code == 2 and "no valid rows to evaluate" in err
