"""Keep what TensorFlow writes to stderr while it first loads off the terminal, unless loading fails.

On some CPUs, ``import tensorflow`` makes absl and oneDNN write lines such as
``WARNING: All log messages before absl::InitializeLog() is called are written
to STDERR`` straight to file descriptor 2, from C++, before TensorFlow's own
logging starts: ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them, and redirecting
``sys.stderr`` alone does not see them. ``import_quietly`` points descriptor 2
(and ``sys.stderr``) at a temporary file for the length of an import and
restores it right after; if the import raises, what was written is replayed
onto the real stderr first, so an import error still shows everything
TensorFlow said.

Descriptor 2 belongs to the whole process, so the redirect is kept to the one
moment no other thread can be hurt by it:

- a module's first import only: a module already imported is returned as it
  is, with nothing redirected, so ``heartnet.backend`` (the only caller)
  redirects at most once per process, around the first ``import tensorflow``
  (and ``keras``), and never again;
- from the main thread only: a command, a script or a notebook's kernel
  imports heartnet there before doing any work (a kernel's own threads wait on
  its sockets and write nothing to stderr). A Streamlit page runs in a thread
  of the server, beside other sessions: there nothing is redirected, and the
  start-up lines, if any, go to the server's log.

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
import threading
from collections.abc import Iterator
from types import ModuleType

__all__ = ["import_quietly"]


def import_quietly(name: str) -> ModuleType:
    """``importlib.import_module(name)``, its first import from the main thread with stderr kept off the terminal.

    What the import writes to stderr (file descriptor 2 and ``sys.stderr``)
    is dropped on success and written to the real stderr if it raises. A
    module already imported, or an import from any other thread, touches
    nothing (see the module's docstring).
    """
    if name in sys.modules or threading.current_thread() is not threading.main_thread():
        return importlib.import_module(name)
    with _stderr_captured():
        return importlib.import_module(name)


@contextlib.contextmanager
def _stderr_captured() -> Iterator[None]:
    """Descriptor 2 and ``sys.stderr`` into a temporary file and a buffer; replayed only if the block raises.

    Where descriptor 2 cannot be duplicated (it is closed), the block runs unguarded.
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
