"""Metrics of predicted probabilities, the held-out split, and evaluation by hospital, through scikit-learn.

By hospital (internal-external validation, Steyerberg & Harrell 2016):
``hospital_folds`` checks the groups and gives scikit-learn's
``LeaveOneGroupOut``; ``out_of_fold`` collects out-of-fold probabilities
with ``cross_val_predict``; ``probability_metrics`` scores them (ROC AUC with
a stratified bootstrap interval, Brier, log loss, calibration intercept and
slope: ``heartnet.recalibration``'s fit); ``net_benefit`` gives decision
curves.

The calibration fit is ``heartnet.recalibration``'s. Comparing models (the
same folds for all, metrics per group, the interval of a difference) is the
benchmarks' job: ``benchmarks/comparison.py``, outside the package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats  # loaded with scikit-learn anyway
from sklearn import metrics as skm
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict

from heartnet.decision import DEFAULT_THRESHOLD, classify
from heartnet.errors import DataError
from heartnet.logits import EPSILON
from heartnet.recalibration import calibration

__all__ = [
    "PROBABILITY_METRICS",
    "THRESHOLD_RATES",
    "classification_metrics",
    "confusion_counts",
    "hospital_folds",
    "net_benefit",
    "out_of_fold",
    "probability_metrics",
    "roc_auc_interval",
    "roc_auc_of_classes",
    "threshold_metrics",
]


# ROC AUC, Brier and log loss by their formulas, on arrays of 0/1 outcomes and floats. scikit-learn's functions
# give the same values (tested) but check their inputs on every call, about 3 ms each, where these callers score
# thousands of resamples: the paired bootstrap of benchmarks/comparison.py (``paired_difference``, given
# ``PROBABILITY_METRICS``' functions by benchmarks/hospitals.py) calls them once per resample, and the bootstraps of
# ``roc_auc_interval`` and of benchmarks/nested.py score all their resamples at once, along an axis.
def roc_auc_of_classes(diseased, healthy, axis: int = -1):
    """The ROC AUC from the diseased patients' probabilities and the healthy ones', along ``axis`` of both.

    The Mann–Whitney U over the number of pairs: the share of (diseased,
    healthy) pairs in which the diseased patient has the higher probability, a
    tie counting one half. Other axes are batches (a bootstrap's resamples).
    NaN when either class is empty.
    """
    diseased, healthy = np.asarray(diseased, dtype=float), np.asarray(healthy, dtype=float)
    n_diseased, n_healthy = diseased.shape[axis], healthy.shape[axis]
    if not n_diseased or not n_healthy:
        return np.nan
    ranks = stats.rankdata(np.concatenate([diseased, healthy], axis=axis), axis=axis)  # ties share their mean rank
    rank_sum = np.take(ranks, np.arange(n_diseased), axis=axis).sum(axis=axis)
    return (rank_sum - n_diseased * (n_diseased + 1) / 2) / (n_diseased * n_healthy)


def _roc_auc(y_true, probabilities) -> float:
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    return float(roc_auc_of_classes(probabilities[y_true == 1], probabilities[y_true == 0]))


def _brier(y_true, probabilities) -> float:
    return float(np.mean((np.asarray(probabilities, dtype=float) - np.asarray(y_true, dtype=int)) ** 2))


def _log_loss(y_true, probabilities) -> float:
    p = np.clip(np.asarray(probabilities, dtype=float), EPSILON, 1 - EPSILON)
    return float(-np.mean(np.where(np.asarray(y_true, dtype=int) == 1, np.log(p), np.log1p(-p))))


def confusion_counts(y_true, probabilities, threshold: float) -> dict:
    """``tn``, ``fp``, ``fn``, ``tp`` of the classes ``classify`` gives at ``threshold``."""
    predicted = classify(probabilities, threshold)
    tn, fp, fn, tp = skm.confusion_matrix(np.asarray(y_true, dtype=int), predicted, labels=[0, 1]).ravel()
    return {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)}


# Each rate at a threshold, as (its numerator, its denominator) among the confusion counts.
THRESHOLD_RATES = {
    "sensitivity": ("tp", ("tp", "fn")),
    "specificity": ("tn", ("tn", "fp")),
    "ppv": ("tp", ("tp", "fp")),
    "npv": ("tn", ("tn", "fn")),
}


def threshold_metrics(y_true, probabilities, threshold: float, *, confidence: float = 0.95) -> dict:
    """What a clinician reads at a decision threshold: the confusion matrix, and four rates with their intervals.

    Sensitivity, specificity, PPV and NPV, each with a Wilson score interval
    (``statsmodels.stats.proportion.proportion_confint``: it stays inside
    [0, 1] and keeps its coverage with few patients or rates near 0 or 1,
    where the normal approximation fails; Brown, Cai & DasGupta, Stat Sci
    2001). A rate whose denominator is 0 (no patient predicted positive, say)
    is None, as are its bounds.
    """
    from statsmodels.stats.proportion import proportion_confint  # statsmodels is slow to import: deferred

    counts = confusion_counts(y_true, probabilities, threshold)
    result = {"threshold": float(threshold), "confusion_matrix": counts}
    for name, (part, whole) in THRESHOLD_RATES.items():
        hits, total = counts[part], sum(counts[cell] for cell in whole)
        if total == 0:
            result |= dict.fromkeys((name, f"{name}_low", f"{name}_high"))
            continue
        low, high = proportion_confint(hits, total, alpha=1 - confidence, method="wilson")
        rate = hits / total  # at 0 or 1 of 1, statsmodels' bound can miss the rate by one rounding: it holds it
        result |= {name: rate, f"{name}_low": min(float(low), rate), f"{name}_high": max(float(high), rate)}
    return result


def classification_metrics(y_true, probabilities, *, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """What labelled patients say of a model's probabilities: discrimination, calibration, errors at ``threshold``.

    ``n``, ``prevalence``, ``mean_predicted``, ``roc_auc`` with its 95 %
    interval (``roc_auc_low``, ``roc_auc_high``), ``brier``, ``log_loss``,
    ``calibration_intercept`` and ``calibration_slope`` with theirs
    (``*_low``, ``*_high``); at ``threshold``, ``accuracy``, ``f1`` and
    ``threshold_metrics``: the confusion matrix and sensitivity, specificity,
    PPV and NPV with their Wilson intervals. The one bundle of ``heartnet
    evaluate`` with or without ``--data``, of training's record and of the
    app; what is undefined (one class only) is None, so it is valid JSON.
    """
    y_true = np.asarray(y_true, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    shown = ("n", "prevalence", "mean_predicted", "roc_auc", "roc_auc_low", "roc_auc_high", "brier", "log_loss")
    result = probability_metrics(y_true, probabilities, metrics=shown)
    fitted = calibration(y_true, probabilities)
    for name in ("intercept", "slope"):
        for suffix in ("", "_low", "_high"):
            result[f"calibration_{name}{suffix}"] = fitted[f"{name}{suffix}"]
    predicted = classify(probabilities, threshold)
    result |= {
        "accuracy": float(skm.accuracy_score(y_true, predicted)),
        "f1": float(skm.f1_score(y_true, predicted, zero_division=0)),
    }
    result = {name: None if isinstance(value, float) and np.isnan(value) else value for name, value in result.items()}
    return result | threshold_metrics(y_true, probabilities, threshold)


def hospital_folds(groups) -> LeaveOneGroupOut:
    """scikit-learn's ``LeaveOneGroupOut`` once ``groups`` (the hospital of each row) are fit for it.

    A ``DataError`` names the first row without a hospital, or says how many
    hospitals there are when fewer than two (nothing to leave out).
    """
    groups = pd.Series(np.asarray(groups, dtype=object))
    empty = groups.isna() | (groups.astype(str).str.strip() == "")
    if empty.any():
        raise DataError(
            f"leave-one-hospital-out needs the hospital of every row; row {int(np.flatnonzero(empty)[0])} has none"
        )
    distinct = list(dict.fromkeys(groups))
    if len(distinct) < 2:
        raise DataError(
            f"leave-one-hospital-out needs at least two hospitals; got {len(distinct)}: "
            + ", ".join(repr(str(name)) for name in distinct)
        )
    return LeaveOneGroupOut()


def out_of_fold(estimator, X, y, cv, *, groups=None) -> np.ndarray:
    """Out-of-fold probabilities of coronary artery disease, shape (repeats, n), by ``cross_val_predict``.

    ``cv`` is a splitter whose folds partition the rows (``LeaveOneGroupOut``
    with ``groups``, a ``StratifiedKFold``) or a repeated one
    (``RepeatedStratifiedKFold``), whose repeats each give one row of the result.
    """
    splits = list(cv.split(X, y, groups))
    repeats = getattr(cv, "n_repeats", 1)
    per_repeat = len(splits) // repeats
    return np.stack(
        [
            cross_val_predict(
                estimator, X, y, cv=splits[r * per_repeat : (r + 1) * per_repeat], method="predict_proba"
            )[:, 1]
            for r in range(repeats)
        ]
    )


def roc_auc_interval(y_true, probabilities, *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0):
    """(low, high): a stratified percentile bootstrap interval of the ROC AUC, by ``scipy.stats.bootstrap``.

    The ROC AUC is ``roc_auc_of_classes`` of the diseased patients'
    probabilities and the others', all resamples at once; resampling the two
    groups separately (two samples to ``bootstrap``) is the stratified
    bootstrap, so every resample keeps both classes. NaN when a class has fewer than two patients.
    """
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    diseased, healthy = probabilities[y_true == 1], probabilities[y_true == 0]
    if len(diseased) < 2 or len(healthy) < 2:  # nothing to resample
        return np.nan, np.nan

    result = stats.bootstrap(
        (diseased, healthy),
        roc_auc_of_classes,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


@dataclass(frozen=True)
class _Part:
    """A metric that is one part of a computation other metrics share: an interval's end, a calibration's slope."""

    compute: Callable
    part: int | str

    def __call__(self, y_true, probabilities):
        return self.compute(y_true, probabilities)[self.part]


# What a set of predicted probabilities is scored by, overall and per group: name -> f(y_true, probabilities).
PROBABILITY_METRICS = {
    "n": lambda y, p: len(y),
    "prevalence": lambda y, p: float(np.mean(y)),
    "mean_predicted": lambda y, p: float(np.mean(p)),
    "roc_auc": _roc_auc,
    "roc_auc_low": _Part(roc_auc_interval, 0),
    "roc_auc_high": _Part(roc_auc_interval, 1),
    "brier": _brier,
    "log_loss": _log_loss,
    "calibration_intercept": _Part(calibration, "intercept"),
    "calibration_slope": _Part(calibration, "slope"),
}


def probability_metrics(y_true, probabilities, *, metrics=None) -> dict:
    """``PROBABILITY_METRICS`` (or the named subset ``metrics``) of one set of predictions, as plain floats.

    The bootstrap behind the interval's two ends, and the fit behind the
    calibration's intercept and slope, run once however many of their parts
    are asked for.
    """
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    shared: dict[Callable, object] = {}  # each shared computation's result, by its function
    result = {}
    for name in metrics or PROBABILITY_METRICS:
        metric = PROBABILITY_METRICS[name]
        if isinstance(metric, _Part):
            if metric.compute not in shared:
                shared[metric.compute] = metric.compute(y_true, probabilities)
            result[name] = shared[metric.compute][metric.part]
        else:
            result[name] = metric(y_true, probabilities)
    return result


DECISION_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.951, 0.01))


def net_benefit(y_true, probabilities, *, thresholds=DECISION_THRESHOLDS) -> pd.DataFrame:
    """Decision curve analysis (Vickers & Elkin, 2006): net benefit at each threshold probability.

    Net benefit = TP/n − FP/n · t/(1 − t): the true positives found, less the
    false positives weighted by the harm-to-benefit odds that the threshold t
    stands for; a patient counts as positive at a probability of t or more
    (as ``classify`` and dcurves count). Columns ``model``, ``all`` (treat
    everyone) and ``none`` (treat no one, 0), indexed by threshold.
    """
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    if len(np.unique(y_true)) < 2:
        raise ValueError("a decision curve needs patients with and without coronary artery disease")
    at = np.asarray(thresholds, dtype=float)
    positive = probabilities[None, :] >= at[:, None]  # one row per threshold
    odds, prevalence = at / (1 - at), y_true.mean()
    true_positives, false_positives = (positive & (y_true == 1)).mean(axis=1), (positive & (y_true == 0)).mean(axis=1)
    return pd.DataFrame(
        {"model": true_positives - false_positives * odds, "all": prevalence - (1 - prevalence) * odds, "none": 0.0},
        index=pd.Index(list(thresholds), name="threshold"),
    )
