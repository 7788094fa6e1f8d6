"""Reading users' CSV files: encodings, separators, decimal marks, text cells and their parsing, lines, file errors.

One room for every reader of a patients file: the loader (``load_dataset`` on a
user's file), ``heartnet score``, the app's batch page and the local
evaluation. Files are read as spreadsheets export them:

- the encoding is detected: UTF-8 first (a byte-order mark is skipped), then
  Windows-1252 and Latin-1, what Excel on Windows writes;
- comma- or semicolon-separated, with a decimal comma in semicolon files (as
  Spanish spreadsheets write ``1,5``; a point is read too, and the mark the
  file's numbers use is what ``PatientsFile.decimal`` reports);
- every cell is read as text; ``cells`` keeps it as written (so results can be
  written back unchanged: ``289`` stays ``289``, an empty cell stays empty);
- text cells become arrays in one place, ``parse_cells`` (pyarrow): numbers
  where they are numbers, missing where empty or "NA", the rest left as text
  for the checker (``heartnet.rules``) to name. ``heartnet score`` parses
  its chunks with it, ``PatientsFile.parsed`` an upload's columns;
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
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heartnet.errors import FileProblem
from heartnet.features import FEATURE_NAMES, FEATURES, FEATURES_BY_NAME, TARGET
from heartnet.rules import Column

__all__ = [
    "ENCODINGS",
    "ENCODING_NAMES",
    "NA_CELLS",
    "PatientsFile",
    "csv_format",
    "detect_encoding",
    "file_errors",
    "header_names",
    "parse_cells",
    "parse_decimal",
    "parse_table",
    "read_header",
    "read_patients",
    "reads_as_number",
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
    except pa.ArrowInvalid as error:  # pyarrow's streaming reader (heartnet score)
        raise FileProblem(name, "unreadable", detail=str(error).splitlines()[0]) from None


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
    """``FileProblem`` unless all ``required`` columns are there ("missing_columns") and no name comes twice.

    ``found`` is the header as written (before any reader renames a repeated
    column): two columns of one name cannot be told apart ("repeated_columns").
    """
    found = [str(column).strip() for column in found]
    if any(column not in found for column in required):
        raise FileProblem(name, "missing_columns", expected=list(required), found=found)
    if len(set(found)) < len(found):
        raise FileProblem(name, "repeated_columns", expected=list(required), found=found)


# What spreadsheets and pandas write for "no value" (pandas' own list): such a cell is missing, as pandas reads it.
NA_CELLS = (
    *("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"),
    *("<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
)
# A number as a cell may write it: digits with an optional point, an exponent, or an infinity (then out of range).
_NUMBER = r"^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity))$"
_WHOLE = r"^[+-]?[0-9]+$"  # a number written without a point or an exponent: quoted as an int, as pandas reads it


def reads_as_number(name: str) -> bool:
    """Whether a column's cells are numbers (numeric and binary features, the label) rather than categories."""
    return name == TARGET or (name in FEATURES_BY_NAME and FEATURES_BY_NAME[name].kind != "categorical")


def parse_cells(cells: pa.Array | pa.ChunkedArray, decimal: str = ".", *, numbers: bool) -> Column:
    """Parse one column of text cells (null: no cell at all) into what the checker reads: the one parser of cells.

    A cell in ``NA_CELLS`` (as written) is missing. With ``numbers``, a cell
    is trimmed (so a cell of spaces is missing too), its "," read as a point
    when ``decimal`` is ",", and it is a number when it reads as one (``1.5``,
    ``5.4e1``, ``-inf``), else text. Without it (categories), a cell is text
    exactly as written: a padded " M" is not "M".
    """
    cells = pc.fill_null(cells, "")
    missing = pc.is_in(cells, value_set=pa.array(NA_CELLS))
    if not numbers:
        missing = missing.to_numpy(zero_copy_only=False)
        values = np.full(len(cells), np.nan)
        return Column(values, missing, text=pc.if_else(missing, None, cells), given=_Quoted(cells, missing, values))
    cells = pc.utf8_trim_whitespace(cells)
    if decimal == ",":
        cells = pc.replace_substring(cells, ",", ".")
    missing = pc.or_(missing, pc.equal(cells, ""))
    number = pc.and_(pc.invert(missing), pc.match_substring_regex(cells, _NUMBER))
    values = pc.cast(pc.if_else(number, cells, None), pa.float64()).to_numpy(zero_copy_only=False)
    text = pc.if_else(pc.or_(missing, number), None, cells)
    missing = missing.to_numpy(zero_copy_only=False)
    return Column(values, missing, text=text, given=_Quoted(cells, missing, values))


@dataclass(frozen=True)
class _Quoted:
    """A parsed column's values as an error quotes them: NaN where missing, a number's value (an int when written
    as one: ``900``, else a float: ``900.0``), else the cell's text."""

    cells: pa.Array | pa.ChunkedArray  # trimmed, for numbers
    missing: np.ndarray
    values: np.ndarray  # NaN where not a number

    def __call__(self, position: int) -> object:
        if self.missing[position]:
            return math.nan
        cell = self.cells[position].as_py()
        if np.isnan(self.values[position]):
            return cell
        return int(cell) if re.fullmatch(_WHOLE, cell) else float(self.values[position])

    def column(self) -> np.ndarray:
        """Every cell's value at once, in a column typed as pandas types one: int64 if all are written as ints,
        float64 if all are numbers or missing (NaN), else objects, each value as an error quotes it."""
        number = ~np.isnan(self.values)
        whole = number & pc.match_substring_regex(self.cells, _WHOLE).to_numpy(zero_copy_only=False)
        if not (~self.missing & ~number).any():  # no text
            if whole.all() and (np.abs(self.values) < 2**63).all():
                return self.values.astype(np.int64)
            return self.values
        cells = self.cells.to_numpy(zero_copy_only=False)
        quoted = cells.astype(object)
        quoted[number] = self.values[number].tolist()
        quoted[whole] = [int(cell) for cell in cells[whole]]
        quoted[self.missing] = math.nan
        return quoted


def parse_table(table: pa.Table, decimal: str) -> dict[str, Column]:
    """Every feature and label column of a table of text cells, parsed (other columns are not)."""
    names = [name for name in table.column_names if name in FEATURES_BY_NAME or name == TARGET]
    return {name: parse_cells(table[name], decimal, numbers=reads_as_number(name)) for name in names}


@dataclass(frozen=True)
class PatientsFile:
    """A patients CSV as read: its cells as written, its format, its rows' lines; the cells parsed on demand."""

    cells: pd.DataFrame  # every cell as text, exactly as written ("" where empty); column names stripped
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

    @cached_property  # a frozen file never changes: parse its cells once
    def parsed(self) -> dict[str, Column]:
        """The feature and label columns parsed by ``parse_cells`` (a "," is a decimal mark in ';' files)."""
        cells = {name: pa.array(column, type=pa.string(), from_pandas=True) for name, column in self.cells.items()}
        table = pa.table(cells)
        return parse_table(table, parse_decimal(self.sep))

    @cached_property
    def values(self) -> pd.DataFrame:
        """The cells as values: parsed columns as pandas types them (NaN where missing), other columns as written."""
        return pd.DataFrame(
            {
                name: self.parsed[name].given.column() if name in self.parsed else column.to_numpy()
                for name, column in self.cells.items()
            },
            index=self.cells.index,
        )


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
        cells = pd.read_csv(io.StringIO(text), sep=file_format["sep"], dtype=str, keep_default_na=False)
    require_columns(header_names(header, file_format["sep"]), name, required)  # as written: pandas renames repeats
    cells = cells.rename(columns=lambda column: str(column).strip())
    if cells.empty and not malformed:
        raise FileProblem(name, "no_rows")
    lines = np.arange(len(cells)) + 2 if lines is None else lines
    if len(lines) != len(cells):  # the two readers split the rows differently: don't guess which line is which
        raise FileProblem(name, "unreadable", detail="rows could not be told apart")
    mark, seen = _decimal_mark(cells, file_format)
    return PatientsFile(
        cells,
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
