"""Same seed and data give bit-identical predictions in separate processes; another seed does not."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import hashlib, sys
import heartnet
df = heartnet.load_dataset()
train_rows, test_rows = heartnet.holdout_split(df, seed=0)
model = heartnet.train(df.iloc[train_rows], seed=int(sys.argv[1]), epochs=8)
print(hashlib.sha256(heartnet.predict(df.iloc[test_rows], model).tobytes()).hexdigest())
"""


def _fingerprint(seed: int) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(seed)], capture_output=True, text=True, timeout=300, check=True
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_training_is_reproducible_across_processes():
    first, second, other = _fingerprint(0), _fingerprint(0), _fingerprint(1)
    assert len(first) == 64
    assert first == second
    assert other != first


def test_metadata_holds_what_reproduces_the_model(metadata):
    assert metadata["command"] == "heartnet train --seed 0"
    for key in ("seed", "data", "split", "hyperparameters", "versions", "features", "threshold", "epochs_run"):
        assert key in metadata
