"""heartnet.storage and the default model: round trips, failed saves, damaged files, another spec, unsafe code.

The session's model (tests/conftest.py) is saved and loaded here; nothing is trained in this file.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile

import numpy as np
import pytest

import heartnet
from heartnet.backend import keras
from heartnet.features import spec_as_dicts
from heartnet.model import build_model, network
from heartnet.storage import metadata_path
from heartnet.validation import validate_frame


def test_save_load_round_trip_gives_identical_predictions(model, test_rows, tmp_path):
    path = heartnet.save_model(model, tmp_path / "copy.keras", metadata={"seed": 7})
    loaded = heartnet.load_model(path)
    np.testing.assert_array_equal(heartnet.predict(test_rows, loaded), heartnet.predict(test_rows, model))
    record = heartnet.load_metadata(path)
    assert record["seed"] == 7 and record["threshold"] == heartnet.DEFAULT_THRESHOLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json", "copy.keras"]  # no temporary left


def test_a_tabm_model_round_trips_too(dataset, test_rows, tmp_path):
    """ensemble="batch": BatchEnsembleDense layers with their r_init (untrained: saving does not care)."""
    features = validate_frame(dataset[list(heartnet.FEATURE_NAMES)])
    built = build_model(features, seed=3, members=3, bins=4, ensemble="batch")
    path = heartnet.save_model(built, tmp_path / "tabm.keras", metadata={})
    loaded = heartnet.load_model(path)
    layer = network(loaded).get_layer("dense_1")
    assert (type(layer).__name__, layer.r_init, layer.members, layer.units) == (
        "BatchEnsembleDense",
        "random_signs",
        3,
        heartnet.model.DEFAULT_HPARAMS["units"][0],
    )
    np.testing.assert_array_equal(heartnet.predict(test_rows, loaded), heartnet.predict(test_rows, built))


def test_a_failed_save_leaves_the_previous_model_intact(model, test_rows, tmp_path, monkeypatch):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    before = path.read_bytes(), metadata_path(path).read_bytes()

    def broken_save(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(type(model), "save", broken_save)
    with pytest.raises(heartnet.errors.FileSystemError, match=r"m\.keras: .*disk full"):  # the file, named
        heartnet.save_model(model, path)
    assert (path.read_bytes(), metadata_path(path).read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.keras"]
    monkeypatch.undo()
    np.testing.assert_array_equal(
        heartnet.predict(test_rows, heartnet.load_model(path)), heartnet.predict(test_rows, model)
    )


def test_only_keras_files(model, tmp_path):
    with pytest.raises(heartnet.ModelError, match=r"must end in .keras"):
        heartnet.save_model(model, tmp_path / "model.h5")


def test_missing_model_names_the_command_that_creates_it(tmp_path, monkeypatch, patient):
    monkeypatch.setenv("HEARTNET_MODEL", str(tmp_path / "none.keras"))
    with pytest.raises(heartnet.ModelError, match=r"no model at .*none.keras; create it with `heartnet train`"):
        heartnet.predict_one(patient)


def test_default_model_comes_from_heartnet_model_and_is_cached(trained_path, monkeypatch, patient, model):
    monkeypatch.setenv("HEARTNET_MODEL", str(trained_path))
    assert heartnet.default_model() is heartnet.default_model()
    assert heartnet.predict_one(patient) == pytest.approx(heartnet.predict_one(patient, model), abs=1e-6)


def test_the_default_model_is_loaded_again_when_its_files_change_even_at_the_same_modification_time(
    model_copy, monkeypatch
):
    path = model_copy(threshold=0.3)
    monkeypatch.setenv("HEARTNET_MODEL", str(path))
    first = heartnet.default_model()
    assert first.threshold == 0.3 and heartnet.default_model() is first
    # the threshold edited in the metadata, the model file untouched: the next call sees it
    record = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    metadata_path(path).write_text(json.dumps({**record, "threshold": 0.45}), encoding="utf-8")
    second = heartnet.default_model()
    assert second.threshold == 0.45

    # the model file replaced by a copy with the same modification time (as `cp -p` or an unzip leaves it)
    modified = os.stat(path).st_mtime_ns
    shutil.copyfile(path, path.with_name("new.keras"))
    os.utime(path.with_name("new.keras"), ns=(modified, modified))
    os.replace(path.with_name("new.keras"), path)
    assert heartnet.default_model() is not second


def test_corrupt_and_truncated_model_files(model, tmp_path):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(heartnet.ModelError, match="does not match its metadata"):
        heartnet.load_model(path)
    record = heartnet.load_metadata(path)
    del record["model_sha256"]
    metadata_path(path).write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(heartnet.ModelError, match=r"m.keras: not a readable .keras model"):
        heartnet.load_model(path)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"threshold": 1.5}', r"the threshold must be a number from 0 to 1, got 1\.5"),
        ('{"threshold": "high"}', "the threshold must be"),
    ],
)
def test_damaged_metadata_is_one_model_error(model, tmp_path, text, pattern):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    metadata_path(path).write_text(text, encoding="utf-8")
    with pytest.raises(heartnet.ModelError, match=pattern) as caught:
        heartnet.load_model(path)
    assert caught.value.problem == "bad_metadata"


@pytest.mark.parametrize(
    "change",
    [
        lambda spec: spec[2]["categories"].pop(),  # a chest pain type the model never learned
        lambda spec: spec[0].update(kind="categorical"),
        lambda spec: spec.pop(),
    ],
)
def test_model_with_another_feature_spec_is_refused(model, tmp_path, change):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    record = heartnet.load_metadata(path)
    change(record["features"])
    metadata_path(path).write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(heartnet.ModelError, match="different feature spec"):
        heartnet.load_model(path)


def test_a_feature_spec_that_is_not_features_is_damaged_metadata(model_copy):
    """Not another spec but no spec at all: the metadata is damaged, and the message names the field."""
    with pytest.raises(heartnet.ModelError, match="'features' must be a list of features") as refused:
        heartnet.load_model(model_copy(features=["not a feature"]))
    assert refused.value.problem == "bad_metadata"


def test_a_model_whose_metadata_lost_its_feature_spec_is_refused(model_copy):
    """The spec recorded at saving is what lets a model load: without it, nothing says the inputs still match."""
    with pytest.raises(heartnet.ModelError, match="different feature spec"):
        heartnet.load_model(model_copy(features=None))


def test_a_model_saved_before_a_change_of_words_or_ranges_still_loads(model, tmp_path, patient):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    record = heartnet.load_metadata(path)
    record["features"][0].update(label="Edad (años)", max=120)
    record["features"][2]["categories"][-1][1] = "otro nombre"
    metadata_path(path).write_text(json.dumps(record), encoding="utf-8")
    loaded = heartnet.load_model(path)
    assert heartnet.predict_one(patient, loaded) == pytest.approx(heartnet.predict_one(patient, model))


def test_a_keras_file_with_unsafe_lambda_is_not_executed(tmp_path):
    inputs = keras.Input(shape=(1,))
    unsafe = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "unsafe.keras"
    unsafe.save(path)
    # Matching metadata, so that the check reaches Keras's safe mode.
    metadata_path(path).write_text(json.dumps({"features": spec_as_dicts(), "threshold": 0.5}), encoding="utf-8")
    with pytest.raises(heartnet.ModelError, match=r"not a readable .keras model"):
        heartnet.load_model(path)
    assert zipfile.is_zipfile(path)


def test_a_model_saved_when_the_layers_were_in_heartnet_model_still_loads_in_safe_mode(tmp_path, trained_path, patient):
    """The custom layers are found by their registered names ("heartnet>..."), not by the module they were in."""
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(trained_path) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "config.json":
                data = data.replace(b'"module": "heartnet.layers"', b'"module": "heartnet.model"')
                assert b'"module": "heartnet.model"' in data
            target.writestr(item, data)
    loaded, current = (keras.saving.load_model(path, safe_mode=True) for path in (old, trained_path))
    assert heartnet.predict_one(patient, loaded) == pytest.approx(heartnet.predict_one(patient, current))
