"""The feature spec: the single source of truth for the dataset's columns.

Every other module (loader, validation, model, baselines, plots, CLI, app and
notebook) reads the columns from here; no other file lists them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Literal

__all__ = [
    "FEATURES",
    "FEATURES_BY_NAME",
    "FEATURE_NAMES",
    "HOSPITAL",
    "HOSPITALS",
    "MISSING",
    "SEX",
    "TARGET",
    "TARGET_CLASSES",
    "TARGET_DEFINITION",
    "TARGET_LABEL",
    "Feature",
    "model_inputs",
    "spec_as_dicts",
]

Kind = Literal["numeric", "categorical", "binary"]


@dataclass(frozen=True)
class Feature:
    """One input column of the model.

    ``min``/``max`` are the plausible range accepted from users (inclusive) and
    ``unit`` its unit. ``categories`` maps each allowed value to its Spanish
    meaning (categorical and binary features). ``nullable`` marks the one field
    that may be missing ("no medido"); ``missing_code`` is the value that means
    "missing" in the Kaggle file. ``impossible`` is a value that can only be a
    recording error (a resting blood pressure of 0): the loader drops such rows.
    ``step`` is the precision a form offers for a numeric input.
    """

    name: str
    kind: Kind
    label: str
    description: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    categories: tuple[tuple[str | int, str], ...] = ()
    nullable: bool = False
    missing_code: float | None = None
    impossible: float | None = None
    step: float = 1.0

    @cached_property  # a frozen dataclass never changes: build the tuple once
    def values(self) -> tuple[str | int, ...]:
        """The allowed values of a categorical or binary feature, in model order."""
        return tuple(value for value, _ in self.categories)

    def meaning(self, value: str | int) -> str:
        """The Spanish meaning of one allowed value."""
        return dict(self.categories)[value]

    def to_dict(self) -> dict:
        """A JSON-ready description, stored in every model's metadata."""
        spec = asdict(self)
        spec["categories"] = [list(pair) for pair in self.categories]
        return spec


FEATURES: tuple[Feature, ...] = (
    Feature(
        "Age",
        "numeric",
        "Edad",
        "Edad del paciente.",
        unit="años",
        min=18,
        max=100,
    ),
    Feature(
        "Sex",
        "categorical",
        "Sexo",
        "Sexo del paciente.",
        categories=(("M", "Masculino"), ("F", "Femenino")),
    ),
    Feature(
        "ChestPainType",
        "categorical",
        "Tipo de dolor de pecho",
        "Tipo de dolor torácico que refiere el paciente.",
        categories=(
            ("TA", "Angina típica"),
            ("ATA", "Angina atípica"),
            ("NAP", "Dolor no anginoso"),
            ("ASY", "Sin dolor (asintomático)"),
        ),
    ),
    Feature(
        "RestingBP",
        "numeric",
        "Presión arterial en reposo",
        "Presión arterial sistólica en reposo.",
        unit="mm Hg",
        min=60,
        max=250,
        impossible=0,
    ),
    Feature(
        "Cholesterol",
        "numeric",
        "Colesterol sérico",
        "Colesterol total en sangre; puede faltar («no medido»).",
        unit="mg/dl",
        min=50,
        max=700,
        nullable=True,
        missing_code=0,
    ),
    Feature(
        "FastingBS",
        "binary",
        "Glucemia en ayunas > 120 mg/dl",
        "1 si la glucemia en ayunas supera 120 mg/dl, 0 si no.",
        categories=((0, "No (≤ 120 mg/dl)"), (1, "Sí (> 120 mg/dl)")),
    ),
    Feature(
        "RestingECG",
        "categorical",
        "Electrocardiograma en reposo",
        "Resultado del electrocardiograma en reposo.",
        categories=(
            ("Normal", "Normal"),
            ("ST", "Anomalía de la onda ST-T"),
            ("LVH", "Hipertrofia ventricular izquierda (probable o definida)"),
        ),
    ),
    Feature(
        "MaxHR",
        "numeric",
        "Frecuencia cardíaca máxima",
        "Frecuencia cardíaca máxima alcanzada en la prueba de esfuerzo.",
        unit="lpm",
        min=50,
        max=230,
    ),
    Feature(
        "ExerciseAngina",
        "categorical",
        "Angina inducida por ejercicio",
        "Si el ejercicio provoca angina de pecho.",
        categories=(("N", "No"), ("Y", "Sí")),
    ),
    Feature(
        "Oldpeak",
        "numeric",
        "Depresión del ST (Oldpeak)",
        "Depresión del segmento ST inducida por el ejercicio respecto del reposo; "
        "los valores negativos (elevación) son válidos.",
        unit="mm",
        min=-5,
        max=10,
        step=0.1,
    ),
    Feature(
        "ST_Slope",
        "categorical",
        "Pendiente del ST",
        "Pendiente del segmento ST en el pico del ejercicio.",
        categories=(("Up", "Ascendente"), ("Flat", "Plana"), ("Down", "Descendente")),
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)

# How a nullable number that was not measured (NaN) may enter a model, the network's and the baselines' alike:
# filled with the training mean, filled and flagged by a 0/1 indicator column, or not at all (the feature left out).
MISSING = ("mean", "indicator", "drop")
FEATURES_BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}

# The subgroup the evaluation reports every metric for (TRIPOD+AI item 23: women are 193 of 917).
SEX: Feature = FEATURES_BY_NAME["Sex"]

# The label of all four collections is coronary artery disease on angiography (Detrano et al., Am J Cardiol
# 1989), whatever the Kaggle title ("Heart Failure Prediction") says. The documents and the app quote this.
TARGET = "HeartDisease"
TARGET_LABEL = "Enfermedad coronaria"
TARGET_DEFINITION = "estrechamiento de más del 50 % de una arteria coronaria en la angiografía"
TARGET_CLASSES = {0: "Sin enfermedad coronaria", 1: "Con enfermedad coronaria"}

# The hospital a patient came from: an attribute for evaluation (leave one hospital out, metrics by
# hospital), never a model input. ``heartnet.data`` derives it for the built-in file from its row
# order; a user's own file may carry its own column of that name.
HOSPITAL = "Hospital"
# The built-in file's hospitals in the order its rows come, each with its Spanish name.
HOSPITALS: tuple[tuple[str, str], ...] = (
    ("Hungary", "Hungría"),
    ("Switzerland", "Suiza"),
    ("Long Beach VA", "Long Beach VA"),
    ("Cleveland", "Cleveland"),
)


def spec_as_dicts() -> list[dict]:
    """The whole spec as JSON-ready dicts (stored beside every saved model)."""
    return [feature.to_dict() for feature in FEATURES]


def model_inputs(spec: object) -> list[tuple] | None:
    """What a trained model depends on in a spec (``spec_as_dicts`` form): names, kinds, values, nullability.

    Words (labels, descriptions, units, meanings), ranges and form steps may change
    between versions without changing what a saved model reads. None when ``spec``
    is not in that form (a damaged metadata file).
    """
    try:
        return [
            (
                feature["name"],
                feature["kind"],
                [value for value, _ in feature.get("categories", [])],
                feature.get("nullable", False),
            )
            for feature in spec
        ]
    except (TypeError, KeyError, ValueError, AttributeError):
        return None
