"""Shapley explanations: exact (they add up), from the model's own background rows, and shap only where asked."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import heartnet
from heartnet import cli
from heartnet.explain import background_rows, contributions, explain, from_codes, to_codes


@pytest.fixture(scope="module")
def loaded(trained_path):
    return heartnet.load(trained_path)


def test_contributions_add_up_to_the_probability_minus_the_base(loaded, patient):
    table = contributions(loaded, patient)
    probability = heartnet.predict_one(patient, loaded)
    assert table.attrs["probability"] == pytest.approx(probability, abs=1e-6)
    assert table.attrs["base"] + table["contribution"].sum() == pytest.approx(probability, abs=1e-6)
    assert sorted(table["feature"]) == sorted(heartnet.FEATURE_NAMES)
    assert list(table["contribution"].abs()) == sorted(table["contribution"].abs(), reverse=True)


def test_the_base_is_the_mean_prediction_over_the_background(loaded, patient):
    rows = loaded.metadata["background"]
    assert len(rows) == heartnet.explain.BACKGROUND_ROWS
    table = contributions(loaded, patient)
    assert table.attrs["base"] == pytest.approx(heartnet.predict(rows, loaded).mean(), abs=1e-6)


def test_many_rows_add_up_too_and_a_typical_feature_value_explains_little(loaded, dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(12)
    explanation = explain(loaded, rows)
    assert explanation.values.shape == (12, 11)
    np.testing.assert_allclose(
        explanation.base_values + explanation.values.sum(axis=1), heartnet.predict(rows, loaded), atol=1e-6
    )


def test_a_keras_model_needs_its_background_and_says_so(model, patient, dataset):
    with pytest.raises(heartnet.ModelError, match="keeps no background rows to explain against"):
        contributions(model, patient)
    background = dataset[list(heartnet.FEATURE_NAMES)].sample(30, random_state=0)
    table = contributions(model, patient, background=background)
    assert table.attrs["base"] == pytest.approx(heartnet.predict(background, model).mean(), abs=1e-6)


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


@pytest.mark.slow
def test_commands_that_do_not_explain_do_not_import_shap(trained_path, patient):
    script = (
        "import sys; from heartnet import cli; "
        f"cli.main(['predict', {json.dumps(patient)!r}, '--model', {str(trained_path)!r}]); "
        "print('shap' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"
