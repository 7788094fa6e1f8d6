"""A model for a new hospital: check it on local labelled patients, then recalibrate it.

Leave one hospital out shows that a hospital adopting heartnet gets patients
ranked reasonably well but probabilities shifted by its own disease rate. The
textbook remedy is model updating (Steyerberg, *Clinical Prediction Models*,
2nd ed., ch. 20; Janssen et al., J Clin Epidemiol 2008): re-estimate, on a
sample of local patients, the intercept of the model's logit (``intercept``)
or its intercept and slope (``logistic``). ``auto`` chooses between no update,
the intercept and the logistic one by the closed testing procedure of
Vergouwe et al. (Stat Med 2017): likelihood-ratio tests, the logistic update
against none first, then against the intercept alone, each at ``ALPHA``; the
slope is considered only from ``AUTO_SLOPE_ROWS`` local patients.

The update is a layer (``heartnet.layers.Recalibration``) on the model's own
output: the saved ``.keras`` model *is* the recalibrated one, so ``predict``,
``score``, ``export`` and the app use it with no extra step. Updating an
updated model composes the two into one layer and records the chain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from heartnet.backend import keras
from heartnet.errors import DataError, LocalDataError
from heartnet.features import FEATURE_NAMES, TARGET
from heartnet.inference import probabilities as model_probabilities
from heartnet.layers import Recalibration, recalibrated
from heartnet.local_check import LocalData
from heartnet.model import RECALIBRATION_LAYER
from heartnet.recalibration import METHODS, fit_recalibration
from heartnet.validation import check_labels, validate_frame

__all__ = [
    "ALPHA",
    "AUTO_SLOPE_ROWS",
    "METHODS",
    "MIN_ROWS",
    "TESTS",
    "Update",
    "fit_update",
    "recalibrate",
    "recalibrated_model",
]

ALPHA = 0.05  # the closed testing procedure's level
# Fewest local patients (both classes present) each update is fitted on when asked for by name: one number
# (the intercept) from 20 patients already moves a logit by less than the shifts seen between hospitals; a
# free slope is a second, noisier number. ``auto`` is more careful: it considers a slope only from
# AUTO_SLOPE_ROWS patients. A run of benchmarks/hospitals.py before this rule (not kept in reports/) showed
# why: with the slope allowed from 50 patients, auto made one held-out hospital (Hungary) worse on average by
# more than 0.01 of log loss; with it from 100, no hospital, and a hospital whose problem is the slope
# (Cleveland) still gets it from 100 patients on. The rule was set after seeing that run, so the committed
# report's goal at 50 patients is not an independent test of it (docs/model_card.md, section 9).
MIN_ROWS = {"intercept": 20, "logistic": 50}
AUTO_SLOPE_ROWS = 100
# The likelihood-ratio tests ``auto`` may run, the keys of ``Update.p_values``: the bigger update against the smaller.
TESTS = ("logistic_vs_none", "logistic_vs_intercept", "intercept_vs_none")
_LOGISTIC_VS_NONE, _LOGISTIC_VS_INTERCEPT, _INTERCEPT_VS_NONE = TESTS


@dataclass(frozen=True)
class Update:
    """A recalibration: logit(p') = intercept + slope · logit(p); ``method`` says which was fitted, ``reason`` why."""

    method: str  # "none", "intercept" or "logistic"
    intercept: float
    slope: float
    reason: str
    rows: int
    p_values: dict[str, float] = field(default_factory=dict)  # auto's tests, keyed by TESTS

    def apply(self, probabilities) -> np.ndarray:
        """The recalibrated probabilities, as float64: the arithmetic of the layer (``layers.recalibrated``)."""
        p = np.asarray(probabilities, dtype="float64")
        return keras.ops.convert_to_numpy(recalibrated(p, self.intercept, self.slope))

    def to_dict(self) -> dict:
        return asdict(self)


def _check_enough(y: np.ndarray, method: str) -> None:
    needed = MIN_ROWS["intercept" if method == "auto" else method]
    if len(y) < needed:
        message = f"the {method} recalibration needs at least {needed} valid rows; got {len(y)}"
        raise LocalDataError("too_few", message, rows=len(y), needed=needed, method=method)
    classes = np.unique(y)
    if len(classes) < 2:
        present = int(classes[0]) if classes.size else None
        only = "with coronary artery disease" if present == 1 else "without coronary artery disease"
        message = (
            f"recalibration needs patients with and without coronary artery disease; all {len(y)} valid rows are {only}"
        )
        raise LocalDataError("one_class", message, rows=len(y), present=present)


def fit_update(y_true, probabilities, method: str = "auto", *, alpha: float = ALPHA) -> Update:
    """Fit a recalibration of ``probabilities`` to the local outcomes ``y_true`` (statsmodels' logistic GLM).

    ``intercept``: logit(p') = a + logit(p) (the logit as an offset);
    ``logistic``: logit(p') = a + b·logit(p); ``auto``: the closed testing
    procedure (Vergouwe et al., 2017): the logistic update against none
    (2 degrees of freedom), then against the intercept alone (1), each by a
    likelihood-ratio test at ``alpha``; with fewer than ``AUTO_SLOPE_ROWS``
    rows only none against the intercept (1). When the logits separate the
    local classes perfectly the slope has no finite estimate: ``logistic`` and
    ``auto`` then give the intercept update, and say so in ``reason``. Raises
    ``LocalDataError`` for too few rows or a single class.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    y = np.asarray(y_true, dtype=float)
    _check_enough(y, method)
    rows = len(y)
    wants_slope = method == "logistic" or (method == "auto" and rows >= AUTO_SLOPE_ROWS)
    fit = fit_recalibration(y, probabilities, slope=wants_slope)
    has_slope = not np.isnan(fit.slope)
    no_slope = f"fewer than {AUTO_SLOPE_ROWS} rows: no slope"
    if wants_slope and not has_slope:
        no_slope = "the logits separate the classes: no finite slope"
    if method == "logistic" and has_slope:
        return Update("logistic", fit.logistic_intercept, fit.slope, "logistic asked for", rows)
    if method != "auto":
        reason = "intercept asked for" if method == "intercept" else f"logistic asked for; {no_slope}"
        return Update("intercept", fit.intercept, 1.0, reason, rows)

    def p_value(llf_more: float, llf_less: float, df: int) -> float:
        return float(stats.chi2.sf(max(2 * (llf_more - llf_less), 0.0), df))

    if has_slope:
        overall = p_value(fit.logistic_llf, fit.none_llf, 2)
        if overall >= alpha:
            reason = f"logistic vs none: p = {overall:.3f} >= {alpha}"
            return Update("none", 0.0, 1.0, reason, rows, {_LOGISTIC_VS_NONE: overall})
        slope_test = p_value(fit.logistic_llf, fit.intercept_llf, 1)
        tests = {_LOGISTIC_VS_NONE: overall, _LOGISTIC_VS_INTERCEPT: slope_test}
        if slope_test < alpha:
            reason = f"logistic vs intercept: p = {slope_test:.3f} < {alpha}"
            return Update("logistic", fit.logistic_intercept, fit.slope, reason, rows, tests)
        reason = f"logistic vs none p = {overall:.3f}; vs intercept p = {slope_test:.3f}"
        return Update("intercept", fit.intercept, 1.0, reason, rows, tests)
    shift = p_value(fit.intercept_llf, fit.none_llf, 1)
    tests = {_INTERCEPT_VS_NONE: shift}
    if shift >= alpha:
        return Update("none", 0.0, 1.0, f"{no_slope}; intercept vs none: p = {shift:.3f} >= {alpha}", rows, tests)
    reason = f"{no_slope}; intercept vs none: p = {shift:.3f} < {alpha}"
    return Update("intercept", fit.intercept, 1.0, reason, rows, tests)


def recalibrated_model(model, update: Update):
    """``model`` with ``update`` applied to its output, as one Keras model of the same named inputs.

    An already recalibrated model (its output is a ``Recalibration`` layer) gets
    the two composed into one layer: logit(p'') = a₂ + b₂·(a₁ + b₁·logit(p)).
    """
    intercept, slope, source = update.intercept, update.slope, model.output
    layer_names = {layer.name for layer in model.layers}
    if RECALIBRATION_LAYER in layer_names:
        previous = model.get_layer(RECALIBRATION_LAYER)
        intercept, slope = intercept + slope * previous.intercept, slope * previous.slope
        source = previous.input
    output = Recalibration(intercept, slope, name=RECALIBRATION_LAYER)(source)
    return keras.Model(inputs=model.inputs, outputs=output, name=model.name)


def recalibrate(
    trained, local: LocalData | pd.DataFrame, *, method: str = "auto", probabilities: np.ndarray | None = None
) -> tuple[object, Update, dict]:
    """Fit ``method`` on local patients and return (the recalibrated Keras model, the update, its metadata).

    ``trained`` is a loaded model (``heartnet.load()``); ``local`` what
    ``heartnet.local_check.read_labelled`` read, or a DataFrame of the 11 features and
    ``HeartDisease`` (validated here). The metadata is the base model's, with
    ``recalibration`` recording the base model's sha256, the local data's
    sha256 (None for a DataFrame) and row count, the method, why it was
    chosen, the coefficients, and the chain of earlier updates. Save both with
    ``heartnet.save_model(model, path, metadata=metadata)``. ``probabilities``:
    the base model's for ``local``'s rows when they are already at hand (the
    app has just shown them), so that the rows are not run again.
    """
    if isinstance(local, pd.DataFrame):
        if TARGET not in local.columns:
            raise DataError(f"the local data has no '{TARGET}' column (0/1 labels)")
        frame = validate_frame(local[list(FEATURE_NAMES)])
        frame[TARGET] = check_labels(local[TARGET])
        local = LocalData(frame, {}, len(frame))

    if probabilities is None:
        probabilities = model_probabilities(trained, local.frame)  # validated rows: no second validation
    update = fit_update(local.frame[TARGET].to_numpy(), probabilities, method)
    model = recalibrated_model(trained.model, update)
    base, previous = trained.metadata, trained.parsed.recalibration  # the recalibration key, typed and checked
    chain = [*previous.chain, dict(previous.entry)] if previous else []
    metadata = {key: value for key, value in base.items() if key not in ("model_sha256", "created", "versions")}
    metadata["recalibration"] = {
        "base_model_sha256": trained.parsed.model_sha256,
        "local_data": {"sha256": local.sha256, "rows": len(local.frame), "rows_rejected": local.left_out},
        "method_asked": method,
        **update.to_dict(),
        "chain": chain,
    }
    return model, update, metadata
