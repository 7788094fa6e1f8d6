"""notebook.ipynb: the committed copy is complete and clean, and a fresh copy executes without errors."""

from __future__ import annotations

import base64
import itertools
import os
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

import heartnet
from tools.execute_notebook import execute

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebook.ipynb"
ADVANCED = NOTEBOOK.parent / "notebooks" / "avanzado.ipynb"
ADVANCED_SECTIONS = [
    "La comparación, con su estadística",
    "Cómo se eligió el modelo",
    "El colesterol «no medido», tres maneras",
    "El modelo guardado",
    "Los errores del modelo",
]
SECTIONS = [
    "El problema",
    "Los datos",
    "De filas a una matriz",
    "El modelo",
    "Teoría, demostrada",
    "Entrenamiento con Keras",
    "Evaluación",
    "Un hospital que el modelo no vio",
    "Inferencia",
    "La aplicación web",
    "Conclusiones",
]
# What a Spanish reader must not meet in an output: English table headers, model and candidate ids (the nested
# search's `previous`, `ple4_…`, `tabm_…`), `one_hot`, the English "log loss" and English errors.
ENGLISH = re.compile(
    r"\b(roc_auc|fit_seconds|logistic_regression|random_forest|one_hot|ple\d+_\w+|tabm_\w+|previous"
    r"|expected a number|got \d)\b"
)
ABSOLUTE_PATH = re.compile(r"(/work/|/home/|/root/|/tmp/|/usr/|site-packages|[A-Z]:\\\\)")
# The errors at a threshold as both notebooks print them: «umbral 20 %: … falsos negativos 6, falsos positivos 28»,
# the counts on the same line or on the next.
ERRORS_AT = re.compile(r"umbral (\d+(?:,\d+)?) %:[^\n]*\n?[^\n]*?falsos negativos (\d+), falsos positivos (\d+)")


def sections(notebook) -> dict[int, list]:
    """Cells grouped by their '## N. Title' section (0 = before the first section; a heading's cell starts it)."""
    grouped: dict[int, list] = {0: []}
    current = 0
    for cell in notebook.cells:
        # a prose cell may close one section and open the next: its heading starts a line anywhere in it
        match = re.search(r"^## (\d+)\. ", cell.source, re.MULTILINE) if cell.cell_type == "markdown" else None
        if match:
            current = int(match.group(1))
            grouped[current] = []
        grouped[current].append(cell)
    return grouped


def check_structure(notebook, titles: list[str] = SECTIONS, *, main: bool = True) -> None:
    headings = [line for cell in notebook.cells if cell.cell_type == "markdown" for line in cell.source.splitlines()]
    assert [h for h in headings if re.match(r"## \d+\. ", h)] == [
        f"## {number}. {title}" for number, title in enumerate(titles, start=1)
    ]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), "run top to bottom, once"
    # No run timestamps: re-executing changes only what the run itself changes.
    assert not [cell.metadata for cell in notebook.cells if "execution" in cell.metadata]
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", cell.source
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not ABSOLUTE_PATH.search(text), f"an absolute path in the output of:\n{cell.source}"
            assert "Warning" not in text, f"a warning in the output of:\n{cell.source}"
    for cell in code:
        for output in cell.outputs:
            shown = output.get("text", "") + str(output.get("data", {}).get("text/html", ""))
            shown += str(output.get("data", {}).get("text/plain", ""))
            assert not ENGLISH.search(shown), f"English in the output of:\n{cell.source}"
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "sólo" not in prose  # the RAE writes "solo"
    shown = "\n".join(_output_text(output) for cell in code for output in cell.outputs)
    assert "pérdida logarítmica" not in prose + shown, "the project's one name for it is «log loss»"
    for output in (output for cell in code for output in cell.outputs):
        png = output.get("data", {}).get("image/png")
        if png:  # legible at GitHub's width: no image wider than 1,200 px
            assert _png_width(png) <= 1200, f"an image {_png_width(png)} px wide"
    if not main:
        return
    source = "\n".join(cell.source for cell in code)
    assert ".compile(" in source and ".fit(" in source and "HeartnetClassifier" in source  # the Keras way, shown
    grouped = sections(notebook)
    for number in range(2, len(SECTIONS)):
        images = [
            output
            for cell in grouped[number]
            if cell.cell_type == "code"
            for output in cell.outputs
            if "image/png" in output.get("data", {})
        ]
        assert images, f"section {number} ({SECTIONS[number - 1]}) shows no image"


def _output_text(output) -> str:
    """What an output shows as text: a stream's text, or a result's plain text."""
    return output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))


def _png_width(data: str) -> int:
    return int.from_bytes(base64.b64decode(data)[16:20], "big")  # the IHDR chunk's width


def test_committed_notebook_is_executed_complete_and_clean():
    check_structure(nbformat.read(NOTEBOOK, as_version=4))


def test_the_advanced_notebook_is_executed_complete_and_clean():
    check_structure(nbformat.read(ADVANCED, as_version=4), ADVANCED_SECTIONS, main=False)


def test_the_main_notebook_is_a_students_length_and_links_the_advanced_one():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    words = sum(len(cell.source.split()) for cell in cells if cell.cell_type == "markdown")
    assert len(cells) <= 60 and words <= 3500, (len(cells), words)
    assert "notebooks/avanzado.ipynb" in cells[0].source


def test_no_code_cell_of_the_main_notebook_is_longer_than_30_lines():
    """A student reads a cell at a glance: a longer one is split at a sentence that says why, or made plainer."""
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    lengths = {index: len(cell.source.splitlines()) for index, cell in enumerate(cells) if cell.cell_type == "code"}
    assert all(lines <= 30 for lines in lengths.values()), {index: n for index, n in lengths.items() if n > 30}


@pytest.mark.parametrize("path", [NOTEBOOK, ADVANCED], ids=["main", "advanced"])
def test_the_notebook_records_the_kernel_that_make_notebook_installs(path):
    """Jupyter shows the kernel by its display name: the one the Makefile installs into .venv, for both notebooks."""
    makefile = (NOTEBOOK.parent / "Makefile").read_text(encoding="utf-8")
    name, display_name = re.search(r'ipykernel install .*--name (\S+) --display-name "([^"]+)"', makefile).groups()
    kernelspec = nbformat.read(path, as_version=4).metadata.kernelspec
    assert (kernelspec.name, kernelspec.display_name) == (name, display_name)


@pytest.mark.parametrize("path", [NOTEBOOK, ADVANCED], ids=["main", "advanced"])
def test_every_code_cell_is_announced_by_prose(path):
    cells = nbformat.read(path, as_version=4).cells
    for previous, cell in itertools.pairwise(cells):
        if cell.cell_type == "code" and previous.cell_type == "code":
            pytest.fail(f"two code cells in a row, the second without a sentence saying why:\n{cell.source}")


def _printed_errors(path: Path) -> dict[str, tuple[int, int]]:
    """The false negatives and false positives a committed notebook prints, by the threshold as printed ("20")."""
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    text = "".join(_output_text(output) for cell in code for output in cell.outputs)
    return {threshold: (int(fn), int(fp)) for threshold, fn, fp in ERRORS_AT.findall(text)}


def test_the_two_notebooks_print_the_same_errors_at_the_models_threshold():
    """Same model, same split, same threshold: the advanced notebook's error counts are the main one's."""
    threshold = heartnet.spanish.percent(heartnet.DEFAULT_THRESHOLD, 0).removesuffix(" %")
    main, advanced = _printed_errors(NOTEBOOK), _printed_errors(ADVANCED)
    assert threshold in main, f"the main notebook prints no error counts at {threshold} %: {main}"
    assert threshold in advanced, f"the advanced notebook prints no error counts at {threshold} %: {advanced}"
    assert advanced[threshold] == main[threshold], (advanced, main)


def test_the_advanced_notebook_repeats_no_figure_of_the_main_one():
    sources = {
        path: "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
        for path in (NOTEBOOK, ADVANCED)
    }
    figures = {path: set(re.findall(r"\bplots\.(\w+)\(", source)) for path, source in sources.items()}
    assert not figures[ADVANCED] & figures[NOTEBOOK], "a figure of the main notebook, drawn again"


@pytest.mark.slow
def test_a_fresh_copy_executes_without_errors(tmp_path):
    copy = tmp_path / "notebook.ipynb"
    shutil.copy(NOTEBOOK, copy)
    execute(copy, timeout=600)
    check_structure(nbformat.read(copy, as_version=4))  # the executed copy, as written to disk


@pytest.mark.slow
def test_a_fresh_copy_of_the_advanced_notebook_executes_without_errors(tmp_path):
    copy = tmp_path / "avanzado.ipynb"
    shutil.copy(ADVANCED, copy)
    execute(copy, timeout=600)
    check_structure(nbformat.read(copy, as_version=4), ADVANCED_SECTIONS, main=False)


@pytest.mark.slow
@pytest.mark.parametrize("last_cell", ["None", "1 / 0"], ids=["succeeds", "fails"])
def test_the_kernel_does_not_outlive_the_run_and_a_failing_notebook_is_not_written(tmp_path, last_cell):
    from nbclient.exceptions import CellExecutionError

    pid_file = tmp_path / "kernel.pid"
    cells = [nbformat.v4.new_code_cell(f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))")]
    notebook = nbformat.v4.new_notebook(cells=[*cells, nbformat.v4.new_code_cell(last_cell)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "pid.ipynb"
    nbformat.write(notebook, path)
    before = path.read_bytes()
    if last_cell == "1 / 0":
        with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
            execute(path)
        assert path.read_bytes() == before  # nothing half-written: the file is as it was
    else:
        execute(path)
        assert path.read_bytes() != before  # written with its outputs
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text(encoding="utf-8")), 0)  # signal 0: only asks whether the process exists


def _code_cell(cells, marker: str) -> str:
    found = [cell.source for cell in cells if cell.cell_type == "code" and marker in cell.source]
    assert len(found) == 1, f"one code cell with {marker!r}"
    return found[0]


def test_the_notebooks_keras_code_builds_and_trains_the_model_that_ships(dataset):
    """The page builds and trains the model in plain Keras: it must be the package's, probability for probability."""
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    imports = "\n".join(line for line in cells[1].source.splitlines() if not line.startswith("%"))
    namespace = {"__name__": "notebook"}
    exec(compile(imports, "imports", "exec"), namespace)
    hospitals = heartnet.load_dataset(with_hospital=True)
    namespace |= {"df": hospitals, "display": lambda *args, **kwargs: None, "print": lambda *args, **kwargs: None}
    markers = (
        "inputs, columns = {}, []",  # the preprocessing layers
        "def code_of(",  # what prints a layer's code, used by the cells below
        "def member(",  # the members' size, and the naive ensemble
        "def ensemble_network(",  # the ensemble in one graph
        "network = ensemble_network(seed=0)",  # the whole model
        "matrix_train = encoder.predict_on_batch",  # the encoded training rows
        "trainer.compile(",  # compile and fit
    )
    for marker in markers:
        exec(compile(_code_cell(cells, marker), marker, "exec"), namespace)
    X_train, y_train, X_test = namespace["X_train"], namespace["y_train"], namespace["X_test"]
    shipped = heartnet.HeartnetClassifier(random_state=0).fit(X_train, y_train)
    assert namespace["model"].get_config() == shipped.model_.get_config()
    on_the_page = namespace["model"].predict_on_batch(heartnet.model.to_inputs(X_test)).ravel()
    np.testing.assert_allclose(on_the_page, shipped.predict_proba(X_test)[:, 1], atol=1e-6)
