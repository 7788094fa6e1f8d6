"""Training the Keras way: ``compile`` and ``fit``, with early stopping on held-out rows.

As in keras.io's structured-data examples, the preprocessing layers (which
hold no trainable weight) encode the rows once, and ``fit`` trains the
model's network on the encoded matrix, fed by a ``tf.data`` pipeline; the
shipped model shares the network's weights, so it is trained too.

Every member of the ensemble sees every batch; the loss that ``fit`` minimises
is the mean of the members' binary cross-entropies, so each member learns as
if alone, and the ensemble's own probability (their mean) is what the metrics
and the early stopping watch. ``fit`` returns a real ``keras.callbacks.History``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.errors import DataError
from heartnet.features import FEATURE_NAMES, TARGET
from heartnet.layers import MeanProbability
from heartnet.model import encoder, member_count, network, to_inputs
from heartnet.validation import not_a_label, validate_frame

__all__ = [
    "DEFAULT_FIT",
    "TrainingRun",
    "best_epoch",
    "check_labels",
    "compile_for_training",
    "datasets",
    "fit_model",
    "make_optimizer",
    "split_xy",
    "train_and_save",
    "validation_split",
]

# The winner of the nested leave-one-hospital-out search (benchmarks/selection.py): every row trains for 30
# epochs, no early stopping.
DEFAULT_FIT = {
    "learning_rate": 1e-3,
    "weight_decay": 0.0,
    "schedule": "constant",
    "epochs": 30,
    "batch_size": 32,
    "patience": None,
    "validation_size": 0.2,
}
SCHEDULES = ("constant", "cosine")


def split_xy(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Validate a labelled frame and return (clean features, 0/1 labels)."""
    if TARGET not in df.columns:
        raise DataError(f"the training data has no '{TARGET}' column (0/1 labels)")
    return validate_frame(df[list(FEATURE_NAMES)]), check_labels(df[TARGET])


def check_labels(labels) -> np.ndarray:
    """The labels as an int64 array of 0 and 1; ``DataError`` naming the first other values."""
    labels = pd.Series(np.asarray(labels).ravel())
    bad = not_a_label(labels)
    if bad.any():
        raise DataError(f"'{TARGET}' must hold only 0 and 1, got {sorted(map(repr, set(labels[bad])))[:5]}")
    return labels.to_numpy(dtype="int64")


def validation_split(
    labels, *, seed: int = 0, validation_size: float = DEFAULT_FIT["validation_size"]
) -> tuple[np.ndarray, np.ndarray]:
    """The (fit positions, validation positions) that ``fit_model`` uses for early stopping.

    Stratified and reproducible from the seed, so the validation rows of a
    trained model can be recovered.
    """
    from heartnet.evaluate import stratified_split

    return stratified_split(labels, size=validation_size, seed=seed)


def make_optimizer(
    *,
    learning_rate: float = DEFAULT_FIT["learning_rate"],
    weight_decay: float = DEFAULT_FIT["weight_decay"],
    schedule: str = DEFAULT_FIT["schedule"],
    steps: int = 1,
) -> keras.optimizers.Optimizer:
    """Adam, or AdamW when ``weight_decay`` > 0; a ``"cosine"`` schedule decays the rate to 0 over ``steps``."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(map(repr, SCHEDULES))}; got {schedule!r}")
    rate = learning_rate
    if schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    if weight_decay:
        return keras.optimizers.AdamW(learning_rate=rate, weight_decay=weight_decay)
    return keras.optimizers.Adam(learning_rate=rate)


def compile_for_training(
    model: keras.Model, *, optimizer: keras.optimizers.Optimizer | None = None, steps_per_execution: int = 1
) -> keras.Model:
    """The model's network with two outputs, compiled: every member's probability (loss) and their mean (metrics).

    The returned model shares its layers (and so its weights) with ``model``:
    fitting it trains ``model``. Its input is the encoded matrix
    (``encoder(model)``). ``optimizer`` defaults to ``make_optimizer()``.
    ``steps_per_execution`` batches run per call of the compiled training
    step (one epoch per call saves Python overhead).
    """
    trainable = network(model)
    trainer = keras.Model(
        inputs=trainable.input,
        outputs={"members": trainable.output, "probability": MeanProbability(name="probability")(trainable.output)},
        name="trainer",
    )
    trainer.compile(
        optimizer=optimizer or make_optimizer(),
        # (n, K) labels against (n, K) member probabilities: each member's cross-entropy, averaged over members.
        loss={"members": keras.losses.BinaryCrossentropy(), "probability": None},
        metrics={
            "probability": [
                keras.metrics.BinaryCrossentropy(name="log_loss"),
                keras.metrics.AUC(name="auc"),
            ]
        },
        steps_per_execution=steps_per_execution,
    )
    return trainer


def datasets(
    matrix,
    labels: np.ndarray,
    fit_rows: np.ndarray,
    val_rows: np.ndarray,
    *,
    members: int,
    batch_size: int,
    seed: int,
) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """The training and validation rows of the encoded matrix as ``tf.data`` pipelines of (inputs, targets).

    Targets: ``members``, the labels repeated once per member (each member is
    fit to the same labels), and ``probability``, the labels for the metrics.
    The training pipeline is cached, reshuffled every epoch (seeded) and
    repeated, so one iterator serves the whole ``fit``; validation is one batch.
    """
    y = labels.reshape(-1, 1).astype("float32")
    targets = {"members": np.repeat(y, members, axis=1), "probability": y}

    def rows(positions: np.ndarray) -> tf.data.Dataset:
        pairs = (tf.gather(matrix, positions), {name: values[positions] for name, values in targets.items()})
        return tf.data.Dataset.from_tensor_slices(pairs).cache()

    training = rows(fit_rows).shuffle(len(fit_rows), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    return training.repeat(), rows(val_rows).batch(max(len(val_rows), 1)).repeat()


def fit_model(
    model: keras.Model,
    features: pd.DataFrame,
    labels: np.ndarray,
    *,
    seed: int = 0,
    learning_rate: float = DEFAULT_FIT["learning_rate"],
    weight_decay: float = DEFAULT_FIT["weight_decay"],
    schedule: str = DEFAULT_FIT["schedule"],
    epochs: int = DEFAULT_FIT["epochs"],
    batch_size: int = DEFAULT_FIT["batch_size"],
    patience: int | None = DEFAULT_FIT["patience"],
    validation_size: float = DEFAULT_FIT["validation_size"],
    verbose: int = 0,
) -> keras.callbacks.History:
    """Train ``model`` on validated ``features`` and 0/1 ``labels`` with ``fit``; return its History.

    The preprocessing layers encode the rows once; ``fit`` then trains the
    network on the encoded matrix. With a ``patience``, a stratified
    ``validation_size`` share of the rows is held out (``validation_split``)
    and ``EarlyStopping`` watches the ensemble's log loss on it, stopping after
    ``patience`` epochs without improvement and restoring the weights of the
    best epoch. With ``patience=None``, every row trains for all ``epochs``.
    """
    if patience is None:
        fit_rows, val_rows = np.arange(len(labels)), np.arange(0)
    else:
        fit_rows, val_rows = validation_split(labels, seed=seed, validation_size=validation_size)
    matrix = encoder(model)(to_inputs(features))
    training, validation = datasets(
        matrix, labels, fit_rows, val_rows, members=member_count(model), batch_size=batch_size, seed=seed
    )
    steps = math.ceil(len(fit_rows) / batch_size)
    adam = make_optimizer(
        learning_rate=learning_rate, weight_decay=weight_decay, schedule=schedule, steps=steps * epochs
    )
    trainer = compile_for_training(model, optimizer=adam, steps_per_execution=steps)
    watching = {}
    if patience is not None:
        stopping = keras.callbacks.EarlyStopping(
            monitor="val_probability_log_loss", mode="min", patience=patience, restore_best_weights=True
        )
        watching = {"validation_data": validation, "validation_steps": 1, "callbacks": [stopping]}
    return trainer.fit(
        training,
        steps_per_epoch=steps,
        epochs=epochs,
        shuffle=False,  # the pipeline reshuffles every epoch itself
        verbose=verbose,
        **watching,
    )


def best_epoch(history: keras.callbacks.History) -> int:
    """The epoch (from 1) whose weights the model kept.

    With early stopping, the first with the lowest validation log loss (the
    one ``EarlyStopping`` restored); without, the last.
    """
    losses = history.history.get("val_probability_log_loss")
    return int(np.argmin(losses)) + 1 if losses else len(history.history["loss"])


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
) -> TrainingRun:
    """Train the default model, evaluate it on the held-out split, save it with its training record.

    The one place the training record is written (``heartnet train``, the
    tests and anyone else call this): the data (``None``: the built-in
    dataset, or a user's CSV), the split (``heartnet.evaluate.holdout_split``),
    the seed, the threshold (``DEFAULT_THRESHOLD`` unless given), the
    hyper-parameters, the held-out metrics and the background rows that
    Shapley explanations start from. Every reader of the record
    (``recorded_split``, ``heartnet.explain``) reads what this writes.
    """
    from heartnet.data import load_dataset
    from heartnet.decision import DEFAULT_THRESHOLD, check_threshold
    from heartnet.estimator import train
    from heartnet.evaluate import TEST_SIZE, classification_metrics, holdout_split
    from heartnet.explain import background_rows
    from heartnet.inference import predict
    from heartnet.storage import save_model

    threshold = DEFAULT_THRESHOLD if threshold is None else check_threshold(threshold)
    df = load_dataset(data)
    train_rows, test_rows = holdout_split(df, seed=seed)
    started = time.perf_counter()
    classifier = train(df.iloc[train_rows], seed=seed)
    seconds = time.perf_counter() - started
    test = df.iloc[test_rows]
    metrics = classification_metrics(test[TARGET], predict(test, classifier), threshold=threshold)
    hyperparameters = {name: value for name, value in classifier.get_params().items() if name != "verbose"}
    path = save_model(
        classifier.model_,
        out,
        metadata={
            "seed": seed,
            "command": command,
            "threshold": threshold,
            "data": {"source": df.attrs["source"], "sha256": df.attrs["sha256"], "rows": len(df)},
            "split": {"test_size": TEST_SIZE, "seed": seed, "test_rows": test_rows},
            "hyperparameters": hyperparameters,
            "epochs_run": len(classifier.history_.history["loss"]),
            "best_epoch": classifier.best_epoch_,
            "fit_seconds": round(seconds, 2),
            "metrics": metrics,
            "observed_ranges": classifier.observed_ranges_,  # predict warns outside them
            # Shapley explanations start from the mean prediction over these training rows.
            "background": background_rows(df.iloc[train_rows], seed=seed),
        },
    )
    return TrainingRun(path, metrics, train_rows, test_rows, seconds)
