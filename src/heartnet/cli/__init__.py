"""The ``heartnet`` command: data, train, predict, evaluate, recalibrate, score, export.

Exit codes: 0 success; 2 for anything the user can fix (bad row, bad file,
missing model, checksum mismatch, a path the system refuses: no permission,
no such folder, a full disk, standard output closed or full), with a one-line
message and no traceback; 1 only for bugs. ``parser`` declares the commands,
``commands`` runs them, ``text`` words what they print.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import warnings
from collections.abc import Sequence

from heartnet.cli.commands import EXIT_OK, UsageError
from heartnet.cli.parser import build_parser
from heartnet.cli.text import display, without_absolute_paths
from heartnet.errors import FileSystemError, HeartnetError
from heartnet.ranges import OutOfRangeWarning

__all__ = ["EXIT_OK", "EXIT_USER_ERROR", "UsageError", "build_parser", "display", "main"]

EXIT_USER_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (the console script exits with it)."""
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # said with the command's own usage, not the top-level one (argparse exits with 2)
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        with _out_of_range_on_stderr():
            code = args.handler(args)
        sys.stdout.flush()  # a full disk or a closed pipe behind standard output fails here, not at exit
        return code
    except (HeartnetError, UsageError) as error:
        problem = error
    except OSError as error:  # the system refusing a path is the user's to fix, not a bug
        problem = _os_problem(error)
    print(f"heartnet: error: {without_absolute_paths(str(problem))}", file=sys.stderr)
    return EXIT_USER_ERROR


def _os_problem(error: OSError) -> Exception:
    """An ``OSError`` that reached the command, as one named problem: of its file, or of standard output."""
    if error.filename is not None:  # files written go through heartnet.files, so this one was being read
        return FileSystemError.from_os_error(error, error.filename, writing=False)
    if error.errno not in (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        raise error
    # Unnamed, and what only a write raises: the one file written without heartnet.files, standard output.
    # Python flushes it again at exit: point it at /dev/null so that the exit is quiet, as Python's
    # documentation on SIGPIPE advises (a test's capture has no descriptor and needs nothing).
    with contextlib.suppress(OSError, ValueError, AttributeError):
        descriptor, devnull = sys.stdout.fileno(), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)
    return FileSystemError.from_os_error(error, "standard output")


@contextlib.contextmanager
def _out_of_range_on_stderr():
    """Each ``OutOfRangeWarning`` as one line on stderr (exit code 0); other warnings as Python shows them."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", OutOfRangeWarning)
        shown = warnings.showwarning

        def show(message, category, *args, **kwargs):
            if issubclass(category, OutOfRangeWarning):
                print(f"heartnet: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield
