"""A saved model's training record, and the held-out split read back from it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from heartnet.errors import DataDiffers, NoRecordedSplit
from heartnet.record import TrainingRecord
from heartnet.splits import recorded_split


def test_the_recorded_split_is_the_models_own_and_refuses_what_it_cannot_recover(metadata, dataset, test_rows):
    split = recorded_split(metadata)
    pd.testing.assert_frame_equal(split.test, test_rows)
    assert len(split.train) + len(split.test) == len(dataset) and not set(split.train_rows) & set(split.test_rows)
    with pytest.raises(NoRecordedSplit, match="records no held-out split"):
        recorded_split({**metadata, "split": {}})
    with pytest.raises(DataDiffers, match=r"expected sha256 0+, found"):
        recorded_split({**metadata, "data": {**metadata["data"], "sha256": "0" * 64}})


def test_a_training_record_reads_back_as_the_metadata_it_was_written_as(metadata):
    record = TrainingRecord.from_metadata(metadata)
    assert record.data.sha256 == metadata["data"]["sha256"] and record.data.path is None  # the built-in dataset
    assert np.array_equal(record.split.test_rows, metadata["split"]["test_rows"]) and record.seed == 0
    written = json.loads(json.dumps(record.as_metadata()))
    assert written == {key: metadata[key] for key in written}  # every key it writes, as train wrote it
    assert set(metadata) - set(written) == {"created", "versions", "target", "features", "model_sha256"}  # storage's


def test_a_model_saved_without_a_split_has_no_training_record_and_an_older_one_reads_as_none(metadata):
    assert TrainingRecord.from_metadata({"threshold": 0.2}) is None
    older = {key: value for key, value in metadata.items() if key not in ("background", "training_fingerprints")}
    record = TrainingRecord.from_metadata(older)
    assert record.background is None and record.training_fingerprints is None and record.metrics == metadata["metrics"]
