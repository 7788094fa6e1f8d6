"""The notebooks' code cells: every figure a cell draws with `heartnet.plots` is shown."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebook.ipynb"
ADVANCED = NOTEBOOK.parent / "notebooks" / "avanzado.ipynb"


def _dotted(node: ast.AST) -> str:
    """`plots.diagrams.model_svg` for the function of a call written that way; '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def lost_figures(source: str) -> list[str]:
    """The `plots.*(...)` calls a cell makes as bare statements anywhere but its last line.

    A figure function returns a `Figure`; Jupyter shows it only as the cell's last expression, so a bare call
    anywhere else (or inside a loop) draws a figure nobody sees. IPython's `%` and `!` lines are not Python.
    """
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body else None
    return [
        ast.get_source_segment(code, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and node is not last
        and isinstance(node.value, ast.Call)
        and "plots" in _dotted(node.value.func).split(".")[:-1]
    ]


def test_a_figure_drawn_before_the_last_line_is_found():
    # The shape of the cell that lost the ROC and precision-recall figure: the call, then more code.
    lost = "plots.roc_and_precision_recall(y, p)\nfitted = calibration(y, p)\nplots.calibration(y, p)"
    assert lost_figures(lost) == ["plots.roc_and_precision_recall(y, p)"]
    in_a_loop = "%matplotlib inline\nfor h in hospitals:\n    heartnet.plots.calibration(y[h], p[h])\nprint(h)"
    assert lost_figures(in_a_loop) == ["heartnet.plots.calibration(y[h], p[h])"]


def test_a_figure_displayed_or_on_the_last_line_is_shown():
    shown = "display(plots.roc(y, p))\nfigure = plots.history_curves(runs)\nfigure.axes[0].legend()\nplots.roc(y, p)"
    assert lost_figures(shown) == []
    assert lost_figures("") == []


@pytest.mark.parametrize("path", [NOTEBOOK, ADVANCED], ids=["main", "advanced"])
def test_no_cell_leaves_a_figure_undisplayed(path):
    cells = nbformat.read(path, as_version=4).cells
    lost = {index: lost_figures(cell.source) for index, cell in enumerate(cells) if cell.cell_type == "code"}
    assert not {index: calls for index, calls in lost.items() if calls}, "display() them, or draw them last"
