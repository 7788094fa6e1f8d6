"""Behaviour of the model: encoder, quality, direction, determinism, save/load."""

from __future__ import annotations

import importlib
import json
import math
import zipfile

import numpy as np
import pytest

import heartnet
from heartnet.model import build_model, to_inputs
from heartnet.storage import metadata_path
from heartnet.training import member_splits, split_xy


def test_encoder_columns_follow_the_spec(model):
    names = heartnet.encoded_feature_names(model)
    expected = []
    for feature in heartnet.FEATURES:
        if feature.kind == "numeric":
            expected += [feature.name] + ([f"{feature.name}_missing"] if feature.nullable else [])
        else:
            expected += [f"{feature.name}={value}" for value in feature.values]
    assert names == expected
    assert heartnet.encoder(model).output.shape[-1] == len(names)


def test_encoder_matrix_of_one_patient(model, patient):
    clean = heartnet.validate_row({**patient, "Cholesterol": None})
    matrix = heartnet.encoder(model).predict_on_batch(to_inputs({k: [v] for k, v in clean.items()}))
    column = dict(zip(heartnet.encoded_feature_names(model), matrix[0], strict=True))
    assert column["ChestPainType=ASY"] == 1 and column["ChestPainType=TA"] == 0
    assert column["ST_Slope=Flat"] == 1 and column["ST_Slope=Up"] == 0
    assert column["FastingBS=0"] == 1 and column["FastingBS=1"] == 0
    assert column["Cholesterol_missing"] == 1 and column["Cholesterol"] == 0
    assert np.isfinite(matrix).all()


def test_normalization_is_adapted_on_the_training_rows_only(dataset):
    features, _ = split_xy(dataset)
    older = features[features["Age"] > 60]
    model = build_model(older)
    matrix = heartnet.encoder(model).predict_on_batch(to_inputs(older))
    age = matrix[:, heartnet.encoded_feature_names(model).index("Age")]
    assert abs(age.mean()) < 1e-4 and abs(age.std() - 1) < 1e-2


def test_held_out_roc_auc(model, test_rows):
    probabilities = heartnet.predict(test_rows, model)
    assert heartnet.classification_metrics(test_rows[heartnet.TARGET], probabilities)["roc_auc"] >= 0.88


def test_metadata_records_what_reproduces_the_model(metadata, dataset):
    assert metadata["seed"] == 0
    assert metadata["data"]["sha256"] == heartnet.DATASET_SHA256
    assert metadata["threshold"] == 0.5
    assert metadata["features"] == json.loads(json.dumps([f.to_dict() for f in heartnet.FEATURES]))
    assert {"keras", "tensorflow-cpu", "numpy", "pandas", "python"} <= set(metadata["versions"])
    test_rows = metadata["split"]["test_rows"]
    assert len(test_rows) == math.ceil(0.2 * len(dataset)) and len(set(test_rows)) == len(test_rows)
    assert metadata["metrics"]["roc_auc"] >= 0.88


def test_exercise_angina_raises_the_risk_on_average(model, test_rows):
    yes = heartnet.predict(test_rows.assign(ExerciseAngina="Y"), model)
    no = heartnet.predict(test_rows.assign(ExerciseAngina="N"), model)
    assert yes.mean() > no.mean()


def test_higher_oldpeak_raises_the_risk_on_average(model, test_rows):
    base = heartnet.predict(test_rows, model)
    higher = heartnet.predict(test_rows.assign(Oldpeak=(test_rows["Oldpeak"] + 1.5).clip(upper=10)), model)
    assert higher.mean() > base.mean()


def test_predict_one_equals_predict_on_the_same_row(model, patient):
    one = heartnet.predict_one(patient, model)
    assert isinstance(one, float) and 0 <= one <= 1
    assert heartnet.predict([patient, patient], model) == pytest.approx([one, one], abs=1e-6)


def test_predict_shapes(model, test_rows):
    probabilities = heartnet.predict(test_rows, model)
    assert probabilities.shape == (len(test_rows),)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert heartnet.predict([], model).shape == (0,)


def test_packed_fast_path_equals_the_keras_model_across_batches(model, test_rows, monkeypatch):
    """predict feeds a traced function of packed inputs: it must give what Keras gives on named inputs."""
    features, _ = split_xy(test_rows)
    keras_probabilities = model.predict_on_batch(to_inputs(features)).ravel()
    predict_module = importlib.import_module("heartnet.inference")
    monkeypatch.setattr(predict_module, "_BATCH_ROWS", 7)  # several batches and a short last one
    assert len(features) % 7 != 0
    assert heartnet.predict(test_rows, model) == pytest.approx(keras_probabilities, abs=1e-6)
    traced = predict_module._functions[model]
    heartnet.predict_one(test_rows.iloc[0].to_dict(), model)
    assert predict_module._functions[model] is traced  # one trace per model, for any number of rows


def test_cholesterol_not_measured_is_a_valid_input(model, patient):
    probabilities = {heartnet.predict_one({**patient, "Cholesterol": value}, model) for value in (None, 0, math.nan)}
    assert len(probabilities) == 1
    assert 0 <= probabilities.pop() <= 1


def test_a_bad_row_in_a_frame_is_refused_before_tensorflow(model, test_rows, monkeypatch):
    predict_module = importlib.import_module("heartnet.inference")  # the module, not the function
    monkeypatch.setattr(predict_module, "packed_probabilities", lambda *a: pytest.fail("reached TensorFlow"))
    bad = test_rows.copy()
    bad.iloc[5, bad.columns.get_loc("Sex")] = "Male"
    with pytest.raises(heartnet.ValidationError, match=r"^row 5, field 'Sex': got 'Male'"):
        heartnet.predict(bad, model)


def test_same_seed_same_predictions_other_seed_different(dataset, test_rows):
    small = dataset.drop(index=test_rows.index)
    first = heartnet.predict(test_rows, heartnet.train(small, seed=1, epochs=4))
    second = heartnet.predict(test_rows, heartnet.train(small, seed=1, epochs=4))
    other = heartnet.predict(test_rows, heartnet.train(small, seed=2, epochs=4))
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_train_rejects_unknown_hyperparameters_and_bad_labels(dataset):
    with pytest.raises(TypeError, match="unknown hyper-parameters \\['unit'\\]"):
        heartnet.train(dataset, unit=3)
    with pytest.raises(heartnet.DataError, match="must hold only 0 and 1"):
        heartnet.train(dataset.assign(HeartDisease=2))
    with pytest.raises(heartnet.DataError, match="no 'HeartDisease' column"):
        heartnet.train(dataset.drop(columns="HeartDisease"))
    for members in (0, 2.5, "3", True):
        with pytest.raises(ValueError, match="members must be a whole number"):
            heartnet.train(dataset, members=members)


@pytest.fixture(scope="module")
def small_ensemble(dataset):
    """Three heads on 240 rows, a few epochs: enough to check how the ensemble is trained."""
    rows = dataset.sample(240, random_state=1)
    return rows, heartnet.train(rows, seed=3, members=3, epochs=12, patience=4)


def test_each_member_holds_out_its_own_fold(dataset):
    labels = dataset[heartnet.TARGET].to_numpy()
    splits = member_splits(labels, 4, seed=0)
    held_out = np.concatenate([val for _, val in splits])
    assert sorted(held_out) == list(range(len(labels)))  # every row is held out exactly once
    for fit, val in splits:
        assert not set(fit) & set(val) and len(fit) + len(val) == len(labels)
        assert abs(labels[val].mean() - labels.mean()) < 0.02  # stratified
    ((fit, val),) = member_splits(labels, 1, seed=0)
    assert len(val) == pytest.approx(0.2 * len(labels), abs=1)


def test_ensemble_is_the_mean_of_heads_restored_to_their_best_epochs(small_ensemble):
    rows, model = small_ensemble
    features, labels = split_xy(rows)
    matrix = heartnet.encoder(model).predict_on_batch(to_inputs(features))
    by_head = np.column_stack([head.predict_on_batch(matrix).ravel() for head in heartnet.heads(model)])
    assert by_head.shape == (240, 3)
    assert heartnet.predict(rows, model) == pytest.approx(by_head.mean(axis=1), abs=1e-6)
    # Each row's out-of-fold score is the one head that held it out, with the weights it was stopped at.
    history = model.history
    assert not np.isnan(history.out_of_fold).any()
    for member, (_, val) in enumerate(member_splits(labels, 3, seed=3)):
        assert history.out_of_fold[val] == pytest.approx(by_head[val, member], abs=1e-5)
    assert len(history.best_epochs) == 3 and all(1 <= e <= len(history.history["loss"]) for e in history.best_epochs)
    assert len(set(map(tuple, by_head.T.round(6)))) == 3  # three different heads, not one copied


def test_one_member_model_has_one_head_and_no_average(dataset):
    model = heartnet.train(dataset.sample(200, random_state=0), members=1, epochs=3)
    assert [head.name for head in heartnet.heads(model)] == ["mlp_1"]
    assert "ensemble" not in [layer.name for layer in model.layers]
    assert np.isnan(model.history.out_of_fold).sum() == 160  # only the 20% validation rows are scored


# --- save and load ---


def test_save_load_round_trip_gives_identical_predictions(model, test_rows, tmp_path):
    path = heartnet.save_model(model, tmp_path / "copy.keras", metadata={"seed": 7})
    loaded = heartnet.load_model(path)
    np.testing.assert_array_equal(heartnet.predict(test_rows, loaded), heartnet.predict(test_rows, model))
    record = heartnet.load_metadata(path)
    assert record["seed"] == 7 and record["threshold"] == 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json", "copy.keras"]  # no temporary left


def test_a_failed_save_leaves_the_previous_model_intact(model, test_rows, tmp_path, monkeypatch):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    before = path.read_bytes(), metadata_path(path).read_bytes()

    def broken_save(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(type(model), "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
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


def test_corrupt_and_truncated_model_files(model, tmp_path):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(heartnet.ModelError, match="does not match its metadata"):
        heartnet.load_model(path)
    record = heartnet.load_metadata(path)
    del record["model_sha256"]
    metadata_path(path).write_text(json.dumps(record))
    with pytest.raises(heartnet.ModelError, match=r"m.keras: not a readable .keras model"):
        heartnet.load_model(path)


def test_model_with_another_feature_spec_is_refused(model, tmp_path):
    path = heartnet.save_model(model, tmp_path / "m.keras")
    record = heartnet.load_metadata(path)
    record["features"][0]["max"] = 120
    metadata_path(path).write_text(json.dumps(record))
    with pytest.raises(heartnet.ModelError, match="different feature spec"):
        heartnet.load_model(path)


def test_a_keras_file_with_unsafe_lambda_is_not_executed(tmp_path):
    import keras

    inputs = keras.Input(shape=(1,))
    unsafe = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "unsafe.keras"
    unsafe.save(path)
    # Matching metadata, so that the check reaches Keras's safe mode.
    from heartnet.features import spec_as_dicts

    metadata_path(path).write_text(json.dumps({"features": spec_as_dicts(), "threshold": 0.5}))
    with pytest.raises(heartnet.ModelError, match=r"not a readable .keras model"):
        heartnet.load_model(path)
    assert zipfile.is_zipfile(path)


def test_per_epoch_rank_auc_equals_sklearn_also_with_ties():
    from sklearn.metrics import roc_auc_score

    from heartnet.training import _roc_auc

    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(0, 2, 200)
        scores = rng.integers(0, 15, 200) / 15  # few distinct values: many ties
        assert _roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert math.isnan(_roc_auc(np.ones(5, dtype=int), rng.random(5)))  # one class: undefined
