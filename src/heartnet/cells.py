"""One engine for rows of text cells: which are valid, their clean values, and every problem of the others.

``heartnet score`` (chunk after chunk of a streamed file), the app's batch
page and the local evaluation (``heartnet evaluate --data``, «Validar en mi
hospital») all check their rows here, so a file gets the same verdicts
wherever it is read.

A cell that is a plain number inside its range, or exactly an allowed
category, is accepted by vectorized pyarrow/numpy code (the fast path). Any
row the fast path cannot vouch for (a stray word, an empty field, ``1e3``,
``NA``...) is read back the way the loader reads files (pandas,
``parse_cells``) and checked by ``validation.find_problems``: it is kept if
valid, else rejected with every one of its problems. So every verdict and
every reason is the validator's own, and only the rare doubtful row pays for
Python; a property test (``tests/code/test_cells.py``) checks that the fast
path accepts nothing the validator refuses, with the same values.

Problems stay structured (``ValidationError``, with field, value, allowed
and line) until an edge words them: ``reasons_text`` in English for the CLI,
``heartnet.spanish.reasons_message`` in Spanish for the app.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from heartnet.csvio import PatientsFile, parse_cells, parse_decimal
from heartnet.errors import ValidationError, WrongWidth
from heartnet.features import FEATURE_NAMES, FEATURES
from heartnet.validation import REASONS_SEP, find_problems, group_by_row, validate_frame

__all__ = ["Checked", "check_cells", "check_patients", "reasons_text"]

_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"  # what the fast path parses; anything else goes the slow way


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


def check_cells(table: pa.Table, decimal: str, lines: np.ndarray) -> Checked:
    """Check a table of text cells holding at least the feature columns (others are ignored).

    ``decimal`` is the mark numbers may use besides the point ("," in
    semicolon files); ``lines`` gives each row's file line, used to locate
    its problems.
    """
    sure, columns = _fast_path(table, decimal)
    good = sure.copy()
    rejects: dict[int, list[ValidationError]] = {}
    doubtful = np.flatnonzero(~sure)
    if len(doubtful):
        frame = _slow_path(table.select(list(FEATURE_NAMES)).take(doubtful), decimal)
        rescued, problems = find_problems(frame, where="line")
        for position, errors in group_by_row(problems).items():
            line = int(lines[doubtful[position]])
            rejects[line] = [error.at(line, "line") for error in errors]
        good[doubtful[rescued]] = True
        clean = validate_frame(frame.loc[rescued, list(FEATURE_NAMES)])
        for feature in FEATURES:
            values = clean[feature.name].to_numpy()
            if feature.kind == "categorical":
                values = np.array([value.encode() for value in values], dtype=columns[feature.name].dtype)
            if not columns[feature.name].flags.writeable:  # pyarrow's arrays may be views of its buffers
                columns[feature.name] = columns[feature.name].copy()
            columns[feature.name][doubtful[rescued]] = values
    return Checked(good, {name: values[good] for name, values in columns.items()}, rejects)


def check_patients(patients: PatientsFile) -> Checked:
    """Check a file read by ``csvio.read_patients``; its rows of the wrong width (``malformed``) are rejected too."""
    names = list(FEATURE_NAMES)
    table = pa.table({name: pa.array(patients.cells[name].tolist(), type=pa.string()) for name in names})
    checked = check_cells(table, parse_decimal(patients.sep), patients.lines)
    rejects = checked.rejects | {
        line: [WrongWidth(fields, patients.fields, row=line)] for line, fields in patients.malformed.items()
    }
    return Checked(checked.good, checked.columns, dict(sorted(rejects.items())))


def _fast_path(table: pa.Table, decimal: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(sure, columns)``: the rows whose every cell is plainly valid, and each feature's values.

    ``columns`` holds float64 numbers (NaN for a missing cholesterol), int64
    flags and ``bytes`` categories (which TensorFlow takes without converting
    each cell); they are meaningful only where ``sure``.
    """
    sure = np.ones(table.num_rows, dtype=bool)
    columns = {}
    for feature in FEATURES:
        cells = table[feature.name]
        if feature.kind != "categorical":  # categories must match exactly; numbers and flags may be padded
            cells = pc.utf8_trim_whitespace(cells)
        if feature.kind != "numeric":
            # Each cell's position among the allowed values, written as text (NaN: not among them).
            index = pc.index_in(cells, value_set=pa.array([str(v) for v in feature.values]))
            index = index.to_numpy(zero_copy_only=False)
            found = ~np.isnan(index)
            sure &= found
            if feature.kind == "categorical":
                choices = np.array([str(v).encode() for v in feature.values])
            else:
                choices = np.array(feature.values, dtype=np.int64)
            columns[feature.name] = choices[np.where(found, index, 0).astype(np.int64)]
            continue
        if decimal == ",":
            cells = pc.replace_substring(cells, ",", ".")
        number = pc.match_substring_regex(cells, _PLAIN_NUMBER)
        values = pc.cast(pc.if_else(number, cells, None), pa.float64()).to_numpy(zero_copy_only=False)
        number = number.to_numpy(zero_copy_only=False)
        ok = number & (values >= feature.min) & (values <= feature.max)
        if feature.nullable:
            missing = (pc.equal(cells, "").to_numpy(zero_copy_only=False)) | (number & (values == feature.missing_code))
            values = np.where(missing, np.nan, values)
            ok |= missing
        sure &= ok
        columns[feature.name] = values
    return sure, columns


def _slow_path(table: pa.Table, decimal: str) -> pd.DataFrame:
    """Rows as the loader reads a file (pandas, text cells, its missing-value markers), then ``parse_cells``."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    buffer.seek(0)
    return parse_cells(pd.read_csv(buffer, dtype=str), decimal)
