"""Baselines mirror the model's inputs, are seeded and learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

import heartnet
from heartnet.baselines import CATBOOST_MISSING, baseline_preprocessor, baselines, catboost
from heartnet.features import MISSING
from heartnet.model import to_inputs
from heartnet.validation import validate_frame


@pytest.fixture(scope="module")
def standard(dataset):
    """The model with standardized numbers (``bins=0``), its preprocessing adapted on the whole dataset."""
    return heartnet.build_model(validate_frame(dataset[list(heartnet.FEATURE_NAMES)]), bins=0)


@pytest.mark.parametrize("missing", MISSING)
def test_baseline_preprocessor_makes_the_same_matrix_as_the_standardized_encoder(dataset, test_rows, missing):
    train = dataset.drop(index=test_rows.index)
    model = heartnet.build_model(validate_frame(train[list(heartnet.FEATURE_NAMES)]), bins=0, missing=missing)
    sklearn_matrix = baseline_preprocessor(missing).fit(train).transform(test_rows)
    keras_matrix = heartnet.model.encoder(model).predict_on_batch(
        to_inputs(validate_frame(test_rows[list(heartnet.FEATURE_NAMES)]))
    )
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
