"""How good the probabilities are: ranking, calibration, decisions, comparisons, one patient's risk."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from heartnet.decision import DEFAULT_THRESHOLD, classify
from heartnet.evaluate import net_benefit
from heartnet.features import TARGET_CLASSES
from heartnet.plots._common import (
    CLASS_ORDER,
    HOSPITAL_NAMES,
    PALETTE,
    Figure,
)
from heartnet.spanish import UPDATE_NAMES, decimal, percent

__all__ = [
    "calibration",
    "calibration_by_hospital",
    "confusion_matrix",
    "decision_curve",
    "decision_curves_by_hospital",
    "grouped_bars",
    "patient_probabilities",
    "probability_histogram",
    "recalibration_by_sample_size",
    "risk_gauge",
    "roc_and_precision_recall",
]


# What each cell of the confusion matrix is called, by (true class, predicted class).
_CELL_NAMES = {
    (0, 0): "verdaderos\nnegativos",
    (0, 1): "falsos\npositivos",
    (1, 0): "falsos\nnegativos",
    (1, 1): "verdaderos\npositivos",
}


def confusion_matrix(y_true, probabilities, *, threshold: float = DEFAULT_THRESHOLD) -> Figure:
    """Counts of true/false positives/negatives at a threshold, each cell with its count and its name.

    The classes are written on short lines ("Sin\nenfermedad\ncoronaria") so that the two column labels never
    run into each other; the threshold is a percentage, as the notebook and the app write it.
    """
    predicted = classify(probabilities, threshold)
    matrix = skm.confusion_matrix(y_true, predicted, labels=CLASS_ORDER)
    names = [textwrap.fill(TARGET_CLASSES[k], 10) for k in CLASS_ORDER]
    written = [[f"{matrix[t, p]}\n{_CELL_NAMES[t, p]}" for p in CLASS_ORDER] for t in CLASS_ORDER]
    fig = Figure(figsize=(5.2, 4.4), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        pd.DataFrame(matrix, index=names, columns=names), annot=np.array(written), fmt="", cmap="Blues", cbar=False,
        ax=ax, annot_kws={"fontsize": 12},
    )  # fmt: skip
    ax.tick_params(axis="y", labelrotation=0)
    ax.set(
        title=f"Matriz de confusión al umbral de {percent(threshold, 0)}",
        xlabel="lo que predice el modelo",
        ylabel="diagnóstico real (angiografía)",
    )
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
    pr_ax.plot(recall, precision, label=f"{label} (precisión media, AP = {decimal(ap, 3)})")
    pr_ax.axhline(np.mean(y_true), color="gray", linestyle="--", label="tasa de enfermedad")
    pr_ax.set(title="Curva precisión-sensibilidad", xlabel="Sensibilidad", ylabel="Precisión (VPP)", ylim=(0, 1.02))
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


def _hospital_panels(hospitals) -> tuple[Figure, list, list]:
    """A 2 × 2 grid (or as many as needed) for one panel per hospital, in the order they appear."""
    names = list(dict.fromkeys(np.asarray(hospitals, dtype=object)))
    fig = Figure(figsize=(9, 7), layout="constrained")
    axes = fig.subplots(2, (len(names) + 1) // 2, squeeze=False).ravel()
    for ax in axes[len(names) :]:
        ax.axis("off")
    return fig, names, list(axes)


def calibration_by_hospital(y_true, probabilities, hospitals, *, bins: int = 5) -> Figure:
    """One reliability diagram per hospital: the observed rate against the predicted one, by quantile groups.

    ``probabilities`` should be out of fold with each hospital held out
    (``heartnet.evaluate.out_of_fold`` with ``hospital_folds``): what a new
    hospital would get. Each panel's title gives the hospital's rate and the
    mean predicted risk.
    """
    y, p, groups = np.asarray(y_true), np.asarray(probabilities), np.asarray(hospitals, dtype=object)
    fig, names, axes = _hospital_panels(groups)
    for ax, name in zip(axes, names, strict=False):
        here = groups == name
        observed, predicted = calibration_curve(y[here], p[here], n_bins=bins, strategy="quantile")
        ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="calibración perfecta")
        ax.plot(predicted, observed, marker="o", color=PALETTE[1], label="heartnet")
        ax.set(
            title=f"{HOSPITAL_NAMES.get(name, name)}: {percent(y[here].mean(), 0)} enfermos, "
            f"riesgo medio predicho {percent(p[here].mean(), 0)}",
            xlabel="probabilidad predicha (media del grupo)",
            ylabel="fracción observada de enfermos",
            xlim=(0, 1),
            ylim=(0, 1.02),
        )
        ax.title.set_fontsize(9.5)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("Calibración en cada hospital dejado afuera (predicciones de un modelo que no vio ese hospital)")
    return fig


def decision_curves_by_hospital(y_true, probabilities, hospitals, *, threshold: float | None = None) -> Figure:
    """``decision_curve`` once per hospital (out-of-fold probabilities, each hospital held out)."""
    y, p, groups = np.asarray(y_true), np.asarray(probabilities), np.asarray(hospitals, dtype=object)
    fig, names, axes = _hospital_panels(groups)
    for ax, name in zip(axes, names, strict=False):
        here = groups == name
        decision_curve(y[here], p[here], threshold=threshold, title=HOSPITAL_NAMES.get(name, name), ax=ax)
        ax.set_ylabel("beneficio neto")
        ax.get_legend().remove()  # one legend for the four panels, below them, over no curve
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle("Curvas de decisión en cada hospital dejado afuera")
    return fig


def decision_curve(
    y_true, probabilities, *, threshold: float | None = None, title: str = "Curva de decisión", ax=None
) -> Figure:
    """Net benefit against the threshold probability (``heartnet.evaluate.net_benefit``).

    The model beside «estudiar a todos» and «no estudiar a nadie»; where its curve
    lies above both, deciding with the model does more good than either
    default at the harm-to-benefit odds the threshold stands for. ``threshold``
    marks the model's own.
    """
    curves = net_benefit(y_true, probabilities)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained") if ax is None else ax.figure
    ax = fig.subplots() if ax is None else ax
    ax.plot(curves.index, curves["model"], color=PALETTE[1], label="heartnet")
    ax.plot(curves.index, curves["all"], color="gray", linestyle="--", label="estudiar a todos")
    ax.plot(curves.index, curves["none"], color="black", linestyle=":", label="no estudiar a nadie")
    if threshold is not None:
        ax.axvline(threshold, color=PALETTE[0], linewidth=1, label=f"umbral del modelo ({percent(threshold, 0)})")
    top = float(max(curves["model"].max(), curves["all"].max()))
    ax.set(
        title=title,
        xlabel="probabilidad umbral (riesgo a partir del cual se estudiaría)",
        ylabel="beneficio neto (enfermos detectados por paciente)",
        ylim=(-0.05, top + 0.05),
    )
    ax.xaxis.set_major_formatter(lambda value, _: percent(value, 0))
    # The y ticks keep matplotlib's default formatter, which Figure writes with a comma and as many decimals as
    # the ticks need (0,05 steps: 0,25, 0,3): one fixed decimal would print two ticks as the same "0,3".
    ax.legend(fontsize=8)
    return fig


def recalibration_by_sample_size(recalibration: Mapping, *, draws: int | None = None) -> Figure:
    """Log loss after updating with k local patients, one panel per held-out hospital (reports/hospitals.json).

    ``recalibration`` is the report's ``recalibration``: hospital -> k -> update -> mean metrics (and
    ``auto_chose``, what the automatic rule picked in how many draws). ``draws``, the random draws of k patients
    averaged at each point, goes in the title; without it, it is counted from ``auto_chose`` when that is there.
    The panels share their y axis, so that a change of 0,01 looks as small in one hospital as in another; the
    legend, below them, says what the automatic update is, and from how many patients an update starts when it
    has no point at the smallest sample (the slope needs more patients than the intercept).
    """
    hospitals = list(recalibration)
    if draws is None:
        chose = [sizes[k].get("auto_chose") for sizes in recalibration.values() for k in sizes]
        counted = {sum(c.values()) for c in chose if c}
        draws = counted.pop() if len(counted) == 1 else None
    fig = Figure(figsize=(8, 6.2), layout="constrained")
    axes = fig.subplots(2, (len(hospitals) + 1) // 2, squeeze=False, sharey=True).ravel()
    for ax, hospital in zip(axes, hospitals, strict=False):
        sizes = recalibration[hospital]
        ks = [int(k) for k in sizes]
        for method, label in UPDATE_NAMES.items():
            points = [(k, sizes[str(k)][method]["log_loss"]) for k in ks if method in sizes[str(k)]]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", label=label)
        ax.set(
            title=HOSPITAL_NAMES.get(hospital, hospital),
            xlabel="pacientes locales usados",
            ylabel="log loss",
        )
        ax.set_xticks(ks)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(hospitals) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    auto = UPDATE_NAMES["auto"]  # what "automática" means, said where it is read
    explained = f"{auto}: en cada sorteo, una prueba elige cuál de las otras aplicar"
    # An update that needs more patients than the smallest sample has no point there: the legend says from where.
    smallest = min(int(k) for sizes in recalibration.values() for k in sizes)
    starts = {line.get_label(): int(min(line.get_xdata())) for line in axes[0].get_lines()}
    later = {label: f"{label} (desde {start} pacientes)" for label, start in starts.items() if start > smallest}
    labels = [explained if label == auto else later.get(label, label) for label in labels]
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    each = f", media de {draws} sorteos" if draws else ""
    fig.suptitle(f"Actualizar el modelo con pocos pacientes del hospital: log loss en los demás{each}")
    return fig


def grouped_bars(
    values: Mapping[str, Mapping[str, float]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Grouped bars with their values: one group per key of the inner mappings, one bar per outer key.

    ``values`` is ``label -> group -> value``, e.g. ``{"con indicador": {"Hungría": 0.4, ...}, ...}``;
    a group a label lacks (NaN) gets no bar.
    """
    frame = pd.DataFrame(values)
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / frame.shape[1]
    positions = np.arange(frame.shape[0])
    for index, name in enumerate(frame.columns):
        bars = ax.bar(positions + index * width, frame[name], width, label=name, color=f"C{index}")
        ax.bar_label(bars, labels=[decimal(v, 2) if v == v else "" for v in frame[name]], fontsize=8)
    ax.set_xticks(positions + width * (frame.shape[1] - 1) / 2, frame.index)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8, loc="best")
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
    handles = [Line2D([], [], marker="o", linestyle="", color=PALETTE[k], label=TARGET_CLASSES[k]) for k in CLASS_ORDER]
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
        xlabel="probabilidad de enfermedad coronaria",
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
    ax.set(title=f"Probabilidad de enfermedad coronaria: {percent(probability)}", xlim=(0, 1), yticks=[])
    ax.set_xlabel("probabilidad")
    ax.xaxis.set_major_formatter(lambda value, _: percent(value, 0))
    return fig
