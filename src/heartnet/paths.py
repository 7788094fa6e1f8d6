"""Where heartnet keeps its files, resolved from the package, never from the working directory.

In a source checkout (``pip install -e .``) the data cache and the models live at
the repository root (``data/heart.csv``, ``models/heartnet.keras``); in a plain
install they live under ``~/.cache/heartnet``. Environment variables override:
``HEARTNET_DATA_CACHE`` (the cached CSV) and ``HEARTNET_MODEL`` (the default model).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_cache_path", "default_model_path", "project_root"]

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE_DIR.parents[1]


def project_root() -> Path:
    """The repository root in a source checkout, else the user's cache folder."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "src" / "heartnet").is_dir():
        return _CHECKOUT
    return Path.home() / ".cache" / "heartnet"


def data_cache_path() -> Path:
    """The cached copy of the built-in dataset."""
    override = os.environ.get("HEARTNET_DATA_CACHE")
    return Path(override) if override else project_root() / "data" / "heart.csv"


def default_model_path() -> Path:
    """The model that predict_one and the CLI use when none is given."""
    override = os.environ.get("HEARTNET_MODEL")
    return Path(override) if override else project_root() / "models" / "heartnet.keras"
