"""The Spanish of validating and recalibrating in your hospital: patients needed, the decision and its tests.

What ``heartnet.local_check`` and ``heartnet.updating`` find, worded from
their fields for the app's page «Validar en mi hospital». The methods' own
words are ``heartnet.spanish.RECALIBRATION_METHODS``.
"""

from __future__ import annotations

from heartnet.errors import LocalDataError
from heartnet.spanish import RECALIBRATION_METHODS, decimal

__all__ = [
    "RECALIBRATION_TESTS",
    "few_to_recalibrate_message",
    "likelihood_ratio_lines",
    "local_data_message",
    "sample_size_message",
    "training_rows_message",
    "update_message",
]

# The likelihood-ratio tests of ``auto`` (keys: heartnet.updating.TESTS) in Spanish: what each one compares.
RECALIBRATION_TESTS = {
    "logistic_vs_none": "intercepto y pendiente frente a no cambiar nada",
    "logistic_vs_intercept": "intercepto y pendiente frente a solo el intercepto",
    "intercept_vs_none": "intercepto frente a no cambiar nada",
}


def training_rows_message(seen: int, rows: int) -> str:
    """Local rows the model was trained on (``heartnet.local_check.rows_seen_in_training``), in Spanish."""
    which = "es una fila" if seen == 1 else "son filas"
    return (
        f"{seen} de tus {rows} filas {which} con las que se entrenó este modelo: medirlo con ellas lo favorece. "
        "Para saber cómo le va en tu hospital, usá pacientes que no vio."
    )


def sample_size_message(needed: dict, result: dict) -> str:
    """How many patients a check needs (``heartnet.local_check.patients_needed``) against those at hand, in Spanish."""
    widths, criteria = needed["widths"], needed["by_criterion"]
    slope = f"± {decimal(widths['calibration_slope'] / 2, 1)}"
    text = (
        f"**¿Alcanzan tus pacientes?** Según `pmvalsampsize` (Riley y otros, 2021), para medir la pendiente de "
        f"calibración con un intervalo de {slope} hacen falta unos {criteria['calibration_slope']} pacientes, y unos "
        f"{needed['patients']} para medir además la calibración general y la ROC AUC con la precisión habitual "
        f"(calculado con la tasa de enfermedad y la ROC AUC de tus {result['n']} pacientes)."
    )
    low, high = result["calibration_slope_low"], result["calibration_slope_high"]
    if low is not None:
        text += f" Con los tuyos, la pendiente queda en ± {decimal((high - low) / 2, 2)}."
    return text


def few_to_recalibrate_message(rows: int, needed: dict) -> str:
    """Fewer local patients than a recalibration is advised (``local_check.patients_to_recalibrate``), in Spanish."""
    widths, criteria = needed["widths"], needed["by_criterion"]
    ratio = f"± {decimal(widths['calibration_in_the_large'] / 2, 2)}"
    slope = f"± {decimal(widths['calibration_slope'] / 2, 1)}"
    return (
        f"**Pocos pacientes para recalibrar.** Tenés {rows}; para estimar la corrección con intervalos de {ratio} "
        f"en la razón observado/esperado y de {slope} en la pendiente hacen falta unos "
        f"{needed['recalibration']} (`pmvalsampsize`: {criteria['calibration_in_the_large']} y "
        f"{criteria['calibration_slope']}). Se puede recalibrar igual, pero los coeficientes serán imprecisos: "
        "antes de usar el modelo recalibrado, medilo con **otros** pacientes."
    )


def update_message(update) -> str:
    """What a recalibration decided (``heartnet.updating.Update``), in Spanish, from its method and numbers."""
    rows = f"con {update.rows} pacientes"
    if update.method == "none":
        return f"Se decidió **no cambiar el modelo** {rows}: sus probabilidades ya son compatibles con ellos."
    return (
        f"Se decidió la recalibración **{RECALIBRATION_METHODS[update.method].of}** {rows}: "
        f"intercepto {decimal(update.intercept, 3, sign=True)}, pendiente {decimal(update.slope, 3)}."
    )


def local_data_message(error: LocalDataError) -> str:
    """Why local labelled patients cannot be used to evaluate or recalibrate, in Spanish, from the error's fields."""
    if error.problem == "bad_label":
        return (
            f"La línea {error.line} tiene «{error.value}» en la columna de enfermedad coronaria "
            f"(`HeartDisease`): cada fila debe decir 1 (con enfermedad) o 0 (sin enfermedad)."
        )
    if error.problem == "one_class":
        which = "con enfermedad" if error.present == 1 else "sin enfermedad"
        return (
            f"Las {error.rows} filas válidas son todas de pacientes {which}: para recalibrar hacen falta "
            "pacientes con y sin enfermedad coronaria."
        )
    return (
        f"La recalibración {RECALIBRATION_METHODS[error.method].of} necesita al menos {error.needed} filas "
        f"válidas y el archivo tiene {error.rows}."
    )


def likelihood_ratio_lines(update) -> list[str]:
    """The tests behind an ``auto`` recalibration (``heartnet.updating.Update.p_values``), one Spanish line each."""
    return [
        f"Prueba de razón de verosimilitud, {RECALIBRATION_TESTS[test]}: p = {decimal(p_value, 3)}"
        for test, p_value in update.p_values.items()
    ]
