"""What the ``heartnet`` command prints: paths as the user sees them and results in English."""

from __future__ import annotations

import os
from pathlib import Path

from heartnet.paths import project_root

__all__ = ["CLASS_NAMES", "display", "format_evaluation", "without_absolute_paths"]

# What the threshold decides: whether to study the patient further (the model card, section 8), not a diagnosis.
CLASS_NAMES = {0: "no further study suggested; not ruled out", 1: "study further; not a diagnosis"}
_RATE_LABELS = {"sensitivity": "sensitivity", "specificity": "specificity", "ppv": "PPV", "npv": "NPV"}


def display(path: Path) -> str:
    """A path as the user should see it (see without_absolute_paths)."""
    return without_absolute_paths(str(Path(path).resolve()))


def without_absolute_paths(message: str) -> str:
    """Messages and logs name files relative to the current folder or the checkout, and ~ for home.

    The separator is the platform's: ``models/m.keras`` on Linux and macOS, ``models\\m.keras`` on Windows.
    """
    for folder, shown in ((Path.cwd().resolve(), ""), (project_root(), ""), (Path.home(), f"~{os.sep}")):
        message = message.replace(f"{folder}{os.sep}", shown)
    return message


def confusion_lines(matrix: dict) -> list[str]:
    """The confusion matrix's two rows, true 0 then true 1."""
    return [f"  {matrix['tn']:>5} {matrix['fp']:>5}", f"  {matrix['fn']:>5} {matrix['tp']:>5}"]


def threshold_lines(result: dict) -> list[str]:
    """What a result says at its threshold: accuracy and F1 when given, the four rates, the confusion matrix."""

    def number(value, digits: int = 3) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    threshold = f"{result['threshold']:g}"
    rates = "   ".join(
        f"{label} {number(result[name])} [{number(result[name + '_low'])}, {number(result[name + '_high'])}]"
        for name, label in _RATE_LABELS.items()
    )
    lines = [f"at threshold {threshold} (95% Wilson intervals): {rates}"]
    if "accuracy" in result:
        lines.append(f"at threshold {threshold}: accuracy {result['accuracy']:.3f}   F1 {result['f1']:.3f}")
    return [
        *lines,
        f"confusion matrix at threshold {threshold} (rows: true 0/1, columns: predicted 0/1):",
        *confusion_lines(result["confusion_matrix"]),
    ]


def format_evaluation(result: dict) -> str:
    """``classification_metrics`` in English lines, with what ``evaluate --data`` adds (sample size, rejected rows)."""

    def number(value, digits: int = 3) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    lines = [
        f"{result['n']} patients, {result['prevalence']:.1%} with coronary artery disease; mean predicted risk "
        f"{result['mean_predicted']:.1%}",
        f"ROC AUC {number(result['roc_auc'])} [95% {number(result['roc_auc_low'])}, {number(result['roc_auc_high'])}]"
        f"   Brier {result['brier']:.3f}   log loss {result['log_loss']:.3f}",
        f"calibration intercept {number(result['calibration_intercept'], 2)} "
        f"[{number(result['calibration_intercept_low'], 2)}, {number(result['calibration_intercept_high'], 2)}]"
        f" (0 is calibrated)   slope {number(result['calibration_slope'], 2)} "
        f"[{number(result['calibration_slope_low'], 2)}, {number(result['calibration_slope_high'], 2)}] (1 is)",
        *threshold_lines(result),
    ]
    needed = result.get("patients_needed")
    if needed:
        criteria, widths = needed["by_criterion"], needed["widths"]
        each = ", ".join(
            f"{label} ±{widths[name] / 2:g}: {criteria[name]}"
            for name, label in (
                ("calibration_in_the_large", "O/E"),
                ("calibration_slope", "slope"),
                ("c_statistic", "ROC AUC"),
            )
        )
        low, high = result["calibration_slope_low"], result["calibration_slope_high"]
        now = f"; these {result['n']} give the slope ±{(high - low) / 2:.2f}" if low is not None else ""
        lines.append(
            f"sample size (pmvalsampsize, Riley et al. 2021): about {needed['patients']} patients for 95% intervals "
            f"of {each}{now}"
        )
    if result.get("rejected"):
        count = len(result["rejected"])
        lines.append(f"left out {count} row{'s' * (count != 1)} that failed validation:")
        lines += [f"  line {row['line']}: {row['reason']}" for row in result["rejected"]]
    return "\n".join(lines)
