"""Every split of the rows in one place: the held-out test split, its record read back, the early-stopping split.

All are stratified by the outcome and reproducible from a seed, through
scikit-learn's ``train_test_split``: ``holdout_split`` is the test split that
``heartnet train`` records and ``recorded_split`` reads back (for
``heartnet evaluate``, the explanations and the app); ``validation_split`` the
rows early stopping watches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from heartnet.data import load_dataset
from heartnet.errors import DataDiffers, DataError, FileProblem, FileSystemError, NoRecordedSplit
from heartnet.features import TARGET
from heartnet.record import TrainingRecord

__all__ = [
    "TEST_SIZE",
    "VALIDATION_SIZE",
    "RecordedSplit",
    "holdout_split",
    "recorded_split",
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


@dataclass(frozen=True)
class RecordedSplit:
    """The data a model was trained on and its held-out split, as its training record names them."""

    data: pd.DataFrame
    train_rows: np.ndarray
    test_rows: np.ndarray

    @property
    def test(self) -> pd.DataFrame:
        return self.data.iloc[self.test_rows]

    @property
    def train(self) -> pd.DataFrame:
        return self.data.iloc[self.train_rows]


def recorded_split(record: TrainingRecord | None) -> RecordedSplit:
    """The one place a model's held-out rows are recovered: its recorded data (checked by sha256) and split.

    ``record``: a saved model's training record (``heartnet.load(path).record``). Raises
    ``NoRecordedSplit`` for a model saved without one (the public
    ``save_model``: its record is None), ``DataDiffers`` when the data found
    is not the recorded one (another sha256, or not the recorded number of
    rows), and the loader's own errors when it cannot be read.
    """
    if record is None:
        raise NoRecordedSplit(
            "the model's metadata records no held-out split (it was not saved by `heartnet train`); "
            "evaluate it on labelled patients with --data CSV"
        )
    try:
        df = load_dataset(record.data.path, without_hospital=record.data.without_hospital)
    except (FileProblem, FileSystemError) as error:
        if record.data.path is None:  # the packaged dataset: its own message says what to do
            raise
        raise DataError(
            f"{error} (the training data the model's metadata names, data.source): put that file back, "
            "or evaluate on labelled patients with --data CSV"
        ) from None
    if record.data.sha256 not in (None, df.attrs["sha256"]):
        raise DataDiffers(
            "the data differs from the model's training data: "
            f"expected sha256 {record.data.sha256}, found {df.attrs['sha256']}"
        )
    test_rows = record.split.test_rows
    needed = record.data.rows if record.data.rows is not None else int(test_rows.max(initial=-1)) + 1
    if needed > len(df) or record.data.rows not in (None, len(df)):  # unchecked data: its size, at least
        raise DataDiffers(
            f"the data differs from the model's training data: it has {len(df)} rows, the record names {needed}"
        )
    return RecordedSplit(df, np.setdiff1d(np.arange(len(df)), test_rows), test_rows)
