"""The range of each number that a model saw in training, and a warning for valid values outside it.

The validator's ranges (``heartnet.features``) are what a patient can
plausibly have; the training patients span less (no one under 28, for
instance). A value between the two is accepted, and the model still answers,
but it answers by extrapolating from patients unlike this one. So a trained
model records the observed range of every numeric feature
(``observed_ranges``: ``HeartnetClassifier.observed_ranges_`` and
``"observed_ranges"`` in the saved model's metadata), and ``predict_one`` and
``predict`` warn with an ``OutOfRangeWarning`` naming the field, the value
and that range; ``heartnet score`` counts such rows and names their fields in
a column. The warning never stops a prediction; filter it like any warning::

    warnings.filterwarnings("ignore", category=heartnet.OutOfRangeWarning)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from heartnet.features import FEATURES, FEATURES_BY_NAME

__all__ = ["OutOfRangeWarning", "field_names", "observed_ranges", "out_of_range", "outside", "warn_outside"]

NUMERIC = tuple(feature for feature in FEATURES if feature.kind == "numeric")


class OutOfRangeWarning(UserWarning):
    """A valid value outside the range the model saw in training: its prediction extrapolates.

    Structured fields, for an interface to word it in its own language:
    ``field``, ``value`` (the value, or the most extreme one of several
    rows), ``count`` (how many rows), ``low`` and ``high`` (the range the
    model saw).
    """

    def __init__(self, field: str, value: float, low: float, high: float, *, count: int = 1) -> None:
        self.field, self.value, self.low, self.high, self.count = field, float(value), float(low), float(high), count
        unit = FEATURES_BY_NAME[field].unit
        seen = f"{low:g} to {high:g}" + (f" {unit}" if unit else "")
        what = f"{value:g} is" if count == 1 else f"{count} rows (e.g. {value:g}) are"
        super().__init__(f"{field}: {what} outside the range the model was trained on ({seen}); it extrapolates")


def observed_ranges(columns) -> dict[str, list[float]]:
    """``{name: [lowest, highest]}`` of each numeric feature among validated rows (a missing value ignored)."""
    ranges = {}
    for feature in NUMERIC:
        values = np.asarray(columns[feature.name], dtype="float64")
        measured = values[~np.isnan(values)]
        if measured.size:
            ranges[feature.name] = [float(measured.min()), float(measured.max())]
    return ranges


def outside(columns, ranges: Mapping[str, list[float]] | None) -> dict[str, np.ndarray]:
    """``{name: mask}``: where each numeric feature of validated columns lies outside ``ranges`` (NaN never does).

    Only the features with at least one such row are given; none without ``ranges``.
    """
    masks = {}
    for name, (low, high) in (ranges or {}).items():
        values = np.asarray(columns[name], dtype="float64")
        mask = (values < low) | (values > high)
        if mask.any():
            masks[name] = mask
    return masks


def field_names(masks: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
    """Each row's fields outside the range (``outside``'s masks), space-separated: "" for most rows, "Age MaxHR"."""
    names = np.full(rows, "", dtype=object)
    for name, mask in masks.items():
        names[mask] = [f"{before} {name}".lstrip() for before in names[mask]]
    return names


def out_of_range(columns, ranges: Mapping[str, list[float]] | None) -> list[OutOfRangeWarning]:
    """One ``OutOfRangeWarning`` per feature with values outside ``ranges`` (the most extreme named), not emitted.

    For an interface that words them itself (the app); ``warn_outside`` emits them.
    """
    found = []
    for name, mask in outside(columns, ranges).items():
        low, high = ranges[name]
        values = np.asarray(columns[name], dtype="float64")[mask]
        extreme = values[np.argmax(np.maximum(low - values, values - high))]
        found.append(OutOfRangeWarning(name, extreme, low, high, count=int(mask.sum())))
    return found


def warn_outside(columns, ranges: Mapping[str, list[float]] | None) -> None:
    """``warnings.warn`` each of ``out_of_range(columns, ranges)``, pointing at the caller of the caller."""
    for warning in out_of_range(columns, ranges):
        warnings.warn(warning, stacklevel=3)
