"""What every page shares: the cached model, data and explanations, and the look of the inputs."""

from __future__ import annotations

import json
import re

import pandas as pd
import streamlit as st

import heartnet
from heartnet.data import typical_patient
from heartnet.errors import ModelError
from heartnet.paths import project_root
from heartnet.spanish import model_message

__all__ = [
    "NOT_A_DEVICE",
    "UPLOADS_STAY",
    "contributions",
    "dataset",
    "hide_english_input_hints",
    "model_card_block",
    "model_or_stop",
    "report",
    "typical",
]

NOT_A_DEVICE = "Material de estudio: **no es un dispositivo médico** y no reemplaza una consulta."
# What becomes of an upload: said on the pages that take files.
UPLOADS_STAY = (
    "El archivo que subís se procesa en memoria en esta computadora: no se guarda en ningún lado ni se envía a "
    "ninguna parte, salvo lo que descargues."
)

# Streamlit writes "Press Enter to apply" under a text box being edited, in English; the page says what to do.
_NO_ENGLISH_HINTS = "<style>[data-testid='InputInstructions'] {display: none;}</style>"


def hide_english_input_hints() -> None:
    st.markdown(_NO_ENGLISH_HINTS, unsafe_allow_html=True)


def model_or_stop() -> heartnet.TrainedModel:
    """The default model with its metadata, or a Spanish message with the command that creates it, and stop.

    ``heartnet.inference.default_model`` keeps it loaded, and loads it again when the file changes (a new
    `make train`), so the app never serves a model that is no longer on disk.
    """
    try:
        with st.spinner("Cargando el modelo…"):
            return heartnet.inference.default_model()
    except ModelError as error:
        st.error(model_message(error))
        st.stop()


@st.cache_data(show_spinner=False)
def dataset() -> pd.DataFrame:
    return heartnet.load_dataset()


@st.cache_data(show_spinner=False)
def typical() -> dict:
    return typical_patient(dataset())


def contributions(model: heartnet.TrainedModel, row: dict) -> pd.DataFrame:
    """One patient's Shapley values (``heartnet.explain.contributions``), cached per model and row."""
    frame, attrs = _contributions(model, str(model.path), model.parsed.model_sha256 or "", tuple(row.items()))
    frame = frame.copy()
    frame.attrs.update(attrs)
    return frame


@st.cache_data(show_spinner="Calculando los valores de Shapley…", max_entries=64)
def _contributions(_model, model_file: str, model_sha256: str, row: tuple) -> tuple[pd.DataFrame, dict]:
    """Keyed by the model's file and sha256 and the row (Streamlit does not hash ``_model``, the model they name)."""
    from heartnet.explain import contributions as shapley  # imports shap: only the pages that explain

    frame = shapley(_model, dict(row))
    return frame, dict(frame.attrs)


@st.cache_data(show_spinner=False)
def report(name: str) -> dict | None:
    """reports/<name>.json of this checkout (what `make bench` measured), or None before it has run."""
    path = project_root() / "reports" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@st.cache_data(show_spinner=False)
def model_card_block(name: str) -> str | None:
    """The Spanish tables of docs/model_card.md's block ``name``, as benchmarks/readme_table.py wrote them.

    The documents and the app show the same tables, rendered once from reports/*.json; the block's last
    line (where the tables come from) is left out. None when the model card is not there.
    """
    path = project_root() / "docs" / "model_card.md"
    if not path.is_file():
        return None
    found = re.search(f"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", path.read_text(encoding="utf-8"), re.DOTALL)
    return found[1].rsplit("\n\n", 1)[0] if found else None
