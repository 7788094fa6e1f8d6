"""A saved model's metadata, parsed once into one typed schema: every bad value is one line and exit 2."""

from __future__ import annotations

import json
import re

import pytest

import heartnet
from heartnet import cli
from heartnet.errors import ModelError
from heartnet.features import FEATURE_NAMES, TARGET
from heartnet.record import ModelMetadata
from tests.examples import PATIENT


def _first_background_row_with(metadata: dict, **fields) -> list[dict]:
    return [{**metadata["background"][0], **fields}, *metadata["background"][1:]]


@pytest.mark.parametrize(
    ("command", "changes", "pattern"),
    [
        ("recalibrate", {"recalibration": "by hand"}, r"'recalibration' must be an object .*, got 'by hand'"),
        (
            "recalibrate",
            {"recalibration": {"method_asked": "auto", "chain": "earlier"}},
            r"'recalibration\.chain' must be a list of earlier updates \(objects\), got 'earlier'",
        ),
        ("explain", {"background": lambda m: _first_background_row_with(m, Age=300)}, r"'background\[0\]\.Age' .*300"),
        (
            "explain",
            {"background": lambda m: _first_background_row_with(m, ChestPainType="XX")},
            r"'background\[0\]\.ChestPainType' must be one of .*, got 'XX'",
        ),
        (
            "predict",
            {"hyperparameters": lambda m: {**m["hyperparameters"], "missing": "zero"}},
            r"'hyperparameters\.missing' must be one of 'mean', 'indicator', 'drop', got 'zero'",
        ),
        ("predict", {"model_sha256": 5}, r"'model_sha256' must be a text .*, got 5"),
        ("predict", {"threshold": "high"}, r"the threshold must be a number from 0 to 1, got 'high'"),
    ],
    ids=[
        "recalibration as text",
        "a chain as text",
        "a background age",
        "a background category",
        "missing",
        "sha256",
        "threshold",
    ],
)
def test_a_hand_edited_metadata_value_exits_2_with_one_line_naming_file_field_and_value(
    capsys, tmp_path, model_copy, metadata, dataset, command, changes, pattern
):
    path = model_copy(**{key: value(metadata) if callable(value) else value for key, value in changes.items()})
    if command == "recalibrate":
        labelled = tmp_path / "hospital.csv"
        dataset[[*FEATURE_NAMES, TARGET]].head(200).to_csv(labelled, index=False)
        argv = ["recalibrate", str(labelled), "--out", str(tmp_path / "new.keras")]
    else:
        argv = ["predict", json.dumps(PATIENT), *(["--explain"] if command == "explain" else [])]
    assert cli.main([*argv, "--model", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert re.match(rf"heartnet: error: \S*copia\.json: {pattern}$", err.strip())
    assert not (tmp_path / "new.keras").exists()


def test_damaged_metadata_is_reported_before_keras_reads_the_model_file(tmp_path, metadata):
    """A model file Keras cannot read, beside metadata with a bad value: the metadata is what the error names."""
    path = tmp_path / "roto.keras"
    path.write_bytes(b"not a zip")
    damaged = {key: value for key, value in metadata.items() if key != "model_sha256"} | {"split": "abc"}
    path.with_suffix(".json").write_text(json.dumps(damaged), encoding="utf-8")
    with pytest.raises(ModelError, match=r"roto\.json: 'split' must be an object, got 'abc'$") as caught:
        heartnet.load(path)
    assert caught.value.problem == "bad_metadata"
    path.with_suffix(".json").write_text(json.dumps({**damaged, "split": metadata["split"]}), encoding="utf-8")
    with pytest.raises(ModelError) as caught:  # the same metadata, mended: now Keras is the one to refuse
        heartnet.load(path)
    assert caught.value.problem == "unreadable"


def test_the_parsed_metadata_is_what_the_handle_and_the_reader_use(model_copy, metadata):
    loaded = heartnet.load(model_copy(threshold=0.35))
    assert loaded.threshold == 0.35 == loaded.parsed.threshold
    assert loaded.parsed.model_sha256 == metadata["model_sha256"] and loaded.parsed.recalibration is None
    assert heartnet.load_metadata(model_copy(threshold=0.35))["threshold"] == 0.35
    with pytest.raises(ModelError, match=r"'background\[0\]\.Sex': missing field"):
        heartnet.load_metadata(
            model_copy(background=[{k: v for k, v in metadata["background"][0].items() if k != "Sex"}])
        )
    with pytest.raises(ModelError, match="threshold"):
        heartnet.TrainedModel(loaded.model, {"threshold": 2})  # a handle made by hand parses its metadata too


def test_a_recalibration_record_reads_back_the_update_and_its_chain(metadata):
    update = {"base_model_sha256": "abc", "method_asked": "auto", "method": "intercept", "local_data": {"rows": 3}}
    earlier = {"base_model_sha256": "def", "method_asked": "slope"}
    parsed = ModelMetadata.from_metadata({**metadata, "recalibration": {**update, "chain": [earlier]}})
    recalibration = parsed.recalibration
    assert recalibration.entry == update and recalibration.chain == [earlier]
    assert recalibration.base_model_sha256 == "abc" and recalibration.local_data == {"rows": 3}
    assert parsed.training.seed == metadata["seed"] and ModelMetadata.from_metadata({}).training is None
