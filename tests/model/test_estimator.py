"""HeartnetClassifier is a scikit-learn estimator: scikit-learn's own tools take it as they take any classifier.

Small, quick configurations (few rows, few epochs, two members) keep these fast;
the ones that fit many models are marked slow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.inspection import permutation_importance
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_val_predict,
    cross_validate,
)

import heartnet
from heartnet import HeartnetClassifier

QUICK = {"units": (8,), "members": 2, "epochs": 8, "patience": None, "batch_size": 32, "learning_rate": 1e-2}


@pytest.fixture(scope="module")
def data(dataset):
    rows = dataset.sample(300, random_state=0)
    return rows[list(heartnet.FEATURE_NAMES)], rows[heartnet.TARGET]


@pytest.fixture(scope="module")
def fitted(data):
    return HeartnetClassifier(random_state=1, **QUICK).fit(*data)


def test_init_only_stores_its_arguments_and_clone_keeps_them():
    estimator = HeartnetClassifier(units=(4, 2), members=3, dropout=0.1, missing="drop", random_state=7)
    assert estimator.get_params()["units"] == (4, 2) and estimator.get_params()["random_state"] == 7
    assert estimator.get_params()["missing"] == "drop" and HeartnetClassifier().missing == "mean"
    twin = clone(estimator)
    assert twin is not estimator and twin.get_params() == estimator.get_params()
    assert not hasattr(twin, "model_") and is_classifier(twin)


def test_fit_sets_the_fitted_attributes_and_predicts_probabilities(fitted, data):
    X, y = data
    assert isinstance(fitted.model_, heartnet.backend.keras.Model)
    assert isinstance(fitted.history_, heartnet.backend.keras.callbacks.History)
    assert list(fitted.classes_) == [0, 1] and fitted.n_features_in_ == 11
    assert list(fitted.feature_names_in_) == list(heartnet.FEATURE_NAMES)
    # the hyper-parameters reach the network and its training
    assert heartnet.model.member_count(fitted.model_) == QUICK["members"]
    assert len(fitted.history_.history["loss"]) == QUICK["epochs"]
    probabilities = fitted.predict_proba(X)
    assert probabilities.shape == (len(X), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(probabilities[:, 1], heartnet.predict(X, fitted.model_), atol=1e-7)
    # scikit-learn's predict: the more probable class, whatever threshold a saved model carries.
    np.testing.assert_array_equal(fitted.predict(X), (probabilities[:, 1] >= 0.5).astype(int))
    assert 0 <= fitted.score(X, y) <= 1


def test_an_unfitted_estimator_says_so(data):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        HeartnetClassifier().predict_proba(data[0])


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"units": ()}, "units must be a non-empty tuple"),
        ({"members": 0}, "members must be a whole number >= 1, got 0"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
        ({"learning_rate": 0}, r"learning_rate must be a number in \(0, 10\)"),
        ({"ensemble": "bagging"}, "ensemble must be one of 'independent', 'batch', got 'bagging'"),
        ({"missing": "median"}, "missing must be one of 'mean', 'indicator', 'drop', got 'median'"),
        ({"schedule": "linear"}, "schedule must be one of 'constant', 'cosine'"),
        ({"bins": -1}, "bins must be a whole number >= 0"),
        ({"patience": 2.5}, "patience must be a whole number >= 0"),
        ({"random_state": 1.5}, "random_state must be a whole number from 0 to 2\\*\\*32 - 1, a RandomState or None"),
        ({"random_state": True}, "random_state must be a whole number"),
    ],
)
def test_bad_hyperparameters_are_named_before_any_training(data, params, pattern, monkeypatch):
    monkeypatch.setattr(heartnet.estimator, "build_model", lambda *args, **kwargs: pytest.fail("built a model"))
    with pytest.raises(ValueError, match=pattern):
        HeartnetClassifier(**params).fit(*data)


def test_bad_X_and_y_get_clear_errors(data):
    X, y = data
    with pytest.raises(TypeError, match="X must be a pandas DataFrame"):
        HeartnetClassifier(**QUICK).fit(X.to_numpy(), y)
    with pytest.raises(heartnet.DataError, match="X has 300 rows but y has 299 labels"):
        HeartnetClassifier(**QUICK).fit(X, y.iloc[1:])
    with pytest.raises(heartnet.DataError, match="must hold only 0 and 1"):
        HeartnetClassifier(**QUICK).fit(X, y.replace(1, 2))
    with pytest.raises(heartnet.ValidationError, match="row 0, field 'Sex': got 'Male'"):
        HeartnetClassifier(**QUICK).fit(X.assign(Sex=["Male", *X["Sex"].iloc[1:]]), y)


@pytest.mark.slow  # fits models of its own
def test_random_state_none_or_a_generator_as_scikit_learn_takes_them(data):
    X, y = data
    one_epoch = {**QUICK, "epochs": 1}
    drawn = HeartnetClassifier(random_state=None, **one_epoch).fit(X, y)
    assert isinstance(drawn.seed_, int) and 0 <= drawn.seed_ < 2**31  # drawn from NumPy's global generator
    seeded = HeartnetClassifier(random_state=np.random.RandomState(3), **one_epoch).fit(X, y)
    assert seeded.seed_ == np.random.RandomState(3).randint(2**31 - 1)  # the generator's next draw
    assert clone(seeded).get_params()["random_state"] is not seeded.random_state  # clone copies the generator


@pytest.mark.slow
def test_cross_validate_and_cross_val_predict(data):
    X, y = data
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    scores = cross_validate(HeartnetClassifier(**QUICK), X, y, cv=cv, scoring=["roc_auc", "neg_log_loss"])
    assert len(scores["test_roc_auc"]) == 2 and (scores["test_roc_auc"] > 0.6).all()
    out_of_fold = cross_val_predict(HeartnetClassifier(**QUICK), X, y, cv=cv, method="predict_proba")
    assert out_of_fold.shape == (len(X), 2)


@pytest.mark.slow
def test_grid_search_picks_among_the_hyperparameters(data):
    X, y = data
    search = GridSearchCV(
        HeartnetClassifier(**QUICK),
        param_grid={"members": [1, 2]},
        cv=StratifiedKFold(n_splits=2, shuffle=True, random_state=0),
        scoring="neg_log_loss",
    ).fit(X, y)
    assert search.best_params_["members"] in (1, 2)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # The refit is the chosen configuration trained on all rows: the same model as fitting it by hand.
    by_hand = HeartnetClassifier(**{**QUICK, **search.best_params_}).fit(X, y)
    np.testing.assert_array_equal(search.predict_proba(X), by_hand.predict_proba(X))


@pytest.mark.slow
def test_calibrated_classifier_cv_wraps_it(data):
    X, y = data
    calibrated = CalibratedClassifierCV(HeartnetClassifier(**QUICK), cv=2, method="sigmoid", ensemble=False)
    probabilities = calibrated.fit(X, y).predict_proba(X)[:, 1]
    network = calibrated.calibrated_classifiers_[0].estimator.predict_proba(X)[:, 1]
    # Platt scaling is a monotone map of the network's probability fitted on out-of-fold scores:
    # the ranking stays, the values move.
    assert spearmanr(network, probabilities).statistic > 0.999
    assert np.abs(probabilities - network).max() > 0.01


def test_permutation_importance_on_raw_columns(fitted, data):
    X, y = data
    result = permutation_importance(fitted, X, y, scoring="roc_auc", n_repeats=2, random_state=0)
    importances = pd.Series(result.importances_mean, index=X.columns)
    assert len(importances) == 11 and importances.max() > 0
    assert importances.idxmax() in ("ST_Slope", "ChestPainType", "ExerciseAngina", "Oldpeak", "Sex", "MaxHR")


@pytest.mark.slow
def test_tuned_threshold_classifier_cv_chooses_a_screening_threshold(data):
    X, y = data
    tuned = TunedThresholdClassifierCV(
        HeartnetClassifier(**QUICK),
        scoring="balanced_accuracy",
        cv=StratifiedKFold(n_splits=2, shuffle=True, random_state=0),
        thresholds=np.linspace(0.05, 0.95, 19),
    ).fit(X, y)
    # A model that ranks patients has its best balanced accuracy inside the range, not at an end of it
    # (a constant or inverted probability would put it at an end).
    assert 0.05 < tuned.best_threshold_ < 0.95
    np.testing.assert_array_equal(
        tuned.predict(X), (tuned.estimator_.predict_proba(X)[:, 1] >= tuned.best_threshold_).astype(int)
    )


def test_a_loaded_model_becomes_a_fitted_estimator(trained_path, data):
    loaded = heartnet.load(trained_path)
    estimator = HeartnetClassifier.from_trained(loaded)
    assert estimator.model_ is loaded.model and estimator.history_ is None
    assert estimator.get_params()["members"] == heartnet.model.member_count(loaded.model)
    np.testing.assert_allclose(estimator.predict_proba(data[0])[:, 1], heartnet.predict(data[0], loaded))
    assert estimator.best_epoch_ == loaded.metadata["best_epoch"]


def test_from_trained_reads_missing_and_an_older_record_had_the_indicator(model_copy):
    recorded = heartnet.load(model_copy()).metadata["hyperparameters"]
    assert recorded["missing"] == "mean"  # `heartnet train` records it
    older = {name: value for name, value in recorded.items() if name != "missing"}  # saved before the choice existed
    assert HeartnetClassifier.from_trained(heartnet.load(model_copy(hyperparameters=older))).missing == "indicator"
    other = {**recorded, "missing": "drop"}  # neither the recorded value nor the default: read, not assumed
    assert HeartnetClassifier.from_trained(heartnet.load(model_copy(hyperparameters=other))).missing == "drop"


def test_predict_takes_the_fitted_estimator_itself(fitted, data, patient):
    assert heartnet.predict_one(patient, fitted) == pytest.approx(heartnet.predict_one(patient, fitted.model_))
    with pytest.raises(TypeError, match="expected a Keras model, a TrainedModel or a fitted HeartnetClassifier"):
        heartnet.predict(data[0], HeartnetClassifier())


def test_from_trained_carries_the_saved_threshold_into_predict(model_copy, dataset):
    saved = heartnet.load(model_copy(threshold=0.9))
    estimator = HeartnetClassifier.from_trained(saved)
    X = dataset[list(heartnet.FEATURE_NAMES)].head(200)
    probabilities = estimator.predict_proba(X)[:, 1]
    assert estimator.threshold_ == 0.9 and estimator.metadata_["threshold"] == 0.9
    np.testing.assert_array_equal(estimator.predict(X), (probabilities >= 0.9).astype(int))
    assert (probabilities >= 0.5).sum() > (probabilities >= 0.9).sum()  # the check can tell the two apart
    default = HeartnetClassifier.from_trained(heartnet.load(model_copy(threshold=None)))
    assert default.threshold_ == heartnet.DEFAULT_THRESHOLD
