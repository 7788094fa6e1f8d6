"""Spanish for people: errors worded from their structured fields, and numbers as Spanish speakers write them.

heartnet's own messages are English (the CLI's, the exceptions'); the app and
the notebook speak Spanish. They never translate a message's text: they word
``ValidationError`` and ``FileProblem`` anew from their fields (field, value,
problem, columns expected and found), so nothing English leaks through.
Numbers are read as typed, ``0,8`` or ``0.8``, and written with a decimal comma.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

import pandas as pd

from heartnet import csvio
from heartnet.errors import FileProblem, ValidationError, WrongWidth
from heartnet.features import FEATURES, FEATURES_BY_NAME, Feature
from heartnet.validation import REASONS_SEP

__all__ = [
    "ENCODING_NAMES",
    "MODEL_NAMES",
    "RECALIBRATION_METHODS",
    "UPDATE_NAMES",
    "MethodWords",
    "NotANumber",
    "allowed_text",
    "decimal",
    "feature_table",
    "file_message",
    "maybe_decimal",
    "model_message",
    "no_background_message",
    "not_a_number_message",
    "not_measured_note",
    "number_text",
    "option_text",
    "out_of_range_message",
    "parse_number",
    "percent",
    "points",
    "reasons_message",
    "validation_message",
]

# The benchmarks' models by their Spanish names (reports, figures, the app, the notebook).
MODEL_NAMES = {
    "heartnet": "heartnet (red neuronal)",
    "catboost": "CatBoost",
    "logistic_regression": "Regresión logística",
    "random_forest": "Bosque aleatorio",
    "hist_gradient_boosting": "Árboles potenciados por gradiente (histogramas)",
    "svc": "Máquina de vectores de soporte",
}
_ENCODING_GLOSS = {"cp1252": " (Excel en Windows)", "latin-1": " (ISO-8859-1)"}
ENCODING_NAMES = {code: name + _ENCODING_GLOSS.get(code, "") for code, name in csvio.ENCODING_NAMES.items()}
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


class NotANumber(ValueError):
    """Text typed where a number was expected."""


def parse_number(text: str) -> float:
    """A number typed by a Spanish speaker or not: ``0,8`` and ``0.8`` are both 0.8; spaces around are fine.

    Raises ``NotANumber`` for anything else (a word, ``1.234,5``, two commas):
    no value is ever guessed.
    """
    cleaned = text.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise NotANumber(text)
    return float(cleaned.replace(",", "."))


def number_text(feature: Feature, value: float | None) -> str:
    """A value as the app shows it: whole numbers whole (54, not 54.00), decimals with a comma, empty if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if feature.step >= 1 and float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:g}".replace(".", ",")


def decimal(value: float, digits: int, *, sign: bool = False) -> str:
    """A number with a decimal comma, as Spanish writes it: decimal(0.9412, 3) -> "0,941".

    ``sign=True`` writes the sign of positive numbers too (a difference: "+0,005").
    """
    return f"{value:{'+' if sign else ''}.{digits}f}".replace(".", ",")


def maybe_decimal(value: float | None, digits: int, *, sign: bool = False) -> str:
    """``decimal``, or "—" for a value that could not be measured (None)."""
    return "—" if value is None else decimal(value, digits, sign=sign)


def percent(probability: float, digits: int = 1) -> str:
    """A probability as a Spanish percentage: 0.572 -> "57,2 %"."""
    return f"{decimal(probability * 100, digits)} %"


def points(difference: float) -> str:
    """A difference of probabilities in percentage points: 0.032 -> "+3,2 pp"."""
    return f"{difference * 100:+.1f} pp".replace(".", ",")


def _label(name: str | None) -> str:
    feature = FEATURES_BY_NAME.get(name)
    return f"«{feature.label}» ({feature.name})" if feature else f"«{name}»"


def _value_text(value: object) -> str:
    if value is None:
        return "vacío"
    if isinstance(value, str):
        return f"«{value}»"
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)  # 300, not 300.0


def option_text(feature: Feature, value: str | int) -> str:
    """A category as a list shows it: its code and its meaning, the code alone where both are one word."""
    meaning = feature.meaning(value)
    return meaning if meaning == str(value) else f"{value} — {meaning}"


def allowed_text(feature: Feature) -> str:
    """What a feature accepts, in Spanish."""
    if feature.kind == "numeric":
        low, high = (number_text(feature, bound) or "0" for bound in (feature.min, feature.max))
        text = f"un número entre {low} y {high} {feature.unit}"
        return text + (" (o vacío si no se midió)" if feature.nullable else "")
    return "uno de: " + ", ".join(f"{value} ({meaning})" for value, meaning in feature.categories)


def validation_message(error: ValidationError) -> str:
    """The error in Spanish, from its structured fields (field, value, problem, row, suggestion)."""
    feature = FEATURES_BY_NAME.get(error.field)
    label = _label(error.field)
    if isinstance(error, WrongWidth):
        text = (
            f"la fila tiene {error.fields} celdas y el encabezado {error.expected} columnas: revisá que no sobre ni "
            "falte un separador (una coma o un punto y coma de más, o un texto con separadores sin comillas)"
        )
    elif error.problem == "missing field":
        text = f"falta la columna {label}"
    elif error.problem in ("unknown field", "duplicated column"):
        text = f"la columna «{error.field}» no es una de las variables del modelo o está repetida"
    elif error.problem == "missing value":
        text = f"falta el valor de {label}"
    else:
        text = f"{label}: el valor {_value_text(error.value)} no es válido"
    if feature is not None and error.problem not in ("missing field", "unknown field", "duplicated column"):
        text += f"; se espera {allowed_text(feature)}"
    if error.suggestion is not None:
        text += f". ¿Quisiste decir «{error.suggestion}»?"
    if error.row is not None:
        text = f"{'Línea' if error.where == 'line' else 'Fila'} {error.row}: {text}"
    return text[0].upper() + text[1:]


def reasons_message(problems: list[ValidationError]) -> str:
    """A rejected row's problems on one line, in Spanish (the line itself is given apart)."""
    return REASONS_SEP.join(validation_message(problem.at(None)) for problem in problems)


def not_a_number_message(feature: Feature, text: str) -> str:
    """A field of the form whose text is not a number, in Spanish."""
    return f"{_label(feature.name)}: «{text}» no es un número; se espera {allowed_text(feature)}"


def file_message(error: FileProblem) -> str:
    """A file that cannot be used, in one Spanish sentence that says what to do."""
    name = f"«{error.name}»"
    if error.problem == "no_such_file":
        return f"No se encontró el archivo {name}. Revisá el nombre y la carpeta."
    if error.problem == "is_folder":
        return f"{name} es una carpeta: elegí un archivo CSV."
    if error.problem == "not_text":
        return (
            f"{name} no es un archivo de texto (¿una planilla de Excel?). Guardala como CSV, separado por comas "
            "o por punto y coma, y subila de nuevo."
        )
    if error.problem == "empty":
        return f"{name} está vacío. Subí un CSV con una fila de encabezado con los nombres de las columnas."
    if error.problem == "no_rows":
        return f"{name} tiene el encabezado pero ninguna fila de pacientes. Agregá al menos una fila debajo."
    if error.problem == "repeated_columns":
        return (
            f"En {name} hay columnas repetidas: {', '.join(error.repeated)}. Dejá una sola columna con cada "
            "nombre en el encabezado."
        )
    if error.problem == "missing_columns":
        missing = [column for column in error.expected if column not in error.found]
        expected = ", ".join(error.expected)
        found = ", ".join(error.found) if error.found else "ninguna"
        return (
            f"A {name} le faltan columnas: {', '.join(missing)}. Se esperan {expected} (en cualquier orden; "
            f"otras columnas se conservan) y se encontraron: {found}. Corregí el encabezado o partí de la plantilla."
        )
    return (
        f"No se pudo leer {name} como CSV. Revisá que cada fila tenga tantas celdas como el encabezado y "
        "que use el mismo separador (coma o punto y coma)."
    )


def out_of_range_message(warning) -> str:
    """A valid value the model never saw in training (``heartnet.OutOfRangeWarning``), in Spanish, from its fields."""
    feature = FEATURES_BY_NAME[warning.field]
    unit = f" {feature.unit}" if feature.unit else ""
    seen = f"entre {number_text(feature, warning.low)} y {number_text(feature, warning.high)}{unit}"
    value = f"{number_text(feature, warning.value)}{unit}"
    if warning.count == 1:
        what = f"{_label(feature.name)} vale {value}, un valor"
    else:
        what = f"{_label(feature.name)}: {warning.count} filas (por ejemplo, {value}) quedan"
    return (
        f"{what} fuera de lo que vio el modelo al entrenarse ({seen}): no había pacientes así, y la probabilidad "
        "extrapola. Tomala con más cautela."
    )


# Why a saved model cannot be used (heartnet.errors.ModelError's problem), in Spanish: what is wrong, then what to do.
_MODEL_PROBLEMS = {
    "not_keras": "no es un modelo: los modelos de heartnet son archivos .keras",
    "missing": "no existe todavía",
    "is_folder": "es una carpeta, no un archivo de modelo: revisá la ruta (`HEARTNET_MODEL`)",
    "no_metadata": "no tiene al lado su archivo de metadatos (.json)",
    "bad_metadata": "tiene al lado un archivo de metadatos dañado (no es un objeto JSON, o un valor no es lo que "
    "`heartnet train` escribe: un umbral que no va de 0 a 1, un texto donde va un número…)",
    "other_spec": "se entrenó con otra especificación de variables que la de esta versión de heartnet",
    "sha256": "no es el archivo que describen sus metadatos (su huella sha256 es otra)",
    "unreadable": "no es un modelo .keras que se pueda leer (¿un archivo dañado?)",
}


def model_message(error) -> str:
    """A saved model that cannot be used (``heartnet.errors.ModelError``), in Spanish, from its problem and name."""
    what = _MODEL_PROBLEMS.get(error.problem, "no se puede usar")
    return (
        f"El modelo «{error.name or 'por defecto'}» {what}. Entrená uno con `make train` (o `heartnet train`) y "
        "recargá la página."
    )


# What an unmeasured value means in this data, and how the model takes it (its ``missing`` hyper-parameter).
_NOT_MEASURED_MEANING = (
    "En estos datos, «no medido» marca sobre todo a un hospital (Suiza no lo midió nunca y es el hospital "
    "con la tasa de enfermedad más alta): dice de dónde vienen los datos, no que no medirlo sea un factor de riesgo."
)
_NOT_MEASURED_HANDLING = {
    "indicator": "El modelo lo ve por una columna indicadora, así que su contribución refleja sobre todo esa "
    "diferencia entre hospitales.",
    "mean": "El modelo lo reemplaza por el valor medio de los pacientes de entrenamiento, sin indicador.",
    "drop": "Este modelo no usa ese dato: no cambia la probabilidad.",
}


def not_measured_note(feature: Feature, missing: str = "indicator") -> str:
    """Why an unmeasured ``feature`` (cholesterol) is no risk factor here, and how a model with ``missing`` takes it."""
    return f"«{feature.label}» figura como **no medido**. {_NOT_MEASURED_MEANING} {_NOT_MEASURED_HANDLING[missing]}"


class MethodWords(NamedTuple):
    """A recalibration method in Spanish, in each of the places that name it."""

    name: str  # a table's column, a figure's legend
    of: str  # after «la recalibración»
    option: str  # a choice in the app: the method and what it does


# The recalibration methods (heartnet.recalibration.METHODS, the keys) in Spanish: written here only.
RECALIBRATION_METHODS = {
    "auto": MethodWords(
        "automática", "automática", "Automática (elige entre no tocarlo, el intercepto o intercepto y pendiente)"
    ),
    "intercept": MethodWords(
        "intercepto", "del intercepto", "Solo el intercepto (corre todas las probabilidades hacia arriba o hacia abajo)"
    ),
    "logistic": MethodWords(
        "intercepto y pendiente",
        "del intercepto y la pendiente",
        "Intercepto y pendiente (además, las hace más o menos extremas)",
    ),
}
# What an update did, as tables and figures name it: none, then the methods, "auto" last (it picks among the others).
UPDATE_NAMES = {"none": "sin actualizar"} | {
    method: words.name for method, words in sorted(RECALIBRATION_METHODS.items(), key=lambda item: item[0] == "auto")
}


# Why a model cannot be explained (heartnet.explain.NoBackground's reason), in Spanish.
_NO_BACKGROUND = {
    "no_metadata": "sus metadatos no dicen con qué datos y partición se entrenó",
    "no_training_record": "sus metadatos no dicen con qué datos y partición se entrenó",
    "data_unavailable": "sus datos de entrenamiento no se pueden leer ahora",
    "data_differs": "los datos que hay no son aquellos con los que se entrenó (su huella sha256 es otra)",
}


def no_background_message(error) -> str:
    """Why a model cannot be explained (``heartnet.explain.NoBackground``), in Spanish, from its reason."""
    return (
        "No se puede calcular la explicación de Shapley de este modelo: no guarda las filas de entrenamiento "
        f"contra las que se explica, y no se pueden volver a sacar porque {_NO_BACKGROUND[error.reason]}. "
        "La probabilidad sí es la del modelo. Para tener la explicación, entrená el modelo con `make train` "
        "(o `heartnet train`)."
    )


def feature_table():
    """The column dictionary, straight from the feature spec (a pandas DataFrame with Spanish headers)."""
    rows = []
    for f in FEATURES:
        if f.kind == "numeric":
            values = f"{f.min:g} a {f.max:g}" + (" o «no medido»" if f.nullable else "")
        else:
            values = ", ".join(f"{value} = {meaning}" for value, meaning in f.categories)
        kind = {"numeric": "numérica", "categorical": "categórica", "binary": "binaria"}[f.kind]
        rows.append(
            {"columna": f.name, "nombre": f.label, "tipo": kind, "unidad": f.unit or "—", "valores aceptados": values}
        )
    return pd.DataFrame(rows).set_index("columna")
