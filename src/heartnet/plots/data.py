"""How the data looks, and how a raw row becomes the network's matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns

from heartnet.features import FEATURES, FEATURES_BY_NAME, TARGET, TARGET_CLASSES, TARGET_LABEL
from heartnet.plots._common import (
    CLASS_ORDER,
    PALETTE,
    Figure,
    axis_label,
    class_palette,
    short,
    with_class_names,
)
from heartnet.spanish import decimal, percent

__all__ = [
    "categorical_positive_rates",
    "class_balance",
    "correlations",
    "encoded_matrix",
    "missing_cholesterol",
    "numeric_distributions",
]


def class_balance(df: pd.DataFrame) -> Figure:
    """Patients per class of the target."""
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    counts = df[TARGET].value_counts().reindex(CLASS_ORDER, fill_value=0)
    bars = ax.bar(
        [TARGET_CLASSES[k] for k in counts.index], counts.to_numpy(), color=[PALETTE[k] for k in counts.index]
    )
    ax.bar_label(bars, labels=[f"{n} ({percent(n / counts.sum(), 0)})" for n in counts])
    ax.set(title="Balance de clases", ylabel="Pacientes", xlabel=TARGET_LABEL)
    ax.margins(y=0.15)
    return fig


def numeric_distributions(df: pd.DataFrame) -> Figure:
    """Histogram of each numeric feature by class (cholesterol without the missing values)."""
    numeric = [f.name for f in FEATURES if f.kind == "numeric"]
    fig = Figure(figsize=(11.5, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    data = with_class_names(df)
    for ax, name in zip(axes, numeric, strict=False):
        sns.histplot(
            data=data,
            x=name,
            hue=TARGET_LABEL,
            palette=class_palette(),
            element="step",
            stat="density",
            common_norm=False,
            ax=ax,
        )
        unit = FEATURES_BY_NAME[name].unit or "unidad"
        ax.set(title=FEATURES_BY_NAME[name].label, xlabel=axis_label(name), ylabel=f"densidad (fracción por {unit})")
    # One shared legend, in the free sixth panel, instead of one over each histogram.
    legend = axes[0].get_legend()
    handles, labels = legend.legend_handles, [text.get_text() for text in legend.texts]
    for ax in axes[: len(numeric)]:
        ax.get_legend().remove()
    axes[-1].axis("off")
    axes[-1].legend(handles, labels, title=TARGET_LABEL, loc="center", fontsize=11)
    fig.suptitle("Variables numéricas según la clase")
    return fig


def categorical_positive_rates(df: pd.DataFrame) -> Figure:
    """Share of patients with coronary artery disease in each category of each categorical or binary feature."""
    names = [f.name for f in FEATURES if f.kind != "numeric"]
    fig = Figure(figsize=(11.5, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    overall = df[TARGET].mean()
    for ax, name in zip(axes, names, strict=True):
        feature = FEATURES_BY_NAME[name]
        rates = df.groupby(name)[TARGET].agg(["mean", "size"]).reindex(list(feature.values))
        labels = [  # the category's meaning, shortened to fit under its bar, and how many patients have it
            f"{short(feature.meaning(value), 13, lines=3)}\n(n = {int(n)})"
            for value, n in zip(rates.index, rates["size"], strict=True)
        ]
        bars = ax.bar(labels, rates["mean"], color="#8172B3")
        # Inside the bars, so that no rate is written over the dashed line of all patients.
        ax.bar_label(bars, labels=[percent(rate, 0) for rate in rates["mean"]], label_type="center", color="white")
        ax.axhline(overall, color="gray", linestyle="--", linewidth=1, label=f"todos: {percent(overall, 0)}")
        ax.set(title=feature.label, xlabel="categoría (n = pacientes)", ylabel="Tasa de enfermedad", ylim=(0, 1.18))
        ax.tick_params(axis="x", labelsize=8.5)
        ax.yaxis.set_major_formatter(lambda value, _: percent(value, 0))
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("Tasa de enfermedad coronaria por categoría")
    return fig


def correlations(df: pd.DataFrame) -> Figure:
    """Pearson correlations between the numeric features, the binary one (0/1) and the target, labelled in Spanish."""
    columns = [f.name for f in FEATURES if f.kind in ("numeric", "binary")] + [TARGET]
    labels = [FEATURES_BY_NAME[name].label if name in FEATURES_BY_NAME else TARGET_LABEL for name in columns]
    matrix = df[columns].astype(float).corr().set_axis(labels, axis=0).set_axis(labels, axis=1)
    fig = Figure(figsize=(8, 6.5), layout="constrained")
    ax = fig.subplots()
    written = matrix.map(lambda value: decimal(value, 2))  # as Spanish writes it: 0,26 (not 0.26)
    sns.heatmap(
        matrix, annot=written, fmt="", cmap="vlag", vmin=-1, vmax=1, square=True, ax=ax,
        cbar_kws={"label": "correlación (−1 a 1)"}, annot_kws={"fontsize": 10},
    )  # fmt: skip
    ax.set(
        title="Correlación de Pearson: variables numéricas, glucemia (0/1) y enfermedad",
        xlabel="correlación con…",
        ylabel="variable",
    )
    return fig


def missing_cholesterol(raw: pd.DataFrame) -> Figure:
    """Rate of coronary artery disease with and without a measured cholesterol (raw file: 0 = not measured)."""
    feature = next(f for f in FEATURES if f.nullable)
    missing = raw[feature.name] == feature.missing_code
    groups = {"Medido": raw.loc[~missing, TARGET], "No medido (0)": raw.loc[missing, TARGET]}
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(list(groups), [g.mean() for g in groups.values()], color=["#8172B3", "#C44E52"])
    ax.bar_label(bars, labels=[f"{percent(g.mean(), 0)} de {len(g)}" for g in groups.values()])
    ax.set(
        title="Colesterol «no medido» y enfermedad coronaria",
        xlabel="Colesterol sérico",
        ylabel="Tasa de enfermedad coronaria",
        ylim=(0, 1.1),
    )
    return fig


def encoded_matrix(matrix: np.ndarray, columns: Sequence[str], rows: Sequence[str]) -> Figure:
    """Heatmap of the matrix the network receives, turned on its side: a row per matrix column, a column per patient.

    On its side so that the columns' names read horizontally. Two panels with
    their own colours, so that a category's 1 is never mistaken for a number's
    value: the numeric columns and the one-hot columns. The numeric panel's
    title says what its columns are, read from their names: standardized
    numbers (the default model; a cholesterol not measured is filled with the
    mean, so it shows 0), or piecewise-linear bins, and a "not measured"
    indicator when the model has one.
    """
    frame = pd.DataFrame(matrix, index=rows, columns=[_spanish_column(column) for column in columns]).T
    one_hot = [spanish for column, spanish in zip(columns, frame.index, strict=True) if "=" in column]
    numeric = [column for column in frame.index if column not in one_hot]
    fig = Figure(figsize=(9, 0.27 * len(frame) + 2.4), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[max(len(numeric), 1), max(len(one_hot), 1)])
    written = frame.map(lambda value: decimal(value, 1))  # the cells as Spanish writes them: 0,5
    numeric_title, numeric_label = _numeric_title(columns)
    sns.heatmap(
        frame.loc[numeric], annot=written.loc[numeric], fmt="", cmap="Blues", ax=top, annot_kws={"fontsize": 9},
        cbar_kws={"label": numeric_label},
    )  # fmt: skip
    sns.heatmap(frame.loc[one_hot], annot=written.loc[one_hot].map(lambda text: text.removesuffix(",0")), fmt="",
                cmap="Greens", vmin=0, vmax=1, ax=bottom, cbar=False, annot_kws={"fontsize": 9})  # fmt: skip
    top.set(title=numeric_title, xlabel="paciente", ylabel="columna")
    bottom.set(title="Columnas one-hot (1 = la categoría del paciente)", xlabel="paciente", ylabel="columna")
    for ax in (top, bottom):
        ax.tick_params(axis="y", labelsize=9, labelrotation=0)
        ax.tick_params(axis="x", labelsize=9, labelrotation=0)
    fig.suptitle("La matriz que recibe la red: cada paciente es una columna de este dibujo")
    return fig


def _numeric_title(columns: Sequence[str]) -> tuple[str, str]:
    """The numeric panel's title and colorbar label, from the encoded columns' names (``encoded_feature_names``)."""
    numeric = [name for name in columns if "=" not in name]
    indicator = any(name.endswith("_missing") for name in numeric)
    if any("[" in name for name in numeric):  # piecewise-linear bins: each column from 0 to 1 within its bin
        title, label = "Columnas numéricas: tramos lineales", "valor"
    else:
        title, label = "Columnas numéricas, estandarizadas", "desvíos"
        title += "" if indicator else " («no medido» = 0, la media)"
    return title + (" y el indicador de «no medido»" if indicator else ""), label


def _spanish_column(name: str) -> str:
    """A column of the encoded matrix (``encoded_feature_names``) in Spanish: "Age[28, 47]" -> "Edad 28–47"."""
    feature_name, _, rest = name.partition("=")
    if rest:  # a one-hot column: the feature and the category's meaning
        feature = FEATURES_BY_NAME[feature_name]
        value = int(rest) if feature.kind == "binary" else rest
        return f"{feature.label}: {short(feature.meaning(value), 24)}"
    if name.endswith("_missing"):
        return f"{FEATURES_BY_NAME[name.removesuffix('_missing')].label}: no medido"
    feature_name, _, bounds = name.partition("[")
    feature = FEATURES_BY_NAME[feature_name]
    if bounds:  # a bin of a piecewise-linear number
        low, high = bounds.rstrip("]").split(", ")
        return f"{feature.label} {low}–{high} {feature.unit}".replace(".", ",")
    return feature.label  # a standardized number: the panel's title says so
