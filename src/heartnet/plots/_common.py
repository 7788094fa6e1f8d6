"""What the figures share: the classes' colours and order, the hospitals' names, labels with units."""

from __future__ import annotations

import textwrap

import pandas as pd

from heartnet.features import FEATURES_BY_NAME, HOSPITALS, TARGET, TARGET_CLASSES, TARGET_LABEL

PALETTE = {0: "#4C72B0", 1: "#C44E52"}
HOSPITAL_NAMES = dict(HOSPITALS)
CLASS_ORDER = [0, 1]


def axis_label(name: str) -> str:
    feature = FEATURES_BY_NAME[name]
    return f"{feature.label} ({feature.unit})" if feature.unit else feature.label


def with_class_names(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(**{TARGET_LABEL: df[TARGET].map(TARGET_CLASSES)})


def class_palette() -> dict[str, str]:
    return {TARGET_CLASSES[k]: color for k, color in PALETTE.items()}


def short(text: str, width: int = 12, lines: int = 2) -> str:
    """A category's meaning to fit under its bar: at most ``lines`` lines of about ``width`` letters, then "…"."""
    wrapped = textwrap.wrap(text.split(" (")[0], width)
    return "\n".join(wrapped[:lines]) + ("…" if len(wrapped) > lines else "")
