"""Logistic recalibration, fitted once by statsmodels: what calibration reports and what updating applies.

A model's probabilities p are checked, and corrected, on labelled patients by
two logistic regressions on their logit (Cox, 1958; Steyerberg, *Clinical
Prediction Models*, 2nd ed., ch. 15 and 20):

- the intercept alone, the logit as an offset: logit P(y = 1) = a + logit(p)
  (calibration-in-the-large);
- the intercept and the slope: logit P(y = 1) = a + b·logit(p).

``fit_recalibration`` fits both (the second only when asked), with their
intervals and log-likelihoods. ``calibration`` reads the metrics off it (for
``heartnet.evaluate``); ``heartnet.updating.fit_update`` chooses an update from
it. Applying an update is the ``heartnet.layers.Recalibration`` layer's job.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from heartnet.logits import logit

__all__ = ["METHODS", "RecalibrationFit", "calibration", "fit_recalibration"]

# The updates a hospital can ask for (heartnet.updating, heartnet recalibrate --method): chosen by closed testing,
# the intercept alone, or intercept and slope.
METHODS = ("auto", "intercept", "logistic")


@dataclass(frozen=True)
class RecalibrationFit:
    """Both logistic recalibrations of some probabilities on outcomes; NaN where a number has no estimate.

    Everything is NaN when the outcomes hold one class only; the logistic
    fit's numbers are NaN when it was not asked for, or when the logits
    separate the classes perfectly (a few patients), where the slope has no
    finite estimate.
    """

    rows: int
    none_llf: float  # the log-likelihood of the probabilities as they are
    intercept: float  # a of logit P(y = 1) = a + logit(p)
    intercept_low: float
    intercept_high: float
    intercept_llf: float
    logistic_intercept: float = np.nan  # a of logit P(y = 1) = a + b·logit(p)
    slope: float = np.nan  # b of the same
    slope_low: float = np.nan
    slope_high: float = np.nan
    logistic_llf: float = np.nan


def fit_recalibration(y_true, probabilities, *, slope: bool = True, confidence: float = 0.95) -> RecalibrationFit:
    """The intercept recalibration of ``probabilities`` to the outcomes ``y_true``, and with ``slope`` the logistic one.

    Fitted by statsmodels' binomial GLM; the intervals are its Wald
    ``confidence`` intervals.
    """
    # statsmodels takes over a second to import: only the commands and pages that fit pay for it
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    y = np.asarray(y_true, dtype=float)
    logits = logit(probabilities)
    if len(np.unique(y)) < 2:
        return RecalibrationFit(len(y), np.nan, np.nan, np.nan, np.nan, np.nan)
    p = 1 / (1 + np.exp(-logits))
    none_llf = float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    binomial, alpha = sm.families.Binomial(), 1 - confidence
    shifted = sm.GLM(y, np.ones((len(y), 1)), family=binomial, offset=logits).fit()
    (low, high) = shifted.conf_int(alpha)[0]
    fit = RecalibrationFit(len(y), none_llf, float(shifted.params[0]), float(low), float(high), float(shifted.llf))
    if not slope:
        return fit
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            logistic = sm.GLM(y, sm.add_constant(logits, has_constant="add"), family=binomial).fit()
        except PerfectSeparationWarning:  # the logits split the classes perfectly: no finite slope
            return fit
    slope_low, slope_high = logistic.conf_int(alpha)[1]
    return replace(
        fit,
        logistic_intercept=float(logistic.params[0]),
        slope=float(logistic.params[1]),
        slope_low=float(slope_low),
        slope_high=float(slope_high),
        logistic_llf=float(logistic.llf),
    )


def calibration(y_true, probabilities, *, confidence: float = 0.95) -> dict:
    """Calibration intercept and slope with their intervals: ``intercept``, ``intercept_low``, ... ``slope_high``.

    The slope is b in logit P(y = 1) = a + b·logit(p) (below 1: predictions too
    extreme; above 1: too timid); the intercept, calibration-in-the-large, is
    a in logit P(y = 1) = a + logit(p), the logit as an offset (above 0: the
    model under-estimates the risk). A perfectly calibrated model has 0 and 1
    (Steyerberg, *Clinical Prediction Models*, 2nd ed., ch. 15). Both are NaN
    when ``y_true`` holds one class only; the slope alone is NaN when the
    logits separate the classes perfectly (a few patients), where it has no
    finite estimate.
    """
    fit = fit_recalibration(y_true, probabilities, confidence=confidence)
    names = ("intercept", "intercept_low", "intercept_high", "slope", "slope_low", "slope_high")
    return {name: getattr(fit, name) for name in names}
