"""What every page shares: the cached model and data, and errors phrased in Spanish."""

from __future__ import annotations

import streamlit as st

import heartnet
from heartnet.errors import ModelError, ValidationError
from heartnet.explain import typical_patient
from heartnet.features import FEATURES_BY_NAME

NOT_A_DEVICE = "Material de estudio: **no es un dispositivo médico** y no reemplaza una consulta."


@st.cache_resource(show_spinner="Cargando el modelo…")
def _trained_model() -> heartnet.TrainedModel:
    return heartnet.load()


def model_or_stop() -> heartnet.TrainedModel:
    """The default model with its metadata, or a Spanish message with the command that creates it, and stop."""
    try:
        return _trained_model()
    except ModelError as error:
        st.error(
            "No hay un modelo entrenado que se pueda usar. Créalo con `make train` (o `heartnet train`) "
            "y recargá la página.\n\nDetalle: " + str(error).split(";")[0].split("/")[-1]
        )
        st.stop()


@st.cache_data(show_spinner=False)
def dataset():
    return heartnet.load_dataset()


@st.cache_data(show_spinner=False)
def typical() -> dict:
    return typical_patient(dataset())


def _value_text(value: object) -> str:
    return "vacío" if value is None else repr(value) if isinstance(value, str) else str(value)


def spanish(error: ValidationError) -> str:
    """The error in Spanish, from its structured fields (field, value, allowed, row, suggestion)."""
    feature = FEATURES_BY_NAME.get(error.field)
    label = f"«{feature.label}» ({feature.name})" if feature else f"«{error.field}»"
    if error.problem == "missing field":
        text = f"falta la columna {label}"
    elif error.problem in ("unknown field", "duplicated column"):
        text = f"la columna «{error.field}» no es una de las variables del modelo o está repetida"
    elif error.problem == "missing value":
        text = f"falta el valor de {label}"
    else:
        text = f"{label}: el valor {_value_text(error.value)} no es válido"
    if feature is not None and error.problem not in ("missing field", "unknown field", "duplicated column"):
        if feature.kind == "numeric":
            text += f"; se espera un número entre {feature.min:g} y {feature.max:g} {feature.unit}"
            if feature.nullable:
                text += " (o vacío si no se midió)"
        else:
            text += "; se espera uno de: " + ", ".join(f"{v} ({meaning})" for v, meaning in feature.categories)
    if error.suggestion is not None:
        text += f". ¿Quisiste decir «{error.suggestion}»?"
    if error.row is not None:
        text = f"{'Línea' if error.where == 'line' else 'Fila'} {error.row}: {text}"
    return text[0].upper() + text[1:]
