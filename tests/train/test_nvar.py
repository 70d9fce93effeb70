"""Next-generation reservoir computing: NVAR's features and its one-step prediction of
the Lorenz system (Gauthier et al. 2021)."""

import importlib.util
import math
import pathlib

import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"


def test_feature_count_and_order():
    # Gauthier et al.'s Lorenz model: d = 3, k = 2, quadratic: 1 + 6 + 21 = 28 features.
    assert dx.train.NVAR(3, k=2, s=1).n_features == 28
    for d, k, p in [(1, 4, 2), (2, 3, 3), (3, 2, 1)]:
        nvar = dx.train.NVAR(d, k=k, s=2, degree=p)
        assert nvar.n_features == math.comb(d * k + p, p)
        assert dx.train.NVAR(d, k=k, degree=p, bias=False).n_features == nvar.n_features - 1
    nvar = dx.train.NVAR(2, k=2, s=3)
    series = jnp.arange(20.0).reshape(10, 2)
    F = nvar.feature_matrix(series)
    assert F.shape == (10 - 3, nvar.n_features)
    # Row 0 belongs to step 3: [1, u_3, u_0, monomials of (u_3, u_0)].
    lin = jnp.array([6.0, 7.0, 0.0, 1.0])
    np.testing.assert_allclose(F[0, :5], jnp.concatenate([jnp.ones(1), lin]))
    np.testing.assert_allclose(F[0], dx.train.polynomial_features(lin, 2))
    # Stepping the window gives the same rows.
    state = nvar.init()
    for i in range(5):
        state = nvar.step(state, series[i], None)
    np.testing.assert_allclose(nvar.features(state), F[1])
    with pytest.raises(ValueError, match="fewer than the window"):
        nvar.feature_matrix(series[:3])
    with pytest.raises(ValueError, match="s must be an int"):
        dx.train.NVAR(2, k=2, s=0)


def test_one_step_nrmse_on_lorenz():
    """Gauthier et al.'s setting: dt = 0.025, k = 2, s = 1, quadratic monomials,
    10 time units (400 steps) of training, ridge 2.5e-6, the readout predicting the
    increment. One-step prediction over the next 40 time units: NRMSE < 1e-2."""
    dt, n_train, n_test = 0.025, 400, 1600
    series = dx.tasks.lorenz(1 + n_train + n_test, dt, transient=5.0)
    nvar = dx.train.NVAR(3, k=2, s=1, bias=False)
    F = nvar.feature_matrix(series[:-1])  # row j: features at step j + 1
    target = series[2:] - series[1:-1]  # the increment from step j + 1
    readout = dx.train.ridge(F[:n_train], target[:n_train], 2.5e-6)
    prediction = series[1:-1][n_train:] + readout(F[n_train:])
    truth = series[2:][n_train:]
    nrmse = jnp.sqrt(jnp.mean((prediction - truth) ** 2 / jnp.var(truth, axis=0)))
    assert float(nrmse) < 1e-2
    # The readout matters: predicting "no change" is far worse.
    persistence = jnp.sqrt(jnp.mean((series[1:-1][n_train:] - truth) ** 2 / jnp.var(truth, 0)))
    assert float(persistence) > 20 * float(nrmse)


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_ngrc_lorenz_example():
    """examples/ngrc_lorenz.py: one-step NRMSE < 1e-2, a forecast that stays on the
    attractor."""
    result = _example("ngrc_lorenz").main(seed=0)
    assert result["one_step_nrmse"] < 1e-2
    assert result["in_range"]
    assert result["histogram_distance"] < 0.25
    assert result["histogram_distance"] < 2 * result["histogram_distance_true"]
    assert result["valid_time"] > 3.0  # Lyapunov times
