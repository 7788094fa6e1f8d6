"""The batch page's work, without Streamlit: score an uploaded file, list its rejected rows, write results back.

Kept apart from the page (``lote.py``) so that it can be tested as plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import heartnet
from heartnet.csvio import PatientsFile
from heartnet.spanish import validation_message
from heartnet.validation import REASONS_SEP, find_problems, group_by_row

__all__ = ["Batch", "score_upload", "template_csv", "write_like"]


@dataclass(frozen=True)
class Batch:
    """An upload scored: the rows kept (line, probability, class, then the cells as written) and those rejected."""

    result: pd.DataFrame  # línea, probabilidad, prediccion, then every input column as written
    rejects: pd.DataFrame  # línea, motivos (every reason, in Spanish), then every input column as written
    probabilities: np.ndarray

    @property
    def above_threshold(self) -> int:
        return int(self.result["prediccion"].sum())


def score_upload(patients: PatientsFile, model: heartnet.TrainedModel) -> Batch:
    """Validate every row (every problem of every row, in Spanish), score the valid ones with ``model``."""
    good, problems = find_problems(patients.values, where="line", first=2)
    reasons = {
        line: REASONS_SEP.join(validation_message(error.at(None)) for error in errors)
        for line, errors in group_by_row(problems).items()
    }
    features = patients.values.loc[good, list(heartnet.FEATURE_NAMES)]
    probabilities = heartnet.predict(features, model) if good.any() else np.zeros(0)
    result = pd.DataFrame(
        {"línea": patients.lines[good], "probabilidad": probabilities, "prediccion": model.classify(probabilities)}
    )
    rejects = pd.DataFrame({"línea": list(reasons), "motivos": list(reasons.values())})
    return Batch(
        pd.concat([result, patients.cells[good].reset_index(drop=True)], axis=1),
        pd.concat([rejects, patients.cells[~good].reset_index(drop=True)], axis=1),
        probabilities,
    )


def write_like(frame: pd.DataFrame, patients: PatientsFile) -> bytes:
    """A table as the upload was written: its separator, decimal mark and encoding; cells as they came.

    Probabilities (floats) get the upload's decimal mark; the input's cells
    are text, so ``289`` stays ``289`` and an empty cell stays empty.
    """
    written = frame.copy()
    for column in written.columns:
        if pd.api.types.is_float_dtype(written[column]):
            written[column] = [f"{value:.4f}".replace(".", patients.decimal) for value in written[column]]
    return written.to_csv(index=False, sep=patients.sep).encode(patients.encoding)


def template_csv(dataset: pd.DataFrame) -> bytes:
    """Three patients of the dataset as a CSV to start from; the first one without a cholesterol (an empty cell)."""
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(3).astype(object)
    for feature in heartnet.FEATURES:
        if feature.nullable:
            rows.loc[rows.index[0], feature.name] = None

    def cell(value) -> str:
        if value is None or pd.isna(value):
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value)  # 54, not 54.0

    return rows.map(cell).to_csv(index=False).encode("utf-8")
