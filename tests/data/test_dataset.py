"""Expectations about the dataset itself (Made-With-ML style data tests), and its agreement with the feature spec."""

import pandas as pd
import pytest

import heartnet
from heartnet.data import dataset_facts
from heartnet.features import FEATURES
from heartnet.paths import data_cache_path


def test_raw_file_has_the_documented_quality_issues():
    raw = heartnet.data.raw_dataset()
    facts = dataset_facts(raw)
    assert facts["rows"] == 918
    assert facts["missing"]["Cholesterol"]["rows"] == 172
    assert facts["missing"]["Cholesterol"]["positive_rate"] > 0.85  # the "not measured" signal to keep
    assert facts["dropped"] == {"RestingBP": 1}
    assert (raw["Oldpeak"] < 0).sum() == 13  # negative ST depression is valid and kept


def test_clean_dataset(dataset):
    assert len(dataset) == 917
    assert list(dataset.columns) == [*heartnet.FEATURE_NAMES, heartnet.TARGET]
    assert dataset["Cholesterol"].isna().sum() == 171  # of the file's 172, one is in the dropped row
    assert dataset.drop(columns="Cholesterol").notna().all().all()
    assert set(dataset[heartnet.TARGET]) == {0, 1}
    assert 0.5 < dataset[heartnet.TARGET].mean() < 0.6  # mildly imbalanced towards disease
    assert (dataset["Oldpeak"] < 0).sum() == 13


def test_the_files_header_is_the_specs_features_then_the_target(dataset):
    header = pd.read_csv(data_cache_path(), nrows=0).columns.tolist()
    assert tuple(header) == (*heartnet.FEATURE_NAMES, heartnet.TARGET)


@pytest.mark.parametrize("feature", [f for f in FEATURES if f.kind != "numeric"], ids=lambda f: f.name)
def test_categories_are_exactly_those_in_the_data(dataset, feature):
    assert set(dataset[feature.name].unique()) == set(feature.values)


@pytest.mark.parametrize("feature", [f for f in FEATURES if f.kind == "numeric"], ids=lambda f: f.name)
def test_data_lies_inside_the_plausible_ranges(dataset, feature):
    values = dataset[feature.name].dropna()
    assert values.between(feature.min, feature.max).all()
