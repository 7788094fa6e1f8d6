"""The feature spec is the single source of truth, and the rest of the code agrees with it."""

import ast
import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

import heartnet
from heartnet.features import FEATURES, FEATURES_BY_NAME, spec_as_dicts

SOURCE = Path(heartnet.__file__).parent


def test_eleven_features_and_target_with_unique_names():
    assert len(heartnet.FEATURES) == 11
    assert tuple(f.name for f in FEATURES) == heartnet.FEATURE_NAMES
    assert len(set(heartnet.FEATURE_NAMES)) == 11
    assert heartnet.TARGET == "HeartDisease"
    assert heartnet.TARGET not in heartnet.FEATURE_NAMES


def test_features_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FEATURES[0].name = "Edad"


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


def test_only_cholesterol_is_nullable():
    assert [f.name for f in FEATURES if f.nullable] == ["Cholesterol"]
    assert FEATURES_BY_NAME["Cholesterol"].missing_code == 0


def test_spec_order_matches_the_file_header(dataset):
    from heartnet.paths import data_cache_path

    header = pd.read_csv(data_cache_path(), nrows=0).columns.tolist()
    assert tuple(header) == (*heartnet.FEATURE_NAMES, heartnet.TARGET)


@pytest.mark.parametrize("feature", [f for f in FEATURES if f.kind != "numeric"], ids=lambda f: f.name)
def test_categories_are_exactly_those_in_the_data(dataset, feature):
    assert set(dataset[feature.name].unique()) == set(feature.values)


@pytest.mark.parametrize("feature", [f for f in FEATURES if f.kind == "numeric"], ids=lambda f: f.name)
def test_data_lies_inside_the_plausible_ranges(dataset, feature):
    values = dataset[feature.name].dropna()
    assert values.between(feature.min, feature.max).all()


def test_spec_survives_a_json_round_trip():
    assert json.loads(json.dumps(spec_as_dicts())) == spec_as_dicts()


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
