"""heartnet: heart disease prediction with a Keras MLP whose preprocessing lives inside the model.

Quick start::

    import heartnet
    heartnet.predict_one({"Age": 54, "Sex": "M", "ChestPainType": "ASY", "RestingBP": 140,
                          "Cholesterol": None, "FastingBS": 0, "RestingECG": "Normal",
                          "MaxHR": 120, "ExerciseAngina": "Y", "Oldpeak": 1.5, "ST_Slope": "Flat"})
"""

import os

# TensorFlow's C++ start-up chatter (CPU instructions, oneDNN) is noise for users.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from heartnet.data import DATASET_SHA256, KAGGLE_URL, fetch_dataset, load_dataset
from heartnet.errors import ChecksumError, DataError, HeartnetError, ModelError, ValidationError
from heartnet.evaluate import classification_metrics, holdout_split
from heartnet.features import FEATURE_NAMES, FEATURES, TARGET, Feature
from heartnet.model import build_model, encoded_feature_names, encoder, heads
from heartnet.predict import default_model, predict, predict_one
from heartnet.storage import load_metadata, load_model, save_model
from heartnet.train import train
from heartnet.validation import validate_row, validate_rows

__all__ = [
    "DATASET_SHA256",
    "FEATURES",
    "FEATURE_NAMES",
    "KAGGLE_URL",
    "TARGET",
    "ChecksumError",
    "DataError",
    "Feature",
    "HeartnetError",
    "ModelError",
    "ValidationError",
    "build_model",
    "classification_metrics",
    "default_model",
    "encoded_feature_names",
    "encoder",
    "fetch_dataset",
    "heads",
    "holdout_split",
    "load_dataset",
    "load_metadata",
    "load_model",
    "predict",
    "predict_one",
    "save_model",
    "train",
    "validate_row",
    "validate_rows",
]
