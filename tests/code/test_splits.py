"""A saved model's training record, and the held-out split read back from it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from heartnet.errors import DataDiffers, DataError, ModelError, NoRecordedSplit
from heartnet.record import ModelMetadata, TrainingRecord
from heartnet.splits import recorded_split


def _split(metadata: dict):
    """The held-out split of the training record in ``metadata`` (as ``heartnet.load(path).record`` would hold it)."""
    return recorded_split(TrainingRecord.from_metadata(metadata))


def test_the_recorded_split_is_the_models_own_and_refuses_what_it_cannot_recover(metadata, dataset, test_rows):
    split = _split(metadata)
    pd.testing.assert_frame_equal(split.test, test_rows)
    assert len(split.train) + len(split.test) == len(dataset) and not set(split.train_rows) & set(split.test_rows)
    with pytest.raises(NoRecordedSplit, match="records no held-out split"):
        _split({**metadata, "split": {}})
    with pytest.raises(DataDiffers, match=r"expected sha256 0+, found"):
        _split({**metadata, "data": {**metadata["data"], "sha256": "0" * 64}})


def test_a_training_record_reads_back_as_the_metadata_it_was_written_as(metadata):
    record = TrainingRecord.from_metadata(metadata)
    assert record.data.sha256 == metadata["data"]["sha256"] and record.data.path is None  # the built-in dataset
    assert np.array_equal(record.split.test_rows, metadata["split"]["test_rows"]) and record.seed == 0
    written = json.loads(json.dumps(record.as_metadata()))
    assert written == {key: metadata[key] for key in written}  # every key it writes, as train wrote it
    storage_keys = {"created", "versions", "target", "features", "model_sha256", "threshold"}
    assert set(metadata) - set(written) == storage_keys  # storage's own keys


def test_a_model_saved_without_a_split_has_no_training_record_and_an_older_one_reads_as_none(metadata):
    assert TrainingRecord.from_metadata({"threshold": 0.2}) is None
    older = {key: value for key, value in metadata.items() if key not in ("background", "training_fingerprints")}
    record = TrainingRecord.from_metadata(older)
    assert record.background is None and record.training_fingerprints is None and record.metrics == metadata["metrics"]


def _edited(metadata: dict, key: str, value) -> dict:
    """``metadata`` with ``key`` ("split.test_rows": a key inside an object) set to ``value``, as a hand edit would."""
    outer, _, inner = key.rpartition(".")
    if not outer:
        return {**metadata, key: value}
    return {**metadata, outer: {**metadata[outer], inner: value}}


@pytest.mark.parametrize(
    ("key", "value", "pattern"),
    [
        ("split.test_rows", [99999], r"'split\.test_rows' must be .* from 0 to \d+ \(data\.rows is \d+\), got 99999"),
        ("split.test_rows", [-1], r"'split\.test_rows' must be .* got -1"),
        ("split.test_rows", "abc", r"'split\.test_rows' must be a list of row positions, got 'abc'"),
        ("split.test_rows", [1.5, 2], r"'split\.test_rows' must be a list of row positions, got \[1\.5, 2\]"),
        ("split", "abc", r"'split' must be an object, got 'abc'"),
        ("seed", "0", r"'seed' must be a whole number from 0 to 2\*\*32 - 1, got '0'"),
        ("seed", True, r"'seed' must be a whole number"),
        ("data.rows", "918", r"'data\.rows' must be a whole number of rows above 0, got '918'"),
        ("data.sha256", 5, r"'data\.sha256' must be a text \(the data's sha256\), got 5"),
        ("hyperparameters", [], r"'hyperparameters' must be an object, got \[\]"),
        ("threshold", "high", r"the threshold must be a number from 0 to 1"),
        ("observed_ranges", {"Age": "x"}, r"'observed_ranges\.Age' must be \[lowest, highest\], two numbers, got 'x'"),
        ("observed_ranges", {"Age": [70, 30]}, r"'observed_ranges\.Age' must be .* got \[70, 30\]"),
        ("observed_ranges", {"Sex": [0, 1]}, r"'observed_ranges' must be ranges of the numeric features .* got 'Sex'"),
        ("training_fingerprints", [1, 2], r"'training_fingerprints' must be a list of texts, got \[1, 2\]"),
    ],
)
def test_a_hand_edited_record_of_the_wrong_type_is_one_model_error_naming_the_field(metadata, key, value, pattern):
    with pytest.raises(ModelError, match=pattern) as caught:
        ModelMetadata.from_metadata(_edited(metadata, key, value))  # the training record and storage's keys
    assert caught.value.problem == "bad_metadata" and "\n" not in str(caught.value)


def test_an_older_record_reads_its_seed_from_the_split_and_missing_as_the_indicator(metadata):
    older = {key: value for key, value in metadata.items() if key not in ("seed", "hyperparameters")}
    record = TrainingRecord.from_metadata(_edited(older, "split.seed", 7))
    assert record.seed == 7 and record.split.seed == 7 and record.hyperparameters == {"missing": "indicator"}
    assert TrainingRecord.from_metadata(_edited(metadata, "split.seed", None)).split.seed == metadata["seed"]


def test_a_recorded_split_of_data_not_checked_by_sha256_still_needs_its_rows(metadata, dataset):
    unchecked = _edited(metadata, "data", {"source": "builtin", "rows": len(dataset) + 1})
    with pytest.raises(DataDiffers, match=rf"it has {len(dataset)} rows, the record names {len(dataset) + 1}"):
        _split(unchecked)
    older = _edited(_edited(metadata, "data", {"source": "builtin"}), "split.test_rows", [len(dataset)])
    with pytest.raises(DataDiffers, match=rf"it has {len(dataset)} rows"):
        _split(older)
    assert len(_split(_edited(metadata, "data", {"source": "builtin"})).test) == len(metadata["split"]["test_rows"])


def test_a_recorded_training_csv_that_is_gone_is_named_as_the_metadatas_data_source(
    metadata, tmp_path, run, model_copy
):
    gone = tmp_path / "moved away.csv"
    data = {**metadata["data"], "source": str(gone), "sha256": None}
    with pytest.raises(DataError, match=r"moved away\.csv: no such file \(the training data .* data\.source\)"):
        _split({**metadata, "data": data})
    code, out, err = run("evaluate", "--model", model_copy(data=data))
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "--data CSV" in err
