"""The benchmarks' statistics: models compared on the same folds, per group, and the intervals of their differences.

``compare_models`` runs every model (heartnet's ``HeartnetClassifier`` and the
baselines of ``heartnet.baselines`` alike) through scikit-learn's own
``cross_validate`` with one CV object, so all of them see exactly the same
folds (``repeated_folds`` gives the project's); ``corrected_paired_ttest``
compares two models fold by fold (quality.py). ``metrics_by_group`` scores
probabilities within each hospital or sex and ``paired_difference`` gives the
interval of a difference between two models over held-out hospitals
(hospitals.py). A module of the ``benchmarks`` package, not of heartnet's: the
benchmarks import it by its full name (``from benchmarks.comparison import ...``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate

from heartnet.evaluate import probability_metrics

__all__ = [
    "LOSSES",
    "SCORING",
    "compare_models",
    "corrected_paired_ttest",
    "metrics_by_group",
    "paired_difference",
    "repeated_folds",
]

# What every comparison measures, as scikit-learn scorer names; Brier and log loss come negated.
SCORING = {
    "roc_auc": "roc_auc",
    "accuracy": "accuracy",
    "f1": "f1",
    "brier": "neg_brier_score",
    "log_loss": "neg_log_loss",
}
LOSSES = frozenset({"brier", "log_loss"})


def repeated_folds(*, n_splits: int = 5, n_repeats: int = 5, seed: int = 0) -> RepeatedStratifiedKFold:
    """The project's cross-validation: stratified, repeated, seeded; the same folds on every call."""
    return RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)


def compare_models(models: Mapping[str, object], X: pd.DataFrame, y, cv) -> pd.DataFrame:
    """Every model through ``sklearn.model_selection.cross_validate`` with the same ``cv``; one row per (model, fold).

    Columns: ``model``, ``split`` (the fold's position in ``cv.split``, the
    same for every model, so rows pair up), the metrics of ``SCORING``
    (Brier and log loss as losses: lower is better), ``fit_seconds`` and
    ``score_seconds``.
    """
    records = []
    for name, estimator in models.items():
        scores = cross_validate(estimator, X, y, cv=cv, scoring=SCORING, error_score="raise")
        for split in range(len(scores["fit_time"])):
            record = {"model": name, "split": split}
            for metric in SCORING:
                value = float(scores[f"test_{metric}"][split])
                record[metric] = -value if metric in LOSSES else value
            record["fit_seconds"] = float(scores["fit_time"][split])
            record["score_seconds"] = float(scores["score_time"][split])
            records.append(record)
    return pd.DataFrame.from_records(records)


def corrected_paired_ttest(differences, *, test_fraction: float, confidence: float = 0.95) -> dict:
    """Nadeau–Bengio corrected repeated-CV t-test for paired per-fold differences.

    Folds of a (repeated) cross-validation share most of their training rows,
    so the per-fold differences are correlated and the naive variance
    ``s²/k`` is too small. Nadeau and Bengio (2003) inflate it to
    ``(1/k + n_test/n_train) · s²``. ``test_fraction`` is n_test/n_train
    (1/(n_splits-1) for k-fold). Returns the mean difference, its corrected
    standard error, the ``confidence`` interval, the t statistic and the
    two-sided p-value (Student t with k-1 degrees of freedom).
    """
    differences = np.asarray(differences, dtype=float)
    k = len(differences)
    mean = float(differences.mean())
    variance = float(differences.var(ddof=1)) if k > 1 else 0.0
    standard_error = float(np.sqrt((1 / k + test_fraction) * variance))
    if standard_error == 0.0:
        return {"mean": mean, "std_error": 0.0, "low": mean, "high": mean, "t": None, "p_value": None, "folds": k}
    t = mean / standard_error
    half_width = float(stats.t.ppf(0.5 + confidence / 2, k - 1) * standard_error)
    return {
        "mean": mean,
        "std_error": standard_error,
        "low": mean - half_width,
        "high": mean + half_width,
        "t": float(t),
        "p_value": float(2 * stats.t.sf(abs(t), k - 1)),
        "folds": k,
    }


def metrics_by_group(y_true, probabilities, groups, *, metrics=None) -> pd.DataFrame:
    """``PROBABILITY_METRICS`` (or the named subset ``metrics``) per group (a hospital, a sex), one row each.

    Rows in order of first appearance, each group's ``probability_metrics``;
    the index is named after ``groups`` (a Series' name, else "group");
    ``n`` is an int, the other columns floats.
    """
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    name = groups.name if isinstance(groups, pd.Series) and groups.name is not None else "group"
    labels = np.asarray(groups, dtype=object)
    order = list(dict.fromkeys(labels))
    rows = [probability_metrics(y_true[labels == g], probabilities[labels == g], metrics=metrics) for g in order]
    frame = pd.DataFrame(rows, index=pd.Index(order, dtype=object, name=name)).astype(float)
    return frame.astype({"n": int}) if "n" in frame else frame


def paired_difference(
    y_true, first, second, groups, metric, *, resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> dict:
    """How much better or worse ``first`` is than ``second`` on the mean of ``metric`` over groups, with an interval.

    ``metric(y, p)`` is computed within each group (a held-out hospital) for
    both sets of probabilities; the statistic is the mean over groups of
    first's minus second's. Its interval is a paired percentile bootstrap:
    the same patients are resampled for both, within each group and class
    (so every resample keeps each hospital's size and disease rate, and both
    classes for the ROC AUC). Returns ``mean``, ``low``, ``high``.
    """
    y_true, groups = np.asarray(y_true, dtype=int), np.asarray(groups, dtype=object)
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    cells = [np.flatnonzero(groups == g) for g in dict.fromkeys(groups)]

    def difference(rows_by_group: list[np.ndarray]) -> float:
        return float(np.mean([metric(y_true[r], first[r]) - metric(y_true[r], second[r]) for r in rows_by_group]))

    rng = np.random.default_rng(seed)
    by_class = [[rows[y_true[rows] == label] for label in (0, 1)] for rows in cells]
    draws = [
        difference([np.concatenate([rng.choice(c, len(c)) for c in classes if len(c)]) for classes in by_class])
        for _ in range(resamples)
    ]
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return {"mean": difference(cells), "low": float(low), "high": float(high)}
