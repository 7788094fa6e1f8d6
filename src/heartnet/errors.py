"""Exceptions that speak to the user: what is wrong, the value, and what is allowed."""

from __future__ import annotations

import errno
from typing import ClassVar

__all__ = [
    "ChecksumError",
    "DataDiffers",
    "DataError",
    "FileProblem",
    "FileSystemError",
    "HeartnetError",
    "LocalDataError",
    "ModelError",
    "NoRecordedSplit",
    "ValidationError",
    "WrongWidth",
    "short_repr",
]


class HeartnetError(Exception):
    """Base class of the errors a user can fix (the CLI exits 2 on these)."""


class ValidationError(HeartnetError, ValueError):
    """A value in an input row or file is not allowed.

    The structured fields let an interface phrase the message in its own
    language: ``field`` (column name, or None for a problem with the whole
    row), ``value`` (what was received), ``allowed`` (a short English
    description of what is allowed) and ``row`` (the row's position or the
    file's line number, or None for a single row); ``where`` is "row" or
    "line", ``hint`` an optional suggestion ("did you mean 'ASY'?") and
    ``source`` the file the value came from, if any, and ``suggestion`` the
    allowed value the hint proposes.
    """

    def __init__(
        self,
        field: str | None,
        value: object,
        allowed: str,
        *,
        row: int | None = None,
        where: str = "row",
        problem: str | None = None,
        hint: str | None = None,
        source: str | None = None,
        suggestion: object = None,
    ) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.row = row
        self.where = where
        self.problem = problem
        self.hint = hint
        self.source = source
        self.suggestion = suggestion
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.source] if self.source else []
        if self.row is not None:
            parts.append(f"{self.where} {self.row}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        prefix = ", ".join(parts)
        problem = self.problem or f"got {short_repr(self.value)}"
        message = f"{problem}; {self.allowed}"
        if self.hint:
            message += f" ({self.hint})"
        return f"{prefix}: {message}" if prefix else message

    def at(self, row: int | None, where: str = "row", source: str | None = None) -> ValidationError:
        """The same error located at a row or file line (and file)."""
        return ValidationError(
            self.field,
            self.value,
            self.allowed,
            row=row,
            where=where,
            problem=self.problem,
            hint=self.hint,
            source=source or self.source,
            suggestion=self.suggestion,
        )


class WrongWidth(ValidationError):
    """A file row with more or fewer fields than the header (``fields`` found, ``expected`` by the header)."""

    def __init__(self, fields: int, expected: int, *, row: int | None = None, where: str = "line") -> None:
        self.fields = fields
        self.expected = expected
        problem = f"got {fields}"
        super().__init__(None, fields, f"expected {expected} fields", row=row, where=where, problem=problem)

    def _message(self) -> str:
        prefix = f"{self.where} {self.row}: " if self.row is not None else ""
        return f"{prefix}expected {self.expected} fields, got {self.fields}"

    def at(self, row: int | None, where: str = "line", source: str | None = None) -> WrongWidth:
        return WrongWidth(self.fields, self.expected, row=row, where=where)


class DataError(HeartnetError, ValueError):
    """A data file cannot be used: unreadable, wrong schema, or wrong checksum."""


class FileProblem(DataError):
    """A file of patients that cannot be used at all, with structured fields an interface can word.

    ``name`` is the file as shown to the user, ``problem`` one of
    ``PROBLEMS``; ``expected`` and ``found`` list the columns for
    ``"missing_columns"`` and ``"repeated_columns"``; ``detail`` is the
    library's own words, if any.
    """

    PROBLEMS: ClassVar[dict[str, str]] = {
        "no_such_file": "no such file",
        "is_folder": "is a folder, expected a CSV file",
        "not_text": "not a text file (a spreadsheet? save it as CSV, comma- or semicolon-separated)",
        "empty": "the file is empty, expected a CSV with a header line",
        "no_rows": "the file has a header but no rows",
        "unreadable": "not a readable CSV",
        "missing_columns": "required columns missing",
        "repeated_columns": "a column name appears more than once in the header",
    }

    def __init__(
        self,
        name: object,
        problem: str,
        *,
        expected: list[str] | None = None,
        found: list[str] | None = None,
        detail: str | None = None,
    ) -> None:
        if problem not in self.PROBLEMS:
            raise ValueError(f"unknown file problem {problem!r}; known: {', '.join(self.PROBLEMS)}")
        self.name, self.problem, self.detail = str(name), problem, detail
        self.expected, self.found = list(expected or []), list(found or [])
        self.repeated = sorted({column for column in self.found if self.found.count(column) > 1})
        message = f"{self.name}: {self.PROBLEMS[problem]}"
        if problem == "missing_columns":
            missing = [column for column in self.expected if column not in self.found]
            message += f": {', '.join(missing)} (expected {', '.join(self.expected)}; found {', '.join(self.found)})"
        if problem == "repeated_columns":
            message += f": {', '.join(self.repeated)} (each column once)"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class FileSystemError(HeartnetError):
    """The operating system refuses a file or folder heartnet writes (or reads), with fields an interface can word.

    ``name`` is the path as the user gave it (or "standard output"),
    ``problem`` one of ``PROBLEMS`` (from the system's error number), and
    ``detail`` the system's own words for a problem without a key
    (``"other"``) or what else is known ("notes.txt is a file").
    """

    PROBLEMS: ClassVar[dict[str, str]] = {
        "permission_denied": "permission denied",
        "no_such_folder": "no such folder",
        "no_such_file": "no such file or folder",
        "is_folder": "is a folder",
        "not_a_file": "is not a regular file (a device or a pipe); choose a file",
        "disk_full": "no space left on the device",
        "read_only": "the file system is read-only",
        "too_large": "the file is too large for the file system",
        "pipe_closed": "the program reading it closed the pipe",
        "other": "the operating system refused it",
    }
    _ERRNOS: ClassVar[dict[int, str]] = {
        errno.EACCES: "permission_denied",
        errno.EPERM: "permission_denied",
        errno.ENOTDIR: "no_such_folder",
        errno.EISDIR: "is_folder",
        errno.ENOSPC: "disk_full",
        errno.EDQUOT: "disk_full",
        errno.EROFS: "read_only",
        errno.EFBIG: "too_large",
        errno.EPIPE: "pipe_closed",
    }

    def __init__(self, name: object, problem: str, *, detail: str | None = None) -> None:
        if problem not in self.PROBLEMS:
            raise ValueError(f"unknown file-system problem {problem!r}; known: {', '.join(self.PROBLEMS)}")
        self.name, self.problem, self.detail = str(name), problem, detail
        message = f"{self.name}: {self.PROBLEMS[problem]}"
        super().__init__(f"{message} ({detail})" if detail else message)

    @classmethod
    def from_os_error(cls, error: OSError, name: object, *, writing: bool = True) -> FileSystemError:
        """``error`` said of ``name``; a missing path is a missing folder when writing, a missing file when reading."""
        if error.errno == errno.ENOENT:
            return cls(name, "no_such_folder" if writing else "no_such_file")
        problem = cls._ERRNOS.get(error.errno, "other")
        detail = (error.strerror or str(error)) if problem == "other" else None
        return cls(name, problem, detail=detail)


class LocalDataError(DataError):
    """Local labelled patients that cannot be evaluated or recalibrated on, with fields an interface can word.

    ``problem`` is ``"bad_label"`` (``line`` and ``value`` of the first label
    other than 0/1), ``"one_class"`` (all ``rows`` valid rows have the label
    ``present``) or ``"too_few"`` (``rows`` valid rows where the ``method``
    needs ``needed``).
    """

    def __init__(
        self,
        problem: str,
        message: str,
        *,
        line: int | None = None,
        value: object = None,
        rows: int | None = None,
        needed: int | None = None,
        method: str | None = None,
        present: int | None = None,
    ) -> None:
        self.problem, self.line, self.value = problem, line, value
        self.rows, self.needed, self.method, self.present = rows, needed, method, present
        super().__init__(message)


class ChecksumError(DataError):
    """A built-in copy of the dataset does not have the expected sha256."""

    def __init__(self, source: str, expected: str, found: str) -> None:
        self.source = source
        self.expected = expected
        self.found = found
        super().__init__(f"checksum mismatch for the dataset from {source}: expected sha256 {expected}, found {found}")


class ModelError(HeartnetError, ValueError):
    """A model file is missing, corrupt, or does not match this package.

    ``problem`` (for an interface to word it in its own language) is one of
    ``PROBLEMS`` when the model file itself is the problem, and ``name`` that
    file's name; both are None for the subclasses, which say more themselves.
    """

    PROBLEMS: ClassVar[tuple[str, ...]] = (
        "not_keras",  # the path does not end in .keras
        "missing",  # no model at the path
        "is_folder",  # the path is a folder, not a model file
        "no_metadata",  # its metadata JSON is not beside it
        "bad_metadata",  # its metadata is not valid JSON
        "other_spec",  # saved with another feature spec
        "sha256",  # the file is not the one its metadata describes
        "unreadable",  # not a readable .keras model
    )

    def __init__(self, message: str, *, problem: str | None = None, name: str | None = None) -> None:
        if problem is not None and problem not in self.PROBLEMS:
            raise ValueError(f"unknown model problem {problem!r}; known: {', '.join(self.PROBLEMS)}")
        self.problem, self.name = problem, name
        super().__init__(message)


class NoRecordedSplit(ModelError):
    """A model whose metadata records no held-out split (saved by ``save_model``, not by ``heartnet train``)."""


class DataDiffers(DataError):
    """The data a model's metadata names is not the data found (its sha256 differs)."""


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message: a numpy scalar as its Python value, cut to ``limit`` characters."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # show 5.0, not np.float64(5.0)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
