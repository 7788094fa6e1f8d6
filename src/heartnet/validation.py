"""One validation path for every input: a dict, a list of dicts, a DataFrame or a file.

Vectorized masks find the first bad row of a frame; the scalar check of that
one value then writes the message, so the message for a value is the same
whether it came alone, in a list or in a million-row file.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from heartnet.errors import ValidationError, _short_repr
from heartnet.features import FEATURE_NAMES, FEATURES, FEATURES_BY_NAME, TARGET, Feature

__all__ = [
    "REASONS_SEP",
    "allowed_text",
    "check_value",
    "find_problems",
    "group_by_row",
    "not_a_label",
    "row_problems",
    "validate_frame",
    "validate_row",
    "validate_rows",
]

_IGNORED = frozenset({TARGET})


def not_a_label(labels) -> np.ndarray:
    """Where ``labels`` hold something other than 0 or 1 (a boolean counts as other): the one rule for the target."""
    labels = pd.Series(np.asarray(labels, dtype=object).ravel())
    return (~labels.isin([0, 1]) | labels.map(lambda value: isinstance(value, (bool, np.bool_)))).to_numpy()


REASONS_SEP = " | "  # between the reasons of one rejected row, when they are written on one line


def allowed_text(feature: Feature) -> str:
    """What a feature accepts, in words (English; the app translates from the fields)."""
    if feature.kind == "numeric":
        text = f"expected a number from {feature.min:g} to {feature.max:g}"
        text += f" {feature.unit}" if feature.unit else ""
        if feature.nullable:
            text += " or None when not measured"
        return text
    return "expected one of " + ", ".join(repr(value) for value in feature.values)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    # Integers are never NaN, and a huge one would overflow math.isnan.
    return _is_real(value) and not isinstance(value, numbers.Integral) and math.isnan(value)


def check_value(feature: Feature, value: object) -> object:
    """Return the clean value of one field, or raise ValidationError saying why not.

    Numeric fields give a float (NaN for a missing cholesterol), binary fields
    an int and categorical fields a str.
    """
    if feature.kind == "numeric":
        if _is_missing(value):
            if feature.nullable:
                return math.nan
            raise ValidationError(feature.name, value, allowed_text(feature), problem="missing value")
        if not _is_real(value):
            kind = "a boolean" if isinstance(value, (bool, np.bool_)) else type(value).__name__
            problem = f"got {kind} {_short_repr(value)}"
            raise ValidationError(feature.name, value, allowed_text(feature), problem=problem)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf if value > 0 else -math.inf
        if feature.nullable and number == feature.missing_code:
            return math.nan
        if not feature.min <= number <= feature.max:  # also rejects +-inf
            raise ValidationError(feature.name, value, allowed_text(feature))
        return number

    if feature.kind == "binary":
        if _is_real(value) and not _is_missing(value) and value in feature.values:
            return int(value)
    elif isinstance(value, str) and value in feature.values:
        return str(value)  # a plain str, also for numpy strings
    hint = match = None
    if isinstance(value, str):
        folded = {str(allowed_value).casefold(): allowed_value for allowed_value in feature.values}
        match = folded.get(value.strip().casefold())
        if match is not None:
            hint = f"did you mean {match!r}?"
    problem = "missing value" if _is_missing(value) else None
    raise ValidationError(feature.name, value, allowed_text(feature), problem=problem, hint=hint, suggestion=match)


def _field_problems(fields: Sequence[object]) -> list[ValidationError]:
    """An error for every missing field (spec order), then for every unknown one (the target column is ignored)."""
    present = set(fields)
    problems = [
        ValidationError(
            name,
            None,
            "every field is required" + (" (None when not measured)" if FEATURES_BY_NAME[name].nullable else ""),
            problem="missing field",
        )
        for name in FEATURE_NAMES
        if name not in present
    ]
    problems += [
        ValidationError(str(name), name, "known fields are " + ", ".join(FEATURE_NAMES), problem="unknown field")
        for name in fields
        if name not in FEATURES_BY_NAME and name not in _IGNORED
    ]
    return problems


def _check_fields(fields: Sequence[object]) -> None:
    """Raise the first missing or unknown field's error."""
    problems = _field_problems(fields)
    if problems:
        raise problems[0]


def row_problems(row: Mapping) -> list:
    """Every problem of one patient given as a dict, not just the first: missing or unknown fields, bad values.

    ``validate_row`` stops at the first; a form that wants to show every
    mistake at once asks this. An empty list means the row is valid.
    """
    if not isinstance(row, Mapping):
        raise TypeError(f"a row must be a dict of field values, got {type(row).__name__}")
    problems = _field_problems(list(row))
    for feature in FEATURES:
        if feature.name in row:
            try:
                check_value(feature, row[feature.name])
            except ValidationError as error:
                problems.append(error)
    return problems


def validate_row(row: Mapping) -> dict:
    """Validate one patient given as a dict; return its clean values in spec order."""
    if not isinstance(row, Mapping):
        raise TypeError(f"a row must be a dict of field values, got {type(row).__name__}")
    _check_fields(list(row))
    return {feature.name: check_value(feature, row[feature.name]) for feature in FEATURES}


_FLOAT_TYPES = (float, np.float64, np.float32)
_STR_TYPES = (str, np.str_)


def _bad_mask(feature: Feature, column: pd.Series) -> np.ndarray:
    """True where a value of the column would fail check_value (vectorized)."""
    dtype = column.dtype
    plain_numbers = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if feature.kind == "numeric" and plain_numbers:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        if feature.nullable:
            missing |= values == feature.missing_code
        in_range = (values >= feature.min) & (values <= feature.max)
        return ~((missing & feature.nullable) | (~missing & in_range))
    if feature.kind == "binary" and plain_numbers:
        return ~column.isin(feature.values).to_numpy()
    # Mixed types (an object column, e.g. a CSV column with a stray word in it).
    types = column.map(type)
    if feature.kind == "categorical":
        # A category must be a str equal to an allowed value; anything else fails check_value.
        return ~(types.isin(_STR_TYPES).to_numpy() & column.isin(feature.values).to_numpy())
    # Floats (NaN included) take the vectorized path above; the rest, usually a
    # handful of stray cells, the scalar check.
    floats = types.isin(_FLOAT_TYPES).to_numpy()
    bad = np.zeros(len(column), dtype=bool)
    if floats.any():
        bad[floats] = _bad_mask(feature, column[floats].astype("float64"))
    if not floats.all():
        bad[~floats] = ~column[~floats].map(lambda value: _passes(feature, value)).to_numpy(dtype=bool)
    return bad


def _passes(feature: Feature, value: object) -> bool:
    try:
        check_value(feature, value)
    except ValidationError:
        return False
    return True


def validate_frame(frame: pd.DataFrame, *, where: str = "row", first: int = 0) -> pd.DataFrame:
    """Validate a DataFrame of patients and return a clean copy in spec order.

    Every row is checked before anything is returned; the error names the
    first bad row (``where`` ``first + position``: rows count from 0, file
    lines from 2 because line 1 is the header), its field and value.
    Numeric columns come back as float64 (NaN = cholesterol not measured),
    binary columns as int64 and categorical columns as str objects.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise ValidationError(str(duplicated[0]), duplicated[0], "each field once", problem="duplicated column")
    _check_fields(list(frame.columns))

    _, problems = find_problems(frame, where=where, first=first)
    if problems:
        raise problems[0]

    clean = {}
    for feature in FEATURES:
        column = frame[feature.name]
        if feature.kind == "numeric":
            values = pd.to_numeric(column, errors="raise").astype("float64")
            if feature.nullable:
                values = values.mask(values == feature.missing_code)
            clean[feature.name] = values.to_numpy()
        elif feature.kind == "binary":
            clean[feature.name] = column.astype("int64").to_numpy()
        else:
            clean[feature.name] = column.astype(object).to_numpy()
    return pd.DataFrame(clean)


def find_problems(frame: pd.DataFrame, *, where: str = "row", first: int = 0) -> tuple[np.ndarray, list]:
    """Check every row of a frame that has all the feature columns; don't stop at the first bad one.

    Returns ``(good, problems)``: a boolean mask of the rows that pass, and a
    ``ValidationError`` for every bad value, row by row and in spec order
    within a row, located at ``first + position`` (``group_by_row`` gathers a
    row's). Columns other than the features are ignored, so a batch file may
    carry its own IDs. Missing feature columns still raise.
    """
    missing = [name for name in FEATURE_NAMES if name not in frame.columns]
    if missing:
        _check_fields(list(frame.columns))
    bad_by_feature = {feature.name: _bad_mask(feature, frame[feature.name]) for feature in FEATURES}
    bad_rows = np.logical_or.reduce(list(bad_by_feature.values())) if len(frame) else np.zeros(0, dtype=bool)
    problems = []
    for position in np.flatnonzero(bad_rows):
        for feature in (FEATURES_BY_NAME[name] for name, bad in bad_by_feature.items() if bad[position]):
            value = frame[feature.name].iloc[position]
            try:
                check_value(feature, value)
            except ValidationError as error:
                problems.append(error.at(first + int(position), where))
            else:
                raise AssertionError(f"vectorized and scalar checks disagree on {feature.name}={value!r}")
    return ~bad_rows, problems


def group_by_row(problems: list) -> dict[int, list]:
    """``find_problems``' errors gathered by row (or file line), in order: ``{row: [error, ...]}``."""
    grouped: dict[int, list] = {}
    for problem in problems:
        grouped.setdefault(problem.row, []).append(problem)
    return grouped


def validate_rows(rows: pd.DataFrame | Sequence[Mapping]) -> pd.DataFrame:
    """Validate a DataFrame or a list of dicts; see validate_frame."""
    if isinstance(rows, pd.DataFrame):
        return validate_frame(rows)
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence):
        raise TypeError(
            f"rows must be a pandas DataFrame or a list of dicts, got {type(rows).__name__}"
            + (" (use predict_one for a single dict)" if isinstance(rows, Mapping) else "")
        )
    for position, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"row {position}: a row must be a dict of field values, got {type(row).__name__}")
        try:
            _check_fields(list(row))
        except ValidationError as error:
            raise error.at(position) from None
    if not rows:
        return validate_frame(pd.DataFrame({name: [] for name in FEATURE_NAMES}))
    columns = {name: [row[name] for row in rows] for name in FEATURE_NAMES}
    # dtype=object keeps each value as given (no silent bool->int or str->number).
    return validate_frame(pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()}))
