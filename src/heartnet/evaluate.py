"""Metrics, the held-out split, scikit-learn baselines and cross-validation on shared folds."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from heartnet.decision import DEFAULT_THRESHOLD, classify
from heartnet.features import FEATURE_NAMES, FEATURES, TARGET

__all__ = [
    "TEST_SIZE",
    "baseline_preprocessor",
    "baselines",
    "classification_metrics",
    "corrected_paired_ttest",
    "cross_validate",
    "heartnet_fit_predict",
    "holdout_split",
    "sklearn_fit_predict",
]

TEST_SIZE = 0.2


def holdout_split(df: pd.DataFrame, *, seed: int = 0, test_size: float = TEST_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train positions, test positions) of ``df``, reproducible from the seed."""
    positions = np.arange(len(df))
    train_rows, test_rows = train_test_split(positions, test_size=test_size, stratify=df[TARGET], random_state=seed)
    return np.sort(train_rows), np.sort(test_rows)


def classification_metrics(y_true, probabilities, *, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """ROC AUC, accuracy, precision, recall, F1, Brier, log loss and the confusion matrix."""
    y_true = np.asarray(y_true, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    predicted = classify(probabilities, threshold)
    tn, fp, fn, tp = skm.confusion_matrix(y_true, predicted, labels=[0, 1]).ravel()
    return {
        "roc_auc": float(skm.roc_auc_score(y_true, probabilities)),
        "accuracy": float(skm.accuracy_score(y_true, predicted)),
        "precision": float(skm.precision_score(y_true, predicted, zero_division=0)),
        "recall": float(skm.recall_score(y_true, predicted, zero_division=0)),
        "f1": float(skm.f1_score(y_true, predicted, zero_division=0)),
        "brier": float(skm.brier_score_loss(y_true, probabilities)),
        "log_loss": float(skm.log_loss(y_true, np.clip(probabilities, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "threshold": float(threshold),
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "n": len(y_true),
    }


def baseline_preprocessor() -> ColumnTransformer:
    """The scikit-learn mirror of the model's preprocessing layers, built from the spec.

    Numbers standardized (missing values filled with the training mean, i.e. 0
    after scaling), a missing indicator for each nullable feature, and one-hot
    categories with the spec's vocabulary: the same 22 columns the MLP sees.
    """
    numeric = [f.name for f in FEATURES if f.kind == "numeric"]
    nullable = [f.name for f in FEATURES if f.nullable]
    categorical = [f for f in FEATURES if f.kind != "numeric"]
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
            ("missing", MissingIndicator(features="all"), nullable),
            (
                "onehot",
                OneHotEncoder(categories=[list(f.values) for f in categorical], handle_unknown="error"),
                [f.name for f in categorical],
            ),
        ]
    )


def baselines(seed: int = 0) -> dict[str, Pipeline]:
    """Seeded scikit-learn baselines that see the same inputs as heartnet."""
    estimators = {
        "logistic_regression": LogisticRegression(max_iter=1000),
        "random_forest": RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=-1),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
        # SVC(probability=True) is deprecated since scikit-learn 1.9; this is its documented replacement.
        "svc": CalibratedClassifierCV(SVC(random_state=seed), ensemble=False),
    }
    return {name: make_pipeline(baseline_preprocessor(), estimator) for name, estimator in estimators.items()}


FitPredict = Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]


def sklearn_fit_predict(estimator) -> FitPredict:
    """A (train_df, test_df) -> probabilities function for a scikit-learn classifier."""

    def fit_predict(train_df: pd.DataFrame, test_df: pd.DataFrame) -> np.ndarray:
        fitted = clone(estimator).fit(train_df[list(FEATURE_NAMES)], train_df[TARGET])
        return fitted.predict_proba(test_df[list(FEATURE_NAMES)])[:, 1]

    return fit_predict


def heartnet_fit_predict(seed: int = 0, **hparams) -> FitPredict:
    """A (train_df, test_df) -> probabilities function for heartnet's own train/predict."""
    from heartnet.inference import predict
    from heartnet.training import train

    def fit_predict(train_df: pd.DataFrame, test_df: pd.DataFrame) -> np.ndarray:
        return predict(test_df, train(train_df, seed=seed, **hparams))

    return fit_predict


def cross_validate(
    df: pd.DataFrame,
    models: Mapping[str, FitPredict],
    *,
    n_splits: int = 5,
    n_repeats: int = 1,
    seed: int = 0,
) -> pd.DataFrame:
    """Every model on exactly the same stratified folds; one row per (model, fold).

    Columns: model, repeat, fold, the metrics of ``classification_metrics``
    (without the confusion matrix) and ``fit_seconds``.
    """
    splitter = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    records = []
    for index, (train_rows, test_rows) in enumerate(splitter.split(df, df[TARGET])):
        train_df, test_df = df.iloc[train_rows], df.iloc[test_rows]
        for name, fit_predict in models.items():
            started = time.perf_counter()
            probabilities = fit_predict(train_df, test_df)
            seconds = time.perf_counter() - started
            scores = classification_metrics(test_df[TARGET], probabilities)
            del scores["confusion_matrix"]
            records.append(
                {"model": name, "repeat": index // n_splits, "fold": index % n_splits, **scores, "fit_seconds": seconds}
            )
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
    from scipy import stats

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
