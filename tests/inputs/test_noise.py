import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dynax._system import Context
from dynax.inputs import AbstractSource, OUProcess, OUState, WienerProcess, WienerState


def no_record(state):
    return None


def assert_within(estimate, target, se, k=5.0):
    assert abs(float(estimate) - target) < k * se, (float(estimate), target, se)


# --------------------------------------------------------------------------------------
# Wiener process


def test_wiener_variance_grows_linearly(run):
    n, sigma, dt = 20_000, 2.0, 0.1
    w = WienerProcess(n, sigma)
    assert isinstance(w, AbstractSource)
    assert isinstance(w.init(), WienerState)
    np.testing.assert_array_equal(w.init().value, np.zeros(n))
    _, path = run(w, 100, dt=dt, key=jax.random.key(0))  # path[k] is W at (k + 1) * dt
    path = np.asarray(path, dtype=np.float64)
    for k in [9, 49, 99]:
        t = (k + 1) * dt
        var = sigma**2 * t
        assert_within(path[k].mean(), 0.0, math.sqrt(var / n))
        assert_within(path[k].var(ddof=1), var, var * math.sqrt(2 / (n - 1)))
    # Independent increments: Cov[W(s), W(t)] = sigma^2 min(s, t).
    s, t = 2.0, 10.0
    cov = np.mean(path[19] * path[99])
    assert_within(cov, sigma**2 * s, sigma**2 * math.sqrt(s * t + s * s) / math.sqrt(n))


def test_wiener_heterogeneous_sigma_and_keys(run):
    w = WienerProcess(4, jnp.array([0.0, 1.0, 2.0, 3.0]))
    _, a = run(w, 10, dt=0.5, key=jax.random.key(1))
    _, b = run(w, 10, dt=0.5, key=jax.random.key(1))
    _, c = run(w, 10, dt=0.5, key=jax.random.key(2))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[:, 1:], c[:, 1:])
    np.testing.assert_array_equal(a[:, 0], 0.0)  # sigma = 0: no noise
    assert a.dtype == jnp.result_type(float)  # float32 unless x64 is on


def test_wiener_needs_key():
    w = WienerProcess(3)
    ctx = Context(t=jnp.asarray(0.0), dt=0.1, i=jnp.asarray(0))
    with pytest.raises(ValueError, match="WienerProcess is random and needs a PRNG key"):
        w.step(w.init(), None, ctx)


def test_wiener_errors():
    with pytest.raises(ValueError, match="sigma must be non-negative"):
        WienerProcess(3, -1.0)
    with pytest.raises(ValueError, match="n must be a positive int"):
        WienerProcess(0)
    with pytest.raises(ValueError, match=r"sigma must be a scalar or have shape \(3,\)"):
        WienerProcess(3, jnp.ones(4))


# --------------------------------------------------------------------------------------
# Ornstein-Uhlenbeck process


@pytest.mark.parametrize("dt", [0.1, 1.5])
def test_ou_transient_is_exact_for_any_dt(run, dt):
    # From x0: E[x(t)] = mu + (x0 - mu) e^{-t/tau}, Var = sigma^2 (1 - e^{-2t/tau}),
    # whatever dt is (the update is the exact transition).
    n, mu, sigma, tau, x0, t = 20_000, 1.0, 0.5, 2.0, 3.0, 3.0
    ou = OUProcess(n, mu, sigma, tau, x0=x0)
    np.testing.assert_array_equal(ou.init().value, np.full(n, x0))
    final, _ = run(ou, round(t / dt), dt=dt, key=jax.random.key(3), record=no_record)
    x = np.asarray(final.value, dtype=np.float64)
    var = sigma**2 * (1 - math.exp(-2 * t / tau))
    assert_within(x.mean(), mu + (x0 - mu) * math.exp(-t / tau), math.sqrt(var / n))
    assert_within(x.var(ddof=1), var, var * math.sqrt(2 / (n - 1)))


def test_ou_stationary_statistics(run):
    n, mu, sigma, tau, dt = 10_000, -0.5, 0.8, 5.0, 0.5
    x0 = mu + sigma * np.random.default_rng(4).standard_normal(n)
    ou = OUProcess(n, mu, sigma, tau, x0=x0)
    _, path = run(ou, 60, dt=dt, key=jax.random.key(5))
    # The same key gives the same path; another key another path.
    np.testing.assert_array_equal(run(ou, 60, dt=dt, key=jax.random.key(5))[1], path)
    assert not np.allclose(run(ou, 60, dt=dt, key=jax.random.key(6))[1], path)
    assert path.dtype == jnp.result_type(float) and isinstance(ou.init(), OUState)
    path = np.asarray(path, dtype=np.float64)
    for k in [19, 59]:
        assert_within(path[k].mean(), mu, sigma / math.sqrt(n))
        assert_within(path[k].var(ddof=1), sigma**2, sigma**2 * math.sqrt(2 / (n - 1)))
    # Lag-Delta autocorrelation across independent processes: e^{-Delta/tau}.
    for lag_steps in [4, 10, 20]:
        rho = math.exp(-lag_steps * dt / tau)
        r = np.corrcoef(path[19], path[19 + lag_steps])[0, 1]
        assert_within(r, rho, (1 - rho**2) / math.sqrt(n))


def test_ou_large_step_stationary_variance(run):
    # dt = 4 tau: an Euler-Maruyama step would be unstable; the exact update is not.
    n, sigma, tau = 20_000, 2.0, 1.0
    ou = OUProcess(n, 0.0, sigma, tau)
    _, path = run(ou, 5, dt=4.0, key=jax.random.key(6))
    var = sigma**2 * (1 - math.exp(-2 * 5 * 4.0 / tau))
    assert_within(
        np.var(np.asarray(path[-1], dtype=np.float64), ddof=1), var, var * math.sqrt(2 / n)
    )


def test_ou_heterogeneous_parameters(run):
    # Per-neuron mean and tau; sigma = 0 leaves the deterministic relaxation.
    mean = jnp.array([1.0, 2.0, 3.0])
    tau = jnp.array([1.0, 2.0, 4.0])
    ou = OUProcess(3, mean, 0.0, tau, x0=0.0)
    final, _ = run(ou, 20, dt=0.1, key=jax.random.key(9), record=no_record)
    expected = np.asarray(mean) * (1 - np.exp(-2.0 / np.asarray(tau)))
    np.testing.assert_allclose(final.value, expected, rtol=1e-5)


def test_ou_sweep_over_sigma(run):
    # A parameter sweep is a vmap over a stacked model; sigma is an array leaf.
    sigmas = jnp.array([0.5, 2.0])
    models = eqx.filter_vmap(lambda s: OUProcess(5_000, 0.0, s, 1.0))(sigmas)

    @eqx.filter_jit
    def sweep(models):
        return eqx.filter_vmap(
            lambda m: run(m, 20, dt=0.5, key=jax.random.key(10), record=no_record)[0].value
        )(models)

    x = np.asarray(sweep(models), dtype=np.float64)
    for s, xs in zip([0.5, 2.0], x):
        var = s**2 * (1 - math.exp(-20.0))
        assert_within(xs.var(ddof=1), var, var * math.sqrt(2 / 5_000))


def test_ou_errors():
    with pytest.raises(ValueError, match="tau must be positive"):
        OUProcess(3, 0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="tau must be positive"):
        OUProcess(3, 0.0, 1.0, jnp.array([1.0, -1.0, 2.0]))
    with pytest.raises(ValueError, match="sigma must be non-negative"):
        OUProcess(3, 0.0, -1.0, 1.0)
    with pytest.raises(ValueError, match=r"mean must be a scalar or have shape \(3,\)"):
        OUProcess(3, jnp.zeros(2), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"x0 must be a scalar or have shape \(3,\)"):
        OUProcess(3, 0.0, 1.0, 1.0, x0=jnp.zeros((3, 1)))
    with pytest.raises(ValueError, match="n must be a positive int"):
        OUProcess(2.5, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="OUProcess is random and needs a PRNG key"):
        ou = OUProcess(3, 0.0, 1.0, 1.0)
        ou.step(ou.init(), None, Context(t=jnp.asarray(0.0), dt=0.1, i=jnp.asarray(0)))


def test_float32_stays_float32(run):
    # Float32 parameters give a float32 state, also when x64 is enabled.
    f32 = jnp.float32
    for source in [
        WienerProcess(3, f32(1.0)),
        OUProcess(3, f32(0.0), f32(1.0), f32(2.0), x0=jnp.ones(3, f32)),
    ]:
        final, _ = run(source, 2, dt=0.1, key=jax.random.key(0), record=no_record)
        assert final.value.dtype == jnp.float32
