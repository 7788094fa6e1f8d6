"""`heartnet export` writes a SavedModel that serves the same probabilities, needs no dataset, and never overwrites."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import heartnet
from heartnet import cli
from heartnet.export import example_patient
from heartnet.validation import validate_row


@pytest.mark.slow  # writes and reloads a SavedModel
def test_export_serves_the_same_probabilities_recalibration_included(tmp_path, trained_path, capsys):
    import tensorflow as tf

    from heartnet.features import HOSPITAL
    from heartnet.model import to_inputs
    from heartnet.validation import validate_frame

    # A recalibrated model: the export must keep its Recalibration layer as well as the network under it.
    hospitals = heartnet.load_dataset(with_hospital=True)
    swiss = hospitals[hospitals[HOSPITAL] == "Switzerland"].drop(columns=HOSPITAL)
    recalibrated, update, record = heartnet.recalibrate(heartnet.load(trained_path), swiss, method="intercept")
    assert update.intercept > 0.5  # far more disease than the model expects: a layer that moves every probability
    path = heartnet.save_model(recalibrated, tmp_path / "suiza.keras", metadata=record)

    # Export needs the model only: run alone, with no dataset to find, it loads nothing of heartnet.data.
    folder = tmp_path / "served"
    script = (
        "import sys; from heartnet import cli; code = cli.main(sys.argv[1:]); "
        "print('heartnet.data' in sys.modules); sys.exit(code)"
    )
    environment = {**os.environ, "HEARTNET_DATA_CACHE": str(tmp_path / "no" / "heart.csv")}
    result = subprocess.run(
        [sys.executable, "-c", script, "export", str(folder), "--model", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )
    assert (result.returncode, result.stdout.splitlines()[-1]) == (0, "False"), result.stderr
    assert "tensorflow/serving" in (folder / "README.md").read_text(encoding="utf-8")
    example = json.loads((folder / "README.md").read_text(encoding="utf-8").split("-d '")[1].split("'")[0])
    assert example["instances"][0] == {name: [value] for name, value in example_patient().items()}
    serve = tf.saved_model.load(str(folder)).signatures["serving_default"]
    features = validate_frame(hospitals[list(heartnet.FEATURE_NAMES)].head(40))
    served = next(iter(serve(**to_inputs(features)).values())).numpy().ravel()
    np.testing.assert_allclose(served, heartnet.predict(features, heartnet.load(path)), atol=1e-6)
    capsys.readouterr()
    assert cli.main(["export", str(folder), "--model", str(path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err


def test_the_readmes_example_is_a_valid_patient_from_the_spec_alone():
    example = example_patient()
    assert validate_row(example) == example and list(example) == list(heartnet.FEATURE_NAMES)
    numbers = [feature for feature in heartnet.FEATURES if feature.kind == "numeric"]
    assert all(feature.min <= example[feature.name] <= feature.max for feature in numbers)
