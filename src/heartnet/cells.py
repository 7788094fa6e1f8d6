"""Rows of text cells judged: which are valid, their clean values, and every problem of the others.

``heartnet score`` (chunk after chunk of a streamed file), the app's batch
page and the local evaluation (``heartnet evaluate --data``, «Validar en mi
hospital») all check their rows here, so a file gets the same verdicts
wherever it is read.

Nothing is decided here: the cells are parsed into arrays by
``heartnet.csvio.parse_cells`` and judged by the one checker,
``heartnet.rules``, whose rule also judges a frame and a single patient.
Both work on whole columns, so valid rows never pay for Python; only a
rejected row has its problems written, one by one.

Problems stay structured (``ValidationError``, with field, value, allowed
and line) until an edge words them: ``reasons_text`` in English for the CLI,
``heartnet.spanish.reasons_message`` in Spanish for the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from heartnet.csvio import PatientsFile, parse_table
from heartnet.errors import ValidationError, WrongWidth
from heartnet.features import FEATURE_NAMES, FEATURES
from heartnet.rules import Column, judge_all
from heartnet.validation import REASONS_SEP

__all__ = ["Checked", "check_cells", "check_patients", "reasons_text"]


@dataclass(frozen=True)
class Checked:
    """Rows checked: which are valid, their clean values, and each rejected row's problems by file line."""

    good: np.ndarray  # one boolean per row
    columns: dict[str, np.ndarray]  # the valid rows' values: float64 (NaN: not measured), int64, bytes categories
    rejects: dict[int, list[ValidationError]]  # file line -> its problems in spec order, located at that line

    def frame(self) -> pd.DataFrame:
        """The valid rows as ``validation.validate_frame`` returns them (categories as ``str``)."""
        return pd.DataFrame(
            {
                f.name: self.columns[f.name].astype(str).astype(object)
                if f.kind == "categorical"
                else self.columns[f.name]
                for f in FEATURES
            }
        )


def reasons_text(problems: list[ValidationError]) -> str:
    """A rejected row's problems on one line, in English (the line itself is given apart)."""
    return REASONS_SEP.join(str(problem.at(None)) for problem in problems)


def _checked(columns: Mapping[str, Column], lines: np.ndarray) -> Checked:
    """Judge parsed columns (one per feature; others are ignored); locate each rejected row's problems at its line."""
    judged = judge_all(columns)
    good = judged.good
    rejects = {}
    for position in np.flatnonzero(~good):
        line = int(lines[position])
        rejects[line] = [problem.at(line, "line") for problem in judged.problems(int(position))]
    # bytes categories: TensorFlow takes them without converting each cell
    return Checked(good, {name: values[good] for name, values in judged.clean(encoded=True).items()}, rejects)


def check_cells(table: pa.Table, decimal: str, lines: np.ndarray) -> Checked:
    """Check a table of text cells holding at least the feature columns (others are ignored).

    ``decimal`` is the mark numbers may use besides the point ("," in
    semicolon files); ``lines`` gives each row's file line, used to locate
    its problems.
    """
    return _checked(parse_table(table.select(list(FEATURE_NAMES)), decimal), lines)


def check_patients(patients: PatientsFile) -> Checked:
    """Check a file read by ``csvio.read_patients``; its rows of the wrong width (``malformed``) are rejected too."""
    checked = _checked(patients.parsed, patients.lines)
    rejects = checked.rejects | {
        line: [WrongWidth(fields, patients.fields, row=line)] for line, fields in patients.malformed.items()
    }
    return Checked(checked.good, checked.columns, dict(sorted(rejects.items())))
