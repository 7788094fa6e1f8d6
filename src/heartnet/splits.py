"""Every split of the rows in one place: the held-out test split and the early-stopping split.

All are stratified by the outcome and reproducible from a seed, through
scikit-learn's ``train_test_split``: ``holdout_split`` is the test split that
``heartnet train`` records and ``heartnet evaluate`` reads back
(``heartnet.storage.recorded_split``); ``validation_split`` the rows early
stopping watches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from heartnet.errors import DataError
from heartnet.features import TARGET

__all__ = [
    "TEST_SIZE",
    "VALIDATION_SIZE",
    "holdout_split",
    "stratified_split",
    "validation_split",
]

TEST_SIZE = 0.2  # the share of the rows `heartnet train` holds out
VALIDATION_SIZE = 0.2  # the share of the training rows early stopping watches


def stratified_split(labels, *, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) positions of ``labels``, stratified, reproducible from the seed, in scikit-learn's order."""
    labels = np.asarray(labels)
    try:
        return train_test_split(np.arange(len(labels)), test_size=size, stratify=labels, random_state=seed)
    except ValueError as error:  # too few rows of a class, or of the held-out share, to stratify
        classes, counts = np.unique(labels, return_counts=True)
        found = ", ".join(
            f"{count} of class {value}" for value, count in zip(classes.tolist(), counts.tolist(), strict=True)
        )
        raise DataError(
            f"cannot hold out a stratified {size:.0%} of {len(labels)} rows ({found}): {error}; use a larger file"
        ) from None


def holdout_split(df: pd.DataFrame, *, seed: int = 0, test_size: float = TEST_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train positions, test positions) of ``df``, sorted, reproducible from the seed."""
    train_rows, test_rows = stratified_split(df[TARGET], size=test_size, seed=seed)
    return np.sort(train_rows), np.sort(test_rows)


def validation_split(
    labels, *, seed: int = 0, validation_size: float = VALIDATION_SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """The (fit positions, validation positions) that early stopping uses (``heartnet.fitting.fit_model``).

    Stratified and reproducible from the seed, so the validation rows of a
    trained model can be recovered.
    """
    return stratified_split(labels, size=validation_size, seed=seed)
