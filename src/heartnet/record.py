"""The training record: what a saved model's metadata says about the training that made it.

``heartnet.training.train_and_save`` builds one ``TrainingRecord`` for every
model it saves and hands ``as_metadata()`` to ``heartnet.storage.save_model``,
which writes it into the JSON beside the ``.keras`` file and adds its own
keys (when, library versions, the feature spec, the model file's sha256).
``TrainingRecord.from_metadata`` reads it back: ``heartnet.splits.recorded_split``
recovers the data and held-out rows from it. Like ``heartnet.features`` for a
patient's row, this module only describes: it imports nothing that reads
files or models, so every module that reads a record can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from heartnet.decision import DEFAULT_THRESHOLD

__all__ = ["DataRecord", "SplitRecord", "TrainingRecord"]


@dataclass(frozen=True, kw_only=True)
class DataRecord:
    """The rows a model was trained on: where they came from, their sha256 and how many there were."""

    source: str = "builtin"  # "builtin" (the packaged dataset) or the path of the user's CSV
    sha256: str | None = None  # None: not recorded, so not checked
    rows: int | None = None
    without_hospital: str | None = None  # the hospital left out of training, if one was

    @property
    def path(self) -> str | None:
        """The CSV to load again (``heartnet.load_dataset``'s argument): None for the built-in dataset."""
        return None if self.source == "builtin" else self.source


@dataclass(frozen=True, kw_only=True)
class SplitRecord:
    """The held-out split: its positions in the recorded data, and the seed and share that drew it."""

    test_rows: np.ndarray
    seed: int = 0
    test_size: float | None = None


@dataclass(frozen=True, kw_only=True)
class TrainingRecord:
    """What ``train_and_save`` records beside a model, one field per key of the metadata JSON.

    ``observed_ranges`` are the range of each number in the training rows
    (``heartnet.ranges`` warns outside them), ``training_fingerprints`` a short
    hash of each training row (``heartnet.local_check`` counts local rows that
    were training rows), ``background`` the training rows Shapley explanations
    start from (``heartnet.explain``). A field added after a model was saved
    reads as None.
    """

    seed: int
    command: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    data: DataRecord
    split: SplitRecord
    hyperparameters: Mapping[str, object]
    epochs_run: int | None = None
    best_epoch: int | None = None
    fit_seconds: float | None = None
    metrics: Mapping[str, float]
    observed_ranges: Mapping[str, list[float]] | None = None
    training_fingerprints: list[str] | None = None
    background: list[dict] | None = None

    def as_metadata(self) -> dict:
        """The record as the JSON-ready keys ``heartnet.storage.save_model`` writes (in this order)."""
        metadata = {name: getattr(self, name) for name in self.__dataclass_fields__}
        split = self.split
        metadata["data"] = asdict(self.data)
        metadata["split"] = {"test_size": split.test_size, "seed": split.seed, "test_rows": split.test_rows.tolist()}
        metadata["hyperparameters"], metadata["metrics"] = dict(self.hyperparameters), dict(self.metrics)
        return metadata

    @classmethod
    def from_metadata(cls, metadata: Mapping) -> TrainingRecord | None:
        """The record in a model's metadata; None for a model saved without a held-out split (by ``save_model``)."""
        split = metadata.get("split") or {}
        if "test_rows" not in split:
            return None
        data = metadata.get("data") or {}
        seed = metadata.get("seed", split.get("seed", 0))
        return cls(
            seed=seed,
            command=metadata.get("command"),
            threshold=metadata.get("threshold", DEFAULT_THRESHOLD),
            data=DataRecord(**{name: data[name] for name in DataRecord.__dataclass_fields__ if name in data}),
            split=SplitRecord(
                test_rows=np.asarray(split["test_rows"], dtype=int),
                seed=split.get("seed", seed),
                test_size=split.get("test_size"),
            ),
            hyperparameters=metadata.get("hyperparameters") or {},
            epochs_run=metadata.get("epochs_run"),
            best_epoch=metadata.get("best_epoch"),
            fit_seconds=metadata.get("fit_seconds"),
            metrics=metadata.get("metrics") or {},
            observed_ranges=metadata.get("observed_ranges"),
            training_fingerprints=metadata.get("training_fingerprints"),
            background=metadata.get("background"),
        )
