"""Metrics and the held-out split shared by the CLI, the tests and the notebook."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.model_selection import train_test_split

from heartnet.features import TARGET

__all__ = ["TEST_SIZE", "classification_metrics", "holdout_split"]

TEST_SIZE = 0.2


def holdout_split(df: pd.DataFrame, *, seed: int = 0, test_size: float = TEST_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train positions, test positions) of ``df``, reproducible from the seed."""
    positions = np.arange(len(df))
    train_rows, test_rows = train_test_split(positions, test_size=test_size, stratify=df[TARGET], random_state=seed)
    return np.sort(train_rows), np.sort(test_rows)


def classification_metrics(y_true, probabilities, *, threshold: float = 0.5) -> dict:
    """ROC AUC, accuracy, precision, recall, F1, Brier, log loss and the confusion matrix."""
    y_true = np.asarray(y_true, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    predicted = (probabilities >= threshold).astype(int)
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
