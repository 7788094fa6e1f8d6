"""Reading users' CSV files: separators, decimal marks, text cells and one-line errors.

One room for every reader of a patients file: the loader (``load_dataset`` on a
user's file), ``heartnet score`` and the app's batch page. Files are read as
spreadsheets export them: comma- or semicolon-separated, with a decimal comma
in semicolon files (as Spanish spreadsheets write ``1,5``), a UTF-8 byte-order
mark skipped. Every cell is read as text; numeric cells become numbers where
they are numbers and stay text where they are not, for the validator to name.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from heartnet.errors import DataError
from heartnet.features import FEATURES, TARGET

__all__ = ["csv_format", "file_errors", "header_names", "parse_cells", "read_header", "read_patients"]


@contextlib.contextmanager
def file_errors(name: object) -> Iterator[None]:
    """Turn the ways a file can be unreadable into one-line ``DataError`` messages naming it."""
    try:
        yield
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, expected a CSV file") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{name}: the file is empty, expected a CSV with a header line") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{name}: not a readable CSV ({error})") from None
    except Exception as error:  # pyarrow's streaming reader (heartnet score)
        if not _is_arrow_invalid(error):
            raise
        message = str(error).splitlines()[0]
        if "UTF8" in message:
            raise DataError(f"{name}: not UTF-8 text ({message})") from None
        raise DataError(f"{name}: not a readable CSV ({message})") from None


def _is_arrow_invalid(error: Exception) -> bool:
    """Whether pyarrow raised ``error`` for bad input (pyarrow is only imported by its users, not here)."""
    pyarrow = sys.modules.get("pyarrow")
    return pyarrow is not None and isinstance(error, pyarrow.ArrowInvalid)


def csv_format(header: str) -> dict:
    """``{"sep", "decimal"}`` of a patients CSV from its header line: ';' files use decimal commas."""
    sep = ";" if header.count(";") > header.count(",") else ","
    return {"sep": sep, "decimal": "," if sep == ";" else "."}


def read_header(path: str | os.PathLike) -> str:
    """The first line of a file (without a byte-order mark); ``DataError`` if unreadable or empty."""
    with file_errors(path), open(path, encoding="utf-8-sig") as handle:
        header = handle.readline()
        if not header.strip():
            raise pd.errors.EmptyDataError
    return header


def header_names(header: str, sep: str) -> list[str]:
    """The column names of a header line, as written (quotes resolved, spaces kept)."""
    return next(csv.reader([header.lstrip("\ufeff")], delimiter=sep))


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
    stripped and become numbers where they are numbers (with ``decimal`` ","
    read as a point), and stay text where they are not. Categories are kept
    exactly as written: a padded " M" is not "M" (the validator suggests it).
    """
    raw = raw.rename(columns=lambda column: str(column).strip())
    names = [feature.name for feature in FEATURES if feature.kind != "categorical"] + [TARGET]
    for name in names:
        if name in raw.columns:
            column = raw[name].str.strip()
            raw[name] = column.str.replace(",", ".", regex=False) if decimal == "," else column
    return _parse_numbers(raw)


def read_patients(source: bytes | str | os.PathLike) -> tuple[pd.DataFrame, dict]:
    """Read a CSV of patients (a path, or the bytes of an upload); return (raw frame, format).

    ``format`` holds the ``sep`` and ``decimal`` found, to write results back
    the same way. Empty cells become missing values; blank lines are skipped.
    Raises ``DataError`` for a file that is not usable at all.
    """
    name = "the upload" if isinstance(source, bytes) else str(source)
    with file_errors(name):
        text = (source if isinstance(source, bytes) else Path(source).read_bytes()).decode("utf-8-sig")
        header = text.split("\n", 1)[0]
        if not header.strip():
            raise pd.errors.EmptyDataError
        file_format = csv_format(header)
        raw = pd.read_csv(io.StringIO(text), sep=file_format["sep"], dtype=str)
    return parse_cells(raw, file_format["decimal"]), file_format
