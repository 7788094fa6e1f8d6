"""The feature spec is the single source of truth, and the rest of the code agrees with it."""

import ast
from pathlib import Path

import pytest

import heartnet
from heartnet.features import FEATURES

SOURCE = Path(heartnet.__file__).parent


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.name)
def test_each_feature_is_complete(feature):
    assert feature.kind in ("numeric", "categorical", "binary")
    assert feature.label and feature.description
    if feature.kind == "numeric":
        assert feature.min < feature.max
        assert feature.unit
        assert not feature.categories
    else:
        assert len(feature.values) >= 2
        assert len(set(feature.values)) == len(feature.values)
        assert all(meaning for _, meaning in feature.categories)


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
