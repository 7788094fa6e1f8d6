"""Fixtures for the Streamlit app: its path, and the session's trained model as the default model."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

import heartnet

APP = Path(heartnet.__file__).resolve().parent / "app" / "main.py"
TIMEOUT = 60  # seconds: the first run imports TensorFlow and loads the model


@pytest.fixture
def app_model(trained_path, monkeypatch):
    """Point the app at the session's model, with empty Streamlit caches."""
    monkeypatch.setenv("HEARTNET_MODEL", str(trained_path))
    st.cache_resource.clear()
    yield trained_path
    st.cache_resource.clear()
