"""The feature spec is the single source of truth, and the rest of the code agrees with it."""

import ast
from pathlib import Path

import heartnet

SOURCE = Path(heartnet.__file__).parent


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_no_other_module_lists_the_columns():
    offenders = {
        path.name: sorted(_string_constants(path) & set(heartnet.FEATURE_NAMES))
        for path in SOURCE.rglob("*.py")
        if path.name != "features.py"
    }
    assert {name: found for name, found in offenders.items() if found} == {}
