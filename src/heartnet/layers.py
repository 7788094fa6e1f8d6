"""heartnet's own Keras layers, each after the paper or textbook that defines it.

Registered with Keras (``package="heartnet"``) when this module is imported,
so that a saved ``.keras`` model loads in safe mode: ``heartnet.load`` (and
``heartnet.storage``) import it; a bare ``keras.saving.load_model`` needs
``import heartnet.layers`` first. The model built from them is in
``heartnet.model``.

- ``PiecewiseLinearEncoding`` (and ``edges_from``): a number as one column per
  quantile bin (Gorishniy, Rubachev & Babenko, NeurIPS 2022).
- ``FillMissing`` (mean imputation, its mean learned with ``adapt``) and
  ``MissingIndicator`` (the missing-indicator method, kept so that models
  saved with it still load): a number that was not measured (van Buuren,
  *Flexible Imputation of Missing Data*, 2nd ed., 2018, sec. 1.3).
- ``EnsembleDense``: K independent dense layers in one batched product, a deep
  ensemble (Lakshminarayanan, Pritzel & Blundell, NeurIPS 2017) in one graph.
- ``BatchEnsembleDense``: K members sharing one kernel, BatchEnsemble (Wen,
  Tran & Ba, ICLR 2020) as TabM uses it (Gorishniy et al., ICLR 2025).
- ``MeanProbability``: the ensemble's answer, the mean of its members'.
- ``Recalibration``: logistic recalibration for a new hospital (Cox, 1958;
  Steyerberg, *Clinical Prediction Models*, 2nd ed., ch. 20).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from heartnet.backend import keras
from heartnet.logits import EPSILON

layers, ops = keras.layers, keras.ops

__all__ = [
    "BatchEnsembleDense",
    "EnsembleDense",
    "FillMissing",
    "MeanProbability",
    "MissingIndicator",
    "PiecewiseLinearEncoding",
    "Recalibration",
    "edges_from",
    "recalibrated",
]


@keras.saving.register_keras_serializable(package="heartnet")
class MissingIndicator(layers.Layer):
    """1.0 where the input is NaN (not measured), else 0.0."""

    def call(self, inputs):
        return ops.cast(ops.isnan(inputs), "float32")


@keras.saving.register_keras_serializable(package="heartnet")
class FillMissing(layers.Layer):
    """Replace NaN (not measured) by ``value``, which ``adapt`` learns from the training rows: their mean.

    Like Keras's own ``Normalization``, the layer learns its statistic with
    ``adapt(values)`` before training and keeps it in its config, so the saved
    model fills a missing value exactly as it did in training. The mean, not
    the median: a patient without the value is placed where the training
    patients are on average (the median differs by a few mg/dl here), and
    scikit-learn's ``SimpleImputer`` in the baselines fills with the same
    statistic. After a ``Normalization`` the mean is 0.0, the default
    ``value`` (and what models saved before ``value`` existed load with).
    """

    def __init__(self, value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.value = float(value)

    def adapt(self, data) -> None:
        """Learn ``value``: the mean of the measured (non-NaN) values of ``data``."""
        values = np.asarray(data, dtype="float64").ravel()
        measured = values[~np.isnan(values)]
        if not measured.size:
            raise ValueError("FillMissing.adapt needs at least one measured (non-NaN) value")
        self.value = float(measured.mean())

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
    that one batched product (``einsum``) replaces K small ones. Each member's
    kernel starts as Glorot's uniform draw for one (d, units) layer; ``seed``
    seeds that draw (None: Keras's global seed).
    """

    def __init__(self, units: int, members: int, activation=None, seed: int | None = None, **kwargs):
        super().__init__(units, members, activation, **kwargs)
        self.seed = seed

    def build(self, input_shape):
        # Each member starts as a lone Dense(units) on these inputs would: Glorot's uniform limit from the fans of
        # one (inputs, units) kernel. Keras's "glorot_uniform" would read the (members, inputs, units) kernel as a
        # convolution's and multiply both fans by the members, starting every member sqrt(members) times smaller.
        limit = math.sqrt(6 / (input_shape[-1] + self.units))
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.members, input_shape[-1], self.units),
            initializer=keras.initializers.RandomUniform(-limit, limit, seed=self.seed),
        )
        self.bias = self.add_weight(name="bias", shape=(self.members, self.units), initializer="zeros")

    def call(self, inputs):
        equation = "nd,kdu->nku" if len(inputs.shape) == 2 else "nkd,kdu->nku"
        return self.activation(ops.einsum(equation, inputs, self.kernel) + self.bias)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


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
    at the same values; ``seed`` seeds those draws. Input (n, d) for the first
    layer (every member sees the same row) or (n, K, d); output (n, K, units).
    """

    def __init__(
        self, units: int, members: int, activation=None, r_init: str = "ones", seed: int | None = None, **kwargs
    ):
        super().__init__(units, members, activation, **kwargs)
        self.r_init, self.seed = r_init, seed

    def build(self, input_shape):
        width = input_shape[-1]
        bound = width**-0.5
        draws = keras.random.SeedGenerator(self.seed)  # one seed, a new draw for each weight
        uniform = keras.initializers.RandomUniform(-bound, bound, seed=draws)
        self.kernel = self.add_weight(name="kernel", shape=(width, self.units), initializer=uniform)
        signs = _RandomSigns(draws) if self.r_init == "random_signs" else "ones"
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
        return {**super().get_config(), "r_init": self.r_init, "seed": self.seed}


class _RandomSigns(keras.initializers.Initializer):
    """+1 or -1 with equal probability (TabM's first adapter), drawn from ``seed`` (a ``SeedGenerator``)."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return ops.where(keras.random.uniform(shape, seed=self.seed) < 0.5, -1.0, 1.0)


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


def recalibrated(probabilities, intercept: float, slope: float):
    """``sigmoid(intercept + slope · logit(p))``, p clipped to [ε, 1 − ε], in the dtype of ``probabilities``.

    ε is ``heartnet.logits.EPSILON``, the clip of every logit in heartnet. The
    arithmetic of the ``Recalibration`` layer, in ``keras.ops``: the layer
    calls it on its float32 tensor, ``heartnet.updating.Update.apply`` on a
    float64 numpy array (it returns a tensor: ``ops.convert_to_numpy`` it).
    """
    p = ops.clip(probabilities, EPSILON, 1 - EPSILON)
    return ops.sigmoid(intercept + slope * (ops.log(p) - ops.log1p(-p)))


@keras.saving.register_keras_serializable(package="heartnet")
class Recalibration(layers.Layer):
    """A probability recalibrated for a new hospital: ``sigmoid(intercept + slope · logit(p))``, (n, 1) -> (n, 1).

    Logistic recalibration (Cox, 1958; Steyerberg, *Clinical Prediction
    Models*, ch. 20), fitted on local patients by ``heartnet.updating``;
    ``slope=1`` shifts the logit only (an intercept update). The arithmetic
    is ``recalibrated``.
    """

    def __init__(self, intercept: float = 0.0, slope: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.intercept, self.slope = float(intercept), float(slope)

    def call(self, inputs):
        return recalibrated(ops.cast(inputs, "float32"), self.intercept, self.slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "intercept": self.intercept, "slope": self.slope}


@keras.saving.register_keras_serializable(package="heartnet")
class MeanProbability(layers.Layer):
    """The ensemble's answer: the mean of its members' probabilities, (n, K) -> (n, 1)."""

    def call(self, inputs):
        return ops.mean(inputs, axis=-1, keepdims=True)
