"""The pieces of a network and how its training went."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from heartnet.plots._common import (
    PALETTE,
    Figure,
)

__all__ = ["activation_functions", "binary_cross_entropy", "history_curves", "layer_spread", "training_curves"]


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
    xlabel: str = "época",
) -> Figure:
    """One line per run (``label -> history dict``): ``metric`` per epoch (or per step), optionally with validation."""
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
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and steps are whole: no «2,5» tick
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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs: no «2,5» tick on a short run
        ax.legend(fontsize=9)
    return fig


def layer_spread(spreads: Mapping[str, Sequence[float]], *, title: str, ylabel: str) -> Figure:
    """One line per setting (``label -> one value per layer``) across a deep network's layers, on a log scale.

    For the spread of activations or the size of gradients layer by layer: a
    line that falls by orders of magnitude is a signal that vanishes, one that
    climbs, a signal that explodes.
    """
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for index, (label, values) in enumerate(spreads.items()):
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", color=f"C{index}", label=label)
    ax.set_yscale("log")
    ax.set(title=title, xlabel="capa oculta", ylabel=ylabel)
    ax.legend(fontsize=8)
    return fig
