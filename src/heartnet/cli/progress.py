"""The command line's progress bar for ``heartnet score``: rows, rows per second and time left, on stderr."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from heartnet.score import ProgressCallback

__all__ = ["terminal_progress"]


@contextlib.contextmanager
def terminal_progress(path: str | os.PathLike) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr (rows, rows/s, ETA from the bytes read) when stderr is a terminal; else None."""
    if not sys.stderr.isatty():
        yield None
        return
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
