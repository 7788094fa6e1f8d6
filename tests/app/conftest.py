"""Fixtures for the Streamlit app: the session's trained model as the default model, and a page runner."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import heartnet

APP = Path(heartnet.__file__).resolve().parent / "app" / "main.py"
TIMEOUT = 60  # seconds: the first run imports TensorFlow and loads the model


@pytest.fixture(scope="module")
def app_model(trained_path):
    """Point the app at the session's model; its cache is filled once for the module's tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEARTNET_MODEL", str(trained_path))
        st.cache_resource.clear()
        yield trained_path
    st.cache_resource.clear()


@pytest.fixture
def new_app():
    """A fresh AppTest of the app (not run yet), with a timeout long enough for TensorFlow."""
    return lambda: AppTest.from_file(str(APP), default_timeout=TIMEOUT)


@pytest.fixture
def media(monkeypatch):
    """The bytes behind an image's or a download button's URL: AppTest keeps them in memory, this records them."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = self.get_file(file_id).content  # the storage's public lookup, by id
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return lambda url: files[url.rsplit("/", 1)[-1].split(".", 1)[0]]


@pytest.fixture
def app_model_with(model_copy, monkeypatch):
    """Point the app at a copy of the session's model whose metadata is changed: ``make(threshold=0.9)``.

    A key given None is removed from the metadata (``model_copy``).
    """

    def make(**changes) -> Path:
        path = model_copy(**changes)
        monkeypatch.setenv("HEARTNET_MODEL", str(path))
        st.cache_resource.clear()
        return path

    yield make
    st.cache_resource.clear()  # the next test loads the session's model again


@pytest.fixture
def run_page(new_app):
    """Run the app, switch to ``page`` (None: the default page), and check that nothing raised."""

    def run(page: str | None = None) -> AppTest:
        app = new_app().run()
        if page:
            app.switch_page(page).run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return run
