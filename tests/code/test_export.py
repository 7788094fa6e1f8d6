"""`heartnet export` writes a SavedModel that serves the same probabilities, and never overwrites."""

from __future__ import annotations

import json

import numpy as np
import pytest

import heartnet
from heartnet import cli


@pytest.mark.slow  # writes and reloads a SavedModel
def test_export_serves_the_same_probabilities(tmp_path, trained_path, model, dataset, capsys):
    import tensorflow as tf

    from heartnet.model import to_inputs
    from heartnet.validation import validate_frame

    folder = tmp_path / "served"
    assert cli.main(["export", str(folder), "--model", str(trained_path)]) == 0
    assert "tensorflow/serving" in (folder / "README.md").read_text()
    example = json.loads((folder / "README.md").read_text().split("-d '")[1].split("'")[0])
    assert set(example["instances"][0]) == set(heartnet.FEATURE_NAMES)
    serve = tf.saved_model.load(str(folder)).signatures["serving_default"]
    features = validate_frame(dataset[list(heartnet.FEATURE_NAMES)].head(40))
    served = next(iter(serve(**to_inputs(features)).values())).numpy().ravel()
    np.testing.assert_allclose(served, heartnet.predict(features, model), atol=1e-6)
    capsys.readouterr()
    assert cli.main(["export", str(folder), "--model", str(trained_path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err
