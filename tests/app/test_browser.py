"""The app in a real browser: `streamlit run` on a free localhost port, driven by headless Debian Chromium."""

from __future__ import annotations

import pytest

import heartnet
from tools.screenshot import (
    EXAMPLE,
    chromium_path,
    predict_in_browser,
    serve,
    validate_in_browser,
)

TENSORFLOW_START_UP = ("absl::InitializeLog", "oneDNN custom operations", "cpu_feature_guard")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None, reason="Debian's Chromium is not installed and apt is unavailable here"
    ),
]


@pytest.fixture(scope="module")
def app_url(trained_path):
    with serve(env={"HEARTNET_MODEL": str(trained_path)}) as (url, log):
        yield url
        server_log = log()
    # TensorFlow's start-up lines stay off the app's log too.
    assert not [line for line in server_log.splitlines() if any(mark in line for mark in TENSORFLOW_START_UP)]


def test_a_person_types_a_patient_with_a_decimal_comma_and_sees_its_probability(app_url, tmp_path, model):
    screenshot = tmp_path / "app.png"
    shown = predict_in_browser(app_url, str(screenshot), EXAMPLE)
    # Oldpeak typed as "0,8" must be 0.8, not 8: the page shows predict_one of exactly this patient.
    assert EXAMPLE["Oldpeak"] == "0,8" and EXAMPLE["Cholesterol"] == ""
    patient = {
        "Age": 61, "Sex": "F", "ChestPainType": "ASY", "RestingBP": 130, "Cholesterol": None, "FastingBS": 0,
        "RestingECG": "Normal", "MaxHR": 150, "ExerciseAngina": "N", "Oldpeak": 0.8, "ST_Slope": "Flat",
    }  # fmt: skip
    expected = heartnet.predict_one(patient, model)
    assert shown == heartnet.spanish.percent(expected)
    assert screenshot.stat().st_size > 10_000


def test_a_hospital_validates_the_model_and_downloads_a_recalibrated_one(app_url, tmp_path, model):
    import zipfile

    import numpy as np

    from heartnet.evaluate import classification_metrics
    from heartnet.features import HOSPITAL
    from heartnet.updating import fit_update

    data = heartnet.load_dataset(with_hospital=True)
    rows = data[data[HOSPITAL] == "Cleveland"].drop(columns=HOSPITAL).head(120)
    source, archive = tmp_path / "mis_pacientes.csv", tmp_path / "modelo.zip"
    rows.assign(Cholesterol=rows["Cholesterol"].fillna(0)).to_csv(source, index=False)
    shown = validate_in_browser(app_url, str(source), str(archive))
    trained = heartnet.TrainedModel(model, {})
    probabilities = heartnet.predict(rows, trained)
    expected = classification_metrics(rows[heartnet.TARGET], probabilities, threshold=heartnet.DEFAULT_THRESHOLD)
    assert shown["metrics"]["Brier (menor es mejor)"] == heartnet.spanish.decimal(expected["brier"], 3)
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path)
    recalibrated = heartnet.load(tmp_path / "heartnet_recalibrado.keras")
    update = fit_update(rows[heartnet.TARGET], probabilities, "auto")
    np.testing.assert_allclose(heartnet.predict(rows, recalibrated), update.apply(probabilities), atol=1e-5)
    assert "Se decidió" in shown["success"]
