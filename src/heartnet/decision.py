"""From a probability to a class: the one place heartnet applies a decision threshold.

A model's threshold is stored in its metadata (``heartnet.load(path).threshold``);
``DEFAULT_THRESHOLD`` is what a model gets when nobody chose another. It is
not typed by hand but follows from a stated harm-to-benefit ratio
(Vickers & Elkin, Med Decis Making 2006): the action the model informs is to
study a patient further (a stress test, an angiography), and missing coronary
disease is far worse than one test too many. ``HARM_TO_BENEFIT`` says how much
worse: a clinician would accept four unnecessary tests to find one patient
with disease, so the odds of the threshold are 1 to 4 and the threshold is
1/(1 + 4). ``benchmarks/hospitals.py`` checks with decision curves that at
that threshold the model's net benefit beats treating everyone and no one.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_THRESHOLD", "HARM_TO_BENEFIT", "THRESHOLD_RULE", "check_threshold", "classify"]

# The harm of an unnecessary further test against the benefit of finding a patient with disease.
HARM_TO_BENEFIT = 1 / 4
DEFAULT_THRESHOLD = HARM_TO_BENEFIT / (1 + HARM_TO_BENEFIT)  # the threshold's odds are the ratio: 0.2


THRESHOLD_RULE = "a number from 0 to 1"


def check_threshold(threshold) -> float:
    """``threshold`` as a float, or a ``ValueError`` saying it must be a number from 0 to 1 (NaN is not)."""
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"the threshold must be {THRESHOLD_RULE}, got {threshold!r}") from None
    if not 0.0 <= value <= 1.0:  # NaN fails this too
        raise ValueError(f"the threshold must be {THRESHOLD_RULE}, got {threshold!r}")
    return value


def classify(probabilities, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """1 where the probability of coronary artery disease reaches ``threshold``, else 0 (an int64 array)."""
    threshold = check_threshold(threshold)
    return (np.asarray(probabilities, dtype=float) >= threshold).astype(np.int64)
