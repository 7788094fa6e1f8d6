"""From a probability to a class: the one place heartnet applies a decision threshold.

A model's threshold is stored in its metadata (``heartnet.load(path).threshold``);
``DEFAULT_THRESHOLD`` is what a model gets when nobody chose another.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_THRESHOLD", "classify"]

DEFAULT_THRESHOLD = 0.5


def classify(probabilities, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """1 where the probability of heart disease reaches ``threshold``, else 0 (an int64 array)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"the threshold must be between 0 and 1, got {threshold!r}")
    return (np.asarray(probabilities, dtype=float) >= threshold).astype(np.int64)
