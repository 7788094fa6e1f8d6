"""Stream-score a CSV of patients: memory bounded by the chunk size, output written atomically.

The file is read by pyarrow's streaming CSV reader, every cell as text, in
chunks of ``chunk_rows`` rows. Each chunk takes a fast columnar path: a cell
that is a plain number inside its range, or exactly an allowed category, is
accepted in vectorized pyarrow/numpy code, and those rows go straight to the
model's own call (``heartnet.inference.probabilities``). Any row the fast path cannot vouch for
(a stray word, an empty field, ``1e3``, ``NA``...) is read back the way the
loader reads files (pandas, ``parse_cells``) and checked by the same
``find_problems`` as ``predict``: it is rescued if valid, else rejected with
its line and reason. So the verdict on every row is the validator's own,
and only the rare doubtful row pays for Python.

The output keeps every input column as it was written, plus ``probability``
and ``prediction``, in input order, in the input's separator and decimal
mark, each cell quoted only where it must be (it holds the separator, a quote
or a line break); it goes to a temporary file that replaces OUTPUT only at
the end. The rejects file uses the input's separator too.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from heartnet.backend import keras
from heartnet.csvio import (
    csv_format,
    detect_encoding,
    file_errors,
    header_names,
    parse_cells,
    read_header,
    require_columns,
)
from heartnet.decision import DEFAULT_THRESHOLD, check_threshold, classify
from heartnet.errors import DataError, FileProblem
from heartnet.features import FEATURE_NAMES, FEATURES
from heartnet.files import write_atomically
from heartnet.inference import keras_model, probabilities
from heartnet.storage import TrainedModel
from heartnet.validation import REASONS_SEP, find_problems, group_by_row, validate_frame

__all__ = ["DEFAULT_CHUNK_ROWS", "ScoreSummary", "score_csv", "terminal_progress"]

DEFAULT_CHUNK_ROWS = 100_000
_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"  # what the fast path parses; anything else goes the slow way
_STAGES = ("parsing", "validation", "inference", "writing")

ProgressCallback = Callable[[int, int], None]  # (rows read, bytes read)
_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


@dataclass(frozen=True)
class ScoreSummary:
    scored: int
    rejected: int
    seconds: dict  # parsing, validation, inference, writing
    encoding: str = "utf-8"  # the input's, as detected ("utf-8", "cp1252" or "latin-1")

    @property
    def encoding_name(self) -> str:
        """The input's encoding as people call it: "UTF-8", "Windows-1252", "Latin-1"."""
        return _ENCODING_NAMES.get(self.encoding, self.encoding)


def _chunks(
    source: pa.NativeFile, names: list[str], sep: str, rows: int, invalid: Callable, encoding: str = "utf-8"
) -> Iterator[pa.Table]:
    """The file as tables of exactly ``rows`` rows (the last may be shorter), every cell as text.

    A row with too few or too many fields goes to ``invalid`` (pyarrow's
    ``InvalidRow``) and is skipped. One reading thread, so that pyarrow can
    tell the line of such a row (counted like ours: header = 1, blank lines
    not counted).
    """
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(block_size=1 << 22, use_threads=False, encoding=encoding),
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


def _csv_lines(rows, sep: str) -> bytes:
    """Rows of text cells as CSV lines, each cell quoted only if it must be (the csv module's minimal quoting)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _csv_rows(table: pa.Table, sep: str) -> bytes:
    """A table's rows as CSV (no header), each cell quoted only if it must be.

    pyarrow's writer quotes every text cell or, with ``quoting_style="none"``,
    none, and then refuses a cell that holds the separator, a quote or a line
    break. So pyarrow writes the chunk unquoted (the usual case, at its
    speed), and a chunk it refuses goes to the csv module, which quotes just
    those cells; numbers are cast to text the same way in both.
    """
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, delimiter=sep, quoting_style="none")
    try:
        pacsv.write_csv(table, buffer, write_options=options)
        return buffer.getvalue()
    except pa.ArrowInvalid:  # "CSV values may not contain structural characters if quoting style is None"
        pass
    table = pa.Table.from_arrays([pc.cast(column, pa.string()) for column in table.columns], names=table.column_names)
    columns = [["" if cell is None else cell for cell in column.to_pylist()] for column in table.columns]
    return _csv_lines(zip(*columns, strict=True), sep)


def _probability_column(probabilities: np.ndarray, decimal: str) -> pa.Array:
    """Rounded to 6 decimals; as text with a decimal comma for files that use one."""
    column = pa.array(probabilities.round(6))
    return pc.replace_substring(pc.cast(column, pa.string()), ".", ",") if decimal == "," else column


@dataclass
class _Run:
    """One scoring run: scores chunk after chunk, and keeps the counts, the rejects and the time per stage."""

    model: keras.Model
    threshold: float
    decimal: str
    rows_read: int = 0
    scored: int = 0
    rejects: list[dict] = field(default_factory=list)  # rows the validator refused: line and reason
    skipped: list[dict] = field(default_factory=list)  # rows with the wrong number of fields, dropped by the reader
    seconds: dict = field(default_factory=lambda: dict.fromkeys(_STAGES, 0.0))

    @contextlib.contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[stage] += time.perf_counter() - started

    def skip(self, row: pacsv.InvalidRow) -> str:
        """pyarrow's handler of a row with the wrong number of fields: note its line, then skip it."""
        reason = f"expected {row.expected_columns} fields, got {row.actual_columns}"
        self.skipped.append({"line": row.number, "reason": reason})
        return "skip"

    def validate(self, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        """``(good, probabilities)``: which rows of the chunk are valid, and the probabilities of those."""
        with self.timing("parsing"):
            sure, columns = _fast_path(table, self.decimal)
        with self.timing("validation"):
            good = sure.copy()
            doubtful = np.flatnonzero(~sure)
            rescued_rows, rescued_frame = doubtful[:0], None  # doubtful rows the validator accepts
            if len(doubtful):
                frame = _slow_path(table.take(doubtful), self.decimal)
                rescued, problems = find_problems(frame, where="line")
                by_row = group_by_row(problems)  # every problem of a row, in one reason
                rows = self.rows_read + doubtful[list(by_row)]
                lines = _lines(rows, [skipped["line"] for skipped in self.skipped])
                self.rejects.extend(
                    {"line": int(line), "reason": REASONS_SEP.join(str(problem.at(None)) for problem in row)}
                    for line, row in zip(lines, by_row.values(), strict=True)
                )
                rescued_rows = doubtful[rescued]
                good[rescued_rows] = True
                rescued_frame = validate_frame(frame.loc[rescued, list(FEATURE_NAMES)])
        with self.timing("inference"):
            probabilities = np.empty(table.num_rows)
            probabilities[sure] = _infer(self.model, {name: values[sure] for name, values in columns.items()})
            if len(rescued_rows):
                probabilities[rescued_rows] = _infer(self.model, rescued_frame)
        return good, probabilities[good]

    def score(self, table: pa.Table) -> pa.Table:
        """The chunk's valid rows, as written, plus ``probability`` and ``prediction``."""
        good, probabilities = self.validate(table)
        with self.timing("writing"):
            scored = table.filter(pa.array(good))
            scored = scored.append_column("probability", _probability_column(probabilities, self.decimal))
            scored = scored.append_column("prediction", pa.array(classify(probabilities, self.threshold)))
        self.rows_read += table.num_rows
        self.scored += scored.num_rows
        return scored


def score_csv(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    model,
    *,
    threshold: float | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    rejects_path: str | os.PathLike | None = None,
    progress: ProgressCallback | None = None,
) -> ScoreSummary:
    """Score INPUT into OUTPUT (and bad rows into REJECTS with ``line`` and ``reason``).

    ``model`` is a ``TrainedModel`` (whose threshold is the default), a fitted
    ``HeartnetClassifier`` or a Keras model (``DEFAULT_THRESHOLD`` for both). ``progress(rows, bytes)`` is called after
    each chunk. Raises ``heartnet.errors.FileProblem`` (and writes nothing)
    when the file itself is unusable: missing, not text, empty, without the
    feature columns, or without rows. The encoding is detected (UTF-8, then
    Windows-1252, then Latin-1, as ``heartnet.csvio`` reads every file) and
    reported in the summary; the output is UTF-8.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    encoding = detect_encoding(input_path)
    header = read_header(input_path, encoding)
    file_format = csv_format(header)
    sep = file_format["sep"]
    raw_names = header_names(header, sep)
    names = [name.strip() for name in raw_names]
    require_columns(names, input_path)
    if threshold is None:
        threshold = model.threshold if isinstance(model, TrainedModel) else DEFAULT_THRESHOLD
    try:
        threshold = check_threshold(threshold)
    except ValueError as error:
        raise DataError(str(error)) from None
    if chunk_rows < 1:
        raise DataError(f"the chunk size must be at least 1 row, got {chunk_rows}")

    run = _Run(keras_model(model), threshold, file_format["decimal"])

    def write_output(temporary: Path) -> None:
        with file_errors(input_path), pa.OSFile(str(input_path)) as source, open(temporary, "wb") as sink:
            sink.write(_csv_lines([[*names, "probability", "prediction"]], sep))
            for table in _chunks(source, raw_names, sep, chunk_rows, run.skip, encoding):
                scored = run.score(table.rename_columns(names))
                with run.timing("writing"):
                    sink.write(_csv_rows(scored, sep))
                if progress:
                    progress(run.rows_read + len(run.skipped), source.tell())
            if run.rows_read + len(run.skipped) == 0:
                raise FileProblem(input_path, "no_rows")  # nothing is written

    write_atomically(output_path, write_output)
    if rejects_path is not None:
        rows = sorted(run.rejects + run.skipped, key=lambda reject: reject["line"])
        frame = pd.DataFrame(rows, columns=["line", "reason"])
        write_atomically(Path(rejects_path), lambda temporary: frame.to_csv(temporary, index=False, sep=sep))
    rejected = run.rows_read - run.scored + len(run.skipped)
    return ScoreSummary(run.scored, rejected, run.seconds, encoding)


def _infer(model: keras.Model, columns) -> np.ndarray:
    """The model's probabilities for valid feature columns (a dict of arrays or a validated frame)."""
    return probabilities(model, columns)


@contextlib.contextmanager
def terminal_progress(path: str | os.PathLike) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr (rows, rows/s, ETA from the bytes read) when stderr is a terminal; else None."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("scoring"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows, {task.fields[rate]:,.0f} rows/s"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=sys.stderr)) as bar:
        try:
            total = os.path.getsize(path)
        except OSError:  # score_csv names the problem
            total = 0
        task = bar.add_task("score", total=max(total, 1), rows=0, rate=0.0)
        started = time.perf_counter()

        def update(rows: int, position: int) -> None:
            rate = rows / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=position, rows=rows, rate=rate)

        yield update
