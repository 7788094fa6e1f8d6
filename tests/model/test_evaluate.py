"""Baselines mirror the model's inputs; cross-validation gives every model the same folds."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone

import heartnet
from heartnet import experiments
from heartnet.baselines import CATBOOST_MISSING, baseline_preprocessor, baselines, catboost
from heartnet.comparison import SCORING, compare_models, repeated_folds
from heartnet.features import MISSING
from heartnet.model import to_inputs
from heartnet.training import split_xy


@pytest.fixture(scope="module")
def standard(dataset):
    """The model with standardized numbers (``bins=0``), its preprocessing adapted on the whole dataset."""
    return heartnet.build_model(split_xy(dataset)[0], bins=0)


@pytest.mark.parametrize("missing", MISSING)
def test_baseline_preprocessor_makes_the_same_matrix_as_the_standardized_encoder(dataset, test_rows, missing):
    train = dataset.drop(index=test_rows.index)
    model = heartnet.build_model(split_xy(train)[0], bins=0, missing=missing)
    sklearn_matrix = baseline_preprocessor(missing).fit(train).transform(test_rows)
    keras_matrix = heartnet.model.encoder(model).predict_on_batch(to_inputs(split_xy(test_rows)[0]))
    assert sklearn_matrix.shape == keras_matrix.shape
    # Same columns in a different order: compare the one-hot and indicator columns by name.
    fitted_names = [n.split("__", 1)[1] for n in baseline_preprocessor(missing).fit(train).get_feature_names_out()]
    for index, name in enumerate(heartnet.model.encoded_feature_names(model)):
        if "=" in name:
            sk_name = name.replace("=", "_")
        elif name.endswith("_missing"):
            sk_name = "missingindicator_" + name.removesuffix("_missing")
        else:
            continue
        np.testing.assert_array_equal(sklearn_matrix[:, fitted_names.index(sk_name)], keras_matrix[:, index])


class _Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the training rows' disease rate and records which rows each fit saw."""

    seen: ClassVar[list] = []

    def __init__(self, name: str = ""):
        self.name = name

    def fit(self, X, y):
        _Recorder.seen.append((self.name, tuple(X.index)))
        self.rate_, self.classes_ = float(np.mean(y)), np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.rate_), np.full(len(X), self.rate_)])

    def predict(self, X):
        return np.full(len(X), int(self.rate_ >= 0.5))


def test_compare_models_gives_every_model_the_same_folds(dataset):
    _Recorder.seen.clear()
    X, y = dataset[list(heartnet.FEATURE_NAMES)], dataset[heartnet.TARGET]
    results = compare_models({"a": _Recorder("a"), "b": _Recorder("b")}, X, y, repeated_folds(n_splits=3, n_repeats=2))
    folds = {name: [rows for who, rows in _Recorder.seen if who == name] for name in ("a", "b")}
    assert folds["a"] == folds["b"] and len(folds["a"]) == 6
    assert all(set(rows) < set(X.index) for rows in folds["a"])
    assert list(results.columns) == ["model", "split", *SCORING, "fit_seconds", "score_seconds"]
    assert list(results["split"]) == [*range(6), *range(6)]
    assert (results["roc_auc"] == 0.5).all()  # a constant prediction ranks nobody
    assert (results["brier"] > 0).all() and (results["log_loss"] > 0).all()  # losses, not scikit-learn's negatives


@pytest.mark.slow
def test_baselines_are_seeded_and_learn(dataset, test_rows):
    train = dataset.drop(index=test_rows.index)
    X, y = train[list(heartnet.FEATURE_NAMES)], train[heartnet.TARGET]
    test = test_rows[list(heartnet.FEATURE_NAMES)]
    assert list(baselines()) == ["catboost", "logistic_regression", "random_forest", "hist_gradient_boosting", "svc"]
    for name in ("random_forest", "catboost"):
        first = clone(baselines(seed=3)[name]).fit(X, y).predict_proba(test)[:, 1]
        np.testing.assert_array_equal(first, clone(baselines(seed=3)[name]).fit(X, y).predict_proba(test)[:, 1])
        auc = heartnet.classification_metrics(test_rows[heartnet.TARGET], first)["roc_auc"]
        assert auc > 0.85, name


def test_catboost_keeps_its_defaults_and_takes_categories_as_they_are():
    model = baselines()["catboost"]
    params = {name: value for name, value in model.get_params().items() if value is not None}
    categorical = tuple(f.name for f in heartnet.FEATURES if f.kind == "categorical")
    assert params == {
        "cat_features": categorical,
        "random_seed": 0,
        "verbose": False,
        "allow_writing_files": False,
    }
    assert clone(model).get_params()["cat_features"] == categorical  # scikit-learn can clone it


def test_catboost_fits_silently_writes_no_files_and_sees_an_unmeasured_cholesterol_as_missing(
    dataset, tmp_path, monkeypatch, capfd
):
    X, y = dataset[list(heartnet.FEATURE_NAMES)], dataset[heartnet.TARGET]
    unmeasured = X["Cholesterol"].isna()
    assert unmeasured.sum() > 100  # the loader turned the file's 0s into NaN, which CatBoost takes as missing
    monkeypatch.chdir(tmp_path)  # where CatBoost would write catboost_info/
    model = clone(baselines()["catboost"]).set_params(iterations=30).fit(X, y)
    assert list(tmp_path.iterdir()) == []
    assert capfd.readouterr() == ("", "")
    # Missing is a value of its own for CatBoost: a row changes when its cholesterol goes missing.
    measured = X[~unmeasured].head(50)
    as_missing = measured.assign(Cholesterol=np.nan)
    assert not np.allclose(model.predict_proba(measured)[:, 1], model.predict_proba(as_missing)[:, 1])


@pytest.fixture(scope="module")
def catboost_by_missing(dataset):
    """CatBoost, 30 trees, fitted on 400 rows for each ``missing``: {missing: fitted}, and the rows."""
    rows = dataset.sample(400, random_state=5)
    X, y = rows[list(heartnet.FEATURE_NAMES)], rows[heartnet.TARGET]
    fitted = {}
    for missing in CATBOOST_MISSING:
        model = clone(catboost(missing=missing))
        trees = "iterations" if missing == "nan" else "catboost__iterations"
        fitted[missing] = model.set_params(**{trees: 30}).fit(X, y)
    return fitted, X


def test_catboost_with_missing_drop_ignores_the_cholesterol(catboost_by_missing):
    fitted, X = catboost_by_missing
    rows = X.head(50)

    def probability(missing, cholesterol):
        return fitted[missing].predict_proba(rows.assign(Cholesterol=cholesterol))[:, 1]

    for cholesterol in (np.nan, 500.0):
        np.testing.assert_array_equal(probability("drop", cholesterol), probability("drop", 150.0))
    assert not np.array_equal(probability("nan", 500.0), probability("nan", 150.0))  # CatBoost itself uses it


def test_catboost_with_missing_mean_takes_nan_for_the_training_mean(catboost_by_missing):
    fitted, X = catboost_by_missing
    mean = X["Cholesterol"].mean()  # of the measured values
    measured = X[X["Cholesterol"].notna()].head(50)
    as_mean = fitted["mean"].predict_proba(measured.assign(Cholesterol=mean))[:, 1]
    np.testing.assert_array_equal(fitted["mean"].predict_proba(measured.assign(Cholesterol=np.nan))[:, 1], as_mean)
    assert not np.array_equal(fitted["mean"].predict_proba(measured)[:, 1], as_mean)


@pytest.mark.parametrize("missing", ["mean", "drop"])
def test_catboost_pipelines_clone_and_cross_validate(missing, dataset):
    from sklearn.model_selection import cross_validate

    model = catboost(seed=2, missing=missing)
    twin = clone(model)  # scikit-learn checks that every parameter survives the copy
    assert twin.get_params()["catboost__cat_features"] == model.get_params()["catboost__cat_features"]
    assert twin.get_params()["catboost__random_seed"] == 2
    rows = dataset.sample(200, random_state=6)
    scores = cross_validate(
        twin.set_params(catboost__iterations=10),
        rows[list(heartnet.FEATURE_NAMES)],
        rows[heartnet.TARGET],
        cv=2,
        scoring="roc_auc",
        error_score="raise",
    )
    assert np.all(scores["test_score"] > 0.5)


def test_catboost_refuses_an_unknown_missing():
    with pytest.raises(ValueError, match="missing must be one of 'nan', 'mean', 'drop'; got 'zero'"):
        catboost(missing="zero")


# --- the theory experiments prove what the notebook says they prove ---


@pytest.fixture(scope="module")
def matrix(standard, dataset):
    features, labels = split_xy(dataset)
    return heartnet.model.encoder(standard).predict_on_batch(to_inputs(features)), labels, features


def test_backpropagation_matches_the_closed_form(model, matrix, dataset):
    tape, by_hand = experiments.output_bias_gradient(experiments.head(matrix[0].shape[1], (16,), seed=2), *matrix[:2])
    assert tape == pytest.approx(by_hand, abs=1e-6)
    # The same for one member of the shipped model, on its own matrix.
    features, labels = split_xy(dataset)
    encoded = heartnet.model.encoder(model).predict_on_batch(to_inputs(features))
    tape, by_hand = experiments.output_bias_gradient(heartnet.model.member_mlp(model), encoded, labels)
    assert tape == pytest.approx(by_hand, abs=1e-6)


def test_gradient_descent_learns_with_a_good_rate_and_not_with_a_tiny_one(matrix):
    good = experiments.gradient_descent(*matrix[:2], learning_rate=0.5, steps=60)[1]["loss"]
    tiny = experiments.gradient_descent(*matrix[:2], learning_rate=1e-4, steps=60)[1]["loss"]
    assert good[-1] < 0.8 * good[0]
    assert tiny[-1] > good[-1]


def test_a_huge_learning_rate_kills_the_relu_units_and_leaves_a_constant_predictor(matrix):
    encoded, labels, _ = matrix
    network, huge = experiments.gradient_descent(encoded, labels, learning_rate=8.0)
    healthy, _ = experiments.gradient_descent(encoded, labels, learning_rate=0.5)
    assert experiments.dead_units(network, encoded) == 1.0 and experiments.dead_units(healthy, encoded) < 0.5
    # Every hidden unit silent: the output is the same for every row, and the loss is the constant model's.
    assert np.ptp(network.predict_on_batch(encoded)) < 1e-6
    assert huge["loss"][-1] == pytest.approx(experiments.constant_loss(labels), abs=1e-3)


def test_unnormalized_puts_the_numbers_back_in_their_units(standard, matrix):
    encoded, _, features = matrix
    names = heartnet.model.encoded_feature_names(standard)
    raw = experiments.unnormalized(encoded, names, features)
    np.testing.assert_allclose(raw[:, names.index("Age")], features["Age"])
    np.testing.assert_array_equal(raw[:, names.index("Sex=M")], encoded[:, names.index("Sex=M")])


def test_fit_head_reports_early_stopping(matrix):
    encoded, labels, _ = matrix
    history = experiments.fit_head(
        (encoded[:300], labels[:300]), (encoded[300:400], labels[300:400]), epochs=4, patience=1
    )
    assert {"loss", "val_loss", "seconds", "best_epoch"} <= set(history)
    assert 1 <= history["best_epoch"] <= len(history["val_loss"])


def test_backpropagation_through_a_hidden_layer_matches_finite_differences(model, matrix):
    network = experiments.head(matrix[0].shape[1], (16,), seed=1)
    (row, column), tape, numeric = experiments.hidden_gradient_check(network, *matrix[:2])
    assert abs(tape) > 1e-3  # the steepest weight: far from rounding noise
    assert numeric == pytest.approx(tape, rel=2e-2)
    kernel = network.layers[0].kernel.numpy()
    assert np.isfinite(kernel).all()  # the weight is put back where it was
    again = experiments.hidden_gradient_check(network, *matrix[:2])
    assert again[0] == (row, column) and again[1] == pytest.approx(tape)


@pytest.mark.slow
def test_a_linear_network_cannot_beat_logistic_regression_but_relu_can(matrix):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    encoded, labels, _ = matrix
    part = (encoded[:400], labels[:400])
    floor = log_loss(part[1], LogisticRegression(C=1e6, max_iter=5000).fit(*part).predict_proba(part[0])[:, 1])
    kwargs = {"units": (64, 64), "epochs": 60, "learning_rate": 3e-3}
    relu = experiments.fit_head(part, (encoded[400:500], labels[400:500]), **kwargs)
    linear = experiments.fit_head(part, (encoded[400:500], labels[400:500]), activation=None, **kwargs)
    assert min(linear["loss"]) > floor - 0.02 and relu["loss"][-1] < floor - 0.05


@pytest.mark.slow
def test_embedding_and_one_hot_learn_the_same_categories(dataset):
    pain = heartnet.features.FEATURES_BY_NAME["ChestPainType"]
    codes = dataset["ChestPainType"].map({value: code for code, value in enumerate(pain.values)}).to_numpy()
    demo = experiments.embedding_versus_one_hot(codes, dataset[heartnet.TARGET].to_numpy(), list(pain.values))
    assert demo["losses"]["embedding"] == pytest.approx(demo["losses"]["one_hot"], abs=0.01)
    for loss in demo["losses"].values():  # both reach the floor of one feature: each category's own rate
        assert demo["floor"] - 1e-4 <= loss <= demo["floor"] + 0.01
    assert demo["vectors"].shape == (4, 2) and len(demo["rates"]) == 4
    assert demo["parameters"] == experiments.input_parameters(4) | {
        way: count + 9
        for way, count in experiments.input_parameters(4).items()  # plus the output neuron
    }
    many = experiments.input_parameters(1000)
    assert many["embedding"] < many["one_hot"] / 3
    assert experiments.constant_loss(np.array([0, 1, 1, 1])) == pytest.approx(
        -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    )


@pytest.mark.slow
def test_sgd_with_the_same_rate_learns_slower_than_adam(matrix):
    encoded, labels, _ = matrix
    part, validation = (encoded[:400], labels[:400]), (encoded[400:500], labels[400:500])
    adam = experiments.fit_head(part, validation, epochs=10)
    sgd = experiments.fit_head(part, validation, epochs=10, optimizer="sgd")
    assert sgd["loss"][-1] > adam["loss"][-1] + 0.05
