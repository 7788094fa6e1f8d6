"""The app in a real browser: `streamlit run` on a free localhost port, driven by headless Debian Chromium."""

from __future__ import annotations

import pytest

import heartnet
from tools.screenshot import EXAMPLE, chromium_path, predict_in_browser, serve, upload_in_browser

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


def test_a_latin1_file_is_read_and_its_encoding_said(app_url, tmp_path, dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(6).copy()
    rows.insert(0, "Paciente", ["José", "Begoña", "Müller", "Ñandú", "Iñaki", "Sofía"])  # not ASCII
    rows.loc[rows.index[2], "MaxHR"] = 900  # one bad row
    source = tmp_path / "pacientes.csv"
    rows.to_csv(source, index=False, sep=";", decimal=",", encoding="latin-1")
    shown = upload_in_browser(app_url, str(source))
    assert "Windows-1252" in shown["caption"] and "«;»" in shown["caption"]
    assert shown["metrics"]["Filas puntuadas"] == "5 de 6" and shown["metrics"]["Filas rechazadas"] == "1"
