"""Predictions for raw rows: validate first, then one compiled TensorFlow call.

``model.predict`` costs ~80 ms for one row and an eager ``model(x)`` ~20 ms;
``predict_on_batch`` runs Keras's compiled predict function (traced once per
model) in about a millisecond, so every prediction goes through it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from heartnet.model import to_inputs
from heartnet.paths import default_model_path
from heartnet.storage import load_model
from heartnet.validation import validate_row, validate_rows

__all__ = ["default_model", "predict", "predict_one"]

_BATCH_ROWS = 65_536


class _RetracingNoise(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning, and only that one.

    Each freshly trained model traces its own predict function once; when a
    session trains many models (cross-validation, the notebook's experiments)
    TensorFlow mistakes that for a retracing bug and warns on every call.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_RetracingNoise())
_default: dict[tuple[Path, int], keras.Model] = {}


def default_model() -> keras.Model:
    """The model at the default path (``HEARTNET_MODEL`` or ``models/heartnet.keras``), loaded once.

    It is loaded again only when the file on disk changes (a new training run).
    """
    path = default_model_path()
    if not path.is_file():
        return load_model(path)  # raises ModelError naming the command that creates it
    key = (path.resolve(), os.stat(path).st_mtime_ns)
    if key not in _default:
        _default.clear()
        _default[key] = load_model(path)
    return _default[key]


def _probabilities(model: keras.Model, inputs: dict[str, tf.Tensor]) -> np.ndarray:
    rows = int(next(iter(inputs.values())).shape[0])
    if rows <= _BATCH_ROWS:  # slicing costs eager ops: skip it for the common case
        batches = [inputs]
    else:
        batches = [
            {name: tensor[start : start + _BATCH_ROWS] for name, tensor in inputs.items()}
            for start in range(0, rows, _BATCH_ROWS)
        ]
    return np.concatenate([model.predict_on_batch(batch).reshape(-1) for batch in batches]).astype("float64")


def predict(rows: pd.DataFrame | Sequence[Mapping], model: keras.Model | None = None) -> np.ndarray:
    """Probabilities of heart disease, shape ``(n,)``, for a DataFrame or a list of dicts.

    Every row is validated before any reaches TensorFlow; a bad one raises
    ``heartnet.ValidationError`` naming its row (counted from 0), field and value.
    """
    frame = validate_rows(rows)
    return _probabilities(model or default_model(), to_inputs(frame))


def predict_one(row: Mapping, model: keras.Model | None = None) -> float:
    """The probability of heart disease for one patient given as a dict of the 11 features.

    ``Cholesterol`` may be ``None`` (not measured). ``model`` defaults to the
    saved default model, loaded once and cached.
    """
    clean = validate_row(row)
    inputs = to_inputs({name: [value] for name, value in clean.items()})
    return float(_probabilities(model or default_model(), inputs)[0])
