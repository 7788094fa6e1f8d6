"""The number rules every reader of a user's or a file's numbers shares: whole numbers, finite reals, seeds.

A ``bool`` is a number to Python but never to heartnet: ``True`` is not a
seed, a count or a share. The command line (``heartnet.cli.parser``), the
estimator's hyper-parameters (``heartnet.estimator``) and a saved model's
metadata (``heartnet.record``) judge their numbers here, so each rule is
written once.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["SEEDS", "SEED_RULE", "is_real", "is_seed", "is_whole"]

SEEDS = 2**32  # scikit-learn's and NumPy's seeds: whole numbers from 0 to SEEDS - 1
SEED_RULE = "a whole number from 0 to 2**32 - 1"


def is_whole(value: object, low: int | None = None) -> bool:
    """An integer that is not a bool (and at least ``low``, when given)."""
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return whole and (low is None or value >= low)


def is_real(value: object) -> bool:
    """A finite real number that is not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def is_seed(value: object) -> bool:
    """A whole number from 0 to ``SEEDS`` - 1."""
    return is_whole(value, 0) and value < SEEDS
