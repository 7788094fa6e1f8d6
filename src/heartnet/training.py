"""Training heartnet's model: ``train`` fits one on a labelled frame, ``train_and_save`` also records and saves it.

The top of the package's pipeline, the one module that knows the estimator,
the evaluation, the explanation and the storage together: ``heartnet train``
(and anyone else) calls ``train_and_save``, the one place the training record
is written. How the network itself is fitted (``compile`` and ``fit``) is in
``heartnet.fitting``; the scikit-learn face in ``heartnet.estimator``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.data import load_dataset
from heartnet.decision import DEFAULT_THRESHOLD, check_threshold
from heartnet.errors import DataError
from heartnet.estimator import HeartnetClassifier
from heartnet.evaluate import classification_metrics
from heartnet.explain import background_rows
from heartnet.features import FEATURE_NAMES, TARGET
from heartnet.inference import probabilities
from heartnet.local_check import row_fingerprints
from heartnet.record import DataRecord, SplitRecord, TrainingRecord
from heartnet.splits import TEST_SIZE, holdout_split
from heartnet.storage import save_model

__all__ = ["TrainingRun", "train", "train_and_save"]


def train(df: pd.DataFrame, *, seed: int = 0, **params) -> HeartnetClassifier:
    """Fit a ``HeartnetClassifier`` on ``df`` (the 11 features and ``HeartDisease``) and return it.

    The same as ``HeartnetClassifier(random_state=seed, **params).fit(df[features], df["HeartDisease"])``:
    its ``model_`` is the Keras model, ``history_`` the History of ``fit``.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"train takes a pandas DataFrame with the 11 features and '{TARGET}', got {type(df).__name__}")
    if TARGET not in df.columns:
        raise DataError(f"the training data has no '{TARGET}' column (0/1 labels)")
    known = set(HeartnetClassifier().get_params()) - {"random_state"}
    if "random_state" in params:
        raise TypeError("train takes the seed as seed=, not random_state=")
    unknown = sorted(set(params) - known)
    if unknown:
        raise TypeError(f"unknown hyper-parameters {unknown}; known: {sorted(known)}")
    return HeartnetClassifier(random_state=seed, **params).fit(df[list(FEATURE_NAMES)], df[TARGET])


@dataclass(frozen=True)
class TrainingRun:
    """What ``train_and_save`` did: where it saved, the held-out metrics, the split and the time it took."""

    path: Path
    metrics: dict
    train_rows: np.ndarray
    test_rows: np.ndarray
    seconds: float


def train_and_save(
    data: str | os.PathLike | None = None,
    *,
    seed: int = 0,
    threshold: float | None = None,
    out: str | os.PathLike | None = None,
    command: str | None = None,
    without_hospital: str | None = None,
) -> TrainingRun:
    """Train the default model, evaluate it on the held-out split, save it with its training record.

    The one place the training record is written (``heartnet train``, the
    tests and anyone else call this): the data (``None``: the built-in
    dataset, or a user's CSV; ``without_hospital`` leaves one hospital's rows
    out, for a model to check on a hospital it has not seen), the split
    (``heartnet.splits.holdout_split``),
    the seed, the threshold (``DEFAULT_THRESHOLD`` unless given), the
    hyper-parameters, the held-out metrics, the range of each number in the
    training rows, a fingerprint of each training row and the background rows
    that Shapley explanations start from: a ``heartnet.record.TrainingRecord``.
    Every reader reads what this writes through ``heartnet.load(path).record``
    (``TrainingRecord.from_metadata``, parsed and checked once by the loader):
    ``heartnet.splits.recorded_split``, ``heartnet.explain``, the range
    warnings, ``heartnet.local_check``, the estimator, the CLI, the app and
    the benchmarks.
    """
    threshold = DEFAULT_THRESHOLD if threshold is None else check_threshold(threshold)
    df = load_dataset(data, without_hospital=without_hospital)
    train_rows, test_rows = holdout_split(df, seed=seed)
    started = time.perf_counter()
    classifier = train(df.iloc[train_rows], seed=seed)
    seconds = time.perf_counter() - started
    test = df.iloc[test_rows]
    # the loader validated the rows; predict would also warn about test values outside the training range
    metrics = classification_metrics(test[TARGET], probabilities(classifier, test), threshold=threshold)
    hyperparameters = {name: value for name, value in classifier.get_params().items() if name != "verbose"}
    record = TrainingRecord(
        seed=seed,
        command=command,
        data=DataRecord(
            source=df.attrs["source"], sha256=df.attrs["sha256"], rows=len(df), without_hospital=without_hospital
        ),
        split=SplitRecord(test_rows=test_rows, seed=seed, test_size=TEST_SIZE),
        hyperparameters=hyperparameters,
        epochs_run=len(classifier.history_.history["loss"]),
        best_epoch=classifier.best_epoch_,
        fit_seconds=round(seconds, 2),
        metrics=metrics,
        observed_ranges=classifier.observed_ranges_,  # predict warns outside them
        # a check on local patients warns when they are these rows (heartnet.local_check)
        training_fingerprints=row_fingerprints(df.iloc[train_rows]),
        # Shapley explanations start from the mean prediction over these training rows.
        background=background_rows(df.iloc[train_rows], seed=seed),
    )
    path = save_model(classifier.model_, out, metadata={**record.as_metadata(), "threshold": threshold})
    return TrainingRun(path, metrics, train_rows, test_rows, seconds)
