"""Shared fixtures: the dataset and one model trained once per test session through the CLI."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

import heartnet
from heartnet import cli
from tests.examples import PATIENT


def pytest_collection_modifyitems(config, items):
    """Tests marked ``pins`` need the package index: they run only when ``-m`` names them (``make pins``)."""
    if "pins" in (config.option.markexpr or ""):
        return
    kept = [item for item in items if item.get_closest_marker("pins") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture
def run(capsys):
    """``run(*argv)``: the CLI called in-process, as ``(exit code, stdout, stderr)``; arguments may be paths."""

    def call(*argv):
        code = cli.main([str(arg) for arg in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


@pytest.fixture(scope="session")
def dataset():
    return heartnet.load_dataset()


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Train once, in-process, exactly as `heartnet train` does; return (the .keras path, what it printed)."""
    path = tmp_path_factory.mktemp("model") / "heartnet.keras"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(["train", "--seed", "0", "--out", str(path)]) == 0
    return path, printed.getvalue()


@pytest.fixture(scope="session")
def trained_path(trained):
    return trained[0]


@pytest.fixture
def model_copy(tmp_path, trained_path):
    """``make(**changes)``: a copy of the session's model whose metadata has ``changes`` (None removes a key).

    The model file is the same, so its sha256 in the metadata still matches.
    """

    def make(**changes) -> Path:
        path = tmp_path / "copia.keras"
        shutil.copyfile(trained_path, path)
        metadata = json.loads(trained_path.with_suffix(".json").read_text(encoding="utf-8"))
        for key, value in changes.items():
            if value is None:
                metadata.pop(key, None)
            else:
                metadata[key] = value
        path.with_suffix(".json").write_text(json.dumps(metadata), encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def model(trained_path):
    return heartnet.load_model(trained_path)


@pytest.fixture(scope="session")
def metadata(trained_path):
    return json.loads(trained_path.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def test_rows(dataset, metadata):
    """The held-out rows recorded in the model's metadata."""
    return dataset.iloc[metadata["split"]["test_rows"]]


@pytest.fixture
def patient():
    """A valid patient, written as a user would."""
    return dict(PATIENT)
