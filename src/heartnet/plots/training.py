"""How a network's training went: loss curves by epoch, and a signal layer by layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from heartnet.plots._common import (
    PALETTE,
    Figure,
)

__all__ = ["history_curves", "layer_spread", "training_curves"]


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
