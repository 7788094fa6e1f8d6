"""The feature spec's rules, the one checker of every input: a value alone, a frame's column, a file's column.

A value is first sorted by what it holds: a number, text, nothing (missing),
or something else. ``sort_value`` sorts one value, ``column_of`` a column of
Python values (a frame's), and ``heartnet.csvio.parse_cells`` a column of a
file's text cells; both columns are a ``Column``. Then ``rule`` says, for a
feature, whether the value passes and its clean value. ``rule`` is written
once for a single value and for a whole column alike (the same arithmetic on
Python scalars or numpy arrays), so a value gets the same verdict whether it
came alone (``heartnet.validation.check_value``), in a frame or in a
million-row file, and a column is judged at numpy's speed. ``problem`` says
why a value failed, the same way for all.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from heartnet.errors import ValidationError, short_repr
from heartnet.features import FEATURES, Feature

__all__ = [
    "Column",
    "Judged",
    "Verdict",
    "allowed_text",
    "column_of",
    "judge",
    "judge_all",
    "problem",
    "rule",
    "sort_value",
]


def allowed_text(feature: Feature) -> str:
    """What a feature accepts, in words (English; the app translates from the fields)."""
    if feature.kind == "numeric":
        text = f"expected a number from {feature.min:g} to {feature.max:g}"
        text += f" {feature.unit}" if feature.unit else ""
        if feature.nullable:
            text += " or None when not measured"
        return text
    return "expected one of " + ", ".join(repr(value) for value in feature.values)


@cache
def _sort(kind: type) -> str:
    """What a value of this type holds: a number (a boolean is not one), text, nothing, or something else."""
    if issubclass(kind, numbers.Real) and not issubclass(kind, (bool, np.bool_)):
        return "number"
    if issubclass(kind, str):
        return "text"
    return "missing" if kind is type(None) or kind is type(pd.NA) else "other"


def _as_float(value: numbers.Real) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer too big for a float
        return math.inf if value > 0 else -math.inf


def sort_value(value: object) -> tuple[float, bool, str | None]:
    """``(number, missing, text)`` of one value: its number (NaN if none; too big a number is infinite), whether it
    is missing (None, NaN, pandas' NA), and its text (None if it is not text)."""
    sort = _sort(type(value))
    number = _as_float(value) if sort == "number" else math.nan
    missing = sort == "missing" or (sort == "number" and math.isnan(number))
    return number, missing, value if sort == "text" else None


@dataclass(frozen=True)
class Column:
    """One field's values sorted, a whole column at once, as ``sort_value`` sorts one.

    ``numbers`` (float64, NaN where none), ``missing`` (bool), ``text`` (a
    pyarrow string array for a file's cells, an object array for Python
    values; null or None where not text), and ``given(position)``: the value
    as received, which an error quotes.
    """

    numbers: np.ndarray
    missing: np.ndarray
    text: pa.Array | pa.ChunkedArray | np.ndarray
    given: Callable[[int], object]

    def problem_at(self, feature: Feature, position: int) -> ValidationError:
        """``problem`` for the value at ``position``."""
        text = self.text[position]
        text = text.as_py() if isinstance(text, pa.Scalar) else text
        number, missing = float(self.numbers[position]), bool(self.missing[position])
        return problem(feature, self.given(position), number=number, missing=missing, text=text)


def column_of(values: pd.Series | np.ndarray) -> Column:
    """Python values (a frame's column, or an object array) sorted as ``sort_value`` sorts each.

    A column of a numeric dtype is taken whole (its NaN and NA are missing);
    any other, value by value, with each type sorted once.
    """
    given = values.iloc.__getitem__ if isinstance(values, pd.Series) else values.__getitem__  # what the frame holds
    if isinstance(values, pd.Series):
        if pd.api.types.is_float_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
            floats = values.to_numpy(dtype=float, na_value=np.nan)
            return Column(floats, np.isnan(floats), np.full(len(floats), None, dtype=object), given)
        values = values.to_numpy(dtype=object)
    sorts = np.array([_sort(type(value)) for value in values], dtype=object)
    real = sorts == "number"
    floats = np.full(len(values), np.nan)
    if real.any():
        try:
            floats[real] = values[real].astype(float)
        except OverflowError:
            floats[real] = [_as_float(value) for value in values[real]]
    missing = (sorts == "missing") | (real & np.isnan(floats))
    return Column(floats, missing, np.where(sorts == "text", values, None), given)


def _position(allowed: tuple, values):
    """Where each value stands among the allowed ones, by equality (-1: nowhere); one value or a column alike."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        found = pc.index_in(values, value_set=pa.array([str(value) for value in allowed]))
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    if not isinstance(values, np.ndarray):
        return next((index for index, value in enumerate(allowed) if values == value), -1)
    found = np.full(len(values), -1, dtype=np.int64)
    for index, value in enumerate(allowed):
        found[values == value] = index
    return found


def rule(feature: Feature, numbers, missing, text) -> tuple:
    """``(ok, clean)``: the spec's rule for ``feature``, on one sorted value (Python scalars) or a column (arrays).

    A number must lie in the feature's range, inclusive (NaN and infinities
    fail); a nullable one may be missing or hold its missing code, both
    meaning not measured (clean: NaN). A binary value must be a number equal
    to an allowed value (1.0 is 1), a category a text equal to an allowed
    value, exactly (" M" is not "M"); their clean value is its position among
    ``feature.values``.
    """
    if feature.kind == "numeric":
        ok = (numbers >= feature.min) & (numbers <= feature.max)
        if not feature.nullable:
            return ok, numbers
        unmeasured = missing | (numbers == feature.missing_code)
        return ok | unmeasured, np.where(unmeasured, np.nan, numbers)
    found = _position(feature.values, numbers if feature.kind == "binary" else text)
    return found >= 0, found


def problem(feature: Feature, value: object, *, number: float, missing: bool, text: str | None) -> ValidationError:
    """Why ``value`` (sorted as ``number``, ``missing``, ``text``) fails ``rule`` for ``feature``."""
    allowed = allowed_text(feature)
    if feature.kind == "numeric":
        if missing:
            return ValidationError(feature.name, value, allowed, problem="missing value")
        if math.isnan(number):  # not a number at all
            kind = "a boolean" if isinstance(value, (bool, np.bool_)) else type(value).__name__
            return ValidationError(feature.name, value, allowed, problem=f"got {kind} {short_repr(value)}")
        return ValidationError(feature.name, value, allowed)  # a number out of range
    hint = match = None
    if text is not None:
        folded = {str(allowed_value).casefold(): allowed_value for allowed_value in feature.values}
        match = folded.get(text.strip().casefold())
        if match is not None:
            hint = f"did you mean {match!r}?"
    missing_value = "missing value" if missing else None
    return ValidationError(feature.name, value, allowed, problem=missing_value, hint=hint, suggestion=match)


@dataclass(frozen=True)
class Verdict:
    """A column judged: which values pass, and their clean values (meaningful only where they pass).

    ``clean`` is float64 for a numeric feature (NaN: not measured) and, for a
    binary or categorical one, each value's position in ``feature.values``.
    """

    ok: np.ndarray
    clean: np.ndarray


def judge(feature: Feature, column: Column) -> Verdict:
    """``rule`` for ``feature`` applied to every value of ``column`` at once."""
    return Verdict(*rule(feature, column.numbers, column.missing, column.text))


def _clean_values(feature: Feature, verdict: Verdict, *, encoded: bool = False) -> np.ndarray:
    """A judged column's clean values: float64, int64 flags, ``str`` categories (``bytes`` if ``encoded``)."""
    if feature.kind == "numeric":
        return verdict.clean
    if feature.kind == "binary":
        return np.array(feature.values, dtype=np.int64)[verdict.clean]
    choices = [value.encode() for value in feature.values] if encoded else list(feature.values)
    return np.array(choices, dtype=None if encoded else object)[verdict.clean]


@dataclass(frozen=True)
class Judged:
    """Every feature's column judged: which rows pass, and every problem of a row that does not."""

    columns: dict[str, Column]
    verdicts: dict[str, Verdict]

    @property
    def good(self) -> np.ndarray:
        return np.logical_and.reduce([verdict.ok for verdict in self.verdicts.values()])

    def problems(self, position: int) -> list[ValidationError]:
        """The row's problems, in spec order."""
        return [
            self.columns[feature.name].problem_at(feature, position)
            for feature in FEATURES
            if not self.verdicts[feature.name].ok[position]
        ]

    def clean(self, *, encoded: bool = False) -> dict[str, np.ndarray]:
        """Every row's clean values by feature (meaningful only in good rows)."""
        return {f.name: _clean_values(f, self.verdicts[f.name], encoded=encoded) for f in FEATURES}


def judge_all(columns: Mapping[str, Column]) -> Judged:
    """``judge`` every feature's column (``columns`` holds one per feature, and may hold others)."""
    columns = {feature.name: columns[feature.name] for feature in FEATURES}
    return Judged(columns, {feature.name: judge(feature, columns[feature.name]) for feature in FEATURES})
