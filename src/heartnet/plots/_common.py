"""What the figures share: the classes' colours and order, the hospitals' names, labels with units."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure as _MatplotlibFigure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from heartnet.features import FEATURES_BY_NAME, HOSPITALS, TARGET, TARGET_CLASSES, TARGET_LABEL

__all__ = [
    "CLASS_ORDER",
    "HOSPITAL_NAMES",
    "PALETTE",
    "Figure",
    "axis_label",
    "class_palette",
    "short",
    "with_class_names",
]


def _comma(value: float, _position=None) -> str:
    """A tick label as Spanish writes it: 0,2 (not 0.2), 1 (not 1.0)."""
    return f"{value:.10g}".replace(".", ",").replace("-", "−")


class Figure(_MatplotlibFigure):
    """matplotlib's Figure whose plain number ticks are written with a decimal comma, colorbars included.

    Every figure of the package is one of these: when it is drawn, each axis
    that still has matplotlib's default formatter gets the comma one (an axis
    given its own formatter, a percentage, keeps it).
    """

    def draw(self, renderer):
        for ax in self.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if type(axis.get_major_formatter()) is ScalarFormatter:
                    axis.set_major_formatter(FuncFormatter(_comma))
        return super().draw(renderer)


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
