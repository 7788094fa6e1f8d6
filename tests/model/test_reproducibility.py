"""Training is reproducible from its seed alone, in another process too, and leaves the caller's generators alone."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys

import numpy as np
import pytest

import heartnet
from heartnet.backend import keras, tf

# Small and quick: what matters is that every random draw comes from the seed, not how good the model is.
SCRIPT = """
import hashlib, sys
import heartnet
df = heartnet.load_dataset()
rows = df.sample(200, random_state=0)
model = heartnet.train(rows, seed=int(sys.argv[1]), epochs=3, dropout=0.5, members=3)
print(hashlib.sha256(heartnet.predict(df.head(50), model).tobytes()).hexdigest())
"""


def _fingerprint(dataset, seed: int) -> str:
    """The sha256 of the predictions of a small model trained here with ``seed`` (as SCRIPT does)."""
    model = heartnet.train(dataset.sample(200, random_state=0), seed=seed, epochs=3, dropout=0.5, members=3)
    return hashlib.sha256(heartnet.predict(dataset.head(50), model).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def seed_3(dataset) -> str:
    """The fingerprint of seed 3, trained once for this module's tests."""
    return _fingerprint(dataset, 3)


@pytest.mark.slow  # one training in a fresh process (TensorFlow's import dominates)
def test_training_is_bit_reproducible_in_another_process(seed_3):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "3"], capture_output=True, text=True, timeout=300, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == seed_3


def test_the_same_seed_gives_the_same_model_another_seed_another(dataset, seed_3):
    assert _fingerprint(dataset, 3) == seed_3 != _fingerprint(dataset, 4)


def test_fit_leaves_pythons_numpys_tensorflows_and_keras_generators_as_it_found_them(dataset):
    def draws() -> tuple:
        """What each global generator gives next: Python's, NumPy's, Keras's (unseeded), TensorFlow's (op seeds)."""
        return random.random(), np.random.random(), keras.random.uniform((2,)).numpy(), tf.random.uniform((2,)).numpy()

    keras.utils.set_random_seed(11)  # seeds all four (and lets Keras make its global generator anew)
    expected = draws()
    keras.utils.set_random_seed(11)
    heartnet.train(dataset.sample(120, random_state=1), seed=5, epochs=2, members=2, patience=1)
    found = draws()
    assert found[:2] == expected[:2]
    np.testing.assert_array_equal(found[2], expected[2])
    np.testing.assert_array_equal(found[3], expected[3])
