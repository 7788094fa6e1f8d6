"""Behaviour of the model: encoder, quality, direction, determinism (saving and loading: tests/code/test_storage.py)."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import heartnet
from heartnet.backend import keras
from heartnet.decision import HARM_TO_BENEFIT
from heartnet.features import MISSING
from heartnet.inference import model_function
from heartnet.layers import FillMissing, PiecewiseLinearEncoding, edges_from
from heartnet.model import build_model, network, to_inputs
from heartnet.validation import check_labels, validate_frame


@pytest.fixture(scope="module")
def features(dataset):
    return validate_frame(dataset[list(heartnet.FEATURE_NAMES)])


@pytest.mark.parametrize("missing", MISSING)
@pytest.mark.parametrize("bins", [0, 8], ids=["standardized", "piecewise-linear"])
def test_encoder_columns_follow_the_spec(features, bins, missing):
    model = build_model(features, bins=bins, missing=missing)
    names = heartnet.model.encoded_feature_names(model)
    expected = []
    for feature in heartnet.FEATURES:
        if feature.kind == "numeric":
            numeric = [n for n in names if n == feature.name or n.startswith(f"{feature.name}[")]
            if feature.nullable and missing == "drop":
                assert numeric == [] and not any(n.startswith(feature.name) for n in names)
                continue
            assert len(numeric) == (1 if bins == 0 else len(model.get_layer(f"{feature.name}_bins").edges) - 1)
            assert 1 <= len(numeric) <= max(bins, 1)
            expected += numeric + ([f"{feature.name}_missing"] if feature.nullable and missing == "indicator" else [])
        else:
            expected += [f"{feature.name}={value}" for value in feature.values]
    assert names == expected
    assert heartnet.model.encoder(model).output.shape[-1] == len(names)


@pytest.mark.parametrize("bins", [0, 8], ids=["standardized", "piecewise-linear"])
def test_encoder_matrix_of_one_patient(features, patient, bins):
    model = build_model(features, bins=bins)
    clean = heartnet.validate_row({**patient, "Cholesterol": None})
    matrix = heartnet.model.encoder(model).predict_on_batch(to_inputs({k: [v] for k, v in clean.items()}))
    column = dict(zip(heartnet.model.encoded_feature_names(model), matrix[0], strict=True))
    assert column["ChestPainType=ASY"] == 1 and column["ChestPainType=TA"] == 0
    assert column["ST_Slope=Flat"] == 1 and column["ST_Slope=Up"] == 0
    assert column["FastingBS=0"] == 1 and column["FastingBS=1"] == 0
    assert np.isfinite(matrix).all()
    # Not measured is the training mean, and nothing says it was missing: no indicator column.
    assert not any(name.endswith("_missing") for name in column)
    mean = float(np.nanmean(features["Cholesterol"]))
    at_mean = heartnet.validate_row({**patient, "Cholesterol": mean})
    other = heartnet.model.encoder(model).predict_on_batch(to_inputs({k: [v] for k, v in at_mean.items()}))
    np.testing.assert_allclose(matrix, other, atol=1e-5)


def test_a_bad_missing_is_named_with_the_allowed_ones(features):
    with pytest.raises(ValueError, match="missing must be one of 'mean', 'indicator', 'drop'; got 'median'"):
        build_model(features, missing="median")


def test_a_misspelt_hyperparameter_is_refused_by_name(features):
    with pytest.raises(TypeError, match="build_model\\(\\) got an unexpected keyword argument 'unit'"):
        build_model(features, unit=(8,))


def test_fill_missing_of_an_older_config_fills_with_zero():
    older = {"name": "Cholesterol_fill", "trainable": True, "dtype": "float32", "autocast": True}  # no "value"
    layer = FillMissing.from_config(older)
    assert layer.value == 0.0 and FillMissing(value=5.0).get_config()["value"] == 5.0
    np.testing.assert_array_equal(np.asarray(layer(np.array([[np.nan], [2.0]], dtype="float32"))), [[0.0], [2.0]])


def test_normalization_is_adapted_on_the_training_rows_only(features):
    older = features[features["Age"] > 60]
    model = build_model(older, bins=0)
    matrix = heartnet.model.encoder(model).predict_on_batch(to_inputs(older))
    age = matrix[:, heartnet.model.encoded_feature_names(model).index("Age")]
    assert abs(age.mean()) < 1e-4 and abs(age.std() - 1) < 1e-2


def test_piecewise_linear_encoding_of_known_edges():
    layer = PiecewiseLinearEncoding([0.0, 10.0, 20.0, 40.0])
    x = np.array([[-5.0], [0.0], [5.0], [10.0], [30.0], [40.0], [50.0], [np.nan]], dtype="float32")
    expected = [
        [-0.5, 0.0, 0.0],  # below the first edge, the first bin keeps going linearly
        [0.0, 0.0, 0.0],
        [0.5, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [1.0, 1.0, 0.5],
        [1.0, 1.0, 1.0],
        [1.0, 1.0, 1.5],  # above the last edge, so does the last
        [0.0, 0.0, 0.0],  # missing: nothing (the indicator column says so)
    ]
    np.testing.assert_allclose(np.asarray(layer(x)), expected, atol=1e-6)
    with pytest.raises(ValueError, match="edges must be at least two increasing numbers"):
        PiecewiseLinearEncoding([1.0, 1.0])


def test_bin_edges_are_training_quantiles_without_empty_bins(features):
    edges = edges_from(features["Age"].to_numpy(dtype="float32"), 8)
    assert edges[0] == features["Age"].min() and edges[-1] == features["Age"].max()
    assert len(edges) == 9 and np.all(np.diff(edges) > 0)
    counts = np.histogram(features["Age"], bins=edges)[0]
    assert counts.min() > 0.5 * len(features) / 8  # quantile bins: roughly equal counts
    few = edges_from(np.array([1.0, 1.0, 1.0, 2.0, np.nan], dtype="float32"), 8)  # ties collapse, NaN ignored
    assert few == [1.0, 2.0]


@pytest.mark.parametrize("ensemble", ["independent", "batch"])
def test_each_member_alone_as_a_sequential_gives_its_column(features, ensemble):
    model = build_model(features, members=3, units=(8, 4), ensemble=ensemble)
    matrix = heartnet.model.encoder(model)(to_inputs(features.head(50)))
    members = np.asarray(network(model)(matrix))
    assert members.shape == (50, 3)
    for k in range(3):
        alone = heartnet.model.member_mlp(model, k)
        assert isinstance(alone, keras.Sequential) and alone.name == f"member_{k + 1}"
        np.testing.assert_allclose(np.asarray(alone(matrix)).ravel(), members[:, k], atol=1e-5)
    np.testing.assert_allclose(
        model.predict_on_batch(to_inputs(features.head(50))).ravel(), members.mean(axis=1), atol=1e-6
    )
    assert len({tuple(column.round(5)) for column in members.T}) == 3  # three different members


def test_tabm_members_start_apart_only_in_the_first_adapter(features):
    model = build_model(features, members=4, units=(8, 8), ensemble="batch")
    first, second = (network(model).get_layer(name) for name in ("dense_1", "dense_2"))
    assert set(np.unique(first.r.numpy())) <= {-1.0, 1.0} and len(np.unique(first.r.numpy())) == 2
    np.testing.assert_array_equal(second.r.numpy(), 1.0)
    np.testing.assert_array_equal(first.s.numpy(), 1.0)
    bias = first.bias.numpy()
    np.testing.assert_array_equal(bias, np.repeat(bias[:1], 4, axis=0))  # one draw for every member


def test_held_out_roc_auc_is_the_recorded_one_and_meets_the_goal(model, test_rows, metadata):
    probabilities = heartnet.predict(test_rows, model)
    roc_auc = heartnet.classification_metrics(test_rows[heartnet.TARGET], probabilities)["roc_auc"]
    assert roc_auc == pytest.approx(metadata["metrics"]["roc_auc"]) and roc_auc >= 0.88


def test_metadata_records_what_reproduces_the_model(metadata, dataset):
    assert metadata["seed"] == 0
    assert metadata["data"]["sha256"] == heartnet.DATASET_SHA256
    threshold = metadata["threshold"]
    assert threshold == heartnet.DEFAULT_THRESHOLD  # nobody chose another
    assert threshold / (1 - threshold) == pytest.approx(HARM_TO_BENEFIT)  # its odds are the harm-to-benefit ratio
    assert {"keras", "numpy", "pandas", "python"} <= set(metadata["versions"])
    assert {"tensorflow-cpu", "tensorflow"} & set(metadata["versions"])  # tensorflow-cpu on Linux x86-64 only
    test_rows = metadata["split"]["test_rows"]
    assert len(test_rows) == math.ceil(0.2 * len(dataset)) and len(set(test_rows)) == len(test_rows)


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


def test_the_traced_call_equals_keras_across_batches(model, test_rows, monkeypatch):
    """predict calls one traced function of the model's own call: it must give what Keras gives."""
    features = validate_frame(test_rows[list(heartnet.FEATURE_NAMES)])
    keras_probabilities = model.predict_on_batch(to_inputs(features)).ravel()
    batch = 64  # predict's batches made small, so that a few rows cross them: more than two, and a short last one
    monkeypatch.setattr(heartnet.inference, "_BATCH_ROWS", batch)
    assert len(test_rows) > 2 * batch and len(test_rows) % batch != 0
    np.testing.assert_allclose(heartnet.predict(test_rows, model), keras_probabilities, atol=1e-6)
    traced = model_function(model)
    heartnet.predict_one(test_rows.iloc[0].to_dict(), model)
    assert model_function(model) is traced  # one trace per model, for any number of rows


def test_a_handle_keeps_what_it_computes_once_and_a_new_handle_computes_again(model):
    calls = []

    def compute(trained):
        calls.append(trained)
        return len(calls)

    handle = heartnet.TrainedModel(model, {})
    assert handle.cached(compute) == handle.cached(compute) == 1 and calls == [handle]
    other = heartnet.TrainedModel(model, {})
    assert other.cached(compute) == 2 and handle.cached(compute) == 1  # each handle its own


def test_a_handle_keeps_its_traced_call(model, patient):
    handle = heartnet.TrainedModel(model, {})
    traced = model_function(handle)
    assert heartnet.predict_one(patient, handle) == pytest.approx(heartnet.predict_one(patient, model), abs=1e-6)
    assert model_function(handle) is traced
    assert model_function(heartnet.TrainedModel(model, {})) is not traced  # it belongs to the handle


def test_a_bare_model_keeps_its_traced_call_only_while_it_lives(features, patient):
    import gc
    import weakref

    bare = build_model(features)
    traced = model_function(bare)
    heartnet.predict_one(patient, bare)
    assert model_function(bare) is traced
    alive = weakref.ref(bare)
    del bare, traced
    gc.collect()
    assert alive() is None  # nothing heartnet keeps holds on to a model that is gone


def test_cholesterol_not_measured_is_a_valid_input(model, patient):
    probabilities = {heartnet.predict_one({**patient, "Cholesterol": value}, model) for value in (None, 0, math.nan)}
    assert len(probabilities) == 1
    assert 0 <= probabilities.pop() <= 1


def test_a_bad_row_in_a_frame_is_refused_before_tensorflow(model, test_rows, monkeypatch):
    predict_module = importlib.import_module("heartnet.inference")  # the module, not the function
    monkeypatch.setattr(predict_module, "probabilities", lambda *a: pytest.fail("reached TensorFlow"))
    bad = test_rows.copy()
    bad.iloc[5, bad.columns.get_loc("Sex")] = "Male"
    with pytest.raises(heartnet.ValidationError, match=r"^row 5, field 'Sex': got 'Male'"):
        heartnet.predict(bad, model)


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
def small_fits(dataset):
    """Two small ensembles on 240 rows, a few epochs: one early-stopped, one trained for a fixed number of epochs."""
    rows = dataset.sample(240, random_state=1)
    stopped = heartnet.train(rows, seed=3, members=3, epochs=12, patience=4)
    fixed = heartnet.train(rows, seed=3, members=3, epochs=5, patience=None, bins=4, ensemble="batch")
    return rows, stopped, fixed


def test_fit_returns_a_keras_history_of_the_ensemble(small_fits):
    _, stopped, fixed = small_fits
    assert isinstance(stopped.history_, keras.callbacks.History)
    watched = {"loss", "probability_log_loss", "probability_auc"}
    assert set(stopped.history_.history) == watched | {f"val_{name}" for name in watched}
    epochs = len(stopped.history_.history["loss"])
    validation = stopped.history_.history["val_probability_log_loss"]
    assert stopped.best_epoch_ == int(np.argmin(validation)) + 1 and 1 <= stopped.best_epoch_ <= epochs
    assert epochs == 12 or epochs == stopped.best_epoch_ + 4  # all epochs, or stopped 4 after the best
    assert set(fixed.history_.history) == watched and len(fixed.history_.history["loss"]) == 5
    assert fixed.best_epoch_ == 5


def test_early_stopping_restores_the_best_epochs_weights(small_fits, dataset):
    rows, stopped, _ = small_fits
    features, labels = validate_frame(rows[list(heartnet.FEATURE_NAMES)]), check_labels(rows[heartnet.TARGET])
    _, val_rows = heartnet.splits.validation_split(labels, seed=3)
    from sklearn.metrics import log_loss

    probabilities = heartnet.predict(features.iloc[val_rows], stopped)
    best = stopped.history_.history["val_probability_log_loss"][stopped.best_epoch_ - 1]
    assert log_loss(labels[val_rows], probabilities) == pytest.approx(best, abs=1e-4)


def test_the_loss_is_the_mean_of_the_members_cross_entropies(small_fits):
    rows, _, fixed = small_fits
    features, labels = validate_frame(rows[list(heartnet.FEATURE_NAMES)]), check_labels(rows[heartnet.TARGET])
    trainer = heartnet.fitting.compile_for_training(fixed.model_)
    matrix = heartnet.model.encoder(fixed.model_)(to_inputs(features))
    members = np.asarray(network(fixed.model_)(matrix))
    targets = {"members": np.repeat(labels[:, None], 3, axis=1).astype("float32"), "probability": labels[:, None]}
    reported = trainer.evaluate(matrix, targets, batch_size=len(labels), verbose=0, return_dict=True)["loss"]
    p = np.clip(members, 1e-7, 1 - 1e-7)
    by_hand = -np.mean(labels[:, None] * np.log(p) + (1 - labels[:, None]) * np.log(1 - p))
    assert reported == pytest.approx(by_hand, rel=1e-4)


# --- how a cholesterol that was not measured enters the matrix (missing=) ---


@pytest.fixture(scope="module")
def by_missing(dataset):
    """One small fit per ``missing`` choice on the same 240 rows (default bins): {missing: (rows, classifier)}."""
    rows = dataset.sample(240, random_state=2)
    return {
        missing: (rows, heartnet.train(rows, seed=4, members=2, epochs=3, patience=None, missing=missing))
        for missing in MISSING
    }


@pytest.mark.parametrize("missing", MISSING)
def test_each_missing_choice_saves_loads_and_predicts(by_missing, missing, patient, tmp_path):
    rows, fitted = by_missing[missing]
    matrix = heartnet.model.encoder(fitted.model_)(to_inputs(validate_frame(rows[list(heartnet.FEATURE_NAMES)])))
    assert matrix.shape == (len(rows), len(heartnet.model.encoded_feature_names(fitted.model_)))
    assert np.isfinite(np.asarray(matrix)).all()
    loaded = heartnet.load_model(heartnet.save_model(fitted.model_, tmp_path / f"{missing}.keras"))
    assert sorted(tensor.name for tensor in loaded.inputs) == sorted(heartnet.FEATURE_NAMES)  # all 11, used or not
    np.testing.assert_array_equal(heartnet.predict(rows, loaded), heartnet.predict(rows, fitted))
    for cholesterol in (None, 239):
        probability = heartnet.predict_one({**patient, "Cholesterol": cholesterol}, loaded)
        assert 0 < probability < 1
        assert probability == heartnet.predict_one({**patient, "Cholesterol": cholesterol}, fitted)


def test_drop_leaves_the_cholesterol_out(by_missing, patient):
    rows, fitted = by_missing["drop"]
    answers = {heartnet.predict_one({**patient, "Cholesterol": value}, fitted) for value in (239, None, 560)}
    assert len(answers) == 1
    np.testing.assert_array_equal(
        heartnet.predict(rows, fitted), heartnet.predict(rows.assign(Cholesterol=np.nan), fitted)
    )


def test_mean_takes_a_missing_cholesterol_for_the_training_mean(by_missing, patient):
    rows, fitted = by_missing["mean"]
    mean = float(rows["Cholesterol"].mean())  # pandas skips the NaN: the mean of the measured values
    assert heartnet.predict_one({**patient, "Cholesterol": None}, fitted) == heartnet.predict_one(
        {**patient, "Cholesterol": mean}, fitted
    )
    assert heartnet.predict_one({**patient, "Cholesterol": 560}, fitted) != heartnet.predict_one(
        {**patient, "Cholesterol": mean}, fitted
    )


def test_mean_fills_before_standardizing_too(features, patient):
    model = build_model(features, bins=0, missing="mean")  # untrained: its random weights still see the input
    mean = float(features["Cholesterol"].mean())
    encoded = heartnet.model.encoder(model)
    rows = [heartnet.validate_row({**patient, "Cholesterol": value}) for value in (None, mean)]
    matrices = [encoded.predict_on_batch(to_inputs({k: [v] for k, v in row.items()})) for row in rows]
    np.testing.assert_array_equal(matrices[0], matrices[1])
    column = heartnet.model.encoded_feature_names(model).index("Cholesterol")
    assert abs(matrices[0][0, column]) < 1e-5  # the training mean, standardized


def test_indicator_tells_a_missing_cholesterol_from_the_mean(by_missing, patient):
    rows, fitted = by_missing["indicator"]
    mean = float(rows["Cholesterol"].mean())
    assert heartnet.predict_one({**patient, "Cholesterol": None}, fitted) != heartnet.predict_one(
        {**patient, "Cholesterol": mean}, fitted
    )
