"""Reading users' CSV files: encodings, separators, decimal marks, text cells, line numbers and file errors.

One room for every reader of a patients file: the loader (``load_dataset`` on a
user's file), ``heartnet score`` and the app's batch page. Files are read as
spreadsheets export them:

- the encoding is detected: UTF-8 first (a byte-order mark is skipped), then
  Windows-1252 and Latin-1, what Excel on Windows writes;
- comma- or semicolon-separated, with a decimal comma in semicolon files (as
  Spanish spreadsheets write ``1,5``; a point is read too, and the mark the
  file's numbers use is what ``PatientsFile.decimal`` reports);
- every cell is read as text; ``cells`` keeps it as written (so results can be
  written back unchanged: ``289`` stays ``289``, an empty cell stays empty) and
  ``values`` parses the numbers where they are numbers, leaving the rest as
  text for the validator to name;
- rows are numbered by file line: the header is line 1, blank lines are skipped;
- on request (the app), a row with more or fewer fields than the header is set
  aside with its line, as ``heartnet score`` rejects it, instead of failing
  the whole file.

A file that cannot be used at all raises ``heartnet.errors.FileProblem``,
whose structured fields let the app word it in Spanish.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.errors import FileProblem
from heartnet.features import FEATURE_NAMES, FEATURES, TARGET

__all__ = [
    "ENCODINGS",
    "ENCODING_NAMES",
    "PatientsFile",
    "csv_format",
    "detect_encoding",
    "file_errors",
    "header_names",
    "parse_cells",
    "parse_decimal",
    "read_header",
    "read_patients",
    "require_columns",
]

# Tried in this order; Latin-1 reads any bytes, so it is the last resort.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}  # as people call them
_BLOCK = 1 << 20


@contextlib.contextmanager
def file_errors(name: object) -> Iterator[None]:
    """Turn the ways a file can be unreadable into one-line ``FileProblem`` errors naming it."""
    try:
        yield
    except FileNotFoundError:
        raise FileProblem(name, "no_such_file") from None
    except IsADirectoryError:
        raise FileProblem(name, "is_folder") from None
    except pd.errors.EmptyDataError:
        raise FileProblem(name, "empty") from None
    except (pd.errors.ParserError, csv.Error) as error:
        raise FileProblem(name, "unreadable", detail=str(error).strip()) from None
    except Exception as error:  # pyarrow's streaming reader (heartnet score)
        if not _is_arrow_invalid(error):
            raise
        raise FileProblem(name, "unreadable", detail=str(error).splitlines()[0]) from None


def _is_arrow_invalid(error: Exception) -> bool:
    """Whether pyarrow raised ``error`` for bad input (pyarrow is only imported by its users, not here)."""
    pyarrow = sys.modules.get("pyarrow")
    return pyarrow is not None and isinstance(error, pyarrow.ArrowInvalid)


def _blocks(source: bytes | str | os.PathLike) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with open(source, "rb") as handle:
        yield from iter(lambda: handle.read(_BLOCK), b"")


def detect_encoding(source: bytes | str | os.PathLike, name: object = None) -> str:
    """The first of ``ENCODINGS`` that decodes the whole file (read in blocks: memory stays small).

    ``FileProblem`` "not_text" for bytes no text file holds (NUL bytes: a
    spreadsheet, a zip, an image).
    """
    name = name or source
    with file_errors(name):
        for encoding in ENCODINGS:
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                for block in _blocks(source):
                    if b"\x00" in block:
                        raise FileProblem(name, "not_text")
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def parse_decimal(sep: str) -> str:
    """The decimal mark a file with this separator may use besides the point: "," in ';' files, else "."."""
    return "," if sep == ";" else "."


def csv_format(header: str) -> dict:
    """``{"sep", "decimal"}`` of a patients CSV from its header line: ';' files use decimal commas."""
    sep = ";" if header.count(";") > header.count(",") else ","
    return {"sep": sep, "decimal": parse_decimal(sep)}


def read_header(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """The first line of a file (without a byte-order mark); ``FileProblem`` if unreadable or empty."""
    with file_errors(path), open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding) as handle:
        header = handle.readline()
        if not header.strip():
            raise pd.errors.EmptyDataError
    return header


def header_names(header: str, sep: str) -> list[str]:
    """The column names of a header line, as written (quotes resolved, spaces kept)."""
    return next(csv.reader([header.lstrip("\ufeff")], delimiter=sep))


def require_columns(found: Sequence[str], name: object, required: Sequence[str] = FEATURE_NAMES) -> None:
    """``FileProblem`` "missing_columns" (listing the columns expected and found) unless all are there."""
    found = [str(column).strip() for column in found]
    if any(column not in found for column in required):
        raise FileProblem(name, "missing_columns", expected=list(required), found=found)


def _parse_numbers(raw: pd.DataFrame) -> pd.DataFrame:
    """Parse the numbers of numeric, binary and target columns that are text.

    One unparsable cell makes a whole column text; parse every cell that is a
    number and keep the others as they are, so that the validator names the
    one bad cell, not the first row.
    """
    raw = raw.copy()
    names = [feature.name for feature in FEATURES if feature.kind != "categorical"] + [TARGET]
    for name in names:
        if name not in raw.columns:
            continue
        column = raw[name]
        if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            parsed = pd.to_numeric(column, errors="coerce")
            unparsed = parsed.isna() & column.notna()
            if unparsed.any():  # keep the text where it is not a number (object column)
                parsed = parsed.astype(object)
                parsed[unparsed] = column[unparsed]
            raw[name] = parsed
    return raw


def parse_cells(raw: pd.DataFrame, decimal: str = ".") -> pd.DataFrame:
    """Turn a frame of text cells (``dtype=str``) into values the validator understands.

    Column names are stripped; numeric and binary cells (and the target's) are
    stripped (so a cell of spaces is an empty one: missing) and become numbers
    where they are numbers (with ``decimal`` "," read as a point), and stay
    text where they are not. Categories are kept exactly as written: a padded
    " M" is not "M" (the validator suggests it).
    """
    raw = raw.rename(columns=lambda column: str(column).strip())
    names = [feature.name for feature in FEATURES if feature.kind != "categorical"] + [TARGET]
    for name in names:
        if name in raw.columns:
            column = raw[name].str.strip()
            column = column.mask(column == "")
            raw[name] = column.str.replace(",", ".", regex=False) if decimal == "," else column
    return _parse_numbers(raw)


@dataclass(frozen=True)
class PatientsFile:
    """A patients CSV as read: its cells as written, its values parsed, its format, its rows' lines."""

    cells: pd.DataFrame  # every cell as text, exactly as written ("" where empty); column names stripped
    values: pd.DataFrame  # the same rows parsed for the validator (``parse_cells``; "NA" and the like are missing)
    sep: str
    decimal: str  # the decimal mark the file's numbers use ("," or "."); the separator's usual one if none has decimals
    encoding: str
    lines: np.ndarray  # the file line of each row: the header is line 1, blank lines are not counted
    malformed: dict[int, int] = field(default_factory=dict)  # line -> fields, of rows set aside (``set_aside``)
    decimals_seen: bool = True  # whether any number in the file has decimals (else ``decimal`` is the usual one)

    @property
    def fields(self) -> int:
        """How many fields the header has (what every row should have)."""
        return len(self.cells.columns)


def read_patients(
    source: bytes | str | os.PathLike,
    *,
    name: object = None,
    required: Sequence[str] = FEATURE_NAMES,
    set_aside: bool = False,
) -> PatientsFile:
    """Read a CSV of patients (a path, or the bytes of an upload) with the ``required`` columns.

    Other columns (an ID, a name) are kept. Raises ``FileProblem`` for a file
    that is not usable at all: missing, not text, empty, without the required
    columns (naming those expected and those found) or without rows. With
    ``set_aside``, a row with more or fewer fields than the header is left out
    of ``cells`` and ``values`` and noted in ``malformed`` (its line and its
    number of fields) so that the rest can be used; without it, a row with too
    many fields makes the file unreadable and a short one is filled with empty
    cells (pandas' reading, which the loader keeps).
    """
    name = name or ("the upload" if isinstance(source, bytes) else str(source))
    encoding = detect_encoding(source, name)
    with file_errors(name):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        header = text.split("\n", 1)[0]
        if not header.strip():
            raise pd.errors.EmptyDataError
        file_format = csv_format(header)
        malformed: dict[int, int] = {}
        lines = None
        if set_aside:
            text, lines, malformed = _set_aside(text, file_format["sep"])
        # Read twice: as written (for writing rows back) and with pandas' missing-value markers (for the validator).
        cells = pd.read_csv(io.StringIO(text), sep=file_format["sep"], dtype=str, keep_default_na=False)
        values = pd.read_csv(io.StringIO(text), sep=file_format["sep"], dtype=str)
    cells = cells.rename(columns=lambda column: str(column).strip())
    require_columns(list(cells.columns), name, required)
    if cells.empty and not malformed:
        raise FileProblem(name, "no_rows")
    lines = np.arange(len(cells)) + 2 if lines is None else lines
    if len(lines) != len(cells):  # the two readers split the rows differently: don't guess which line is which
        raise FileProblem(name, "unreadable", detail="rows could not be told apart")
    mark, seen = _decimal_mark(cells, file_format)
    return PatientsFile(
        cells,
        parse_cells(values, file_format["decimal"]),
        sep=file_format["sep"],
        decimal=mark,
        encoding=encoding,
        lines=lines,
        malformed=malformed,
        decimals_seen=seen,
    )


def _set_aside(text: str, sep: str) -> tuple[str, np.ndarray, dict[int, int]]:
    """``(text, lines, malformed)``: the file without its rows of the wrong width, and the lines of those kept.

    Rows are told apart as the csv module reads them (a quoted cell may hold
    a newline); blank lines are skipped and not counted, as pandas does.
    """
    physical = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(physical), delimiter=sep)
    kept, lines, malformed = [], [], {}
    width, line, start = None, 1, 0
    for row in reader:
        record, start = "".join(physical[start : reader.line_num]), reader.line_num
        if not row:  # a blank line
            continue
        if width is None:
            width = len(row)
            kept.append(record)
            continue
        line += 1
        if len(row) == width:
            kept.append(record)
            lines.append(line)
        else:
            malformed[line] = len(row)
    return "".join(kept), np.asarray(lines, dtype=int), malformed


def _decimal_mark(cells: pd.DataFrame, file_format: dict) -> tuple[str, bool]:
    """``(mark, seen)``: the decimal mark the file's numbers use, and whether any of them has decimals.

    The numbers are the numeric features' cells. A ``;`` file may use a comma
    or a point (both are read); a ``,`` file can only use a point. With no
    number that has decimals, the separator's usual mark.
    """
    columns = [cells[f.name] for f in FEATURES if f.kind == "numeric" and f.name in cells.columns]
    numbers = pd.concat(columns) if columns else pd.Series([], dtype=str)
    for mark in (",", ".") if file_format["sep"] == ";" else (".",):
        if numbers.str.fullmatch(rf"\s*[+-]?\d*{re.escape(mark)}\d+\s*").any():
            return mark, True
    return file_format["decimal"], False
