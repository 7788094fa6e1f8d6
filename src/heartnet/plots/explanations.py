"""Shapley values: why the model gave one patient its probability, and what matters overall."""

from __future__ import annotations

import numpy as np
import pandas as pd

from heartnet.features import FEATURES_BY_NAME
from heartnet.plots._common import (
    PALETTE,
    Figure,
)
from heartnet.spanish import decimal, number_text, percent, points

__all__ = ["shapley_importance", "shapley_summary", "shapley_waterfall"]


def _shown_value(feature_name: str, value) -> str:
    """A patient's value as the figures write it: categories by their Spanish meaning, whole numbers whole,
    a missing cholesterol «no medido»."""
    feature = FEATURES_BY_NAME[feature_name]
    if feature.kind != "numeric":
        return feature.meaning(value)
    if value is None or pd.isna(value):
        return "no medido"
    return f"{number_text(feature, value)} {feature.unit}"


def shapley_waterfall(contributions: pd.DataFrame) -> Figure:
    """One patient's explanation as a waterfall: from the base rate, feature by feature, to their probability.

    Takes ``heartnet.explain.contributions``: Shapley values that add up to the
    patient's probability minus the base (the mean prediction over training
    rows). Read top-down, from the base: every feature has its bar and its
    push written in percentage points, so the figure is never empty; red
    raises the risk, blue lowers it.
    """
    base, final = contributions.attrs["base"], contributions.attrs["probability"]
    steps = contributions.reset_index(drop=True)  # read top-down: from the base, the largest push first
    pushes = steps["contribution"].to_numpy()
    starts = base + np.cumsum(np.r_[0.0, pushes])[:-1]
    ends = starts + pushes
    fig = Figure(figsize=(9, 0.42 * len(steps) + 2.2), layout="constrained")
    ax = fig.subplots()
    labels = [
        f"{label}: {_shown_value(name, value)}"
        for name, label, value in zip(steps["feature"], steps["label"], steps["value"], strict=True)
    ]
    positions = np.arange(len(steps))
    ax.barh(positions, pushes * 100, left=starts * 100, color=[PALETTE[int(push > 0)] for push in pushes], height=0.6)
    written = []
    for position, start, end, push in zip(positions, starts, ends, pushes, strict=True):
        rightwards = push >= 0  # write the push beyond the bar's far end (moved below if a line crosses it there)
        written.append(
            ax.annotate(
                points(push),
                (max(start, end) * 100 if rightwards else min(start, end) * 100, position),
                xytext=(4 if rightwards else -4, 0),
                textcoords="offset points",
                ha="left" if rightwards else "right",
                va="center",
                fontsize=9,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
                zorder=4,
            )
        )
    base_label = f"tasa base: {percent(base)} (el promedio del modelo sobre pacientes de entrenamiento)"
    ax.axvline(base * 100, color="gray", linestyle=":", linewidth=1.2, label=base_label)
    ax.axvline(final * 100, color="black", linestyle="--", linewidth=1.2, label=f"la predicción: {percent(final)}")
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # the first push on top
    low, high = min(starts.min(), ends.min()) * 100, max(starts.max(), ends.max()) * 100
    margin = max(high - low, 4.0)
    ax.set_xlim(low - 0.18 * margin, high + 0.18 * margin)  # room for the pushes written beside the bars
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0f} %")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, fontsize=9, frameon=False)
    ax.set(
        title=f"Por qué el modelo da {percent(final)}\n"
        f"(desde la tasa base, {percent(base)}, variable por variable, de arriba abajo)",
        xlabel="probabilidad de enfermedad coronaria (junto a cada barra, su aporte en puntos porcentuales, pp)",
        ylabel="Variable: valor",
    )
    _clear_of_lines(fig, ax, written, starts, ends, (base, final))
    return fig


def _clear_of_lines(fig: Figure, ax, texts, starts, ends, lines) -> None:
    """Move a written push to the other end of its bar when the base or the prediction line would cross it.

    Measured on the laid-out figure: a push's text spans a few percentage points, and the bars near the end of
    the waterfall stop just short of the prediction line, so their pushes, written beyond the bar, would sit on it.
    """
    fig.draw_without_rendering()  # the final layout, so that the texts' extents are where they will be drawn
    at = [ax.transData.transform((line * 100, 0))[0] for line in lines]

    def crossed(text) -> bool:
        extent = text.get_window_extent()
        return any(extent.x0 - 2 <= x <= extent.x1 + 2 for x in at)

    for text, start, end in zip(texts, starts, ends, strict=True):
        if not crossed(text):
            continue
        leftwards = text.get_horizontalalignment() == "left"  # it was on the right: try the left end
        text.xy = ((min(start, end) if leftwards else max(start, end)) * 100, text.xy[1])
        text.set_horizontalalignment("right" if leftwards else "left")
        text.xyann = (-4 if leftwards else 4, 0)
        if crossed(text):  # crossed on both sides (a very short bar between the two lines): back where it was
            text.xy = ((max(start, end) if leftwards else min(start, end)) * 100, text.xy[1])
            text.set_horizontalalignment("left" if leftwards else "right")
            text.xyann = (4 if leftwards else -4, 0)


def shapley_importance(explanation) -> Figure:
    """The model's global view: the mean absolute Shapley value of each feature over many patients (pp)."""
    importance = pd.Series(np.abs(explanation.values).mean(axis=0) * 100, index=_labels(explanation)).sort_values()
    fig = Figure(figsize=(7.5, 0.4 * len(importance) + 1.4), layout="constrained")
    ax = fig.subplots()
    bars = ax.barh(importance.index, importance.to_numpy(), color="#8172B3")
    ax.bar_label(bars, labels=[decimal(value, 1) for value in importance], padding=3, fontsize=9)
    ax.margins(x=0.15)
    ax.set(
        title="Importancia de cada variable: cuánto mueve, en promedio, la probabilidad",
        xlabel="media del |valor de Shapley| (puntos porcentuales)",
        ylabel="Variable",
    )
    return fig


def shapley_summary(explanation) -> Figure:
    """Beeswarm-style summary: one dot per patient and feature, at its Shapley value, colored by the feature's value.

    ``explanation`` is ``heartnet.explain.explain`` of many rows: its ``data``
    holds each value's code (numbers as they are, categories by position), so
    within a feature, blue is a low value (or the first category) and red a high one.
    """
    labels = _labels(explanation)
    order = np.argsort(np.abs(explanation.values).mean(axis=0))
    fig = Figure(figsize=(8.5, 0.45 * len(order) + 1.6), layout="constrained")
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for row, index in enumerate(order):
        values = explanation.values[:, index] * 100
        codes = explanation.data[:, index].astype(float)
        observed = ~np.isnan(codes)
        span = np.nanmax(codes) - np.nanmin(codes) if observed.any() else 0.0
        color = (codes - np.nanmin(codes)) / span if span else np.full(len(codes), 0.5)
        jitter = rng.uniform(-0.28, 0.28, len(values))
        style = {"s": 12, "alpha": 0.8, "linewidths": 0}
        scatter = ax.scatter(
            values[observed], row + jitter[observed], c=color[observed], cmap="coolwarm", vmin=0, vmax=1, **style
        )
        if (~observed).any():  # a cholesterol that was not measured
            ax.scatter(values[~observed], row + jitter[~observed], c="gray", **style)
    ax.axvline(0, color="gray", linewidth=0.8)
    ax.set_yticks(range(len(order)), [labels[index] for index in order])
    colorbar = fig.colorbar(scatter, ax=ax, ticks=[0, 1], aspect=30)
    colorbar.ax.set_yticklabels(["bajo", "alto"])
    colorbar.set_label("valor de la variable (categorías: en el orden del diccionario; gris: no medido)")
    ax.set(
        title="Cómo empuja cada variable, paciente por paciente",
        xlabel="valor de Shapley (puntos porcentuales; a la derecha, más riesgo)",
        ylabel="Variable",
    )
    return fig


def _labels(explanation) -> list[str]:
    return [FEATURES_BY_NAME[name].label for name in explanation.feature_names]
