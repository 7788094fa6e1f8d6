"""The one clip-and-logit rule: probabilities clipped to [ε, 1 − ε] before a logit or a log loss.

numpy only and nothing of ours, so that every layer can read it: the
recalibration fits and the evaluation (``logit``, ``EPSILON``), the sample size
of a local check, and the ``Recalibration`` layer, whose ``keras.ops`` twin of
``logit`` clips with the same ``EPSILON``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EPSILON", "logit"]

EPSILON = 1e-7  # probabilities are clipped to [ε, 1 − ε] before a logit or a log loss


def logit(probabilities) -> np.ndarray:
    """log(p / (1 − p)) of probabilities clipped to [ε, 1 − ε], so that 0 and 1 stay finite."""
    p = np.clip(np.asarray(probabilities, dtype=float), EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))
