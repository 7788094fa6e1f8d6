"""The Keras model: preprocessing layers that turn raw rows into a matrix, then an ensemble of MLPs.

The preprocessing lives inside the model, so a saved model takes raw rows. The
default (``DEFAULT_HPARAMS``: ``bins=0``, ``missing="mean"``, 8 members of one
hidden layer of 16 units)::

    Age ─ Normalization (standardized with the training mean and deviation) ──┐
    Cholesterol ─ FillMissing (the training mean) ─ Normalization ────────────┤
    Sex ─ StringLookup (one-hot) ─────────────────────────────────────────────┼─ Concatenate ("encoded": n × columns)
    FastingBS ─ IntegerLookup (one-hot) ──────────────────────────────────────┘        │
     network: EnsembleDense (ReLU) ─ Dropout ─ EnsembleDense (sigmoid) ─ members (n, K)
                                                                                       │
                                                      probability (the members' mean, n × 1)

``encoded_feature_names(model)`` names the matrix's columns. ``bins`` > 0
encodes each number piecewise-linearly in that many quantile bins instead
(``PiecewiseLinearEncoding``). ``missing`` says how a nullable number
(cholesterol, NaN when not measured) enters the matrix: ``"mean"`` fills it
with the training mean (``FillMissing``, learned by ``adapt``), no column
says it was missing; ``"indicator"`` fills it and adds a 0/1 "not measured"
column (``MissingIndicator``; models saved that way still load); ``"drop"``
leaves the feature out (its input stays, unused, so every model takes the
same 11 inputs).

The K members are an ensemble in one graph: K identical MLPs, each with its own
randomly initialised weights, computed side by side by ``EnsembleDense`` layers
(one batched matrix product per layer instead of K). They are trained together
by one ``fit`` in which every batch goes through all of them and the loss is the
mean of their losses (see ``heartnet.fitting``). The preprocessing layers hold
no trainable weight, so training encodes the rows once and fits the nested
model ``network`` (the encoded matrix in, the K probabilities out), as
keras.io's structured-data examples do; the shipped model shares its weights.
``member_mlp(model, k)`` gives member k alone as a ``keras.Sequential``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.features import FEATURES, MISSING, Feature
from heartnet.layers import (
    BatchEnsembleDense,
    EnsembleDense,
    FillMissing,
    MeanProbability,
    MissingIndicator,
    PiecewiseLinearEncoding,
    edges_from,
)
from heartnet.numeric import is_whole

layers = keras.layers

__all__ = [
    "DEFAULT_HPARAMS",
    "ENSEMBLES",
    "INPUT_DTYPES",
    "MEMBERS_LAYER",
    "RECALIBRATION_LAYER",
    "build_model",
    "build_network",
    "encoded_feature_names",
    "encoder",
    "member_count",
    "member_mlp",
    "network",
    "to_inputs",
]

# The winner of the nested leave-one-hospital-out search (benchmarks/selection.py, reports/selection.json),
# with DEFAULT_FIT: 8 MLPs of one hidden layer of 16 units on standardized numbers, cholesterol filled with the mean.
DEFAULT_HPARAMS = {
    "units": (16,),
    "dropout": 0.5,
    "members": 8,
    "ensemble": "independent",
    "bins": 0,
    "missing": "mean",
}
ENSEMBLES = ("independent", "batch")
ENCODED_LAYER = "encoded"
NETWORK_LAYER = "network"
MEMBERS_LAYER = "members"
RECALIBRATION_LAYER = "recalibrated"

INPUT_DTYPES = {"numeric": "float32", "categorical": "string", "binary": "int64"}  # each kind of raw input


def _encode(feature: Feature, tensor, train_df: pd.DataFrame, bins: int, missing: str) -> list:
    """The encoded columns of one feature (see encoded_feature_names for their names).

    Numbers are standardized (``bins=0``) or piecewise-linear encoded into
    ``bins`` quantile bins. A nullable number gets a missing indicator too
    (``missing="indicator"``), or has its missing values filled with the
    training mean before the encoding (``"mean"``), or gives no column (``"drop"``).
    """
    name = feature.name
    if feature.nullable and missing == "drop":
        return []
    if feature.kind == "numeric":
        values = train_df[name].to_numpy(dtype="float32")
        indicator = feature.nullable and missing == "indicator"
        if feature.nullable and missing == "mean":
            fill = FillMissing(name=f"{name}_fill")
            fill.adapt(values)  # the training mean
            tensor = fill(tensor)
        if bins:
            encoded = PiecewiseLinearEncoding(edges_from(values, bins), name=f"{name}_bins")(tensor)
        else:
            normalization = layers.Normalization(name=f"{name}_normalization")
            normalization.adapt(values[~np.isnan(values)].reshape(-1, 1))
            encoded = normalization(tensor)
            if indicator:
                encoded = FillMissing(name=f"{name}_fill")(encoded)
        return [encoded, MissingIndicator(name=f"{name}_missing")(tensor)] if indicator else [encoded]
    # The vocabulary is the spec's, not the training fold's: every allowed
    # category keeps its column even if a small fold lacks it, and the
    # validator has already rejected anything else (so no OOV column).
    lookup = layers.IntegerLookup if feature.kind == "binary" else layers.StringLookup
    return [
        lookup(vocabulary=list(feature.values), num_oov_indices=0, output_mode="one_hot", name=f"{name}_onehot")(tensor)
    ]


def build_model(train_df: pd.DataFrame, *, seed: int = 0, **hparams) -> keras.Model:
    """Build the model; the preprocessing layers learn their statistics from ``train_df`` only.

    ``train_df`` is a validated frame (``heartnet.validation.validate_frame``);
    ``hparams`` are any of ``DEFAULT_HPARAMS``' names (``units``, ``dropout``,
    ``members``, ``ensemble``, ``bins``, ``missing``), the others taking its values.
    Inputs: one named ``keras.Input`` of shape (1,) per feature (float32,
    string or int64). The preprocessing layers make the matrix ``encoded``:
    numbers standardized (``bins=0``) or piecewise-linear encoded in ``bins``
    quantile bins, categories one-hot; ``missing`` says how a nullable number
    enters it (``MISSING``: with an indicator column, filled with the training
    mean, or not at all). The trainable part, the nested model
    ``network`` (``build_network``), turns it into the ``members``'
    probabilities, and the output is their mean: the probability of coronary
    artery disease, shape (n, 1). ``seed`` seeds every random draw of the network
    (initial weights, dropout), so no global generator is read or moved.
    Not compiled: ``heartnet.fitting`` fits the network.
    """
    if unknown := sorted(set(hparams) - set(DEFAULT_HPARAMS)):
        raise TypeError(f"build_model() got an unexpected keyword argument {unknown[0]!r}")
    units, dropout, members, ensemble, bins, missing = ({**DEFAULT_HPARAMS, **hparams}[n] for n in DEFAULT_HPARAMS)
    if not is_whole(bins, 0):
        raise ValueError(f"bins must be 0 (standardize numbers) or a whole number of bins; got {bins!r}")
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(map(repr, MISSING))}; got {missing!r}")
    # With missing="drop" the nullable input reaches no layer: Keras 3 builds, saves and loads
    # (safe mode) such a model as it is and simply ignores the input, so callers still pass 11 inputs.
    inputs = {f.name: keras.Input(shape=(1,), name=f.name, dtype=INPUT_DTYPES[f.kind]) for f in FEATURES}
    encoded = layers.Concatenate(name=ENCODED_LAYER)(
        [column for f in FEATURES for column in _encode(f, inputs[f.name], train_df, int(bins), missing)]
    )
    trainable = build_network(
        encoded.shape[-1], units=tuple(units), dropout=dropout, members=members, ensemble=ensemble, seed=seed
    )
    probability = MeanProbability(name="probability")(trainable(encoded))
    return keras.Model(inputs=inputs, outputs=probability, name="heartnet")


def build_network(
    width: int,
    *,
    units: tuple[int, ...] = DEFAULT_HPARAMS["units"],
    dropout: float = DEFAULT_HPARAMS["dropout"],
    members: int = DEFAULT_HPARAMS["members"],
    ensemble: str = DEFAULT_HPARAMS["ensemble"],
    seed: int = 0,
) -> keras.Model:
    """The trainable part: a (n, ``width``) matrix in, the (n, ``members``) members' probabilities out.

    ``members`` MLPs side by side, each with hidden layers of ``units``
    (ReLU, then ``dropout``) and its own sigmoid output unit. Their hidden
    layers are ``EnsembleDense`` (``ensemble="independent"``: every member its
    own weights) or ``BatchEnsembleDense`` (``"batch"``: TabM's shared weights
    with per-member scalings). The layers that draw at random (initial
    weights, dropout masks) get the seeds ``seed``, ``seed + 1``, ... in order.
    """
    if not is_whole(members, 1):
        raise ValueError(f"members must be a whole number of MLPs, at least 1; got {members!r}")
    if ensemble not in ENSEMBLES:
        raise ValueError(f"ensemble must be one of {', '.join(map(repr, ENSEMBLES))}; got {ensemble!r}")
    seeds = itertools.count(seed)  # seed, seed + 1, ...: one for each layer that draws, in order
    matrix = keras.Input(shape=(width,), name="matrix")
    hidden = matrix
    for index, size in enumerate(units, start=1):
        name = f"dense_{index}"
        if ensemble == "batch":
            r_init = "random_signs" if index == 1 else "ones"
            hidden = BatchEnsembleDense(size, members, "relu", r_init, seed=next(seeds), name=name)(hidden)
        else:
            hidden = EnsembleDense(size, members, "relu", seed=next(seeds), name=name)(hidden)
        seed_of_dropout = next(seeds)
        if dropout:
            hidden = layers.Dropout(dropout, seed=seed_of_dropout, name=f"dropout_{index}")(hidden)
    output = EnsembleDense(1, members, "sigmoid", seed=next(seeds), name="output")(hidden)  # (n, K, 1)
    return keras.Model(matrix, layers.Reshape((int(members),), name=MEMBERS_LAYER)(output), name=NETWORK_LAYER)


def network(model: keras.Model) -> keras.Model:
    """The model's trainable part (shared with it): the encoded matrix in, the members' probabilities out."""
    return model.get_layer(NETWORK_LAYER)


def member_count(model: keras.Model) -> int:
    """How many MLPs the model's ensemble holds."""
    return int(network(model).output.shape[-1])


def member_mlp(model: keras.Model, member: int = 0) -> keras.Sequential:
    """Member ``member`` of the ensemble alone, as a ``keras.Sequential`` MLP with its trained weights.

    Same arithmetic as its column of the network's output: the encoded
    matrix in, its probability out (keras-visualizer draws it).
    """
    trainable = network(model)
    dense = [layer for layer in trainable.layers if isinstance(layer, (EnsembleDense, BatchEnsembleDense))]
    rates = {layer.name: layer.rate for layer in trainable.layers if isinstance(layer, layers.Dropout)}
    stack = [keras.Input(shape=(trainable.input.shape[-1],))]
    for layer in dense:
        # zeros: the trained weights are set right below, so nothing is drawn from a global generator
        stack.append(layers.Dense(layer.units, layer.activation, kernel_initializer="zeros", name=layer.name))
        dropout = layer.name.replace("dense", "dropout")
        if rates.get(dropout):
            stack.append(layers.Dropout(rates[dropout], name=dropout))
    mlp = keras.Sequential(stack, name=f"member_{member + 1}")
    for layer in dense:
        mlp.get_layer(layer.name).set_weights(_member_weights(layer, member))
    return mlp


def _member_weights(layer, member: int) -> list[np.ndarray]:
    """[kernel, bias] of one member of an ensemble layer, as a plain Dense layer holds them."""
    if isinstance(layer, BatchEnsembleDense):  # ((x * r) @ W) * s = x @ (r[:, None] * W * s)
        r, s = layer.r.numpy()[member], layer.s.numpy()[member]
        return [r[:, None] * layer.kernel.numpy() * s[None, :], layer.bias.numpy()[member]]
    return [layer.kernel.numpy()[member], layer.bias.numpy()[member]]


def encoder(model: keras.Model) -> keras.Model:
    """The preprocessing part alone: raw rows in, the matrix the MLP receives out."""
    return keras.Model(inputs=model.inputs, outputs=model.get_layer(ENCODED_LAYER).output, name="encoder")


def encoded_feature_names(model: keras.Model) -> list[str]:
    """The names of the matrix's columns, read from the model's own layers."""
    layer_names = {layer.name for layer in model.layers}
    names = []
    for feature in FEATURES:
        if feature.kind == "numeric":
            if f"{feature.name}_bins" in layer_names:
                edges = model.get_layer(f"{feature.name}_bins").edges
                names.extend(f"{feature.name}[{a:g}, {b:g}]" for a, b in itertools.pairwise(edges))
            elif f"{feature.name}_normalization" in layer_names:
                names.append(feature.name)
            # else: a nullable number left out (missing="drop")
            if f"{feature.name}_missing" in layer_names:
                names.append(f"{feature.name}_missing")
        else:
            vocabulary = model.get_layer(f"{feature.name}_onehot").get_vocabulary()
            names.extend(f"{feature.name}={value}" for value in vocabulary)
    return names


def to_inputs(columns: pd.DataFrame | Mapping[str, Sequence]) -> dict[str, tf.Tensor]:
    """Validated columns (a frame, or a dict of lists) as the model's input dict.

    One (n, 1) tensor per named input. Strings become ``tf.string`` tensors:
    Keras 3 takes neither numpy ``<U`` arrays nor, in ``fit``, object arrays.
    A numpy ``bytes`` array of categories is passed as it is (TensorFlow reads
    it without converting each cell).
    """
    arrays = {}
    for feature in FEATURES:
        column = np.asarray(columns[feature.name])
        if feature.kind != "categorical":
            column = column.astype(INPUT_DTYPES[feature.kind])
        elif column.dtype.kind != "S":
            column = column.astype(object)
        arrays[feature.name] = tf.constant(column.reshape(-1, 1))
    return arrays
