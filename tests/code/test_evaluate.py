"""Evaluation: out-of-fold predictions by hospital, calibration, the AUC interval, rates and decision curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

import heartnet
from heartnet import evaluate
from heartnet.errors import DataError
from heartnet.features import HOSPITAL
from heartnet.recalibration import calibration
from tests.examples import simulated


def test_a_calibrated_model_has_intercept_0_and_slope_1():
    y, p = simulated(20_000)
    result = calibration(y, p)
    assert result["intercept_low"] < 0 < result["intercept_high"]
    assert result["slope_low"] < 1 < result["slope_high"]


def test_over_confident_and_under_estimating_models_show_in_slope_and_intercept():
    y, p = simulated(20_000, slope=2.0)  # logits twice too large: the recalibration slope is 1/2
    assert calibration(y, p)["slope"] == pytest.approx(0.5, abs=0.03)
    y, p = simulated(20_000, shift=-1.0)  # every logit 1 too low: the intercept puts it back
    assert calibration(y, p)["intercept"] == pytest.approx(1.0, abs=0.06)


def test_the_calibration_slope_is_the_logistic_regression_on_the_logit():
    y, p = simulated(500, slope=1.7, seed=3)
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    reference = LogisticRegression(C=np.inf, max_iter=1000).fit(logit, y)
    assert calibration(y, p)["slope"] == pytest.approx(reference.coef_[0, 0], rel=1e-4)


def test_calibration_of_a_single_class_is_undefined():
    assert np.isnan(calibration(np.ones(10), np.full(10, 0.7))["slope"])


def test_the_auc_interval_holds_the_auc_and_narrows_with_more_patients():
    y, p = simulated(2_000, seed=1)
    low, high = evaluate.roc_auc_interval(y, p)
    assert low < roc_auc_score(y, p) < high
    small_low, small_high = evaluate.roc_auc_interval(y[:100], p[:100])
    assert small_high - small_low > high - low
    assert evaluate.roc_auc_interval(y, p, seed=5) != (low, high)  # resampled, not a formula
    assert all(np.isnan(evaluate.roc_auc_interval(np.ones(5), np.linspace(0, 1, 5))))


def test_every_bootstrap_resample_keeps_both_classes():
    # 3 healthy among 60: an unstratified bootstrap would often draw none; the stratified one never does.
    y = np.r_[np.zeros(3, int), np.ones(57, int)]
    p = np.r_[0.2, 0.9, 0.95, np.linspace(0.1, 1, 57)]
    low, high = evaluate.roc_auc_interval(y, p, resamples=500)
    assert 0 <= low <= high <= 1


def test_the_metrics_formulas_give_scikit_learns_values_ties_and_extremes_included():
    y, p = simulated(300, seed=5)
    p = np.round(p, 1)  # many ties
    p[:3] = [0.0, 1.0, 1.0]  # a log loss clips them to [1e-7, 1 - 1e-7] first
    theirs = {"roc_auc": roc_auc_score(y, p), "brier": brier_score_loss(y, p)}
    theirs["log_loss"] = log_loss(y, np.clip(p, 1e-7, 1 - 1e-7))
    assert {name: evaluate.PROBABILITY_METRICS[name](y, p) for name in theirs} == pytest.approx(theirs, rel=1e-12)
    assert np.isnan(evaluate.PROBABILITY_METRICS["roc_auc"](np.ones(5, dtype=int), p[:5]))  # one class: no pair to rank


def test_the_one_roc_auc_is_scikit_learns_along_either_axis_ties_included():
    """``roc_auc_of_classes`` scores a bootstrap's resamples at once (rows here, columns when transposed)."""
    rng = np.random.default_rng(7)
    diseased, healthy = rng.integers(0, 10, (6, 40)) / 10, rng.integers(0, 8, (6, 25)) / 10  # ten values: many ties
    y = np.r_[np.ones(40, int), np.zeros(25, int)]
    theirs = [roc_auc_score(y, np.r_[d, h]) for d, h in zip(diseased, healthy, strict=True)]
    assert evaluate.roc_auc_of_classes(diseased, healthy) == pytest.approx(theirs, rel=1e-12)
    assert evaluate.roc_auc_of_classes(diseased.T, healthy.T, axis=0) == pytest.approx(theirs, rel=1e-12)
    assert np.isnan(evaluate.roc_auc_of_classes(diseased[0], healthy[0][:0]))


def test_net_benefit_of_a_perfect_model_is_the_prevalence_and_a_patient_at_the_threshold_is_treated():
    y = np.array([1, 1, 0, 0, 0])
    perfect = evaluate.net_benefit(y, y.astype(float))
    assert list(perfect.index) == list(evaluate.DECISION_THRESHOLDS) and (perfect["none"] == 0).all()
    np.testing.assert_allclose(perfect["model"], 0.4)  # every diseased patient found, no one else
    odds = perfect.index / (1 - perfect.index)
    np.testing.assert_allclose(perfect["all"], 0.4 - 0.6 * odds)  # treat all: everyone healthy is a false positive
    everyone = evaluate.net_benefit(y, np.ones(5))
    np.testing.assert_allclose(everyone["model"], everyone["all"])
    # At t = 0.25 the harm of a false positive weighs 1/3: the healthy patient at exactly 0.25 counts against.
    at = evaluate.net_benefit(y, np.array([0.9, 0.1, 0.25, 0.1, 0.1]), thresholds=[0.25])
    assert at.loc[0.25, "model"] == pytest.approx(1 / 5 - 1 / 5 * 1 / 3)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (["X", "X", "X"], r"needs at least two hospitals; got 1: 'X'"),
        (["X", None, "Y"], r"needs the hospital of every row; row 1 has none"),
        (["X", "  ", "Y"], r"row 1 has none"),
    ],
)
def test_leave_one_hospital_out_refuses_groups_it_cannot_use(groups, message):
    with pytest.raises(DataError, match=message):
        evaluate.hospital_folds(groups)


def test_leave_one_hospital_out_gives_one_fold_per_hospital():
    with_hospital = heartnet.load_dataset(with_hospital=True)
    folds = list(evaluate.hospital_folds(with_hospital[HOSPITAL]).split(with_hospital, groups=with_hospital[HOSPITAL]))
    assert len(folds) == 4
    for _, test in folds:
        assert with_hospital[HOSPITAL].iloc[test].nunique() == 1


def test_leave_one_group_out_predictions_come_from_the_other_groups():
    # A model that predicts its training rate: each group gets the rate of the other groups, never its own.
    y = np.r_[np.ones(10, int), np.zeros(30, int), np.r_[np.ones(5, int), np.zeros(5, int)]]
    groups = np.repeat(["sick", "healthy", "half"], [10, 30, 10])
    X = pd.DataFrame({"x": np.zeros(len(y))})
    predicted = evaluate.out_of_fold(
        DummyClassifier(strategy="prior"), X, y, evaluate.hospital_folds(groups), groups=groups
    )
    assert predicted.shape == (1, 50)
    assert predicted[0, 0] == pytest.approx(5 / 40) and predicted[0, 10] == pytest.approx(15 / 20)
    assert predicted[0, 45] == pytest.approx(10 / 40)


def test_repeated_folds_give_one_row_of_predictions_per_repeat():
    y, _ = simulated(100)
    X = pd.DataFrame({"x": np.arange(100.0)})
    repeated = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
    predicted = evaluate.out_of_fold(LogisticRegression(), X, y, repeated)
    assert predicted.shape == (3, 100)
    single = evaluate.out_of_fold(LogisticRegression(), X, y, StratifiedKFold(5, shuffle=True, random_state=0))
    assert single.shape == (1, 100) and not np.allclose(predicted[0], predicted[1])


def test_a_perfectly_separated_sample_has_an_intercept_but_no_slope_and_warns_nothing():
    import warnings

    y, p = np.array([0, 0, 0, 1, 1, 1]), np.array([0.1, 0.2, 0.3, 0.6, 0.8, 0.9])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = calibration(y, p)
    assert np.isfinite(fit["intercept"]) and np.isnan(fit["slope"]) and np.isnan(fit["slope_low"])


def test_rates_at_the_threshold_come_with_wilson_intervals():
    # 10 diseased, 8 of them above the threshold; 5 healthy, all below: no false positive
    y = np.array([1] * 10 + [0] * 5)
    p = np.array([0.9] * 8 + [0.1] * 2 + [0.1] * 5)
    result = evaluate.threshold_metrics(y, p, 0.5)
    assert result["confusion_matrix"] == {"tn": 5, "fp": 0, "fn": 2, "tp": 8}
    assert result["sensitivity"] == 0.8
    # Wilson's 95 % interval for 8 of 10 (Brown, Cai & DasGupta 2001): 0.490 to 0.943
    assert (round(result["sensitivity_low"], 3), round(result["sensitivity_high"], 3)) == (0.490, 0.943)
    assert result["ppv"] == 1.0 and result["ppv_low"] < 1.0 == result["ppv_high"]  # inside [0, 1], not a point
    nobody = evaluate.threshold_metrics(y, p, 0.95)  # no patient predicted positive: no PPV
    assert nobody["ppv"] is None and nobody["ppv_low"] is None and nobody["sensitivity"] == 0.0
    for n in range(1, 60):  # all or none of n: the interval still holds the rate, whatever the rounding
        every = evaluate.threshold_metrics(np.ones(n, dtype=int), np.full(n, 0.9), 0.5)
        assert every["sensitivity_low"] <= every["sensitivity"] == every["sensitivity_high"] == 1.0
        missed = evaluate.threshold_metrics(np.ones(n, dtype=int), np.full(n, 0.1), 0.5)
        assert missed["sensitivity_low"] == missed["sensitivity"] == 0.0 <= missed["sensitivity_high"]
