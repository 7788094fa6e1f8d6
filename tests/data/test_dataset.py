"""Expectations about the dataset itself (Made-With-ML style data tests)."""

import heartnet
from heartnet.data import dataset_facts


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
