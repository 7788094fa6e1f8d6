"""Seeded training with a stratified validation split and early stopping."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

from heartnet.errors import DataError
from heartnet.features import FEATURE_NAMES, TARGET
from heartnet.model import DEFAULT_HPARAMS, build_model, to_inputs
from heartnet.validation import validate_frame

__all__ = ["DEFAULT_FIT", "split_xy", "train"]

DEFAULT_FIT = {
    "epochs": 300,
    "batch_size": 32,
    "patience": 25,
    "validation_size": 0.2,
}


def split_xy(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Validate a labelled frame and return (clean features, 0/1 labels)."""
    if TARGET not in df.columns:
        raise DataError(f"the training data has no '{TARGET}' column (0/1 labels)")
    labels = df[TARGET]
    if not labels.isin([0, 1]).all():
        raise DataError(f"'{TARGET}' must hold only 0 and 1, got {sorted(set(labels) - {0, 1})[:5]!r}")
    return validate_frame(df[list(FEATURE_NAMES)]), labels.to_numpy(dtype="int64")


def train(
    df: pd.DataFrame,
    *,
    seed: int = 0,
    epochs: int = DEFAULT_FIT["epochs"],
    batch_size: int = DEFAULT_FIT["batch_size"],
    patience: int = DEFAULT_FIT["patience"],
    validation_size: float = DEFAULT_FIT["validation_size"],
    verbose: int = 0,
    **hparams,
) -> keras.Model:
    """Train a model on ``df`` (features and ``HeartDisease``) and return it.

    Seeds Python, numpy and TensorFlow with ``keras.utils.set_random_seed``;
    takes a stratified ``validation_size`` share of ``df`` for early stopping
    on the validation loss (best weights restored) and touches no other data.
    ``hparams`` go to ``build_model`` (``units``, ``dropout``, ``learning_rate``).
    The fit's history is on ``model.history.history``.
    """
    unknown = set(hparams) - set(DEFAULT_HPARAMS)
    if unknown:
        raise TypeError(f"unknown hyper-parameters {sorted(unknown)}; known: {sorted(DEFAULT_HPARAMS)}")
    features, labels = split_xy(df)
    keras.utils.set_random_seed(seed)
    fit_rows, val_rows = train_test_split(
        np.arange(len(labels)), test_size=validation_size, stratify=labels, random_state=seed
    )
    model = build_model(features.iloc[fit_rows], **hparams)
    # tf.data with the tensors cached once: about twice as fast per epoch as
    # handing Keras the arrays, which it re-slices every epoch.
    fit_data = (
        tf.data.Dataset.from_tensor_slices((to_inputs(features.iloc[fit_rows]), labels[fit_rows]))
        .cache()
        .shuffle(len(fit_rows), seed=seed)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    validation_data = (
        tf.data.Dataset.from_tensor_slices((to_inputs(features.iloc[val_rows]), labels[val_rows]))
        .batch(len(val_rows))
        .cache()
    )
    model.fit(
        fit_data,
        validation_data=validation_data,
        epochs=epochs,
        shuffle=False,  # the dataset shuffles itself, seeded
        callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)],
        verbose=verbose,
    )
    return model
