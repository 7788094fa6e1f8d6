"""Figures shared by the notebook and the app: each function takes data and returns a Figure.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so they hold
no global state: a notebook displays the returned object once, and the app
can render them from several sessions at once. Titles and labels are in
Spanish, with units from the feature spec.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from heartnet.decision import DEFAULT_THRESHOLD, classify
from heartnet.features import FEATURES, FEATURES_BY_NAME, HOSPITALS, TARGET, TARGET_CLASSES, TARGET_LABEL
from heartnet.spanish import MODEL_NAMES, UPDATE_NAMES, decimal, number_text, percent, points

__all__ = [
    "activation_functions",
    "binary_cross_entropy",
    "calibration",
    "categorical_positive_rates",
    "class_balance",
    "confusion_matrix",
    "correlations",
    "decision_curve",
    "embedding_vectors",
    "encoded_matrix",
    "feature_table",
    "history_curves",
    "metric_comparison",
    "missing_cholesterol",
    "model_comparison",
    "numeric_distributions",
    "patient_probabilities",
    "piecewise_linear_encoding",
    "probability_histogram",
    "recalibration_by_sample_size",
    "risk_gauge",
    "roc_and_precision_recall",
    "shapley_importance",
    "shapley_summary",
    "shapley_waterfall",
    "spanish_column",
    "threshold_tradeoff",
    "training_curves",
]

PALETTE = {0: "#4C72B0", 1: "#C44E52"}
_HOSPITAL_NAMES = dict(HOSPITALS)
_CLASS_ORDER = [0, 1]


def _axis_label(name: str) -> str:
    feature = FEATURES_BY_NAME[name]
    return f"{feature.label} ({feature.unit})" if feature.unit else feature.label


def _with_class_names(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(**{TARGET_LABEL: df[TARGET].map(TARGET_CLASSES)})


def _class_palette() -> dict[str, str]:
    return {TARGET_CLASSES[k]: color for k, color in PALETTE.items()}


def feature_table() -> pd.DataFrame:
    """The column dictionary, straight from the feature spec (Spanish headers)."""
    rows = []
    for f in FEATURES:
        if f.kind == "numeric":
            values = f"{f.min:g} a {f.max:g}" + (" o «no medido»" if f.nullable else "")
        else:
            values = ", ".join(f"{value} = {meaning}" for value, meaning in f.categories)
        kind = {"numeric": "numérica", "categorical": "categórica", "binary": "binaria"}[f.kind]
        rows.append(
            {"columna": f.name, "nombre": f.label, "tipo": kind, "unidad": f.unit or "—", "valores aceptados": values}
        )
    return pd.DataFrame(rows).set_index("columna")


def class_balance(df: pd.DataFrame) -> Figure:
    """Patients per class of the target."""
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    counts = df[TARGET].value_counts().reindex(_CLASS_ORDER, fill_value=0)
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
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    data = _with_class_names(df)
    for ax, name in zip(axes, numeric, strict=False):
        sns.histplot(
            data=data,
            x=name,
            hue=TARGET_LABEL,
            palette=_class_palette(),
            element="step",
            stat="density",
            common_norm=False,
            ax=ax,
        )
        ax.set(title=FEATURES_BY_NAME[name].label, xlabel=_axis_label(name), ylabel="Densidad")
    # One shared legend, in the free sixth panel, instead of one over each histogram.
    legend = axes[0].get_legend()
    handles, labels = legend.legend_handles, [text.get_text() for text in legend.texts]
    for ax in axes[: len(numeric)]:
        ax.get_legend().remove()
    axes[-1].axis("off")
    axes[-1].legend(handles, labels, title=TARGET_LABEL, loc="center", fontsize=11)
    fig.suptitle("Variables numéricas según la clase")
    return fig


def _short(text: str, width: int = 12) -> str:
    """A category's meaning to fit under its bar: at most two lines of about ``width`` letters, then "…"."""
    lines = textwrap.wrap(text.split(" (")[0], width)
    return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")


def categorical_positive_rates(df: pd.DataFrame) -> Figure:
    """Share of patients with heart disease in each category of each categorical or binary feature."""
    names = [f.name for f in FEATURES if f.kind != "numeric"]
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    overall = df[TARGET].mean()
    for ax, name in zip(axes, names, strict=True):
        feature = FEATURES_BY_NAME[name]
        rates = df.groupby(name)[TARGET].agg(["mean", "size"]).reindex(list(feature.values))
        labels = [  # the category's meaning, shortened to fit under its bar, and how many patients have it
            f"{_short(feature.meaning(value))}\n(n = {int(n)})"
            for value, n in zip(rates.index, rates["size"], strict=True)
        ]
        bars = ax.bar(labels, rates["mean"], color="#8172B3")
        ax.bar_label(bars, labels=[percent(rate, 0) for rate in rates["mean"]], padding=2, fontsize=9)
        ax.axhline(overall, color="gray", linestyle="--", linewidth=1, label=f"todos: {percent(overall, 0)}")
        ax.set(title=feature.label, xlabel="categoría (n = pacientes)", ylabel="Tasa de enfermedad", ylim=(0, 1.18))
        ax.tick_params(axis="x", labelsize=8)
        ax.yaxis.set_major_formatter(lambda value, _: percent(value, 0))
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("Tasa de enfermedad cardíaca por categoría")
    return fig


def correlations(df: pd.DataFrame) -> Figure:
    """Pearson correlations between the numeric features, the binary one (0/1) and the target, labelled in Spanish."""
    columns = [f.name for f in FEATURES if f.kind in ("numeric", "binary")] + [TARGET]
    labels = [FEATURES_BY_NAME[name].label if name in FEATURES_BY_NAME else TARGET_LABEL for name in columns]
    matrix = df[columns].astype(float).corr().set_axis(labels, axis=0).set_axis(labels, axis=1)
    fig = Figure(figsize=(8, 6.5), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        matrix, annot=True, fmt=".2f", cmap="vlag", vmin=-1, vmax=1, square=True, ax=ax,
        cbar_kws={"label": "correlación (−1 a 1)"}, annot_kws={"fontsize": 10},
    )  # fmt: skip
    ax.set(
        title="Correlación de Pearson: variables numéricas, glucemia (0/1) y enfermedad",
        xlabel="correlación con…",
        ylabel="variable",
    )
    return fig


def missing_cholesterol(raw: pd.DataFrame) -> Figure:
    """Rate of heart disease with and without a measured cholesterol (raw file: 0 = not measured)."""
    feature = next(f for f in FEATURES if f.nullable)
    missing = raw[feature.name] == feature.missing_code
    groups = {"Medido": raw.loc[~missing, TARGET], "No medido (0)": raw.loc[missing, TARGET]}
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(list(groups), [g.mean() for g in groups.values()], color=["#8172B3", "#C44E52"])
    ax.bar_label(bars, labels=[f"{percent(g.mean(), 0)} de {len(g)}" for g in groups.values()])
    ax.set(
        title="Colesterol «no medido» y enfermedad cardíaca",
        xlabel="Colesterol sérico",
        ylabel="Tasa de enfermedad cardíaca",
        ylim=(0, 1.1),
    )
    return fig


def spanish_column(name: str) -> str:
    """A column of the encoded matrix (``encoded_feature_names``) in Spanish: "Age[28, 47]" -> "Edad 28–47"."""
    feature_name, _, rest = name.partition("=")
    if rest:  # a one-hot column: the feature and the category's meaning
        feature = FEATURES_BY_NAME[feature_name]
        value = int(rest) if feature.kind == "binary" else rest
        return f"{feature.label}: {_short(feature.meaning(value), 24)}"
    if name.endswith("_missing"):
        return f"{FEATURES_BY_NAME[name.removesuffix('_missing')].label}: no medido"
    feature_name, _, bounds = name.partition("[")
    feature = FEATURES_BY_NAME[feature_name]
    if bounds:  # a bin of a piecewise-linear number
        low, high = bounds.rstrip("]").split(", ")
        return f"{feature.label} {low}–{high} {feature.unit}".replace(".", ",")
    return f"{feature.label} (estandarizada)"


def encoded_matrix(matrix: np.ndarray, columns: Sequence[str], rows: Sequence[str]) -> Figure:
    """Heatmap of the matrix the network receives: one row per patient, one column per encoded column.

    Two panels with their own colours, so that a category's 1 is never mistaken
    for a number's value: the numeric columns (piecewise-linear bins, or
    standard deviations; and the missing indicator) and the one-hot columns.
    """
    frame = pd.DataFrame(matrix, index=rows, columns=[spanish_column(column) for column in columns])
    one_hot = [spanish for column, spanish in zip(columns, frame.columns, strict=True) if "=" in column]
    numeric = [column for column in frame.columns if column not in one_hot]
    fig = Figure(figsize=(15, 0.55 * len(rows) + 3.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[max(len(numeric), 1), max(len(one_hot), 1)])
    sns.heatmap(
        frame[numeric], annot=True, fmt=".1f", cmap="Blues", center=None, ax=left, annot_kws={"fontsize": 9},
        cbar_kws={"label": "valor numérico", "location": "bottom", "shrink": 0.6},
    )  # fmt: skip
    sns.heatmap(
        frame[one_hot], annot=True, fmt=".0f", cmap="Greens", vmin=0, vmax=1, ax=right, annot_kws={"fontsize": 9},
        cbar=False,
    )  # fmt: skip
    left.set(title="Columnas numéricas", xlabel="columna de la matriz", ylabel="Paciente")
    right.set(title="Columnas one-hot (1 = la categoría del paciente)", xlabel="columna de la matriz", ylabel="")
    right.set_ylabel("Paciente")
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8, labelrotation=90)
        ax.tick_params(axis="y", labelrotation=0)
    fig.suptitle("La matriz que recibe la red")
    return fig


def piecewise_linear_encoding(layer, *, label: str) -> Figure:
    """What ``PiecewiseLinearEncoding`` makes of a number: one line per bin column, across the training range."""
    edges = np.asarray(layer.edges)
    span = edges[-1] - edges[0]
    x = np.linspace(edges[0] - 0.08 * span, edges[-1] + 0.08 * span, 400, dtype="float32").reshape(-1, 1)
    columns = np.asarray(layer(x))
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.subplots()
    for index in range(columns.shape[1]):
        ax.plot(
            x.ravel(),
            columns[:, index],
            linewidth=2,
            label=f"tramo {index + 1}: {edges[index]:g} a {edges[index + 1]:g}",
        )
    for edge in edges:
        ax.axvline(edge, color="gray", linestyle=":", linewidth=0.8)
    ax.legend(fontsize=8, loc="upper left")
    ax.set(
        title="Codificación lineal por tramos: un número, varias columnas", xlabel=label, ylabel="valor de la columna"
    )
    return fig


def embedding_vectors(demo: Mapping) -> Figure:
    """The 2-D vectors an ``Embedding`` learned for each category, colored by the category's share of positives."""
    vectors, rates = np.asarray(demo["vectors"]), np.asarray(demo["rates"])
    fig = Figure(figsize=(6, 4.4), layout="constrained")
    ax = fig.subplots()
    points = ax.scatter(
        vectors[:, 0], vectors[:, 1], c=rates, cmap="coolwarm", vmin=0, vmax=1, s=160, edgecolors="black"
    )
    for (x, y), name, rate in zip(vectors, demo["categories"], rates, strict=True):
        ax.annotate(f"{name} ({percent(rate, 0)})", (x, y), xytext=(8, 6), textcoords="offset points", fontsize=9)
    fig.colorbar(points, ax=ax, label="tasa de enfermedad de la categoría")
    ax.margins(0.35)
    ax.set(title="Embedding aprendido: un vector por categoría", xlabel="dimensión 1", ylabel="dimensión 2")
    return fig


def activation_functions() -> Figure:
    """ReLU, sigmoid and tanh on [-6, 6]."""
    x = np.linspace(-6, 6, 400)
    curves = {"ReLU: max(0, z)": np.maximum(0, x), "Sigmoide: 1/(1+e^-z)": 1 / (1 + np.exp(-x)), "tanh(z)": np.tanh(x)}
    fig = Figure(figsize=(11, 3.2), layout="constrained")
    for ax, (name, y) in zip(fig.subplots(1, 3), curves.items(), strict=True):
        ax.plot(x, y, linewidth=2)
        ax.axhline(0, color="gray", linewidth=0.6)
        ax.axvline(0, color="gray", linewidth=0.6)
        ax.set(title=name, xlabel="entrada z", ylabel="salida")
    fig.suptitle("Funciones de activación")
    return fig


def binary_cross_entropy() -> Figure:
    """The loss of one prediction as a function of the predicted probability, for y = 1 and y = 0."""
    p = np.linspace(0.001, 0.999, 500)
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(p, -np.log(p), label="y = 1: −log(p)", color=PALETTE[1])
    ax.plot(p, -np.log(1 - p), label="y = 0: −log(1 − p)", color=PALETTE[0])
    ax.set(title="Entropía cruzada binaria", xlabel="probabilidad predicha p", ylabel="pérdida", ylim=(0, 5))
    ax.legend()
    return fig


def history_curves(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    metric: str = "loss",
    title: str,
    ylabel: str = "pérdida (entropía cruzada)",
    validation: bool = False,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """One line per run (``label -> history dict``): ``metric`` per epoch, optionally with validation."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for index, (label, history) in enumerate(histories.items()):
        color = f"C{index}"
        suffix = " (entrenamiento)" if validation else ""
        # Later runs are drawn thinner, so a run that retraces an earlier one stays visible.
        width = max(3.2 - 0.9 * index, 1.2)
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], color=color, linewidth=width, label=f"{label}{suffix}")
        if validation and f"val_{metric}" in history:
            values = history[f"val_{metric}"]
            ax.plot(np.arange(1, len(values) + 1), values, color=color, linestyle="--", label=f"{label} (validación)")
    ax.set(title=title, xlabel="época", ylabel=ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8)
    return fig


def training_curves(
    history: Mapping[str, Sequence[float]],
    *,
    best_epoch: int | None = None,
    metrics: Sequence[tuple[str, str, str]] = (
        ("loss", "pérdida (entropía cruzada)", "Pérdida por época"),
        ("auc", "ROC AUC", "ROC AUC por época"),
    ),
) -> Figure:
    """Training against validation per epoch, one panel per ``(key, axis label, title)`` of ``metrics``.

    With ``best_epoch``, the epoch whose weights early stopping kept is marked
    on both curves (a dashed line and a point on the validation curve).
    """
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    for ax, (metric, label, title) in zip(np.atleast_1d(fig.subplots(1, len(metrics))), metrics, strict=True):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], color=PALETTE[0], label="entrenamiento")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], color=PALETTE[1], label="validación")
        if best_epoch:
            ax.axvline(best_epoch, color="black", linestyle="--", linewidth=1.2, zorder=0)
            if f"val_{metric}" in history:
                ax.plot(best_epoch, history[f"val_{metric}"][best_epoch - 1], "o", color="black", zorder=3,
                        label=f"mejor época: {best_epoch} (pesos restaurados)")  # fmt: skip
        ax.set(title=title, xlabel="época", ylabel=label)
        ax.legend(fontsize=9)
    return fig


def confusion_matrix(y_true, probabilities, *, threshold: float = DEFAULT_THRESHOLD) -> Figure:
    """Counts of true/false positives/negatives at a threshold."""
    predicted = classify(probabilities, threshold)
    matrix = skm.confusion_matrix(y_true, predicted, labels=_CLASS_ORDER)
    names = [TARGET_CLASSES[k].replace(" ", "\n", 1) for k in _CLASS_ORDER]  # "Sin\nenfermedad cardíaca"
    fig = Figure(figsize=(5.2, 4.2), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        pd.DataFrame(matrix, index=names, columns=names), annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax,
        annot_kws={"fontsize": 14},
    )  # fmt: skip
    ax.tick_params(axis="y", labelrotation=0)
    ax.set(title=f"Matriz de confusión (umbral {decimal(threshold, 2)})", xlabel="Predicción", ylabel="Clase real")
    return fig


def roc_and_precision_recall(y_true, probabilities, *, label: str = "heartnet") -> Figure:
    """ROC curve and precision-recall curve, with their areas."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    roc_ax, pr_ax = fig.subplots(1, 2)
    fpr, tpr, _ = skm.roc_curve(y_true, probabilities)
    roc_ax.plot(fpr, tpr, label=f"{label} (AUC = {decimal(skm.roc_auc_score(y_true, probabilities), 3)})")
    roc_ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="azar")
    roc_ax.set(title="Curva ROC", xlabel="Tasa de falsos positivos (1 − especificidad)", ylabel="Sensibilidad")
    roc_ax.legend(loc="lower right")
    precision, recall, _ = skm.precision_recall_curve(y_true, probabilities)
    ap = skm.average_precision_score(y_true, probabilities)
    pr_ax.plot(recall, precision, label=f"{label} (AP = {decimal(ap, 3)})")
    pr_ax.axhline(np.mean(y_true), color="gray", linestyle="--", label="prevalencia")
    pr_ax.set(title="Curva precisión-sensibilidad", xlabel="Sensibilidad", ylabel="Precisión", ylim=(0, 1.02))
    pr_ax.legend(loc="lower left")
    return fig


def calibration(y_true, probabilities, *, bins: int = 8) -> Figure:
    """Reliability diagram: observed rate of disease against predicted probability."""
    observed, predicted = calibration_curve(y_true, probabilities, n_bins=bins, strategy="quantile")
    fig = Figure(figsize=(5.2, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="calibración perfecta")
    ax.plot(predicted, observed, marker="o", label="modelo")
    brier = skm.brier_score_loss(y_true, probabilities)
    ax.set(
        title=f"Curva de calibración (Brier = {decimal(brier, 3)})",
        xlabel="Probabilidad predicha (media del grupo)",
        ylabel="Fracción observada de enfermos",
    )
    ax.legend()
    return fig


def decision_curve(
    y_true, probabilities, *, threshold: float | None = None, title: str = "Curva de decisión", ax=None
) -> Figure:
    """Net benefit against the threshold probability (``heartnet.evaluate.net_benefit``, by dcurves).

    The model beside «tratar a todos» and «no tratar a nadie»; where its curve
    lies above both, deciding with the model does more good than either
    default at the harm-to-benefit odds the threshold stands for. ``threshold``
    marks the model's own.
    """
    from heartnet.evaluate import net_benefit

    curves = net_benefit(y_true, probabilities)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained") if ax is None else ax.figure
    ax = fig.subplots() if ax is None else ax
    ax.plot(curves.index, curves["model"], color=PALETTE[1], label="heartnet")
    ax.plot(curves.index, curves["all"], color="gray", linestyle="--", label="tratar a todos")
    ax.plot(curves.index, curves["none"], color="black", linestyle=":", label="no tratar a nadie")
    if threshold is not None:
        ax.axvline(threshold, color=PALETTE[0], linewidth=1, label=f"umbral del modelo ({percent(threshold, 0)})")
    top = float(max(curves["model"].max(), curves["all"].max()))
    ax.set(
        title=title,
        xlabel="probabilidad umbral (riesgo a partir del cual se actuaría)",
        ylabel="beneficio neto (enfermos detectados por paciente)",
        ylim=(-0.05, top + 0.05),
    )
    ax.xaxis.set_major_formatter(lambda value, _: percent(value, 0))
    ax.yaxis.set_major_formatter(lambda value, _: decimal(value, 1))
    ax.legend(fontsize=8)
    return fig


def recalibration_by_sample_size(recalibration: Mapping) -> Figure:
    """Log loss after updating with k local patients, one panel per held-out hospital (reports/hospitals.json).

    ``recalibration`` is the report's ``recalibration``: hospital -> k -> update -> mean metrics.
    """
    hospitals = list(recalibration)
    fig = Figure(figsize=(8, 5.6), layout="constrained")
    axes = fig.subplots(2, (len(hospitals) + 1) // 2, squeeze=False).ravel()
    for ax, hospital in zip(axes, hospitals, strict=False):
        sizes = recalibration[hospital]
        ks = [int(k) for k in sizes]
        for method, label in UPDATE_NAMES.items():
            points = [(k, sizes[str(k)][method]["log_loss"]) for k in ks if method in sizes[str(k)]]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", label=label)
        ax.set(
            title=_HOSPITAL_NAMES.get(hospital, hospital),
            xlabel="pacientes locales usados",
            ylabel="pérdida logarítmica",
        )
        ax.set_xticks(ks)
    for ax in axes[len(hospitals) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8)
    fig.suptitle("Actualizar el modelo con pocos pacientes de cada hospital (pérdida en los demás)")
    return fig


def threshold_tradeoff(y_true, probabilities, *, chosen: float | None = None) -> Figure:
    """Precision, recall and specificity as the decision threshold moves."""
    thresholds = np.linspace(0.05, 0.95, 91)
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities)
    curves = {"sensibilidad": [], "precisión": [], "especificidad": []}
    for t in thresholds:
        predicted = classify(probabilities, t).astype(bool)
        curves["sensibilidad"].append(skm.recall_score(y_true, predicted, zero_division=0))
        curves["precisión"].append(skm.precision_score(y_true, predicted, zero_division=0))
        curves["especificidad"].append(skm.recall_score(1 - y_true, ~predicted, zero_division=0))
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for name, values in curves.items():
        ax.plot(thresholds, values, label=name)
    if chosen is not None:
        ax.axvline(chosen, color="black", linestyle=":", label=f"umbral elegido {decimal(chosen, 2)}")
    ax.set(title="Compromiso según el umbral de decisión", xlabel="umbral", ylabel="valor", ylim=(0, 1.02))
    ax.legend()
    return fig


def metric_comparison(scores: Mapping[str, Mapping[str, float]]) -> Figure:
    """Grouped bars: one group per metric, one bar per classifier (``name -> metric -> value``)."""
    frame = pd.DataFrame(scores)
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / frame.shape[1]
    positions = np.arange(frame.shape[0])
    for index, name in enumerate(frame.columns):
        bars = ax.bar(positions + index * width, frame[name], width, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_xticks(positions + width * (frame.shape[1] - 1) / 2, frame.index)
    ax.set(title="Métricas de clasificación en el conjunto de prueba", xlabel="métrica", ylabel="valor", ylim=(0, 1.12))
    ax.legend(fontsize=8, loc="upper right")
    return fig


def model_comparison(results: pd.DataFrame, metric: str = "roc_auc", label: str = "ROC AUC") -> Figure:
    """Mean ± standard deviation of a metric per model over cross-validation folds, as a dot plot.

    Dots, not bars: the axis does not start at 0, and a bar cut there would
    exaggerate small differences.
    """
    summary = results.groupby("model")[metric].agg(["mean", "std"]).sort_values("mean")
    names = [MODEL_NAMES.get(name, name) for name in summary.index]
    fig = Figure(figsize=(7.5, 0.55 * len(summary) + 1.6), layout="constrained")
    ax = fig.subplots()
    for y, (name, (mean, std)) in enumerate(zip(summary.index, summary.to_numpy(), strict=True)):
        color = "#C44E52" if name == "heartnet" else "#4C72B0"
        ax.errorbar(mean, y, xerr=std, fmt="o", color=color, capsize=4, markersize=7)
        ax.annotate(decimal(mean, 3), (mean, y), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=9)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.6, len(names) - 0.2)
    ax.grid(axis="x", alpha=0.3)
    ax.set(title=f"{label} por modelo (media ± desvío entre pliegues)", xlabel=label, ylabel="Modelo")
    return fig


def patient_probabilities(
    probabilities, y_true, labels: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD
) -> Figure:
    """Predicted probability per patient as a dot colored by the true class, with the decision threshold.

    Dots, not bars: a probability near 0 would be an invisible bar, hiding its class color.
    """
    fig = Figure(figsize=(8, 0.42 * len(labels) + 1.4), layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(labels))
    colors = [PALETTE[int(y)] for y in y_true]
    ax.hlines(positions, 0, probabilities, color="lightgray", linewidth=1.5)
    ax.scatter(probabilities, positions, c=colors, s=70, zorder=3)
    ax.axvline(threshold, color="black", linestyle=":")
    for position, probability in zip(positions, probabilities, strict=True):
        ax.annotate(
            percent(probability, 0), (probability, position), textcoords="offset points", xytext=(8, -3), fontsize=8
        )
    handles = [
        Line2D([], [], marker="o", linestyle="", color=PALETTE[k], label=TARGET_CLASSES[k]) for k in _CLASS_ORDER
    ]
    handles.append(Line2D([], [], color="black", linestyle=":", label=f"umbral {decimal(threshold, 2)}"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_yticks(positions, list(labels))
    ax.invert_yaxis()
    ax.set(
        title="Probabilidad predicha por paciente (color: clase real)",
        xlabel="probabilidad",
        ylabel="Paciente",
        xlim=(-0.02, 1.1),
    )
    return fig


def probability_histogram(probabilities, *, threshold: float = DEFAULT_THRESHOLD) -> Figure:
    """How the probabilities of a batch of patients spread, with the decision threshold."""
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.hist(np.asarray(probabilities) * 100, bins=np.linspace(0, 100, 21), color="#8172B3", edgecolor="white")
    ax.axvline(threshold * 100, color="black", linestyle=":", label=f"umbral {percent(threshold, 0)}")
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0f} %")
    ax.legend()
    ax.set(
        title="Distribución de las probabilidades del lote",
        xlabel="probabilidad de enfermedad cardíaca",
        ylabel="Pacientes",
        xlim=(0, 100),
    )
    return fig


def risk_gauge(probability: float, *, threshold: float = DEFAULT_THRESHOLD) -> Figure:
    """A horizontal gauge from 0 % to 100 % with the patient's probability and the threshold."""
    fig = Figure(figsize=(7, 1.5), layout="constrained")
    ax = fig.subplots()
    ax.barh([0], [1], color="#EEEEEE", height=0.6)
    ax.barh([0], [probability], color=PALETTE[int(classify(probability, threshold))], height=0.6)
    ax.axvline(threshold, color="black", linestyle=":", linewidth=1.5)
    ax.annotate(f"umbral {percent(threshold, 0)}", (threshold, 0.42), ha="center", fontsize=8)
    ax.set(title=f"Probabilidad de enfermedad cardíaca: {percent(probability)}", xlim=(0, 1), yticks=[])
    ax.set_xlabel("probabilidad")
    ax.xaxis.set_major_formatter(lambda value, _: percent(value, 0))
    return fig


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
    rows). Every feature has its bar and its push written in percentage
    points, so the figure is never empty; red raises the risk, blue lowers it.
    """
    base, final = contributions.attrs["base"], contributions.attrs["probability"]
    steps = contributions.iloc[::-1].reset_index(drop=True)  # the largest push on top, reached last
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
    for position, start, end, push in zip(positions, starts, ends, pushes, strict=True):
        rightwards = push >= 0  # write the push beyond the bar's far end
        ax.annotate(
            points(push),
            (max(start, end) * 100 if rightwards else min(start, end) * 100, position),
            xytext=(4 if rightwards else -4, 0),
            textcoords="offset points",
            ha="left" if rightwards else "right",
            va="center",
            fontsize=9,
        )
    ax.axvline(base * 100, color="gray", linestyle=":", linewidth=1.2, label=f"tasa base: {percent(base)}")
    ax.axvline(final * 100, color="black", linestyle="--", linewidth=1.2, label=f"este paciente: {percent(final)}")
    ax.set_yticks(positions, labels)
    low, high = min(starts.min(), ends.min()) * 100, max(starts.max(), ends.max()) * 100
    margin = max(high - low, 4.0)
    ax.set_xlim(low - 0.18 * margin, high + 0.18 * margin)  # room for the pushes written beside the bars
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0f} %")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2, fontsize=9, frameon=False)
    ax.set(
        title=f"Por qué este paciente tiene {percent(final)}\n"
        f"(desde la tasa base, {percent(base)}, variable por variable)",
        xlabel="probabilidad de enfermedad cardíaca",
        ylabel="Variable: valor del paciente",
    )
    return fig


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
