"""A saved model's metadata, typed: the training record, the recalibration record and storage's own keys.

``heartnet.training.train_and_save`` builds one ``TrainingRecord`` for every
model it saves and hands ``as_metadata()`` to ``heartnet.storage.save_model``,
which writes it into the JSON beside the ``.keras`` file and adds its own
keys (when, library versions, the feature spec, the model file's sha256);
``heartnet recalibrate`` adds a ``recalibration`` key (``RecalibrationRecord``).
``ModelMetadata.from_metadata`` is the one reader of the whole file:
``heartnet.storage.load`` parses it once, before Keras loads the model, into
``TrainedModel.parsed`` and ``TrainedModel.record``, and the rest (the
held-out split, the explanations' background rows, the estimator's
hyper-parameters, the range warnings, the training rows among a hospital's
patients, recalibration, the command line, the app and the benchmarks) read
its typed fields. Each field is checked as it is read, since the JSON may be
edited by hand (the threshold is meant to be): a value of the wrong type, a
held-out row outside the recorded data or a background row that is not a
valid patient (``heartnet.validation``) is a ``ModelError`` naming the field
and the value. What a field missing from an older record means is written
here, once. This module only describes and checks: it imports nothing that
reads files or models, so every module that reads a model's metadata can
import it.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

from heartnet.decision import DEFAULT_THRESHOLD, check_threshold
from heartnet.errors import ModelError, ValidationError
from heartnet.features import FEATURES, MISSING
from heartnet.numeric import SEED_RULE, is_real, is_seed, is_whole
from heartnet.validation import validate_rows

__all__ = [
    "OLDER_HYPERPARAMETERS",
    "DataRecord",
    "ModelMetadata",
    "RecalibrationRecord",
    "SplitRecord",
    "TrainingRecord",
]

# What a hyper-parameter absent from a record was when that model was trained: before ``missing`` was a choice,
# a cholesterol not measured had the only handling there was, the indicator. A model saved without any record
# (``heartnet.save_model``) reads the same.
OLDER_HYPERPARAMETERS = {"missing": "indicator"}

_NUMERIC = tuple(feature.name for feature in FEATURES if feature.kind == "numeric")


@dataclass(frozen=True, kw_only=True)
class DataRecord:
    """The rows a model was trained on: where they came from, their sha256 and how many there were."""

    source: str = "builtin"  # "builtin" (the packaged dataset) or the path of the user's CSV
    sha256: str | None = None  # None: not recorded, so not checked
    rows: int | None = None  # None: not recorded (the held-out rows are then checked against the data found)
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
    reads as None; a hyper-parameter added after it, as ``OLDER_HYPERPARAMETERS``
    says it was.
    """

    seed: int
    command: str | None = None
    data: DataRecord
    split: SplitRecord
    hyperparameters: Mapping[str, object]
    epochs_run: int | None = None
    best_epoch: int | None = None
    fit_seconds: float | None = None
    metrics: Mapping[str, object]
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
        """The record in a model's metadata; None for a model saved without a held-out split (by ``save_model``).

        Raises ``ModelError`` ("bad_metadata") naming the first field whose
        value is not what ``train_and_save`` writes (a hand-edited file).
        """
        top = _Fields(metadata)
        split = _Fields(top.get("split", _object, "an object") or {}, "split.")
        data = _Fields(top.get("data", _object, "an object") or {}, "data.")
        if split.get("test_rows", _list_of(is_whole), "a list of row positions") is None:
            return None
        seed = top.get("seed", is_seed, SEED_RULE)
        split_seed = split.get("seed", is_seed, SEED_RULE)
        seed = next((value for value in (seed, split_seed) if value is not None), 0)  # older: in the split only
        rows = data.get("rows", lambda value: is_whole(value, 1), "a whole number of rows above 0")
        return cls(
            seed=seed,
            command=top.get("command", _text, "a text"),
            data=DataRecord(
                source=data.get("source", _text, "a text (builtin or a CSV's path)") or "builtin",
                sha256=data.get("sha256", _text, "a text (the data's sha256)"),
                rows=rows,
                without_hospital=data.get("without_hospital", _text, "a text (a hospital's name)"),
            ),
            split=SplitRecord(
                test_rows=split.test_rows(rows),
                seed=seed if split_seed is None else split_seed,
                test_size=split.get("test_size", lambda value: is_real(value) and 0 < value < 1, "a share, 0 to 1"),
            ),
            hyperparameters=top.hyperparameters(),
            epochs_run=top.get("epochs_run", is_whole, "a whole number"),
            best_epoch=top.get("best_epoch", is_whole, "a whole number"),
            fit_seconds=top.get("fit_seconds", is_real, "a number of seconds"),
            metrics=top.get("metrics", _object, "an object") or {},
            observed_ranges=top.observed_ranges(),
            training_fingerprints=top.get("training_fingerprints", _list_of(_text), "a list of texts"),
            background=top.background(),
        )


def _text(value) -> bool:
    return isinstance(value, str)


def _object(value) -> bool:
    return isinstance(value, Mapping)


def _list_of(check: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


class _Fields:
    """The keys of one JSON object of the metadata, each read as None when absent or checked against its type."""

    def __init__(self, mapping: Mapping, prefix: str = "") -> None:
        self.mapping, self.prefix = mapping, prefix

    def bad(self, key: str, value: object, expected: str) -> ModelError:
        return ModelError(f"'{self.prefix}{key}' must be {expected}, got {reprlib.repr(value)}", problem="bad_metadata")

    def get(self, key: str, check: Callable[[object], bool], expected: str):
        value = self.mapping.get(key)
        if value is not None and not check(value):
            raise self.bad(key, value, expected)
        return value

    def threshold(self) -> float:
        value = self.mapping.get("threshold")
        try:
            return DEFAULT_THRESHOLD if value is None else check_threshold(value)
        except ValueError as error:
            raise ModelError(str(error), problem="bad_metadata") from None

    def test_rows(self, rows: int | None) -> np.ndarray:
        """The held-out positions, each inside the recorded data (when its size is recorded)."""
        positions = self.mapping["test_rows"]
        outside = [position for position in positions if position < 0 or (rows is not None and position >= rows)]
        if outside:
            within = "0 or more" if rows is None else f"from 0 to {rows - 1} (data.rows is {rows})"
            raise self.bad("test_rows", outside[0], f"a list of row positions {within}")
        return np.asarray(positions, dtype=int)

    def observed_ranges(self) -> dict[str, list[float]] | None:
        ranges = self.get("observed_ranges", _object, "an object")
        if ranges is None:
            return None
        for name, pair in ranges.items():
            if name not in _NUMERIC:
                raise self.bad("observed_ranges", name, f"ranges of the numeric features ({', '.join(_NUMERIC)})")
            if not (isinstance(pair, list) and len(pair) == 2 and all(map(is_real, pair)) and pair[0] <= pair[1]):
                raise self.bad(f"observed_ranges.{name}", pair, "[lowest, highest], two numbers")
        return dict(ranges)

    def hyperparameters(self) -> dict[str, object]:
        """The recorded hyper-parameters, over ``OLDER_HYPERPARAMETERS``; ``missing`` one of ``features.MISSING``."""
        given = self.get("hyperparameters", _object, "an object") or {}
        hyperparameters = {**OLDER_HYPERPARAMETERS, **given}
        if hyperparameters["missing"] not in MISSING:
            expected = f"one of {', '.join(map(repr, MISSING))}"
            raise self.bad("hyperparameters.missing", hyperparameters["missing"], expected)
        return hyperparameters

    def background(self) -> list[dict] | None:
        """The explanations' training rows, each a valid patient's row (``heartnet.validation.validate_rows``)."""
        rows = self.get("background", _list_of(_object), "a list of rows (objects)")
        if rows is None:
            return None
        try:
            validate_rows(rows)
        except ValidationError as error:
            where = f"background[{error.row}]" + ("" if error.field is None else f".{error.field}")
            if error.problem is None:  # a value: what it must be, and what it is
                raise self.bad(where, error.value, error.allowed.removeprefix("expected ")) from None
            message = f"'{self.prefix}{where}': {error.problem}; {error.allowed}"  # a field missing or unknown
            raise ModelError(message, problem="bad_metadata") from None
        return rows


@dataclass(frozen=True, kw_only=True)
class RecalibrationRecord:
    """What ``heartnet recalibrate`` records of the update that made a model from its base model.

    ``entry`` is the update as written (the base model's sha256, the local
    data, the method asked and the fitted update), ``chain`` the earlier
    updates of the base model, oldest first, each an entry as written.
    """

    base_model_sha256: str | None = None
    method_asked: str | None = None
    local_data: Mapping[str, object]
    entry: Mapping[str, object]
    chain: list[Mapping[str, object]]

    @classmethod
    def from_metadata(cls, metadata: Mapping) -> RecalibrationRecord | None:
        """The ``recalibration`` key of a model's metadata; None for a model not recalibrated."""
        top = _Fields(metadata)
        if top.get("recalibration", _object, "an object (written by heartnet recalibrate)") is None:
            return None
        fields = _Fields(metadata["recalibration"], "recalibration.")
        chain = fields.get("chain", _list_of(_object), "a list of earlier updates (objects)") or []
        return cls(
            base_model_sha256=fields.get("base_model_sha256", _text, "a text (the base model's sha256)"),
            method_asked=fields.get("method_asked", _text, "a text (a recalibration method)"),
            local_data=fields.get("local_data", _object, "an object") or {},
            entry={key: value for key, value in metadata["recalibration"].items() if key != "chain"},
            chain=list(chain),
        )


@dataclass(frozen=True, kw_only=True)
class ModelMetadata:
    """A saved model's metadata JSON, typed: storage's own keys, the training record and the recalibration.

    ``heartnet.storage`` parses it once, before Keras loads the model, so a
    damaged file is reported before a model load. ``training`` is None for a
    model saved without a held-out split (``save_model``), ``recalibration``
    for a model not recalibrated; a key of storage's own absent from an older
    file reads as None (the threshold as ``DEFAULT_THRESHOLD``).
    """

    created: str | None = None
    versions: Mapping[str, object] | None = None
    features: list | None = None
    model_sha256: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    training: TrainingRecord | None = None
    recalibration: RecalibrationRecord | None = None

    @classmethod
    def from_metadata(cls, metadata: Mapping) -> ModelMetadata:
        """Parse and check every key; ``ModelError`` ("bad_metadata") naming the first field and value that is wrong."""
        top = _Fields(metadata)
        return cls(
            created=top.get("created", _text, "a text (a date and time)"),
            versions=top.get("versions", _object, "an object (library: version)"),
            features=top.get("features", _list_of(_object), "a list of features (objects)"),
            model_sha256=top.get("model_sha256", _text, "a text (the model file's sha256)"),
            threshold=top.threshold(),
            training=TrainingRecord.from_metadata(metadata),
            recalibration=RecalibrationRecord.from_metadata(metadata),
        )
