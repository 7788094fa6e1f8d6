"""One real browser test: `streamlit run` on a free localhost port, driven by headless Debian Chromium."""

from __future__ import annotations

import pytest

import heartnet
from heartnet.explain import typical_patient
from tools.screenshot import chromium_path, predict_in_browser, serve

TENSORFLOW_START_UP = ("absl::InitializeLog", "oneDNN custom operations", "cpu_feature_guard")


@pytest.mark.slow
@pytest.mark.skipif(chromium_path() is None, reason="Debian's Chromium is not installed and apt is unavailable here")
def test_a_person_presses_predecir_and_sees_the_probability(trained_path, tmp_path, model, dataset):
    screenshot = tmp_path / "app.png"
    with serve(env={"HEARTNET_MODEL": str(trained_path)}) as (url, log):
        shown = predict_in_browser(url, str(screenshot))
        server_log = log()
    # The form starts at the typical patient; the page must show predict_one of exactly that row.
    expected = heartnet.predict_one(typical_patient(dataset), model)
    assert shown == f"{expected:.1%}"
    assert screenshot.stat().st_size > 10_000
    assert not [line for line in server_log.splitlines() if any(mark in line for mark in TENSORFLOW_START_UP)]
