"""Which features pushed one patient's risk up or down.

Each feature of the patient is swapped, one at a time, for the typical value
of the training data (median for numbers, most frequent category otherwise);
the change in probability is that feature's contribution. Simple, model-
agnostic, and the 12 predictions go through one batch call.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from heartnet.backend import keras
from heartnet.features import FEATURES
from heartnet.inference import predict
from heartnet.validation import validate_row

__all__ = ["contributions", "typical_patient"]


def typical_patient(df: pd.DataFrame) -> dict:
    """The typical value of each feature in a validated frame (median or most frequent)."""
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


def contributions(row: Mapping, model: keras.Model, typical: Mapping) -> pd.DataFrame:
    """One row per feature: the patient's value, the typical value and ``effect``.

    ``effect`` = P(patient) − P(patient with this feature set to the typical
    value): positive pushes the risk up; 0 where the patient already has the
    typical value. Sorted by the size of the effect.
    """
    patient = validate_row(row)
    variants = [patient] + [{**patient, feature.name: typical[feature.name]} for feature in FEATURES]
    probabilities = predict(variants, model)
    frame = pd.DataFrame(
        {
            "feature": [feature.name for feature in FEATURES],
            "label": [feature.label for feature in FEATURES],
            "value": [patient[feature.name] for feature in FEATURES],
            "typical": [typical[feature.name] for feature in FEATURES],
            "effect": probabilities[0] - probabilities[1:],
        }
    )
    return frame.reindex(frame["effect"].abs().sort_values(ascending=False).index).reset_index(drop=True)
