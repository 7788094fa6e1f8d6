"""Predictions for raw rows: validate first, then one call of a traced TensorFlow function.

``model.predict`` costs ~80 ms for one row, an eager ``model(x)`` ~20 ms and
``predict_on_batch`` ~1.7 ms, most of it turning 11 values into 11 tensors and
dispatching a Python-level ``tf.function``. Here each model gets one concrete
function (traced once, any number of rows) that takes the features packed by
kind: a float32 matrix of the numbers, a string matrix of the categories and an
int64 matrix of the binary flags. Three tensors instead of eleven, and no
dispatch: one row costs about a millisecond, validation included
(``benchmarks/speed.py`` profiles it stage by stage).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.features import FEATURES
from heartnet.paths import default_model_path
from heartnet.storage import TrainedModel, load
from heartnet.validation import validate_row, validate_rows

__all__ = [
    "default_model",
    "keras_model",
    "pack_columns",
    "packed_function",
    "packed_probabilities",
    "predict",
    "predict_one",
]

_BATCH_ROWS = 65_536
# Per kind of feature: the numpy and TensorFlow dtypes of its packed matrix, then the matrix's columns.
_KINDS = {"numeric": (np.float32, tf.float32), "categorical": (object, tf.string), "binary": (np.int64, tf.int64)}
_PACKED = {kind: [f.name for f in FEATURES if f.kind == kind] for kind in _KINDS}
_functions: weakref.WeakKeyDictionary[keras.Model, Callable] = weakref.WeakKeyDictionary()
_default: dict[tuple[Path, int], TrainedModel] = {}

Model = keras.Model | TrainedModel  # what every function here accepts as a model


def default_model() -> TrainedModel:
    """The model at the default path (``HEARTNET_MODEL`` or ``models/heartnet.keras``) with its metadata, loaded once.

    It is loaded again only when the file on disk changes (a new training run).
    """
    path = default_model_path()
    if not path.is_file():
        return load(path)  # raises ModelError naming the command that creates it
    key = (path.resolve(), os.stat(path).st_mtime_ns)
    if key not in _default:
        _default.clear()
        _default[key] = load(path)
    return _default[key]


def keras_model(model: Model | None) -> keras.Model:
    """The Keras model behind a handle, a Keras model as is, or the default model for None."""
    if model is None:
        model = default_model()
    return model.model if isinstance(model, TrainedModel) else model


def packed_function(model: keras.Model) -> Callable:
    """The model as a concrete TensorFlow function of the packed features (see the module docstring).

    Traced once per model and cached while the model lives.
    """
    function = _functions.get(model)
    if function is None:
        function = _functions[model] = _trace(model)
    return function


def _trace(model: keras.Model) -> Callable:
    signature = [tf.TensorSpec((None, len(_PACKED[kind])), dtypes[1], name=kind) for kind, dtypes in _KINDS.items()]

    @tf.function(input_signature=signature)
    def probabilities(*packed):
        inputs = {
            name: columns[:, index : index + 1]
            for columns, names in zip(packed, _PACKED.values(), strict=True)
            for index, name in enumerate(names)
        }
        return tf.reshape(model(inputs, training=False), [-1])

    return probabilities.get_concrete_function()


def pack_columns(columns: pd.DataFrame | Mapping[str, Sequence]) -> list[np.ndarray]:
    """Valid feature columns (a validated frame, or a dict of arrays or lists) as the packed matrices.

    Categories may be ``str`` objects or a numpy ``bytes`` array (kept as is:
    TensorFlow takes it without a per-cell conversion).
    """
    packed = []
    for (dtype, _), names in zip(_KINDS.values(), _PACKED.values(), strict=True):
        matrix = np.column_stack([np.asarray(columns[name]) for name in names])
        packed.append(matrix if dtype is object and matrix.dtype.kind == "S" else matrix.astype(dtype))
    return packed


def packed_probabilities(model: Model, packed: list[np.ndarray]) -> np.ndarray:
    """The model's probabilities for packed rows, in batches of at most ``_BATCH_ROWS``."""
    function = packed_function(keras_model(model))
    rows = len(packed[0])
    if rows <= _BATCH_ROWS:  # slicing and concatenating cost time: skip them for the common case
        return function(*map(tf.constant, packed)).numpy().astype("float64")
    return np.concatenate(
        [
            function(*(tf.constant(matrix[start : start + _BATCH_ROWS]) for matrix in packed)).numpy()
            for start in range(0, rows, _BATCH_ROWS)
        ]
    ).astype("float64")


def predict(rows: pd.DataFrame | Sequence[Mapping], model: Model | None = None) -> np.ndarray:
    """Probabilities of heart disease, shape ``(n,)``, for a DataFrame or a list of dicts.

    Every row is validated before any reaches TensorFlow; a bad one raises
    ``heartnet.ValidationError`` naming its row (counted from 0), field and value.
    """
    frame = validate_rows(rows)
    return packed_probabilities(keras_model(model), pack_columns(frame))


def predict_one(row: Mapping, model: Model | None = None) -> float:
    """The probability of heart disease for one patient given as a dict of the 11 features.

    ``Cholesterol`` may be ``None`` (not measured). ``model`` (a Keras model or
    a ``TrainedModel``) defaults to the saved default model, loaded once and cached.
    """
    clean = validate_row(row)
    packed = pack_columns({name: [value] for name, value in clean.items()})
    return float(packed_probabilities(keras_model(model), packed)[0])
