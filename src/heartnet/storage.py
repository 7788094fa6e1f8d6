"""Saving and loading models: ``.keras`` files written atomically, with metadata JSON beside them.

``models/heartnet.keras`` comes with ``models/heartnet.json``: library
versions, the feature spec, the decision threshold, the sha256 of the model
file, and whatever the caller adds (``heartnet train`` adds its
``heartnet.record.TrainingRecord``: seed, data sha256, split, held-out
metrics...). ``load`` reads both at once and returns a ``TrainedModel``: the
Keras model, its metadata, its threshold and its training record, parsed and
checked once (``TrainedModel.record``), in one handle. What the record means
is said in ``heartnet.record``; what the held-out split is, in
``heartnet.splits.recorded_split``: this module writes and reads the two files.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

# heartnet.layers registers the custom layers that loading needs (@register_keras_serializable).
from heartnet import layers as _custom_layers  # noqa: F401
from heartnet.backend import keras
from heartnet.decision import DEFAULT_THRESHOLD, classify
from heartnet.errors import ModelError
from heartnet.features import TARGET, model_inputs, spec_as_dicts
from heartnet.files import atomic_paths, file_sha256
from heartnet.paths import default_model_path
from heartnet.record import OLDER_HYPERPARAMETERS, ModelMetadata, TrainingRecord

__all__ = [
    "TrainedModel",
    "library_versions",
    "load",
    "load_metadata",
    "load_model",
    "metadata_path",
    "quiet_variable_conversion",
    "save_model",
]

_T = TypeVar("_T")
_TRAIN_HINT = "create it with `heartnet train` (or `make run`)"


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a model depends on."""
    versions = {"python": platform.python_version()}
    for package in ("heartnet", "tensorflow-cpu", "tensorflow", "keras", "numpy", "pandas", "scikit-learn"):
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


def metadata_path(model_path: str | os.PathLike) -> Path:
    """The JSON file beside a model: ``x.keras`` → ``x.json``."""
    return Path(model_path).with_suffix(".json")


def _resolve(path: str | os.PathLike | None) -> Path:
    path = default_model_path() if path is None else Path(path)
    if path.suffix != ".keras":
        raise ModelError(f"{path}: model files must end in .keras", problem="not_keras", name=path.name)
    return path


@contextlib.contextmanager
def quiet_variable_conversion() -> Iterator[None]:
    """Silence the one harmless warning Keras's save and export raise per variable.

    TensorFlow variables' ``__array__`` predates numpy 2's ``copy`` keyword.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "__array__ implementation doesn't accept a copy", DeprecationWarning)
        yield


def save_model(model: keras.Model, path: str | os.PathLike | None = None, *, metadata: dict | None = None) -> Path:
    """Save ``model`` as ``.keras`` plus its metadata JSON, atomically; return the model's path.

    Raises ``heartnet.errors.FileSystemError`` (leaving any previous model and metadata as they were) when the
    files cannot be written: no permission, no such folder, a full disk.
    """
    path = _resolve(path)
    record = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "target": TARGET,
        "features": spec_as_dicts(),
        "threshold": DEFAULT_THRESHOLD,
        **(metadata or {}),
    }

    # Both files replace the old pair only once both are written: a full disk never leaves a new model beside
    # its predecessor's metadata.
    with atomic_paths(path, metadata_path(path)) as (model_file, metadata_file):
        with quiet_variable_conversion():
            model.save(model_file)
        record["model_sha256"] = file_sha256(model_file)
        text = json.dumps(record, indent=2, ensure_ascii=False, default=_to_json)
        metadata_file.write_text(text + "\n", encoding="utf-8")
    return path


def _to_json(value):
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    raise TypeError(f"metadata value of type {type(value).__name__} is not JSON-serializable")


def load_metadata(path: str | os.PathLike | None = None) -> dict:
    """The metadata JSON of the model at ``path`` (default: the default model), every key checked.

    Raises ``ModelError`` ("bad_metadata") when it is not a JSON object or a
    value is not what heartnet writes (``heartnet.record.ModelMetadata``),
    naming the file, the field and the value.
    """
    return _read_metadata(_resolve(path))[0]


def _read_metadata(path: Path) -> tuple[dict, ModelMetadata]:
    """The metadata JSON beside the model at ``path``, as written and parsed (the one parse, before Keras loads)."""
    json_path = metadata_path(path)
    if not json_path.is_file():
        raise ModelError(
            f"{json_path}: the model's metadata file is missing; {_TRAIN_HINT}", problem="no_metadata", name=path.name
        )
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{json_path}: not valid JSON ({error})", problem="bad_metadata", name=path.name) from None
    if not isinstance(record, dict):
        raise ModelError(f"{json_path}: not a JSON object", problem="bad_metadata", name=path.name)
    try:
        return record, ModelMetadata.from_metadata(record)
    except ModelError as error:
        raise ModelError(f"{json_path}: {error}", problem="bad_metadata", name=path.name) from None


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained model and its metadata, as one read of a ``.keras`` file and its JSON gives them.

    ``model`` is the Keras model (raw rows in, probability out), ``metadata``
    the JSON (threshold, feature spec, metrics, versions...), ``path`` the
    file it came from (None for a model not loaded from disk), ``parsed`` the
    metadata typed (``heartnet.record.ModelMetadata``: ``load`` parses it
    before Keras loads the model; a handle made from a bare ``metadata``
    parses it here, so a damaged one raises ``ModelError`` ("bad_metadata")),
    ``record`` its training record (``heartnet.record.TrainingRecord``; None
    for a model saved without a held-out split, by ``save_model``): read
    these, not the metadata's keys. Pass the handle
    wherever heartnet takes a model (``predict``, ``predict_one``,
    ``score_csv``); ``classify`` turns its probabilities into classes at the
    model's own threshold.
    """

    model: keras.Model
    metadata: dict = field(default_factory=dict)
    path: Path | None = None
    parsed: ModelMetadata | None = field(default=None, repr=False)  # None: parsed from ``metadata`` here
    # What has been computed once for this handle (``cached``), by the function that computed it.
    _cache: dict[Callable, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.parsed is None:  # frozen: set once, here
            object.__setattr__(self, "parsed", ModelMetadata.from_metadata(self.metadata))

    @property
    def record(self) -> TrainingRecord | None:
        """Its training record (``parsed.training``); None for a model saved without a held-out split."""
        return self.parsed.training

    @property
    def threshold(self) -> float:
        """The decision threshold recorded with the model (``DEFAULT_THRESHOLD`` if none was)."""
        return self.parsed.threshold

    @property
    def observed_ranges(self) -> dict[str, list[float]] | None:
        """The range of each number in the training rows (``heartnet.ranges``); None for a model saved without them."""
        return None if self.record is None else self.record.observed_ranges

    @property
    def training_fingerprints(self) -> list[str] | None:
        """A short hash of each training row (``heartnet.local_check``); None for a model saved without them."""
        return None if self.record is None else self.record.training_fingerprints

    @property
    def hyperparameters(self) -> dict[str, object]:
        """The hyper-parameters its record names; without a record, those of ``OLDER_HYPERPARAMETERS``."""
        return dict(OLDER_HYPERPARAMETERS if self.record is None else self.record.hyperparameters)

    def classify(self, probabilities) -> np.ndarray:
        """0/1 classes of ``probabilities`` at this model's threshold."""
        return classify(probabilities, self.threshold)

    def cached(self, compute: Callable[[TrainedModel], _T]) -> _T:
        """``compute(self)``, computed on the first call and kept by this handle for the next ones.

        What heartnet derives from a model once and reuses (the traced call
        ``heartnet.inference`` runs, the background rows ``heartnet.explain``
        draws again) lives here, not in module-level tables: one entry per
        ``compute``, a module-level function (the function is the key), gone
        with the handle. An exception is not kept. Two threads asking at once
        may both compute; either result is kept.
        """
        if compute not in self._cache:
            self._cache[compute] = compute(self)
        return self._cache[compute]


def load(path: str | os.PathLike | None = None) -> TrainedModel:
    """Load a model saved by ``save_model`` and its metadata, in Keras safe mode (default: the default model).

    Raises ``ModelError`` when the file is missing (naming the command that
    creates it), a folder, unreadable, not the file its metadata describes,
    made for a different feature spec than this package's, or when its
    metadata holds a value of the wrong type (naming the field and value).
    """
    path = _resolve(path)
    if path.is_dir():
        raise ModelError(
            f"{path}: is a folder, not a model file; give a .keras file", problem="is_folder", name=path.name
        )
    if not path.is_file():
        raise ModelError(f"no model at {path}; {_TRAIN_HINT}", problem="missing", name=path.name)
    record, parsed = _read_metadata(path)
    if model_inputs(parsed.features) != model_inputs(spec_as_dicts()):
        raise ModelError(
            f"{path}: the model was saved with a different feature spec than this heartnet's; retrain it",
            problem="other_spec",
            name=path.name,
        )
    if parsed.model_sha256 not in (None, file_sha256(path)):
        raise ModelError(
            f"{path}: the model file does not match its metadata (sha256 differs); retrain it",
            problem="sha256",
            name=path.name,
        )
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged zip or config
        raise ModelError(
            f"{path}: not a readable .keras model ({type(error).__name__}: {error})",
            problem="unreadable",
            name=path.name,
        ) from None
    return TrainedModel(model, record, path, parsed)


def load_model(path: str | os.PathLike | None = None) -> keras.Model:
    """The Keras model alone of ``load(path)``."""
    return load(path).model
