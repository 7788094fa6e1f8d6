"""Stream-score a CSV of patients: memory bounded by the chunk size, output written atomically.

The file is read by pyarrow's streaming CSV reader, every cell as text, in
chunks of ``chunk_rows`` rows. Each chunk takes a fast columnar path: a cell
that is a plain number inside its range, or exactly an allowed category, is
accepted in vectorized pyarrow/numpy code, and those rows go straight to the
model's packed inference function. Any row the fast path cannot vouch for
(a stray word, an empty field, ``1e3``, ``NA``...) is read back the way the
loader reads files (pandas, ``parse_cells``) and checked by the same
``find_problems`` as ``predict``: it is rescued if valid, else rejected with
its line and reason. So the verdict on every row is the validator's own,
and only the rare doubtful row pays for Python.

The output keeps every input column as it was written, plus ``probability``
and ``prediction``, in input order, in the input's separator and decimal
mark; it goes to a temporary file that replaces OUTPUT only at the end.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from heartnet.data import csv_format, file_errors, parse_cells
from heartnet.errors import DataError
from heartnet.features import FEATURE_NAMES, FEATURES
from heartnet.files import write_atomically
from heartnet.predict import pack_columns, packed_probabilities
from heartnet.validation import find_problems, validate_frame

__all__ = ["ScoreSummary", "score_csv"]

DEFAULT_CHUNK_ROWS = 100_000
_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"  # what the fast path parses; anything else goes the slow way


@dataclass(frozen=True)
class ScoreSummary:
    scored: int
    rejected: int
    seconds: dict  # parsing, validation, inference, writing


def _header(path: Path) -> str:
    with file_errors(path), open(path, encoding="utf-8-sig") as handle:
        header = handle.readline()
        if not header.strip():
            raise pd.errors.EmptyDataError
    return header


def _chunks(path: Path, names: list[str], sep: str, rows: int, invalid: Callable) -> Iterator[pa.Table]:
    """The file as tables of exactly ``rows`` rows (the last may be shorter), every cell as text.

    A row with too few or too many fields goes to ``invalid`` (pyarrow's
    ``InvalidRow``) and is skipped. One reading thread, so that pyarrow can
    tell the line of such a row (counted like ours: header = 1, blank lines
    not counted).
    """
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22, use_threads=False),
        parse_options=pacsv.ParseOptions(delimiter=sep, invalid_row_handler=invalid),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False),
    )
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(pending)


def _fast_path(table: pa.Table, decimal: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(sure, columns)``: the rows whose every cell is plainly valid, and each feature's values.

    ``columns`` holds float64 numbers (NaN for a missing cholesterol), int64
    flags and ``bytes`` categories; they are meaningful only where ``sure``.
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
            if feature.kind == "categorical":  # as bytes, which TensorFlow takes without converting each cell
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


def _lines(rows: np.ndarray, skipped: list[int]) -> np.ndarray:
    """The file lines of data rows (0-based among the rows read), given the sorted lines skipped before them."""
    lines = rows + 2
    for line in skipped:
        lines[lines >= line] += 1
    return lines


def _probability_column(probabilities: np.ndarray, decimal: str) -> pa.Array:
    """Rounded to 6 decimals; as text with a decimal comma for files that use one."""
    column = pa.array(probabilities.round(6))
    return pc.replace_substring(pc.cast(column, pa.string()), ".", ",") if decimal == "," else column


def score_csv(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    model: keras.Model,
    *,
    threshold: float = 0.5,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    rejects_path: str | os.PathLike | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score INPUT into OUTPUT (and bad rows into REJECTS with ``line`` and ``reason``).

    Raises ``DataError`` (and writes nothing) when the file itself is unusable:
    unreadable, empty, or without the feature columns.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    header = _header(input_path)
    file_format = csv_format(header)
    sep, decimal = file_format["sep"], file_format["decimal"]
    raw_names = next(csv.reader([header.lstrip("\ufeff")], delimiter=sep))
    names = [name.strip() for name in raw_names]
    missing = [name for name in FEATURE_NAMES if name not in names]
    if missing:
        raise DataError(f"{input_path}: required columns missing: {', '.join(missing)}")
    if not 0 <= threshold <= 1:
        raise DataError(f"the threshold must be between 0 and 1, got {threshold}")
    if chunk_rows < 1:
        raise DataError(f"the chunk size must be at least 1 row, got {chunk_rows}")

    counts = {"scored": 0, "rejected": 0}
    seconds = dict.fromkeys(("parsing", "validation", "inference", "writing"), 0.0)
    clock = time.perf_counter
    rejects: list[dict] = []
    skipped: list[dict] = []  # rows with the wrong number of fields, which the reader drops

    def on_invalid_row(row) -> str:
        reason = f"expected {row.expected_columns} fields, got {row.actual_columns}"
        skipped.append({"line": row.number, "reason": reason})
        return "skip"

    probability_type = pa.string() if decimal == "," else pa.float64()
    output_schema = pa.schema([*((name, pa.string()) for name in names), ("probability", probability_type),
                               ("prediction", pa.int64())])  # fmt: skip

    def write_output(temporary: Path) -> None:
        first_row = 0
        with (
            file_errors(input_path),
            pacsv.CSVWriter(temporary, output_schema, write_options=pacsv.WriteOptions(delimiter=sep)) as writer,
        ):
            started = clock()
            for table in _chunks(input_path, raw_names, sep, chunk_rows, on_invalid_row):
                table = table.rename_columns(names)
                sure, columns = _fast_path(table, decimal)
                seconds["parsing"] += clock() - started

                started = clock()
                good = sure.copy()
                doubtful = np.flatnonzero(~sure)
                rescued_rows, rescued_frame = doubtful[:0], None  # doubtful rows the validator accepts
                if len(doubtful):
                    frame = _slow_path(table.take(doubtful), decimal)
                    rescued, problems = find_problems(frame, where="line")
                    lines = _lines(first_row + doubtful[[p.row for p in problems]], [r["line"] for r in skipped])
                    rejects.extend(
                        {"line": int(line), "reason": str(p.at(None))} for line, p in zip(lines, problems, strict=True)
                    )
                    rescued_rows = doubtful[rescued]
                    good[rescued_rows] = True
                    rescued_frame = validate_frame(frame.loc[rescued, list(FEATURE_NAMES)])
                seconds["validation"] += clock() - started

                started = clock()
                probabilities = np.empty(table.num_rows)
                probabilities[sure] = _infer(model, {name: values[sure] for name, values in columns.items()})
                if len(rescued_rows):
                    probabilities[rescued_rows] = _infer(model, rescued_frame)
                probabilities = probabilities[good]
                seconds["inference"] += clock() - started

                started = clock()
                scored = table.filter(pa.array(good))
                scored = scored.append_column("probability", _probability_column(probabilities, decimal))
                scored = scored.append_column("prediction", pa.array((probabilities >= threshold).astype(np.int64)))
                writer.write_table(scored)
                seconds["writing"] += clock() - started
                counts["scored"] += scored.num_rows
                counts["rejected"] += table.num_rows - scored.num_rows
                first_row += table.num_rows
                if progress:
                    progress(first_row + len(skipped))
                started = clock()  # the next chunk's reading counts as parsing

    write_atomically(output_path, write_output)
    counts["rejected"] += len(skipped)
    if rejects_path is not None:
        frame = pd.DataFrame(sorted(rejects + skipped, key=lambda reject: reject["line"]), columns=["line", "reason"])
        write_atomically(Path(rejects_path), lambda temporary: frame.to_csv(temporary, index=False))
    return ScoreSummary(**counts, seconds=seconds)


def _infer(model: keras.Model, columns) -> np.ndarray:
    """The model's probabilities for valid feature columns (a dict of arrays or a validated frame)."""
    return packed_probabilities(model, pack_columns(columns))


def terminal_progress(total_hint: str = "") -> Callable[[int], None] | None:
    """A one-line progress counter on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(rows: int) -> None:
        print(f"\rscored {rows:,} rows{total_hint}", end="", file=sys.stderr, flush=True)

    return show
