"""Recalibration on simulated data: what fit_update recovers, how auto chooses, what it refuses.

A model's risks are simulated as logits moved and stretched against the truth; tests/model/test_updating.py
recalibrates the trained model on a hospital's patients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from heartnet.errors import DataError
from heartnet.layers import Recalibration
from heartnet.recalibration import calibration
from heartnet.updating import AUTO_SLOPE_ROWS, MIN_ROWS, Update, fit_update


def simulated(n: int, *, shift: float = 0.0, slope: float = 1.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    logit = rng.normal(0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return y, 1 / (1 + np.exp(-(logit - shift) / slope))  # the model's risks: moved and stretched


def test_an_intercept_update_recovers_a_shifted_logit():
    y, p = simulated(5000, shift=1.0)
    update = fit_update(y, p, "intercept")
    assert update.method == "intercept" and update.slope == 1.0
    assert update.intercept == pytest.approx(1.0, abs=0.1)


def test_a_logistic_update_recovers_the_slope():
    y, p = simulated(5000, slope=2.0)  # the model's logits are half what they should be
    update = fit_update(y, p, "logistic")
    assert update.slope == pytest.approx(2.0, rel=0.1)


@pytest.mark.parametrize(
    ("shift", "slope", "n", "expected"),
    [
        (0.0, 1.0, 300, "none"),  # calibrated: nothing to fix
        (1.0, 1.0, 300, "intercept"),  # only shifted
        (0.0, 2.5, 300, "logistic"),  # far too timid: the slope is needed
        (2.0, 1.0, 60, "intercept"),  # shifted, and too few for a slope: auto never fits one below 100
    ],
)
def test_auto_chooses_by_the_closed_testing_procedure(shift, slope, n, expected):
    y, p = simulated(n, shift=shift, slope=slope, seed=4)
    update = fit_update(y, p, "auto")
    assert update.method == expected, update.reason
    if expected == "none":
        assert (update.intercept, update.slope) == (0.0, 1.0)
        np.testing.assert_allclose(update.apply(p), p, atol=1e-6)


def test_evaluation_and_updating_read_the_same_recalibration_fit():
    y, p = simulated(400, shift=0.5, slope=1.5, seed=2)
    measured = calibration(y, p)
    assert fit_update(y, p, "intercept").intercept == measured["intercept"]
    assert fit_update(y, p, "logistic").slope == measured["slope"]


@pytest.mark.parametrize("method", ["logistic", "auto"])
def test_logits_that_separate_the_classes_give_the_intercept_update_and_say_why(method):
    half = AUTO_SLOPE_ROWS // 2  # enough rows for auto to consider a slope
    y = np.r_[np.zeros(half, int), np.ones(half, int)]
    p = np.r_[np.linspace(0.02, 0.2, half), np.linspace(0.25, 0.45, half)]  # split at 0.22, and far too low
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # statsmodels' PerfectSeparationWarning included
        update = fit_update(y, p, method)
    assert update.method == "intercept" and update.slope == 1.0 and np.isfinite(update.intercept)
    assert "separate the classes" in update.reason


def test_an_update_applies_the_arithmetic_of_the_recalibration_layer():
    p = np.r_[0.0, 1e-9, np.linspace(0.01, 0.99, 50), 1.0]  # the ends are clipped to [1e-7, 1 - 1e-7]
    update = Update("logistic", -0.7, 1.3, "", 50)
    layer = np.ravel(Recalibration(-0.7, 1.3)(p.reshape(-1, 1).astype("float32")))
    np.testing.assert_allclose(update.apply(p), layer, atol=1e-6)
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    expected = 1 / (1 + np.exp(-(-0.7 + 1.3 * np.log(clipped / (1 - clipped)))))
    np.testing.assert_allclose(update.apply(p), expected, rtol=1e-12)
    assert update.apply(p).dtype == np.float64


@pytest.mark.parametrize(
    ("method", "n", "message"),
    [
        ("intercept", MIN_ROWS["intercept"] - 1, r"intercept recalibration needs at least 20 valid rows; got 19"),
        ("logistic", MIN_ROWS["logistic"] - 1, r"logistic recalibration needs at least 50 valid rows; got 49"),
        ("auto", MIN_ROWS["intercept"] - 1, r"auto recalibration needs at least 20"),
    ],
)
def test_too_few_rows_are_refused_with_the_number_needed(method, n, message):
    y, p = simulated(200)
    with pytest.raises(DataError, match=message):
        fit_update(y[:n], p[:n], method)


def test_a_single_class_is_refused():
    with pytest.raises(DataError, match="with and without coronary artery disease; all 60 valid rows are with"):
        fit_update(np.ones(60), np.full(60, 0.8), "auto")


def test_auto_never_fits_a_slope_below_its_row_count():
    y, p = simulated(AUTO_SLOPE_ROWS - 1, slope=3.0, seed=1)  # the slope is badly off
    assert fit_update(y, p, "auto").method != "logistic"
    assert fit_update(y, p, "logistic").slope > 1.5  # asked for by name, it is fitted
