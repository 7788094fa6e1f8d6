"""data/README.md documents what the code does: every column, category and checksum."""

from pathlib import Path

import pytest

import heartnet

README = (Path(__file__).resolve().parents[2] / "data" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("feature", heartnet.FEATURES, ids=lambda f: f.name)
def test_every_feature_is_in_the_column_dictionary(feature):
    line = next((line for line in README.splitlines() if line.startswith(f"| `{feature.name}` |")), None)
    assert line is not None
    if feature.kind == "numeric":
        assert f"{feature.min:g} a {feature.max:g}" in line and feature.unit in line
    for value in feature.values:
        assert f"`{value}`" in line


def test_checksum_and_link():
    assert heartnet.DATASET_SHA256 in README
    assert heartnet.KAGGLE_URL in README
