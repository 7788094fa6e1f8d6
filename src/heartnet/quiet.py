"""Keep what a library writes to stderr while it loads off the terminal, unless loading fails.

On some CPUs, ``import tensorflow`` makes absl and oneDNN write lines such as
``WARNING: All log messages before absl::InitializeLog() is called are written
to STDERR`` straight to file descriptor 2, from C++, before TensorFlow's own
logging starts: ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them, and redirecting
``sys.stderr`` alone does not see them. ``quiet_stderr`` points descriptor 2
(and ``sys.stderr``) at a temporary file for the length of a block and restores
it right after; if the block raises, what was written is replayed onto the
real stderr first, so an import error still shows everything TensorFlow said.

Standard library only: ``heartnet.backend`` uses it to import TensorFlow, and
the tests use it without paying for that import.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType

__all__ = ["import_quietly", "quiet_stderr"]


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send what is written to stderr (file descriptor 2 and ``sys.stderr``) to a temporary file.

    On success the captured text is dropped; if the block raises, it is
    written to the real stderr before the exception propagates. Where
    descriptor 2 cannot be duplicated (it is closed), the block runs unguarded.
    While the block runs, other threads' writes to stderr are captured too.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    python_level = io.StringIO()
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            with contextlib.redirect_stderr(python_level):
                yield
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            os.write(2, capture.read() + python_level.getvalue().encode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def import_quietly(name: str) -> ModuleType:
    """``importlib.import_module(name)`` inside ``quiet_stderr``."""
    with quiet_stderr():
        return importlib.import_module(name)
