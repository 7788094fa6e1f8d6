"""Why the model gave a patient their probability: exact Shapley values, computed by the shap library.

Each of the 11 raw features gets a contribution, in probability units, such
that the contributions add up to P(patient) minus the mean prediction over a
background sample of training rows (the "base rate" the explanation starts
from). shap's exact explainer enumerates every coalition of features (2^11 =
2,048), and a feature outside a coalition takes, in turn, each background
row's value (``shap.maskers.Independent``): interventional Shapley values.

shap masks numbers, so rows travel as codes: numbers as they are (NaN for a
cholesterol that was not measured), a category or flag as its position in the
spec; the model sees them decoded back into raw rows. ``heartnet train``
keeps the background rows in the model's training record (a seeded sample of
the training rows); for a model saved otherwise, ``model_background`` draws
the same sample again from what its record names (the data and its sha256,
the held-out rows, the seed), so any saved model whose training data can still be
read can be explained. shap itself is imported only when something is
explained; ``heartnet.training`` imports this module for ``background_rows``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from heartnet.errors import DataDiffers, HeartnetError, ModelError
from heartnet.features import FEATURE_NAMES, FEATURES
from heartnet.inference import keras_model, probabilities, training_ranges
from heartnet.ranges import warn_outside
from heartnet.splits import recorded_split
from heartnet.storage import TrainedModel
from heartnet.validation import validate_row, validate_rows

__all__ = [
    "BACKGROUND_ROWS",
    "NoBackground",
    "background_rows",
    "contributions",
    "explain",
    "from_codes",
    "model_background",
    "to_codes",
]

BACKGROUND_ROWS = 100


class NoBackground(ModelError):
    """A model that cannot be explained: no background rows given, kept or reproducible from its metadata.

    ``reason`` (for an interface to word it in its own language) is one of
    ``REASONS``: "no_metadata" (a bare Keras model or classifier),
    "no_training_record" (the metadata records no held-out split),
    "data_unavailable" (the training data cannot be read now) or
    "data_differs" (the data found is not the one the model was trained on).
    """

    REASONS: ClassVar[dict[str, str]] = {
        "no_metadata": "this model keeps no background rows to explain against; pass background= (training rows) "
        "or retrain it with `heartnet train`",
        "no_training_record": "this model keeps no background rows to explain against, and its metadata does not "
        "record its training data and split to draw them again; pass background= (training rows) or retrain it "
        "with `heartnet train`",
        "data_unavailable": "this model keeps no background rows to explain against, and its training data cannot "
        "be read to draw them again",
        "data_differs": "this model keeps no background rows to explain against, and the data found is not its "
        "training data (sha256 differs), so they cannot be drawn again",
    }

    def __init__(self, reason: str, detail: str | None = None) -> None:
        self.reason, self.detail = reason, detail
        super().__init__(self.REASONS[reason] + (f" ({detail})" if detail else ""))


def background_rows(features: pd.DataFrame, *, rows: int = BACKGROUND_ROWS, seed: int = 0) -> list[dict]:
    """A seeded sample of training rows, as JSON-ready dicts (None for a cholesterol not measured)."""
    clean = validate_rows(features[list(FEATURE_NAMES)])
    sample = clean.sample(min(rows, len(clean)), random_state=seed)
    return [
        {name: None if isinstance(value, float) and np.isnan(value) else value for name, value in row.items()}
        for row in sample.astype(object).to_dict("records")
    ]


def to_codes(frame: pd.DataFrame) -> np.ndarray:
    """Validated rows as numbers: numeric features as they are, categories and flags as their position in the spec."""
    columns = []
    for feature in FEATURES:
        values = frame[feature.name]
        if feature.kind == "numeric":
            columns.append(values.to_numpy(dtype="float64"))
        else:
            columns.append(values.map({value: code for code, value in enumerate(feature.values)}).to_numpy("float64"))
    return np.column_stack(columns)


def from_codes(codes: np.ndarray) -> dict[str, np.ndarray]:
    """The raw columns that ``to_codes`` encoded (what the model's inputs take)."""
    columns = {}
    for index, feature in enumerate(FEATURES):
        values = codes[:, index]
        if feature.kind == "numeric":
            columns[feature.name] = values
        else:  # categories as bytes, which TensorFlow takes without converting each cell
            choices = feature.values if feature.kind == "binary" else [str(value).encode() for value in feature.values]
            columns[feature.name] = np.asarray(choices)[values.astype(int)]
    return columns


def model_background(model: TrainedModel) -> list[dict]:
    """The background rows of a saved model: those its training record keeps, or the same sample drawn again.

    ``heartnet train`` samples ``background_rows(training rows, seed=seed)``
    and keeps them; for a model saved without them, the training rows are
    those of its recorded data (checked by sha256 when one is recorded, as
    ``heartnet.splits.recorded_split`` does) outside its recorded held-out
    rows, and the sample is drawn again with its seed. Raises
    ``NoBackground`` when that is not possible.
    """
    if not isinstance(model, TrainedModel):
        raise NoBackground("no_metadata")
    if model.record is None:
        raise NoBackground("no_training_record")
    if model.record.background:
        return list(model.record.background)
    return list(model.cached(_draw_again))  # the data is read and sampled once per handle


def _draw_again(model: TrainedModel) -> list[dict]:
    try:
        split = recorded_split(model.record)
    except DataDiffers:
        raise NoBackground("data_differs") from None
    except HeartnetError as error:
        raise NoBackground("data_unavailable", detail=str(error)) from None
    return background_rows(split.train, seed=model.record.seed)


def _background(model, background) -> pd.DataFrame:
    if background is None:
        background = model_background(model)
    return validate_rows(background if isinstance(background, pd.DataFrame) else list(background))


def explain(model, rows, *, background=None):
    """Shapley values of each row's probability, as a ``shap.Explanation`` of shape (rows, 11).

    ``model``: a ``TrainedModel`` (its background rows are used: see
    ``model_background``), a fitted ``HeartnetClassifier`` or a Keras model
    (then ``background``, training rows, is required; ``NoBackground`` if
    missing). ``rows``: a DataFrame or a list of dicts, validated first
    (values outside the training range warn, as in ``predict``). ``values``
    are in probability units; ``base_values`` is the mean probability over
    the background; ``data`` holds each row's codes (``to_codes``) and
    ``display_data`` its raw values.
    """
    try:
        with warnings.catch_warnings():  # noise of shap's own imports, not ours to fix:
            # its colormaps use a matplotlib method 3.11 plans to deprecate, and in a notebook without
            # ipywidgets its progress bar (tqdm.auto) warns that it will fall back to text
            warnings.filterwarnings("ignore", r"The set_(over|under) function", PendingDeprecationWarning)
            warnings.filterwarnings("ignore", r"IProgress not found")
            import shap  # only where explaining is asked for
    except ModuleNotFoundError:
        raise HeartnetError("explanations need the shap library: pip install 'heartnet[explain]'") from None

    clean = validate_rows(rows)
    warn_outside(clean, training_ranges(model))  # as predict does: the explanation extrapolates too
    network = model if isinstance(model, TrainedModel) else keras_model(model)  # a handle keeps its traced call
    masker = shap.maskers.Independent(to_codes(_background(model, background)), max_samples=BACKGROUND_ROWS)

    def predict_codes(codes: np.ndarray) -> np.ndarray:
        return probabilities(network, from_codes(codes))

    explainer = shap.explainers.Exact(predict_codes, masker, feature_names=list(FEATURE_NAMES))
    explanation = explainer(to_codes(clean), silent=True)
    explanation.display_data = clean.to_numpy(dtype=object)
    return explanation


def contributions(model, row: Mapping, *, background=None) -> pd.DataFrame:
    """One patient's Shapley values as a table, largest push first.

    Columns: ``feature``, ``label`` (Spanish), ``value`` (the patient's),
    ``contribution`` (probability units); ``attrs`` holds ``base`` (mean
    prediction over the background) and ``probability`` (base plus the sum).
    """
    clean = validate_row(row)
    explanation = explain(model, [clean], background=background)
    frame = pd.DataFrame(
        {
            "feature": list(FEATURE_NAMES),
            "label": [feature.label for feature in FEATURES],
            "value": [clean[name] for name in FEATURE_NAMES],
            "contribution": explanation.values[0],
        }
    )
    frame = frame.reindex(frame["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    base = float(explanation.base_values[0])
    frame.attrs.update(base=base, probability=base + float(frame["contribution"].sum()))
    return frame
