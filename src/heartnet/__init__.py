"""heartnet: heart disease prediction with a Keras MLP whose preprocessing lives inside the model.

Quick start::

    import heartnet
    heartnet.predict_one({"Age": 54, "Sex": "M", "ChestPainType": "ASY", "RestingBP": 140,
                          "Cholesterol": None, "FastingBS": 0, "RestingECG": "Normal",
                          "MaxHR": 120, "ExerciseAngina": "Y", "Oldpeak": 1.5, "ST_Slope": "Flat"})

``import heartnet`` is light: the feature spec and the errors load at once, and
everything else (TensorFlow, scikit-learn, pandas, pyarrow) on first use of a
name that needs it, so ``heartnet --help`` starts in a fraction of a second.
TensorFlow is imported through ``heartnet.backend``, which keeps its C++
start-up lines off the terminal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from heartnet.errors import ChecksumError, DataError, HeartnetError, ModelError, ValidationError
from heartnet.features import FEATURE_NAMES, FEATURES, TARGET, Feature

# Public name -> the module that defines it, imported on first access (PEP 562).
_LAZY = {
    "DATASET_SHA256": "heartnet.data",
    "KAGGLE_URL": "heartnet.data",
    "fetch_dataset": "heartnet.data",
    "load_dataset": "heartnet.data",
    "DEFAULT_THRESHOLD": "heartnet.decision",
    "classify": "heartnet.decision",
    "classification_metrics": "heartnet.evaluate",
    "holdout_split": "heartnet.evaluate",
    "build_model": "heartnet.model",
    "encoded_feature_names": "heartnet.model",
    "encoder": "heartnet.model",
    "member_mlp": "heartnet.model",
    "default_model": "heartnet.inference",
    "predict": "heartnet.inference",
    "predict_one": "heartnet.inference",
    "TrainedModel": "heartnet.storage",
    "load": "heartnet.storage",
    "load_metadata": "heartnet.storage",
    "load_model": "heartnet.storage",
    "save_model": "heartnet.storage",
    "HeartnetClassifier": "heartnet.estimator",
    "train": "heartnet.estimator",
    "validate_row": "heartnet.validation",
    "validate_rows": "heartnet.validation",
    "recalibrate": "heartnet.updating",
}

__all__ = [
    "DATASET_SHA256",
    "DEFAULT_THRESHOLD",
    "FEATURES",
    "FEATURE_NAMES",
    "KAGGLE_URL",
    "TARGET",
    "ChecksumError",
    "DataError",
    "Feature",
    "HeartnetClassifier",
    "HeartnetError",
    "ModelError",
    "TrainedModel",
    "ValidationError",
    "build_model",
    "classification_metrics",
    "classify",
    "default_model",
    "encoded_feature_names",
    "encoder",
    "fetch_dataset",
    "holdout_split",
    "load",
    "load_dataset",
    "load_metadata",
    "load_model",
    "member_mlp",
    "predict",
    "predict_one",
    "recalibrate",
    "save_model",
    "train",
    "validate_row",
    "validate_rows",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:  # a submodule, e.g. heartnet.plots, imported on first use too
        if not name.startswith("_"):
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module 'heartnet' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and IDEs see; nothing is imported at run time
    from heartnet.data import DATASET_SHA256, KAGGLE_URL, fetch_dataset, load_dataset
    from heartnet.decision import DEFAULT_THRESHOLD, classify
    from heartnet.estimator import HeartnetClassifier, train
    from heartnet.evaluate import classification_metrics, holdout_split
    from heartnet.inference import default_model, predict, predict_one
    from heartnet.model import build_model, encoded_feature_names, encoder, member_mlp
    from heartnet.storage import TrainedModel, load, load_metadata, load_model, save_model
    from heartnet.updating import recalibrate
    from heartnet.validation import validate_row, validate_rows
