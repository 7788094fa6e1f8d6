"""Models compared on the same folds through scikit-learn, and a corrected test of their difference.

``compare_models`` runs every model (heartnet's ``HeartnetClassifier`` and the
baselines of ``heartnet.baselines`` alike) through scikit-learn's own
``cross_validate`` with one CV object, so all of them see exactly the same
folds (``repeated_folds`` gives the project's); ``corrected_paired_ttest``
compares two models fold by fold.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate

__all__ = ["LOSSES", "SCORING", "compare_models", "corrected_paired_ttest", "repeated_folds"]

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
