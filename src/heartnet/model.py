"""The Keras model: preprocessing layers that turn raw rows into a matrix, then an MLP.

The preprocessing lives inside the model, so a saved model takes raw rows::

    Age ─ Normalization ───────────────────────┐
    Cholesterol ─ Normalization ─ FillMissing ─┤
               └─ MissingIndicator ────────────┤
    Sex ─ StringLookup (one-hot) ──────────────┼─ Concatenate ─┬─ MLP 1 (Sequential) ─ sigmoid ─┬─ Average
    FastingBS ─ IntegerLookup (one-hot) ───────┘               ├─ ...                          │
                                                               └─ MLP K (Sequential) ─ sigmoid ─┘

The K heads are an ensemble: identical MLPs, each started from its own random
weights and early-stopped on its own fold of the training rows (see
``heartnet.train``); the model returns the mean of their probabilities.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.features import FEATURES, Feature

layers, ops = keras.layers, keras.ops

__all__ = ["DEFAULT_HPARAMS", "build_model", "encoded_feature_names", "encoder", "heads", "to_inputs"]

DEFAULT_HPARAMS = {
    "units": (32, 16),
    "dropout": 0.3,
    "learning_rate": 1e-3,
    "members": 5,
}
ENCODED_LAYER = "encoded"
HEAD_PREFIX = "mlp_"

_INPUT_DTYPES = {"numeric": "float32", "categorical": "string", "binary": "int64"}


@keras.saving.register_keras_serializable(package="heartnet")
class MissingIndicator(layers.Layer):
    """1.0 where the input is NaN (not measured), else 0.0."""

    def call(self, inputs):
        return ops.cast(ops.isnan(inputs), "float32")


@keras.saving.register_keras_serializable(package="heartnet")
class FillMissing(layers.Layer):
    """Replace NaN by 0.0: after normalization, 0 is the training mean."""

    def call(self, inputs):
        return ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)


def _encode(feature: Feature, tensor, train_df: pd.DataFrame) -> list:
    """The encoded columns of one feature (see encoded_feature_names for their names)."""
    name = feature.name
    if feature.kind == "numeric":
        values = train_df[name].to_numpy(dtype="float32")
        normalization = layers.Normalization(name=f"{name}_normalization")
        normalization.adapt(values[~np.isnan(values)].reshape(-1, 1))
        normalized = normalization(tensor)
        if not feature.nullable:
            return [normalized]
        return [
            FillMissing(name=f"{name}_fill")(normalized),
            MissingIndicator(name=f"{name}_missing")(tensor),
        ]
    # The vocabulary is the spec's, not the training fold's: every allowed
    # category keeps its column even if a small fold lacks it, and the
    # validator has already rejected anything else (so no OOV column).
    lookup = layers.IntegerLookup if feature.kind == "binary" else layers.StringLookup
    return [
        lookup(vocabulary=list(feature.values), num_oov_indices=0, output_mode="one_hot", name=f"{name}_onehot")(tensor)
    ]


def build_model(
    train_df: pd.DataFrame,
    *,
    units: tuple[int, ...] = DEFAULT_HPARAMS["units"],
    dropout: float = DEFAULT_HPARAMS["dropout"],
    members: int = DEFAULT_HPARAMS["members"],
) -> keras.Model:
    """Build the model; Normalization layers are adapted on ``train_df`` only.

    ``train_df`` is a validated frame (``heartnet.validation.validate_frame``).
    Inputs: one named ``keras.Input`` of shape (1,) per feature (float32,
    string or int64). Output: the probability of heart disease, shape (n, 1),
    the mean of ``members`` MLP heads (``heads(model)``). Not compiled:
    ``heartnet.train`` trains the heads with its own optimizer.
    """
    if isinstance(members, bool) or not isinstance(members, numbers.Integral) or members < 1:
        raise ValueError(f"members must be a whole number of heads, at least 1; got {members!r}")
    members = int(members)
    inputs = {f.name: keras.Input(shape=(1,), name=f.name, dtype=_INPUT_DTYPES[f.kind]) for f in FEATURES}
    encoded = [column for f in FEATURES for column in _encode(f, inputs[f.name], train_df)]
    matrix = layers.Concatenate(name=ENCODED_LAYER)(encoded)

    outputs = [
        _head(f"{HEAD_PREFIX}{member}", matrix.shape[-1], units, dropout)(matrix) for member in range(1, members + 1)
    ]
    output = outputs[0] if members == 1 else layers.Average(name="ensemble")(outputs)
    return keras.Model(inputs=inputs, outputs=output, name="heartnet")


def _head(name: str, width_in: int, units: tuple[int, ...], dropout: float) -> keras.Sequential:
    """One MLP: Dense + ReLU (+ Dropout) per entry of ``units``, then one sigmoid unit."""
    stack = [keras.Input(shape=(width_in,))]
    for index, width in enumerate(units, start=1):
        stack.append(layers.Dense(width, activation="relu", name=f"dense_{index}"))
        if dropout:
            stack.append(layers.Dropout(dropout, name=f"dropout_{index}"))
    stack.append(layers.Dense(1, activation="sigmoid", name="output"))
    return keras.Sequential(stack, name=name)  # built once (``add`` rebuilds after every layer)


def heads(model: keras.Model) -> list[keras.Sequential]:
    """The model's MLP heads (one per ensemble member), in order."""
    return [layer for layer in model.layers if layer.name.startswith(HEAD_PREFIX)]


def encoder(model: keras.Model) -> keras.Model:
    """The preprocessing part alone: raw rows in, the matrix the MLP receives out."""
    return keras.Model(inputs=model.inputs, outputs=model.get_layer(ENCODED_LAYER).output, name="encoder")


def encoded_feature_names(model: keras.Model) -> list[str]:
    """The names of the matrix's columns, read from the model's own layers."""
    names = []
    for feature in FEATURES:
        if feature.kind == "numeric":
            names.append(feature.name)
            if feature.nullable:
                names.append(f"{feature.name}_missing")
        else:
            vocabulary = model.get_layer(f"{feature.name}_onehot").get_vocabulary()
            names.extend(f"{feature.name}={value}" for value in vocabulary)
    return names


def to_inputs(columns: pd.DataFrame | Mapping[str, Sequence]) -> dict[str, tf.Tensor]:
    """Validated columns (a frame, or a dict of lists) as the model's input dict.

    One (n, 1) tensor per named input. Strings become ``tf.string`` tensors:
    Keras 3 takes neither numpy ``<U`` arrays nor, in ``fit``, object arrays.
    """
    arrays = {}
    for feature in FEATURES:
        column = np.asarray(columns[feature.name])
        dtype = object if feature.kind == "categorical" else _INPUT_DTYPES[feature.kind]
        arrays[feature.name] = tf.constant(column.astype(dtype).reshape(-1, 1))
    return arrays
