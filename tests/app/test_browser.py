"""One real browser test: `streamlit run` on a free localhost port, driven by headless Debian Chromium."""

from __future__ import annotations

import pytest

import heartnet
from heartnet.app.screenshot import chromium_path, predict_in_browser, serve
from heartnet.explain import typical_patient


@pytest.mark.skipif(chromium_path() is None, reason="Debian's Chromium is not installed and apt is unavailable here")
def test_a_person_presses_predecir_and_sees_the_probability(trained_path, tmp_path, model, dataset):
    screenshot = tmp_path / "app.png"
    with serve(env={"HEARTNET_MODEL": str(trained_path)}) as url:
        shown = predict_in_browser(url, str(screenshot))
    # The form starts at the typical patient; the page must show predict_one of exactly that row.
    expected = heartnet.predict_one(typical_patient(dataset), model)
    assert shown == f"{expected:.1%}"
    assert screenshot.stat().st_size > 10_000
