"""Baselines mirror the model's inputs; cross-validation gives every model the same folds."""

from __future__ import annotations

import numpy as np
import pytest

import heartnet
from heartnet import experiments
from heartnet.evaluate import baseline_preprocessor, baselines, cross_validate, sklearn_fit_predict
from heartnet.model import to_inputs
from heartnet.training import split_xy


def test_baseline_preprocessor_makes_the_same_matrix_as_the_encoder(dataset, model, test_rows):
    train = dataset.drop(index=test_rows.index)
    sklearn_matrix = baseline_preprocessor().fit(train).transform(test_rows)
    keras_matrix = heartnet.encoder(model).predict_on_batch(to_inputs(split_xy(test_rows)[0]))
    assert sklearn_matrix.shape == keras_matrix.shape
    # Same columns in a different order: compare the one-hot and indicator columns by name.
    fitted_names = [n.split("__", 1)[1] for n in baseline_preprocessor().fit(train).get_feature_names_out()]
    for index, name in enumerate(heartnet.encoded_feature_names(model)):
        if "=" in name:
            sk_name = name.replace("=", "_")
        elif name.endswith("_missing"):
            sk_name = "missingindicator_" + name.removesuffix("_missing")
        else:
            continue
        np.testing.assert_array_equal(sklearn_matrix[:, fitted_names.index(sk_name)], keras_matrix[:, index])


def test_cross_validation_uses_the_same_folds_for_every_model(dataset):
    seen: dict[str, list] = {"a": [], "b": []}

    def recorder(name):
        def fit_predict(train_df, test_df):
            assert set(train_df.index).isdisjoint(test_df.index)
            seen[name].append(tuple(test_df.index))
            return np.full(len(test_df), train_df[heartnet.TARGET].mean())

        return fit_predict

    results = cross_validate(dataset, {"a": recorder("a"), "b": recorder("b")}, n_splits=3, n_repeats=2)
    assert seen["a"] == seen["b"] and len(seen["a"]) == 6
    assert sorted(i for fold in seen["a"][:3] for i in fold) == sorted(dataset.index)
    assert set(results.columns) >= {"model", "repeat", "fold", "roc_auc", "brier", "fit_seconds"}
    assert (results["roc_auc"] == 0.5).all()  # a constant prediction ranks nobody


def test_baselines_are_seeded_and_learn(dataset, test_rows):
    train = dataset.drop(index=test_rows.index)
    forest = baselines(seed=3)["random_forest"]
    first = sklearn_fit_predict(forest)(train, test_rows)
    np.testing.assert_array_equal(first, sklearn_fit_predict(forest)(train, test_rows))
    assert set(baselines()) == {"logistic_regression", "random_forest", "hist_gradient_boosting", "svc"}
    auc = heartnet.classification_metrics(test_rows[heartnet.TARGET], first)["roc_auc"]
    assert auc > 0.85


# --- the theory experiments prove what the notebook says they prove ---


@pytest.fixture(scope="module")
def matrix(model, dataset):
    features, labels = split_xy(dataset)
    return heartnet.encoder(model).predict_on_batch(to_inputs(features)), labels, features


def test_backpropagation_matches_the_closed_form(model, matrix):
    tape, by_hand = experiments.output_bias_gradient(heartnet.heads(model)[0], *matrix[:2])
    assert tape == pytest.approx(by_hand, abs=1e-6)


def test_gradient_descent_learns_with_a_good_rate_and_not_with_a_tiny_one(matrix):
    good = experiments.gradient_descent(*matrix[:2], learning_rate=0.5, steps=60)["loss"]
    tiny = experiments.gradient_descent(*matrix[:2], learning_rate=1e-4, steps=60)["loss"]
    assert good[-1] < 0.8 * good[0]
    assert tiny[-1] > good[-1]


def test_unnormalized_puts_the_numbers_back_in_their_units(model, matrix):
    encoded, _, features = matrix
    names = heartnet.encoded_feature_names(model)
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
