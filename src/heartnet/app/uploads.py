"""The pages' uploaded CSV files, without Streamlit: score one, write tables back like it, and a template to start from.

The «Lote» page scores an upload (``score_upload``) and offers its results
and rejected rows written as the upload was (``write_like``); it and the
«Validar en mi hospital» page offer a template (``template_csv``). Plain
functions, so that they are tested without running a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import heartnet
from heartnet.cells import check_patients
from heartnet.csvio import PatientsFile
from heartnet.inference import probabilities
from heartnet.ranges import field_names, out_of_range, outside
from heartnet.spanish import reasons_message

__all__ = ["Batch", "Download", "score_upload", "template_csv", "write_like"]

# What a download falls back to when the upload's encoding cannot hold one of its characters:
# UTF-8 holds them all, and its byte-order mark tells Excel what it is.
FALLBACK_ENCODING = "utf-8-sig"


@dataclass(frozen=True)
class Batch:
    """An upload scored: the rows kept (line, probability, class, then the cells as written) and those rejected."""

    result: pd.DataFrame  # línea, probabilidad, prediccion, fuera_de_rango, then every input column as written
    rejects: pd.DataFrame  # línea, motivos (every reason, in Spanish), then every input column as written
    probabilities: np.ndarray
    out_of_range: list = field(default_factory=list)  # an OutOfRangeWarning per field with unseen values

    @property
    def above_threshold(self) -> int:
        return int(self.result["prediccion"].sum())


def score_upload(patients: PatientsFile, model: heartnet.TrainedModel) -> Batch:
    """Validate every row (every problem of every row, in Spanish), score the valid ones with ``model``.

    Rows set aside for having the wrong number of fields (``patients.malformed``)
    are rejected too, with their line; their cells cannot be told apart, so
    they are left empty in the rejects table.
    """
    checked = check_patients(patients)
    good, lines = checked.good, patients.lines
    reasons = {line: reasons_message(problems) for line, problems in checked.rejects.items()}
    scores = probabilities(model, checked.columns)  # no valid row: no probability
    unseen = field_names(outside(checked.columns, model.observed_ranges), len(scores))  # as heartnet score names them
    result = pd.DataFrame(
        {"línea": lines[good], "probabilidad": scores, "prediccion": model.classify(scores), "fuera_de_rango": unseen}
    )
    bad_lines = lines[~good]
    rejects = pd.concat(
        [
            pd.DataFrame({"línea": bad_lines, "motivos": [reasons[int(line)] for line in bad_lines]}),
            patients.cells[~good].reset_index(drop=True),
        ],
        axis=1,
    )
    if patients.malformed:  # after the others, then all in file order (by position: a column may be named "línea")
        empty = [""] * patients.fields
        rows = [[line, reasons[line], *empty] for line in patients.malformed]
        rejects = pd.concat([rejects, pd.DataFrame(rows, columns=rejects.columns)], ignore_index=True)
        rejects = rejects.iloc[np.argsort(rejects.iloc[:, 0].to_numpy(), kind="stable")].reset_index(drop=True)
    result = pd.concat([result, patients.cells[good].reset_index(drop=True)], axis=1)
    return Batch(result, rejects, scores, out_of_range(checked.columns, model.observed_ranges))


@dataclass(frozen=True)
class Download:
    """A table written for download, and the encoding it was written in."""

    data: bytes
    encoding: str  # the upload's, or FALLBACK_ENCODING when that one cannot hold every character
    unwritable: str = ""  # the characters the upload's encoding has no byte for (why it fell back)

    @property
    def fell_back(self) -> bool:
        return bool(self.unwritable)


def write_like(frame: pd.DataFrame, patients: PatientsFile) -> Download:
    """A table as the upload was written: its separator, decimal mark and encoding; cells as they came.

    Probabilities (floats) get the upload's decimal mark; the input's cells
    are text, so ``289`` stays ``289`` and an empty cell stays empty. When a
    character cannot be written in the upload's encoding (a Spanish reason's
    «≤» in a Windows-1252 file), the whole download is UTF-8 with a byte-order
    mark instead, and ``unwritable`` lists those characters: nothing is
    replaced or dropped.
    """
    written = frame.copy()
    for column in written.columns:
        if pd.api.types.is_float_dtype(written[column]):
            written[column] = [f"{value:.4f}".replace(".", patients.decimal) for value in written[column]]
    text = written.to_csv(index=False, sep=patients.sep)
    try:
        return Download(text.encode(patients.encoding), patients.encoding)
    except UnicodeEncodeError:
        unwritable = sorted({char for char in text if not _encodes(char, patients.encoding)})
        return Download(text.encode(FALLBACK_ENCODING), FALLBACK_ENCODING, "".join(unwritable))


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def template_csv(dataset: pd.DataFrame, *, labelled: bool = False) -> bytes:
    """Three patients of the dataset as a CSV to start from; the first one without a cholesterol (an empty cell).

    ``labelled`` adds their ``HeartDisease`` (the file «Validar en mi hospital» takes).
    """
    columns = [*heartnet.FEATURE_NAMES, heartnet.TARGET] if labelled else list(heartnet.FEATURE_NAMES)
    rows = dataset[columns].head(3).astype(object)
    for feature in heartnet.FEATURES:
        if feature.nullable:
            rows.loc[rows.index[0], feature.name] = None

    def cell(value) -> str:
        if value is None or pd.isna(value):
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value)  # 54, not 54.0

    return rows.map(cell).to_csv(index=False).encode("utf-8")
