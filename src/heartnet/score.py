"""Stream-score a CSV of patients: memory bounded by the chunk size, however many rows are bad; written atomically.

The file is read by pyarrow's streaming CSV reader, every cell as text, in
chunks of ``chunk_rows`` rows. Each chunk is checked by ``heartnet.cells``
(for the app and the local evaluation too: the cells parsed into arrays by
``heartnet.csvio.parse_cells`` and judged, column by column, by the one
checker of ``heartnet.rules``), and its valid rows go straight to the
model's own call (``heartnet.inference.probabilities``).

The output keeps every input column as it was written, plus ``probability``,
``prediction`` and ``out_of_range`` (the fields whose valid value lies outside
the range the model saw in training, space-separated; empty for most rows:
``heartnet.ranges``), in input order, in the input's separator and decimal
mark, each cell quoted only where it must be (it holds the separator, a quote
or a line break); it goes to a temporary file that replaces OUTPUT only at
the end. The rejects file (``line``, ``reason`` in English, in line order)
uses the input's separator too and is written chunk by chunk, to a temporary
file replaced at the end like OUTPUT; the summary counts the rejected rows and
keeps the first few with their problems structured (``FIRST_REJECTS``), so a
file of bad rows costs no more memory than a file of good ones.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import io
import itertools
import os
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from heartnet.backend import keras
from heartnet.cells import check_cells, reasons_text
from heartnet.csvio import (
    ENCODING_NAMES,
    csv_format,
    detect_encoding,
    file_errors,
    header_names,
    read_header,
    require_columns,
)
from heartnet.decision import DEFAULT_THRESHOLD, check_threshold, classify
from heartnet.errors import DataError, FileProblem, ValidationError, WrongWidth
from heartnet.files import atomic_paths
from heartnet.inference import keras_model, probabilities, training_ranges
from heartnet.ranges import field_names, outside
from heartnet.storage import TrainedModel

__all__ = ["DEFAULT_CHUNK_ROWS", "FIRST_REJECTS", "ProgressCallback", "ScoreSummary", "score_csv"]

DEFAULT_CHUNK_ROWS = 100_000
FIRST_REJECTS = 5  # rejected lines the summary keeps with their problems (all of them go to the rejects file)
_STAGES = ("validation", "inference", "writing")

ProgressCallback = Callable[[int, int], None]  # (rows read, bytes read)


@dataclass(frozen=True)
class ScoreSummary:
    scored: int
    rejected: int
    seconds: dict  # validation, inference, writing
    encoding: str = "utf-8"  # the input's, as detected ("utf-8", "cp1252" or "latin-1")
    # the first FIRST_REJECTS rejected lines -> their problems (every one is in the rejects file)
    first_rejects: dict[int, list[ValidationError]] = field(default_factory=dict)
    out_of_range: dict[str, int] = field(default_factory=dict)  # field -> scored rows outside its training range
    rows_out_of_range: int = 0  # scored rows with at least one such field

    @property
    def encoding_name(self) -> str:
        """The input's encoding as people call it: "UTF-8", "Windows-1252", "Latin-1"."""
        return ENCODING_NAMES.get(self.encoding, self.encoding)


def _chunks(
    source: pa.NativeFile,
    names: list[str],
    sep: str,
    rows: int,
    invalid: Callable,
    encoding: str = "utf-8",
    crowded: Callable[[int], bool] = lambda pending: False,
) -> Iterator[pa.Table]:
    """The file as tables of ``rows`` rows (fewer for the last, or when ``crowded``), every cell as text.

    A row with too few or too many fields goes to ``invalid`` (pyarrow's
    ``InvalidRow``) and is skipped. One reading thread, so that pyarrow can
    tell the line of such a row (counted like ours: header = 1, blank lines
    not counted). After each block read, ``crowded(rows pending)`` may ask
    for the rows pending to come now, however few.
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
        if crowded(count) and count:
            yield pa.Table.from_batches(pending)
            pending, count = [], 0
    if count:
        yield pa.Table.from_batches(pending)


def _lines(first: int, rows: int, skipped: Sequence[int]) -> np.ndarray:
    """The file lines of ``rows`` data rows read one after another from line ``first`` on.

    ``skipped`` holds the sorted lines from ``first`` on that are not data
    rows (rows of the wrong width). The ``j``-th of them comes after
    ``skipped[j] - first - j`` data rows, so the skipped lines before each
    row are counted by one binary search, not a loop over them.
    """
    positions = np.arange(rows)
    after = np.asarray(skipped, dtype=np.int64) - first - np.arange(len(skipped))
    return first + positions + np.searchsorted(after, positions, side="right")


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
    """One scoring run: scores chunk after chunk, writes its rejects, and keeps the counts and the time per stage.

    Rows of the wrong width are reported by pyarrow while it parses, before
    the chunk that holds them (or a later one) is yielded; they wait in
    ``waiting`` until no data row before them is left unchecked, so that the
    rejects file stays in line order. When more than a chunk's worth wait
    (a file of rows with one field too many), the rows pending are checked
    early (``crowded``). Nothing else of a rejected row is kept.
    """

    model: keras.Model
    threshold: float
    decimal: str
    ranges: dict | None = None  # the range of each number the model saw in training
    rejects_file: BinaryIO | None = None  # the rejects file being written (None: no --rejects)
    sep: str = ","
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    rows_read: int = 0
    scored: int = 0
    rejected: int = 0
    skipped: int = 0  # rows with the wrong number of fields (not read)
    # those not yet written, in line order: their lines and numbers of fields, 16 bytes a row (a file may hold
    # millions, and pyarrow reads on without a pause through a run of them)
    waiting: array = field(default_factory=lambda: array("q"))
    fields: array = field(default_factory=lambda: array("q"))
    expected: int = 0  # the header's number of fields
    next_line: int = 2  # the first line after the rows checked so far (the header is line 1)
    first_rejects: dict[int, list[ValidationError]] = field(default_factory=dict)
    seconds: dict = field(default_factory=lambda: dict.fromkeys(_STAGES, 0.0))
    out_of_range: dict[str, int] = field(default_factory=dict)
    rows_out_of_range: int = 0

    @contextlib.contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[stage] += time.perf_counter() - started

    def skip(self, row: pacsv.InvalidRow) -> str:
        """pyarrow's handler of a row with the wrong number of fields: keep it to reject at its line, then skip it."""
        self.waiting.append(row.number)
        self.fields.append(row.actual_columns)
        self.expected = row.expected_columns
        self.skipped += 1
        return "skip"

    def crowded(self, pending: int) -> bool:
        """Between blocks: write the waiting rows no data row precedes; whether the ``pending`` rows must come now."""
        if len(self.waiting) < self.chunk_rows:
            return False
        self.reject({})
        return len(self.waiting) >= self.chunk_rows

    def reject(self, rejects: dict[int, list[ValidationError]], *, last: bool = False) -> None:
        """Write ``rejects`` and the rows of the wrong width that no unchecked data row precedes, in line order.

        Those are the ones before ``next_line`` and those right after it with
        no data row between (consecutive lines); at the ``last``, all.
        """
        lines = np.array(self.waiting, dtype=np.int64)
        before = int(np.searchsorted(lines, self.next_line))
        gaps = np.flatnonzero(lines[before:] != self.next_line + np.arange(len(lines) - before))
        following = len(lines) - before if last or not len(gaps) else int(gaps[0])
        self.next_line += following
        ready = before + following
        wide = zip(self.waiting[:ready], self.fields[:ready], strict=True)
        del self.waiting[:ready], self.fields[:ready]
        wrong = ((line, [WrongWidth(fields, self.expected, row=line)]) for line, fields in wide)
        merged = heapq.merge(sorted(rejects.items()), wrong, key=lambda item: item[0])
        while block := list(itertools.islice(merged, 10_000)):  # a few objects at a time, however many wait
            self.rejected += len(block)
            for line, problems in block[: FIRST_REJECTS - len(self.first_rejects)]:
                self.first_rejects[line] = problems
            if self.rejects_file is not None:
                with self.timing("writing"):
                    rows = ((line, reasons_text(problems)) for line, problems in block)
                    self.rejects_file.write(_csv_lines(rows, self.sep))

    def validate(self, table: pa.Table) -> tuple[np.ndarray, dict, np.ndarray]:
        """``(good, columns, probabilities)``: which rows of the chunk are valid, their values and probabilities."""
        with self.timing("validation"):
            lines = _lines(self.next_line, table.num_rows, self.waiting)
            checked = check_cells(table, self.decimal, lines)
            self.next_line = int(lines[-1]) + 1
        self.reject(checked.rejects)
        with self.timing("inference"):
            return checked.good, checked.columns, probabilities(self.model, checked.columns)

    def unseen(self, columns: dict, rows: int) -> pa.Array:
        """The ``out_of_range`` column of the valid rows: the fields outside the training range (null: none)."""
        masks = outside(columns, self.ranges)
        if not masks:
            return pa.nulls(rows, pa.string())
        for name, mask in masks.items():
            self.out_of_range[name] = self.out_of_range.get(name, 0) + int(mask.sum())
        names = field_names(masks, rows)
        flagged = names != ""
        self.rows_out_of_range += int(flagged.sum())
        return pa.array(np.where(flagged, names, None), type=pa.string())

    def score(self, table: pa.Table) -> pa.Table:
        """The chunk's valid rows, as written, plus ``probability``, ``prediction`` and ``out_of_range``."""
        good, columns, probabilities = self.validate(table)
        with self.timing("writing"):
            scored = table.filter(pa.array(good))
            scored = scored.append_column("probability", _probability_column(probabilities, self.decimal))
            scored = scored.append_column("prediction", pa.array(classify(probabilities, self.threshold)))
            scored = scored.append_column("out_of_range", self.unseen(columns, scored.num_rows))
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
    """Score INPUT into OUTPUT (and bad rows into REJECTS with ``line`` and ``reason``); return the summary.

    ``model`` is a ``TrainedModel`` (whose threshold is the default), a fitted
    ``HeartnetClassifier`` or a Keras model (``DEFAULT_THRESHOLD`` for both).
    ``progress(rows, bytes)`` is called after each chunk. Valid values outside
    the range the model saw in training are counted in the summary
    (``out_of_range``, by field) and named row by row in the ``out_of_range``
    column; no warning is raised per row. Raises ``heartnet.errors.FileProblem``
    (and writes nothing) when the file itself is unusable: missing, not text,
    empty, without the feature columns, or without rows; and
    ``heartnet.errors.FileSystemError`` (leaving OUTPUT and REJECTS as they
    were) when they cannot be written: no permission, no such folder, a full
    disk. The summary counts the rejected rows and keeps the first
    ``FIRST_REJECTS`` with their problems; REJECTS has them all. The encoding is
    detected (UTF-8, then Windows-1252, then Latin-1, as ``heartnet.csvio``
    reads every file) and reported in the summary; the output is UTF-8.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    targets = [output_path] if rejects_path is None else [output_path, Path(rejects_path)]
    if len({target.resolve() for target in targets}) < len(targets):
        raise DataError(f"the rejects file is the output file ({output_path}); choose another")
    for target in targets:  # written atomically, the input would be replaced before the user sees why
        if target.resolve() == input_path.resolve() or (
            target.exists() and input_path.exists() and os.path.samefile(target, input_path)
        ):
            raise DataError(f"{target} is the input file; choose another file to write")
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

    run = _Run(
        keras_model(model), threshold, file_format["decimal"], training_ranges(model), sep=sep, chunk_rows=chunk_rows
    )
    with atomic_paths(*targets) as temporaries, contextlib.ExitStack() as files:
        sink = files.enter_context(open(temporaries[0], "wb"))
        sink.write(_csv_lines([[*names, "probability", "prediction", "out_of_range"]], sep))
        if rejects_path is not None:
            run.rejects_file = files.enter_context(open(temporaries[1], "wb"))
            run.rejects_file.write(_csv_lines([["line", "reason"]], sep))
        with file_errors(input_path), pa.OSFile(str(input_path)) as source:
            for table in _chunks(source, raw_names, sep, chunk_rows, run.skip, encoding, run.crowded):
                scored = run.score(table.rename_columns(names))
                with run.timing("writing"):
                    sink.write(_csv_rows(scored, sep))
                if progress:
                    progress(run.rows_read + run.skipped, source.tell())
        if run.rows_read + run.skipped == 0:
            raise FileProblem(input_path, "no_rows")  # nothing is written
        run.reject({}, last=True)  # the rows of the wrong width after the last chunk
    return ScoreSummary(
        run.scored,
        run.rejected,
        run.seconds,
        encoding,
        run.first_rejects,
        dict(run.out_of_range),
        run.rows_out_of_range,
    )
