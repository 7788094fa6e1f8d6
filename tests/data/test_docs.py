"""The documents say what the code does: every column, category and checksum, and the outcome by its right name."""

from pathlib import Path

import pytest

import heartnet

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "data" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("feature", heartnet.FEATURES, ids=lambda f: f.name)
def test_every_feature_is_in_the_column_dictionary(feature):
    line = next((line for line in README.splitlines() if line.startswith(f"| `{feature.name}` |")), None)
    assert line is not None
    if feature.kind == "numeric":
        assert f"{feature.min:g} a {feature.max:g}" in line and feature.unit in line
    for value, meaning in feature.categories:  # the code and what it means, as the spec words it
        assert f"`{value}`" in line and meaning[1:] in line


def test_checksum_and_link():
    assert heartnet.DATASET_SHA256 in README
    assert heartnet.KAGGLE_URL in README


@pytest.mark.parametrize("document", ["README.md", "docs/model_card.md", "data/README.md"])
def test_the_outcome_is_named_coronary_disease_with_its_definition(document):
    text = " ".join((ROOT / document).read_text(encoding="utf-8").split())
    assert f"enfermedad coronaria: {heartnet.features.TARGET_DEFINITION}" in text.replace("**", "")
    assert "enfermedad cardíaca" not in text.lower()
    assert "insuficiencia cardíaca" in text  # why the Kaggle title says otherwise
