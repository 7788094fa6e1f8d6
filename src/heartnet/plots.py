"""Figures shared by the notebook and the app: each function takes data and returns a Figure.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so they hold
no global state: a notebook displays the returned object once, and the app
can render them from several sessions at once. Titles and labels are in
Spanish, with units from the feature spec.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from heartnet.decision import DEFAULT_THRESHOLD, classify
from heartnet.features import FEATURES, FEATURES_BY_NAME, TARGET, TARGET_CLASSES, TARGET_LABEL

__all__ = [
    "activation_functions",
    "binary_cross_entropy",
    "calibration",
    "categorical_positive_rates",
    "class_balance",
    "confusion_matrix",
    "contribution_bars",
    "correlations",
    "encoded_matrix",
    "feature_table",
    "history_curves",
    "metric_comparison",
    "missing_cholesterol",
    "model_comparison",
    "numeric_distributions",
    "patient_probabilities",
    "risk_gauge",
    "roc_and_precision_recall",
    "threshold_tradeoff",
    "training_curves",
]

PALETTE = {0: "#4C72B0", 1: "#C44E52"}
MODEL_NAMES = {
    "heartnet": "heartnet (red neuronal)",
    "logistic_regression": "Regresión logística",
    "random_forest": "Bosque aleatorio",
    "hist_gradient_boosting": "Gradient boosting (histogramas)",
    "svc": "Máquina de vectores de soporte",
}
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
    ax.bar_label(bars, labels=[f"{n} ({n / counts.sum():.0%})" for n in counts])
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


def categorical_positive_rates(df: pd.DataFrame) -> Figure:
    """Share of patients with heart disease in each category of each categorical or binary feature."""
    names = [f.name for f in FEATURES if f.kind != "numeric"]
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    overall = df[TARGET].mean()
    for ax, name in zip(axes, names, strict=True):
        feature = FEATURES_BY_NAME[name]
        rates = df.groupby(name)[TARGET].agg(["mean", "size"]).reindex(list(feature.values))
        labels = [f"{value}\n(n={int(n)})" for value, n in zip(rates.index, rates["size"], strict=True)]
        bars = ax.bar(labels, rates["mean"], color="#8172B3")
        ax.bar_label(
            bars,
            labels=[f"{rate:.0%}" for rate in rates["mean"]],
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
        ax.axhline(overall, color="gray", linestyle="--", linewidth=1, label=f"Global {overall:.0%}")
        ax.set(title=feature.label, xlabel="categoría (n = pacientes)", ylabel="Tasa de enfermedad", ylim=(0, 1.1))
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("Tasa de enfermedad cardíaca por categoría")
    return fig


def correlations(df: pd.DataFrame) -> Figure:
    """Pearson correlations between the numeric and binary columns and the target."""
    columns = [f.name for f in FEATURES if f.kind in ("numeric", "binary")] + [TARGET]
    matrix = df[columns].astype(float).corr()
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(matrix, annot=True, fmt=".2f", cmap="vlag", vmin=-1, vmax=1, square=True, ax=ax)
    ax.set(title="Correlación de Pearson (variables numéricas y objetivo)", xlabel="Variable", ylabel="Variable")
    return fig


def missing_cholesterol(raw: pd.DataFrame) -> Figure:
    """Rate of heart disease with and without a measured cholesterol (raw file: 0 = not measured)."""
    feature = next(f for f in FEATURES if f.nullable)
    missing = raw[feature.name] == feature.missing_code
    groups = {"Medido": raw.loc[~missing, TARGET], "No medido (0)": raw.loc[missing, TARGET]}
    fig = Figure(figsize=(5.5, 3.4), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(list(groups), [g.mean() for g in groups.values()], color=["#8172B3", "#C44E52"])
    ax.bar_label(bars, labels=[f"{g.mean():.0%} de {len(g)}" for g in groups.values()])
    ax.set(
        title="Colesterol «no medido» y enfermedad cardíaca",
        xlabel="Colesterol sérico",
        ylabel="Tasa de enfermedad cardíaca",
        ylim=(0, 1.1),
    )
    return fig


def encoded_matrix(matrix: np.ndarray, columns: Sequence[str], rows: Sequence[str]) -> Figure:
    """Heatmap of the matrix the MLP receives: one row per patient, one column per encoded feature."""
    fig = Figure(figsize=(12, 0.5 * len(rows) + 2.6), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        pd.DataFrame(matrix, index=rows, columns=columns),
        annot=True,
        fmt=".1f",
        cmap="vlag",
        center=0,
        cbar_kws={"label": "valor (numéricas: desvíos estándar; one-hot: 0/1)"},
        annot_kws={"fontsize": 7},
        ax=ax,
    )
    ax.set(title="La matriz que recibe el MLP", xlabel="Columna codificada", ylabel="Paciente")
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


def training_curves(history: Mapping[str, Sequence[float]], *, best_epoch: int | None = None) -> Figure:
    """Loss and ROC AUC per epoch, training against validation, of one fit."""
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    panels = [("loss", "pérdida (entropía cruzada)", "Pérdida por época"), ("auc", "ROC AUC", "ROC AUC por época")]
    for ax, (metric, label, title) in zip(fig.subplots(1, 2), panels, strict=True):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], label="entrenamiento")
        ax.plot(epochs, history[f"val_{metric}"], label="validación")
        if best_epoch:
            ax.axvline(best_epoch, color="gray", linestyle=":", label=f"mejor época ({best_epoch})")
        ax.set(title=title, xlabel="época", ylabel=label)
        ax.legend()
    return fig


def confusion_matrix(y_true, probabilities, *, threshold: float = DEFAULT_THRESHOLD) -> Figure:
    """Counts of true/false positives/negatives at a threshold."""
    predicted = classify(probabilities, threshold)
    matrix = skm.confusion_matrix(y_true, predicted, labels=_CLASS_ORDER)
    names = [TARGET_CLASSES[k].replace(" ", "\n", 1) for k in _CLASS_ORDER]  # "Sin\nenfermedad cardíaca"
    fig = Figure(figsize=(5.2, 4.2), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(pd.DataFrame(matrix, index=names, columns=names), annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax)
    ax.set(title=f"Matriz de confusión (umbral {threshold:.2f})", xlabel="Predicción", ylabel="Clase real")
    return fig


def roc_and_precision_recall(y_true, probabilities, *, label: str = "heartnet") -> Figure:
    """ROC curve and precision-recall curve, with their areas."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    roc_ax, pr_ax = fig.subplots(1, 2)
    fpr, tpr, _ = skm.roc_curve(y_true, probabilities)
    roc_ax.plot(fpr, tpr, label=f"{label} (AUC = {skm.roc_auc_score(y_true, probabilities):.3f})")
    roc_ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="azar")
    roc_ax.set(title="Curva ROC", xlabel="Tasa de falsos positivos (1 − especificidad)", ylabel="Sensibilidad (recall)")
    roc_ax.legend(loc="lower right")
    precision, recall, _ = skm.precision_recall_curve(y_true, probabilities)
    ap = skm.average_precision_score(y_true, probabilities)
    pr_ax.plot(recall, precision, label=f"{label} (AP = {ap:.3f})")
    pr_ax.axhline(np.mean(y_true), color="gray", linestyle="--", label="prevalencia")
    pr_ax.set(title="Curva precisión-sensibilidad", xlabel="Sensibilidad (recall)", ylabel="Precisión", ylim=(0, 1.02))
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
        title=f"Curva de calibración (Brier = {brier:.3f})",
        xlabel="Probabilidad predicha (media del grupo)",
        ylabel="Fracción observada de enfermos",
    )
    ax.legend()
    return fig


def threshold_tradeoff(y_true, probabilities, *, chosen: float | None = None) -> Figure:
    """Precision, recall and specificity as the decision threshold moves."""
    thresholds = np.linspace(0.05, 0.95, 91)
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities)
    curves = {"sensibilidad (recall)": [], "precisión": [], "especificidad": []}
    for t in thresholds:
        predicted = classify(probabilities, t).astype(bool)
        curves["sensibilidad (recall)"].append(skm.recall_score(y_true, predicted, zero_division=0))
        curves["precisión"].append(skm.precision_score(y_true, predicted, zero_division=0))
        curves["especificidad"].append(skm.recall_score(1 - y_true, ~predicted, zero_division=0))
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for name, values in curves.items():
        ax.plot(thresholds, values, label=name)
    if chosen is not None:
        ax.axvline(chosen, color="black", linestyle=":", label=f"umbral elegido {chosen:.2f}")
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
        ax.annotate(f"{mean:.3f}", (mean, y), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=9)
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
            f"{probability:.0%}", (probability, position), textcoords="offset points", xytext=(8, -3), fontsize=8
        )
    handles = [
        Line2D([], [], marker="o", linestyle="", color=PALETTE[k], label=TARGET_CLASSES[k]) for k in _CLASS_ORDER
    ]
    handles.append(Line2D([], [], color="black", linestyle=":", label=f"umbral {threshold:.2f}"))
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


def risk_gauge(probability: float, *, threshold: float = DEFAULT_THRESHOLD) -> Figure:
    """A horizontal gauge from 0 % to 100 % with the patient's probability and the threshold."""
    fig = Figure(figsize=(7, 1.5), layout="constrained")
    ax = fig.subplots()
    ax.barh([0], [1], color="#EEEEEE", height=0.6)
    ax.barh([0], [probability], color=PALETTE[int(classify(probability, threshold))], height=0.6)
    ax.axvline(threshold, color="black", linestyle=":", linewidth=1.5)
    ax.annotate(f"umbral {threshold:.0%}", (threshold, 0.42), ha="center", fontsize=8)
    ax.set(title=f"Probabilidad de enfermedad cardíaca: {probability:.1%}", xlim=(0, 1), yticks=[])
    ax.set_xlabel("probabilidad")
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    return fig


def contribution_bars(effects: pd.DataFrame) -> Figure:
    """Bars of ``heartnet.explain.contributions``: red raises the risk, blue lowers it."""
    shown = effects.iloc[::-1]
    values = [
        "no medido" if pd.isna(value) else f"{value:g}" if isinstance(value, float) else value
        for value in shown["value"]
    ]
    labels = [f"{label} = {value}" for label, value in zip(shown["label"], values, strict=True)]
    fig = Figure(figsize=(7.5, 0.38 * len(shown) + 1.4), layout="constrained")
    ax = fig.subplots()
    points = (shown["effect"] * 100).round(2)  # float noise of an unchanged value is not an effect
    ax.barh(labels, points, color=[PALETTE[int(effect > 0)] for effect in points])
    ax.axvline(0, color="gray", linewidth=0.8)
    reach = max(1.0, float(points.abs().max()) * 1.1)
    ax.set_xlim(-reach, reach)
    ax.set(
        title="Qué subió (rojo) o bajó (azul) el riesgo de este paciente",
        xlabel="cambio en la probabilidad frente a un valor típico (puntos porcentuales)",
        ylabel="Variable = valor del paciente",
    )
    return fig
