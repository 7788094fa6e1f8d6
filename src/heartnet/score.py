"""Stream-score a CSV of patients: memory bounded by the chunk size, output written atomically.

Reads the input in chunks of text cells, validates each chunk with the same
vectorized code as ``predict`` (every bad row is kept aside with its line
number and reason), scores the good rows in one TensorFlow call per chunk,
and appends them, with every input column plus ``probability`` and
``prediction``, to a temporary file that replaces OUTPUT only at the end.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import pandas as pd

from heartnet.data import csv_format, file_errors, parse_cells
from heartnet.errors import DataError
from heartnet.features import FEATURE_NAMES
from heartnet.files import write_atomically
from heartnet.predict import predict
from heartnet.validation import find_problems

__all__ = ["ScoreSummary", "score_csv"]

DEFAULT_CHUNK_ROWS = 100_000


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
    columns = [column.strip() for column in next(csv.reader([header], delimiter=file_format["sep"]))]
    missing = [name for name in FEATURE_NAMES if name not in columns]
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

    def write_output(temporary: Path) -> None:
        reader = pd.read_csv(input_path, sep=file_format["sep"], dtype=str, chunksize=chunk_rows, encoding="utf-8-sig")
        first_line = 2
        with open(temporary, "w", encoding="utf-8", newline="") as handle, file_errors(input_path):
            started = clock()
            for index, chunk in enumerate(reader):
                chunk = parse_cells(chunk, file_format["decimal"])
                seconds["parsing"] += clock() - started
                started = clock()
                good, problems = find_problems(chunk, where="line", first=first_line)
                rejects.extend({"line": p.row, "reason": str(p.at(None))} for p in problems)
                scored = chunk[good]
                seconds["validation"] += clock() - started
                started = clock()
                probabilities = predict(scored[list(FEATURE_NAMES)], model)
                seconds["inference"] += clock() - started
                started = clock()
                scored = scored.assign(
                    probability=probabilities.round(6), prediction=(probabilities >= threshold).astype(int)
                )
                scored.to_csv(
                    handle, index=False, header=index == 0, sep=file_format["sep"], decimal=file_format["decimal"]
                )
                seconds["writing"] += clock() - started
                counts["scored"] += len(scored)
                counts["rejected"] += len(problems)
                first_line += len(chunk)
                if progress:
                    progress(first_line - 2)
                started = clock()  # the next chunk's reading counts as parsing

    write_atomically(output_path, write_output)
    if rejects_path is not None:
        frame = pd.DataFrame(rejects, columns=["line", "reason"])
        write_atomically(Path(rejects_path), lambda temporary: frame.to_csv(temporary, index=False))
    return ScoreSummary(**counts, seconds=seconds)


def terminal_progress(total_hint: str = "") -> Callable[[int], None] | None:
    """A one-line progress counter on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(rows: int) -> None:
        print(f"\rscored {rows:,} rows{total_hint}", end="", file=sys.stderr, flush=True)

    return show
