"""One validation path for every input: a dict, a list of dicts, a DataFrame or a file.

The rules themselves live in ``heartnet.rules``, the one checker: a single
value is sorted and judged by the same rule function that judges a frame's
columns at once (and a file's, in ``heartnet.cells``), so the verdict, the
clean value and the message for a value are the same whether it came alone,
in a list or in a million-row file. Here: the fields a row must have, and
the containers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from heartnet.errors import DataError, ValidationError
from heartnet.features import FEATURE_NAMES, FEATURES, FEATURES_BY_NAME, TARGET, Feature
from heartnet.rules import allowed_text, column_of, judge_all, problem, rule, sort_value

__all__ = [
    "REASONS_SEP",
    "allowed_text",
    "check_labels",
    "check_value",
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


def check_labels(labels) -> np.ndarray:
    """The labels as an int64 array of 0 and 1; ``DataError`` naming the first other values."""
    labels = pd.Series(np.asarray(labels).ravel())
    bad = not_a_label(labels)
    if bad.any():
        raise DataError(f"'{TARGET}' must hold only 0 and 1, got {sorted(map(repr, set(labels[bad])))[:5]}")
    return labels.to_numpy(dtype="int64")


REASONS_SEP = " | "  # between the reasons of one rejected row, when they are written on one line


def check_value(feature: Feature, value: object) -> object:
    """Return the clean value of one field, or raise ValidationError saying why not.

    Numeric fields give a float (NaN for a missing cholesterol), binary fields
    an int and categorical fields a str: ``heartnet.rules.rule`` on one value.
    """
    number, missing, text = sort_value(value)
    ok, clean = rule(feature, number, missing, text)
    if not ok:
        raise problem(feature, value, number=number, missing=missing, text=text)
    return float(clean) if feature.kind == "numeric" else feature.values[clean]


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
    judged = judge_all({name: column_of(frame[name]) for name in FEATURE_NAMES})
    bad = np.flatnonzero(~judged.good)
    if len(bad):
        raise judged.problems(int(bad[0]))[0].at(first + int(bad[0]), where)
    return pd.DataFrame(judged.clean())


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
