"""The Keras model: preprocessing layers that turn raw rows into a matrix, then an ensemble of MLPs.

The preprocessing lives inside the model, so a saved model takes raw rows. The
default (``DEFAULT_HPARAMS``: ``bins=4``, ``missing="indicator"``, 8 members of
one hidden layer of 16 units)::

    Age ─ PiecewiseLinearEncoding (a column per bin) ──┐
    Cholesterol ─ PiecewiseLinearEncoding ─────────────┤
               └─ MissingIndicator ────────────────────┤
    Sex ─ StringLookup (one-hot) ──────────────────────┼─ Concatenate ("encoded": n × columns)
    FastingBS ─ IntegerLookup (one-hot) ───────────────┘        │
     network: EnsembleDense (ReLU) ─ Dropout ─ EnsembleDense (sigmoid) ─ members (n, K)
                                                                │
                                        probability (the members' mean, n × 1)

``encoded_feature_names(model)`` names the matrix's columns. With ``bins=0``
the numbers are standardized (``Normalization``, and ``FillMissing`` puts a
missing value at the training mean) instead. That is ``missing="indicator"``
for a nullable number (cholesterol):
``"mean"`` fills a missing value with the training mean before the encoding,
with no indicator column, and ``"drop"`` leaves the feature out of the matrix
(its input stays, unused, so every model takes the same 11 inputs).

The K members are an ensemble in one graph: K identical MLPs, each with its own
randomly initialised weights, computed side by side by ``EnsembleDense`` layers
(one batched matrix product per layer instead of K). They are trained together
by one ``fit`` in which every batch goes through all of them and the loss is the
mean of their losses (see ``heartnet.training``). The preprocessing layers hold
no trainable weight, so training encodes the rows once and fits the nested
model ``network`` (the encoded matrix in, the K probabilities out), as
keras.io's structured-data examples do; the shipped model shares its weights.
``member_mlp(model, k)`` gives member k alone as a ``keras.Sequential``.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.features import FEATURES, Feature

layers, ops = keras.layers, keras.ops

__all__ = [
    "DEFAULT_HPARAMS",
    "MEMBERS_LAYER",
    "BatchEnsembleDense",
    "EnsembleDense",
    "MeanProbability",
    "PiecewiseLinearEncoding",
    "Recalibration",
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
# with DEFAULT_FIT: 8 MLPs of one hidden layer of 16 units.
DEFAULT_HPARAMS = {
    "units": (16,),
    "dropout": 0.5,
    "members": 8,
    "ensemble": "independent",
    "bins": 4,
    "missing": "indicator",
}
ENSEMBLES = ("independent", "batch")
MISSING = ("indicator", "mean", "drop")  # how a nullable number (a NaN when not measured) enters the matrix
ENCODED_LAYER = "encoded"
NETWORK_LAYER = "network"
MEMBERS_LAYER = "members"
RECALIBRATION_LAYER = "recalibrated"

_INPUT_DTYPES = {"numeric": "float32", "categorical": "string", "binary": "int64"}


@keras.saving.register_keras_serializable(package="heartnet")
class MissingIndicator(layers.Layer):
    """1.0 where the input is NaN (not measured), else 0.0."""

    def call(self, inputs):
        return ops.cast(ops.isnan(inputs), "float32")


@keras.saving.register_keras_serializable(package="heartnet")
class FillMissing(layers.Layer):
    """Replace NaN by ``value``: 0.0 after normalization (the training mean), or the training mean itself before it.

    Models saved before ``value`` existed have no ``value`` in their config and load with 0.0.
    """

    def __init__(self, value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.value = float(value)

    def call(self, inputs):
        return ops.where(ops.isnan(inputs), ops.full_like(inputs, self.value), inputs)

    def get_config(self):
        return {**super().get_config(), "value": self.value}


class _MembersDense(layers.Layer):
    """What the ensemble's dense layers share: ``members`` outputs of ``units`` each, (n, K, units)."""

    def __init__(self, units: int, members: int, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.members = int(units), int(members)
        self.activation = keras.activations.get(activation)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.members, self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "members": self.members,
            "activation": keras.activations.serialize(self.activation),
        }


@keras.saving.register_keras_serializable(package="heartnet")
class EnsembleDense(_MembersDense):
    """K dense layers side by side: member k computes ``activation(x_k @ kernel[k] + bias[k])``.

    Input (n, d), the same rows for every member (the first layer), or
    (n, K, d), each member's own hidden values; output (n, K, units). The
    members share nothing: this is a deep ensemble packed into one layer, so
    that one batched product (``einsum``) replaces K small ones.
    """

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(self.members, input_shape[-1], self.units), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.members, self.units), initializer="zeros")

    def call(self, inputs):
        equation = "nd,kdu->nku" if len(inputs.shape) == 2 else "nkd,kdu->nku"
        return self.activation(ops.einsum(equation, inputs, self.kernel) + self.bias)


@keras.saving.register_keras_serializable(package="heartnet")
class BatchEnsembleDense(_MembersDense):
    """K dense layers that share one kernel, each with its own scalings: TabM's linear layer.

    BatchEnsemble (Wen et al., 2020), as TabM uses it (Gorishniy et al., ICLR
    2025): member k computes ``activation(((x_k * r[k]) @ kernel) * s[k] + bias[k])``.
    The kernel (d, units) is shared; the adapters ``r`` (K, d) and ``s``
    (K, units) and the bias (K, units) are each member's own, so K members
    cost little more than one MLP. Following TabM's initialisation, the first
    layer's ``r`` starts at random signs (``r_init="random_signs"``) to make
    the members differ, every other adapter at ones, and every member's bias
    at the same values. Input (n, d) for the first layer (every member sees
    the same row) or (n, K, d); output (n, K, units).
    """

    def __init__(self, units: int, members: int, activation=None, r_init: str = "ones", **kwargs):
        super().__init__(units, members, activation, **kwargs)
        self.r_init = r_init

    def build(self, input_shape):
        width = input_shape[-1]
        bound = width**-0.5
        uniform = keras.initializers.RandomUniform(-bound, bound)
        self.kernel = self.add_weight(name="kernel", shape=(width, self.units), initializer=uniform)
        signs = _RandomSigns() if self.r_init == "random_signs" else "ones"
        self.r = self.add_weight(name="r", shape=(self.members, width), initializer=signs)
        self.s = self.add_weight(name="s", shape=(self.members, self.units), initializer="ones")
        self.bias = self.add_weight(name="bias", shape=(self.members, self.units), initializer="zeros")
        self.bias.assign(ops.tile(uniform(shape=(1, self.units)), (self.members, 1)))  # one draw for every member

    def call(self, inputs):
        if len(inputs.shape) == 2:
            inputs = ops.expand_dims(inputs, 1)  # (n, 1, d): broadcast to every member by r
        scaled = ops.matmul(inputs * self.r, self.kernel)  # (n, K, units)
        return self.activation(scaled * self.s + self.bias)

    def get_config(self):
        return {**super().get_config(), "r_init": self.r_init}


class _RandomSigns(keras.initializers.Initializer):
    """+1 or -1 with equal probability (TabM's first adapter)."""

    def __call__(self, shape, dtype=None):
        return ops.where(keras.random.uniform(shape) < 0.5, -1.0, 1.0)


@keras.saving.register_keras_serializable(package="heartnet")
class PiecewiseLinearEncoding(layers.Layer):
    """A number as T columns, one per bin between quantile edges: the piecewise-linear encoding.

    After Gorishniy, Rubachev & Babenko, "On Embeddings for Numerical Features
    in Tabular Deep Learning" (NeurIPS 2022). With edges b_0 < ... < b_T, the
    column of bin t is 0 below it, 1 above it, and the position inside it in
    between, ``(x - b_{t-1}) / (b_t - b_{t-1})``; the first and last bins
    keep going linearly outside the training range. So the next layer sees a
    number whose effect may change from bin to bin, not one straight line.
    A missing value (NaN) becomes all zeros (with ``missing="indicator"``, an
    indicator column carries it).
    The edges come from the training rows (``edges_from``) and are fixed.
    """

    def __init__(self, edges, **kwargs):
        super().__init__(**kwargs)
        self.edges = [float(edge) for edge in edges]
        if len(self.edges) < 2 or any(b <= a for a, b in itertools.pairwise(self.edges)):
            raise ValueError(f"edges must be at least two increasing numbers, got {self.edges}")

    def call(self, inputs):
        left = ops.convert_to_tensor(self.edges[:-1], dtype="float32")
        width = ops.convert_to_tensor(np.diff(self.edges), dtype="float32")
        position = (ops.cast(inputs, "float32") - left) / width  # (n, 1) against (T,): (n, T)
        bins = len(self.edges) - 1
        low = ops.convert_to_tensor([-np.inf] + [0.0] * (bins - 1), dtype="float32")  # the first bin extrapolates
        high = ops.convert_to_tensor([1.0] * (bins - 1) + [np.inf], dtype="float32")  # and so does the last
        encoded = ops.minimum(ops.maximum(position, low), high)
        return ops.where(ops.isnan(encoded), ops.zeros_like(encoded), encoded)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.edges) - 1)

    def get_config(self):
        return {**super().get_config(), "edges": self.edges}


def edges_from(values: np.ndarray, bins: int) -> list[float]:
    """Quantile bin edges of the observed (non-missing) values: at most ``bins`` bins, no empty one."""
    observed = values[~np.isnan(values)]
    discretization = layers.Discretization(num_bins=bins, epsilon=0.001)
    discretization.adapt(observed.reshape(-1, 1))
    inner = [edge for edge in discretization.bin_boundaries if observed.min() < edge < observed.max()]
    return sorted({float(observed.min()), *map(float, inner), float(observed.max())})


@keras.saving.register_keras_serializable(package="heartnet")
class Recalibration(layers.Layer):
    """A probability recalibrated for a new hospital: ``sigmoid(intercept + slope · logit(p))``, (n, 1) -> (n, 1).

    Logistic recalibration (Cox, 1958; Steyerberg, *Clinical Prediction
    Models*, ch. 20), fitted on local patients by ``heartnet.updating``;
    ``slope=1`` shifts the logit only (an intercept update).
    """

    def __init__(self, intercept: float = 0.0, slope: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.intercept, self.slope = float(intercept), float(slope)

    def call(self, inputs):
        p = ops.clip(ops.cast(inputs, "float32"), 1e-7, 1 - 1e-7)
        return ops.sigmoid(self.intercept + self.slope * (ops.log(p) - ops.log1p(-p)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "intercept": self.intercept, "slope": self.slope}


@keras.saving.register_keras_serializable(package="heartnet")
class MeanProbability(layers.Layer):
    """The ensemble's answer: the mean of its members' probabilities, (n, K) -> (n, 1)."""

    def call(self, inputs):
        return ops.mean(inputs, axis=-1, keepdims=True)


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
            mean = float(np.nanmean(train_df[name].to_numpy(dtype="float64")))
            tensor = FillMissing(mean, name=f"{name}_fill")(tensor)
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


def build_model(
    train_df: pd.DataFrame,
    *,
    units: tuple[int, ...] = DEFAULT_HPARAMS["units"],
    dropout: float = DEFAULT_HPARAMS["dropout"],
    members: int = DEFAULT_HPARAMS["members"],
    ensemble: str = DEFAULT_HPARAMS["ensemble"],
    bins: int = DEFAULT_HPARAMS["bins"],
    missing: str = DEFAULT_HPARAMS["missing"],
) -> keras.Model:
    """Build the model; the preprocessing layers learn their statistics from ``train_df`` only.

    ``train_df`` is a validated frame (``heartnet.validation.validate_frame``).
    Inputs: one named ``keras.Input`` of shape (1,) per feature (float32,
    string or int64). The preprocessing layers make the matrix ``encoded``:
    numbers standardized (``bins=0``) or piecewise-linear encoded in ``bins``
    quantile bins, categories one-hot; ``missing`` says how a nullable number
    enters it (``MISSING``: with an indicator column, filled with the training
    mean, or not at all). The trainable part, the nested model
    ``network`` (``build_network``), turns it into the ``members``'
    probabilities, and the output is their mean: the probability of heart
    disease, shape (n, 1). Not compiled: ``heartnet.training`` fits the network.
    """
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 0:
        raise ValueError(f"bins must be 0 (standardize numbers) or a whole number of bins; got {bins!r}")
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(map(repr, MISSING))}; got {missing!r}")
    # With missing="drop" the nullable input reaches no layer: Keras 3 builds, saves and loads
    # (safe mode) such a model as it is and simply ignores the input, so callers still pass 11 inputs.
    inputs = {f.name: keras.Input(shape=(1,), name=f.name, dtype=_INPUT_DTYPES[f.kind]) for f in FEATURES}
    encoded = layers.Concatenate(name=ENCODED_LAYER)(
        [column for f in FEATURES for column in _encode(f, inputs[f.name], train_df, int(bins), missing)]
    )
    trainable = build_network(encoded.shape[-1], units=units, dropout=dropout, members=members, ensemble=ensemble)
    probability = MeanProbability(name="probability")(trainable(encoded))
    return keras.Model(inputs=inputs, outputs=probability, name="heartnet")


def build_network(
    width: int,
    *,
    units: tuple[int, ...] = DEFAULT_HPARAMS["units"],
    dropout: float = DEFAULT_HPARAMS["dropout"],
    members: int = DEFAULT_HPARAMS["members"],
    ensemble: str = DEFAULT_HPARAMS["ensemble"],
) -> keras.Model:
    """The trainable part: a (n, ``width``) matrix in, the (n, ``members``) members' probabilities out.

    ``members`` MLPs side by side, each with hidden layers of ``units``
    (ReLU, then ``dropout``) and its own sigmoid output unit. Their hidden
    layers are ``EnsembleDense`` (``ensemble="independent"``: every member its
    own weights) or ``BatchEnsembleDense`` (``"batch"``: TabM's shared weights
    with per-member scalings).
    """
    if isinstance(members, bool) or not isinstance(members, numbers.Integral) or members < 1:
        raise ValueError(f"members must be a whole number of MLPs, at least 1; got {members!r}")
    if ensemble not in ENSEMBLES:
        raise ValueError(f"ensemble must be one of {', '.join(map(repr, ENSEMBLES))}; got {ensemble!r}")
    matrix = keras.Input(shape=(width,), name="matrix")
    hidden = matrix
    for index, size in enumerate(units, start=1):
        if ensemble == "batch":
            r_init = "random_signs" if index == 1 else "ones"
            hidden = BatchEnsembleDense(size, members, activation="relu", r_init=r_init, name=f"dense_{index}")(hidden)
        else:
            hidden = EnsembleDense(size, members, activation="relu", name=f"dense_{index}")(hidden)
        if dropout:
            hidden = layers.Dropout(dropout, name=f"dropout_{index}")(hidden)
    output = EnsembleDense(1, members, activation="sigmoid", name="output")(hidden)  # (n, K, 1)
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
        stack.append(layers.Dense(layer.units, activation=layer.activation, name=layer.name))
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
            column = column.astype(_INPUT_DTYPES[feature.kind])
        elif column.dtype.kind != "S":
            column = column.astype(object)
        arrays[feature.name] = tf.constant(column.reshape(-1, 1))
    return arrays
