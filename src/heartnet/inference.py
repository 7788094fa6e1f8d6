"""Predictions for raw rows: validate first, then one call of the model's own graph.

``model.predict`` costs ~80 ms for one row and an eager ``model(x)`` ~20 ms:
both pay Keras's per-call machinery. Here each model gets, once, a
``tf.function`` of its own call, ``model(inputs, training=False)``, traced for
any number of rows; calling it costs well under a millisecond for one row
(``benchmarks/speed.py`` profiles it stage by stage). Large inputs go through
in batches of ``_BATCH_ROWS`` rows.

Where the traced call is kept: a ``TrainedModel`` keeps its own
(``TrainedModel.cached``); a bare Keras model, or a fitted classifier's, has
its call in a table keyed weakly by the model, so an entry lives only as long
as its model (the table holds no more entries than models alive).

The default model is the one thing kept per process: ``predict(rows)`` and
the app's pages, with no model given, share one handle, loaded once per
version of its two files (``.keras`` and metadata); only the latest is kept.
It cannot live on a handle, since it *is* the handle, and loading it again on
every call would cost ~0.2 s of loading and tracing against ~2 ms per call.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.backend import keras, tf
from heartnet.features import FEATURES
from heartnet.model import INPUT_DTYPES, to_inputs
from heartnet.paths import default_model_path
from heartnet.ranges import warn_outside
from heartnet.storage import TrainedModel, load, metadata_path
from heartnet.validation import validate_row, validate_rows

__all__ = [
    "default_model",
    "keras_model",
    "model_function",
    "predict",
    "predict_one",
    "probabilities",
    "training_ranges",
]

_BATCH_ROWS = 65_536
# The traced call of each bare Keras model: weak keys, so an entry goes with its model.
_bare_functions: weakref.WeakKeyDictionary[keras.Model, Callable] = weakref.WeakKeyDictionary()


def default_model() -> TrainedModel:
    """The model at the default path (``HEARTNET_MODEL`` or ``models/heartnet.keras``) with its metadata, loaded once.

    It is loaded again only when the model file or its metadata changes on disk (a new training run, an edited
    threshold): a file replaced or rewritten, even keeping its modification time, is a new version.
    """
    path = default_model_path()
    if not path.is_file():
        return load(path)  # raises ModelError naming the command that creates it
    return _load_version(path.resolve(), _file_version(path), _file_version(metadata_path(path)))


def _file_version(path: Path) -> tuple[int, ...] | None:
    """What tells one version of a file from the next: device, inode (an atomic replace makes a new one), size, time."""
    try:
        found = os.stat(path)
    except OSError:  # no metadata: load says so
        return None
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


@functools.lru_cache(maxsize=1)  # the latest version only: an older one is never asked for again
def _load_version(path: Path, model_version: tuple, metadata_version: tuple | None) -> TrainedModel:
    return load(path)


def keras_model(model) -> keras.Model:
    """The Keras model behind what heartnet accepts as a model.

    A Keras model as it is, a ``TrainedModel`` (``heartnet.load()``) or a
    fitted ``HeartnetClassifier``; None means the default model.
    """
    if model is None:
        model = default_model()
    if isinstance(model, TrainedModel):
        return model.model
    if isinstance(model, keras.Model):
        return model
    fitted = getattr(model, "model_", None)  # a fitted HeartnetClassifier
    if isinstance(fitted, keras.Model):
        return fitted
    expected = "a Keras model, a TrainedModel or a fitted HeartnetClassifier"
    raise TypeError(f"expected {expected}, got {type(model).__name__}")


def training_ranges(model) -> dict | None:
    """The range of each number the model saw in training (``heartnet.ranges``), or None where none is recorded.

    A ``TrainedModel``'s metadata or a fitted ``HeartnetClassifier``'s
    ``observed_ranges_``; None for a bare Keras model or a model saved before
    heartnet recorded them. None means the default model, as for ``predict``.
    """
    if model is None:
        model = default_model()
    if isinstance(model, TrainedModel):
        return model.observed_ranges
    return getattr(model, "observed_ranges_", None)


def model_function(model) -> Callable:
    """``model(inputs, training=False)`` as a concrete TensorFlow function of the named inputs, for any number of rows.

    ``model`` as for ``predict``. Traced once: a ``TrainedModel`` keeps its
    function on the handle; a Keras model (or a fitted classifier's) in a
    table that forgets it when the model is gone.
    """
    if model is None:
        model = default_model()
    if isinstance(model, TrainedModel):
        return model.cached(_handle_function)
    network = keras_model(model)
    function = _bare_functions.get(network)
    if function is None:
        function = _bare_functions[network] = _traced(network)
    return function


def _handle_function(trained: TrainedModel) -> Callable:
    return _traced(trained.model)


def _traced(model: keras.Model) -> Callable:
    signature = {f.name: tf.TensorSpec((None, 1), INPUT_DTYPES[f.kind], name=f.name) for f in FEATURES}
    call = tf.function(lambda inputs: tf.reshape(model(inputs, training=False), [-1]))
    return call.get_concrete_function(signature)


def probabilities(model, columns: pd.DataFrame | Mapping[str, Sequence]) -> np.ndarray:
    """The model's probabilities for validated columns (a validated frame, or a dict of arrays).

    No validation here: ``predict`` and ``heartnet score`` validate first.
    """
    function = model_function(model)
    rows = len(columns[FEATURES[0].name])
    if rows <= _BATCH_ROWS:  # slicing and concatenating cost time: skip them for the common case
        return function(to_inputs(columns)).numpy().astype("float64")
    arrays = {f.name: np.asarray(columns[f.name]) for f in FEATURES}
    return np.concatenate(
        [
            function(to_inputs({name: array[start : start + _BATCH_ROWS] for name, array in arrays.items()})).numpy()
            for start in range(0, rows, _BATCH_ROWS)
        ]
    ).astype("float64")


def predict(rows: pd.DataFrame | Sequence[Mapping], model=None) -> np.ndarray:
    """Probabilities of coronary artery disease, shape ``(n,)``, for a DataFrame or a list of dicts.

    ``model``: a Keras model, a ``TrainedModel`` or a fitted ``HeartnetClassifier``
    (default: the saved default model, loaded once and cached). Every row is
    validated before any reaches TensorFlow; a bad one raises
    ``heartnet.ValidationError`` naming its row (counted from 0), field and value.
    Valid values outside the range the model saw in training get one
    ``heartnet.OutOfRangeWarning`` per field, with how many rows.
    """
    frame = validate_rows(rows)
    warn_outside(frame, training_ranges(model))
    return probabilities(model, frame)


def predict_one(row: Mapping, model=None) -> float:
    """The probability of coronary artery disease for one patient given as a dict of the 11 features.

    ``Cholesterol`` may be ``None`` (not measured). ``model`` as for ``predict``;
    a valid value outside the range the model saw gets a ``heartnet.OutOfRangeWarning``.
    """
    columns = {name: [value] for name, value in validate_row(row).items()}
    warn_outside(columns, training_ranges(model))
    return float(probabilities(model, columns)[0])
