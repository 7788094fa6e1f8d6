"""Fitting the Keras way: ``compile`` and ``fit`` of the model's network on the encoded matrix.

As in keras.io's structured-data examples, the preprocessing layers (which
hold no trainable weight) encode the rows once, and ``fit`` trains the
model's network on the encoded matrix; the shipped model shares the
network's weights, so it is trained too. ``notebook.ipynb`` writes these same
steps on its page, and a test checks that both give the same model.

Every member of the ensemble sees every batch; the loss that ``fit`` minimises
is the mean of the members' binary cross-entropies, so each member learns as
if alone, and the ensemble's own probability (their mean) is what the metrics
and the early stopping watch. The order of the rows in each epoch comes from
NumPy's generator seeded by the caller (``batches``), not from TensorFlow's
global seed, so the same seed gives the same model whatever else the caller
seeded. ``fit_model`` returns a real ``keras.callbacks.History``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.layers import MeanProbability
from heartnet.model import encoder, member_count, network, to_inputs
from heartnet.splits import VALIDATION_SIZE, validation_split

__all__ = [
    "DEFAULT_FIT",
    "SCHEDULES",
    "batches",
    "best_epoch",
    "compile_for_training",
    "fit_model",
    "make_optimizer",
    "targets",
]

# The winner of the nested leave-one-hospital-out search (benchmarks/selection.py): every row trains for 60
# epochs, no early stopping.
DEFAULT_FIT = {
    "learning_rate": 1e-3,
    "weight_decay": 0.0,
    "schedule": "constant",
    "epochs": 60,
    "batch_size": 32,
    "patience": None,
    "validation_size": VALIDATION_SIZE,
}
SCHEDULES = ("constant", "cosine")


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


def targets(labels: np.ndarray, members: int) -> dict[str, np.ndarray]:
    """What the trainer learns from: the labels repeated once per member (``members``) and as they are (metrics)."""
    y = np.asarray(labels).reshape(-1, 1).astype("float32")
    return {"members": np.repeat(y, members, axis=1), "probability": y}


def batches(matrix, goals: dict, *, epochs: int, batch_size: int, seed: int) -> tf.data.Dataset:
    """The training rows as ``fit`` takes them: every epoch, all of them in a new random order, in batches.

    The orders come from ``numpy.random.default_rng(seed)``: TensorFlow's own
    shuffling would depend on its global seed, which belongs to the caller.
    """
    rng = np.random.default_rng(seed)
    rows = len(goals["probability"])

    def epoch() -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices(rng.permutation(rows)).batch(batch_size)

    order = epoch()
    for _ in range(epochs - 1):
        order = order.concatenate(epoch())
    return order.map(lambda at: (tf.gather(matrix, at), {name: tf.gather(value, at) for name, value in goals.items()}))


def fit_model(
    model: keras.Model,
    features: pd.DataFrame,
    labels: np.ndarray,
    *,
    seed: int = 0,
    verbose: int = 0,
    **settings,
) -> keras.callbacks.History:
    """Train ``model`` on validated ``features`` and 0/1 ``labels`` with ``fit``; return its History.

    ``settings`` are any of ``DEFAULT_FIT``'s names (``learning_rate``,
    ``weight_decay``, ``schedule``, ``epochs``, ``batch_size``, ``patience``,
    ``validation_size``), the others taking its values.
    The preprocessing layers encode the rows once; ``fit`` then trains the
    network on the encoded matrix. With a ``patience``, a stratified
    ``validation_size`` share of the rows is held out (``validation_split``)
    and ``EarlyStopping`` watches the ensemble's log loss on it, stopping after
    ``patience`` epochs without improvement and restoring the weights of the
    best epoch. With ``patience=None``, every row trains for all ``epochs``.
    """
    if unknown := sorted(set(settings) - set(DEFAULT_FIT)):
        raise TypeError(f"fit_model() got an unexpected keyword argument {unknown[0]!r}")
    settings = {**DEFAULT_FIT, **settings}
    epochs, batch_size, patience = settings["epochs"], settings["batch_size"], settings["patience"]
    if patience is None:
        fit_rows, val_rows = np.arange(len(labels)), np.arange(0)
    else:
        fit_rows, val_rows = validation_split(labels, seed=seed, validation_size=settings["validation_size"])
    matrix = encoder(model)(to_inputs(features))
    goals = targets(labels, member_count(model))
    steps = math.ceil(len(fit_rows) / batch_size)
    adam = make_optimizer(
        **{name: settings[name] for name in ("learning_rate", "weight_decay", "schedule")}, steps=steps * epochs
    )
    trainer = compile_for_training(model, optimizer=adam, steps_per_execution=steps)
    fitting = {name: value[fit_rows] for name, value in goals.items()}
    data = batches(tf.gather(matrix, fit_rows), fitting, epochs=epochs, batch_size=batch_size, seed=seed)
    watching = {}
    if patience is not None:
        stopping = keras.callbacks.EarlyStopping(
            monitor="val_probability_log_loss", mode="min", patience=patience, restore_best_weights=True
        )
        validation = (tf.gather(matrix, val_rows), {name: value[val_rows] for name, value in goals.items()})
        watching = {"validation_data": validation, "validation_batch_size": len(val_rows), "callbacks": [stopping]}
    # shuffle=False: the batches come in their own seeded order already
    return trainer.fit(data, steps_per_epoch=steps, epochs=epochs, shuffle=False, verbose=verbose, **watching)


def best_epoch(history: keras.callbacks.History) -> int:
    """The epoch (from 1) whose weights the model kept.

    With early stopping, the first with the lowest validation log loss (the
    one ``EarlyStopping`` restored); without, the last.
    """
    losses = history.history.get("val_probability_log_loss")
    return int(np.argmin(losses)) + 1 if losses else len(history.history["loss"])
