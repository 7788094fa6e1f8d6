"""The benchmarks' statistics (benchmarks/comparison.py): the same folds for every model, metrics per group,
the intervals of a difference."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score

import heartnet
from benchmarks import comparison
from heartnet import evaluate
from tests.examples import simulated


class _Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the training rows' disease rate and records which rows each fit saw."""

    seen: ClassVar[list] = []

    def __init__(self, name: str = ""):
        self.name = name

    def fit(self, X, y):
        _Recorder.seen.append((self.name, tuple(X.index)))
        self.rate_, self.classes_ = float(np.mean(y)), np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.rate_), np.full(len(X), self.rate_)])

    def predict(self, X):
        return np.full(len(X), int(self.rate_ >= 0.5))


def test_compare_models_gives_every_model_the_same_folds(dataset):
    _Recorder.seen.clear()
    X, y = dataset[list(heartnet.FEATURE_NAMES)], dataset[heartnet.TARGET]
    folds = comparison.repeated_folds(n_splits=3, n_repeats=2)
    results = comparison.compare_models({"a": _Recorder("a"), "b": _Recorder("b")}, X, y, folds)
    folds = {name: [rows for who, rows in _Recorder.seen if who == name] for name in ("a", "b")}
    assert folds["a"] == folds["b"] and len(folds["a"]) == 6
    assert all(set(rows) < set(X.index) for rows in folds["a"])
    assert list(results.columns) == ["model", "split", *comparison.SCORING, "fit_seconds", "score_seconds"]
    assert list(results["split"]) == [*range(6), *range(6)]
    assert (results["roc_auc"] == 0.5).all()  # a constant prediction ranks nobody
    assert (results["brier"] > 0).all() and (results["log_loss"] > 0).all()  # losses, not scikit-learn's negatives


def test_metrics_by_group_are_the_metrics_of_each_group():
    y, p = simulated(600, seed=2)
    groups = pd.Series(np.repeat(["b", "a", "c"], 200), name="Hospital")
    frame = comparison.metrics_by_group(y, p, groups)
    assert list(frame.index) == ["b", "a", "c"] and frame.index.name == "Hospital"
    for name in ("a", "b", "c"):
        mask = (groups == name).to_numpy()
        expected = evaluate.probability_metrics(y[mask], p[mask])
        assert frame.loc[name].to_dict() == pytest.approx(expected)
        assert frame.loc[name, "roc_auc_low"] < roc_auc_score(y[mask], p[mask]) < frame.loc[name, "roc_auc_high"]


def test_a_paired_difference_over_hospitals_finds_the_better_model_and_none_between_twins():
    y, good = simulated(600, seed=4)
    _, worse = simulated(600, seed=4, slope=0.3, shift=1.0)
    groups = np.repeat(["A", "B", "C"], 200)
    loss = evaluate.PROBABILITY_METRICS["log_loss"]
    same = comparison.paired_difference(y, good, good, groups, loss, resamples=200)
    assert same == {"mean": 0.0, "low": 0.0, "high": 0.0}
    better = comparison.paired_difference(y, good, worse, groups, loss, resamples=200)
    per_group = [loss(y[groups == g], good[groups == g]) - loss(y[groups == g], worse[groups == g]) for g in "ABC"]
    assert better["mean"] == pytest.approx(np.mean(per_group))
    assert better["low"] <= better["mean"] <= better["high"] < 0  # lower log loss, surely


def test_corrected_interval_is_wider_than_the_naive_one():
    differences = np.random.default_rng(0).normal(0.01, 0.02, 25)
    corrected = comparison.corrected_paired_ttest(differences, test_fraction=0.25)
    naive_half = stats.t.ppf(0.975, 24) * differences.std(ddof=1) / np.sqrt(25)
    assert corrected["high"] - corrected["mean"] > naive_half
    assert corrected["mean"] == pytest.approx(differences.mean())
    assert 0 <= corrected["p_value"] <= 1
    same = comparison.corrected_paired_ttest(np.zeros(5), test_fraction=0.25)
    assert same["low"] == same["high"] == 0.0
