"""heartnet's own Keras layers: each member of the ensemble starts as a lone layer would; the fill learns its mean."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from heartnet.backend import keras
from heartnet.layers import EnsembleDense, FillMissing

INPUTS, UNITS = 40, 16  # one member's kernel: 640 weights


def _kernel(members: int, seed: int) -> np.ndarray:
    layer = EnsembleDense(UNITS, members, seed=seed)
    layer.build((None, INPUTS))
    return layer.kernel.numpy()


@pytest.mark.parametrize("members", [1, 8])
def test_each_member_starts_with_glorots_variance_for_one_layer(members):
    kernel = _kernel(members, seed=3)
    limit = math.sqrt(6 / (INPUTS + UNITS))  # Glorot's uniform limit for one (inputs, units) kernel
    assert np.abs(kernel).max() <= limit
    glorot_variance = limit**2 / 3  # the variance of U(-limit, limit): 2 / (inputs + units)
    for member in kernel:  # every member alone, not only all of them together
        # the sample variance of n uniform draws has a relative standard error of sqrt(0.8 / n) (~3.5 % here)
        tolerance = 4 * math.sqrt(0.8 / member.size)
        assert abs(member.var() / glorot_variance - 1) < tolerance
    # Keras's "glorot_uniform" on the 3-D kernel would give each of 8 members an eighth of that variance
    assert members == 1 or kernel.var() > glorot_variance / 2


def test_a_one_member_ensemble_starts_like_a_dense_layer_in_distribution():
    ensemble = np.concatenate([_kernel(1, seed=s).ravel() for s in range(5)])
    dense = []
    for seed in range(5):
        layer = keras.layers.Dense(UNITS, kernel_initializer=keras.initializers.GlorotUniform(seed=100 + seed))
        layer.build((None, INPUTS))
        dense.append(layer.kernel.numpy().ravel())
    assert stats.ks_2samp(ensemble, np.concatenate(dense)).pvalue > 0.001
    np.testing.assert_array_equal(_kernel(8, seed=7), _kernel(8, seed=7))  # the seed reproduces the draw
    assert not np.array_equal(_kernel(8, seed=7), _kernel(8, seed=8))


def test_fill_missing_learns_the_mean_of_the_measured_values():
    fill = FillMissing(name="fill")
    fill.adapt(np.array([[200.0], [np.nan], [300.0], [250.0]]))
    assert fill.value == 250.0 and FillMissing.from_config(fill.get_config()).value == 250.0
    filled = np.asarray(fill(np.array([[np.nan], [180.0]], dtype="float32")))
    np.testing.assert_array_equal(filled, [[250.0], [180.0]])
    with pytest.raises(ValueError, match="at least one measured"):
        FillMissing().adapt(np.array([np.nan, np.nan]))
