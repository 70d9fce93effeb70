"""Kuramoto with Lorentzian frequencies of half-width delta: the order parameter is
O(1/sqrt n) below K_c = 2 delta and r = sqrt(1 - 2 delta / K) above (Kuramoto 1975;
Ott & Antonsen 2008); the frequency helper and the input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _order_parameter_sweep(n, Ks, delta, duration):
    """The time-averaged order parameter over the second half of a run from random
    phases, one run per coupling (a stacked model: one compilation)."""
    omega = dx.rates.lorentzian_frequencies(n, delta)
    theta0 = jax.random.uniform(jax.random.key(0), (n,), maxval=2 * np.pi)
    models = eqx.filter_vmap(lambda K: dx.rates.Kuramoto(n, omega=omega, K=K, theta0=theta0))(
        jnp.asarray(Ks)
    )

    def run(model):
        order = lambda s: jnp.hypot(jnp.cos(s.theta).mean(), jnp.sin(s.theta).mean())  # noqa: E731
        _, rec = dx.simulate(
            model, model.init(), dt=0.05, duration=duration, monitors={"r": order}, every=10
        )
        return rec["r"]

    r = np.asarray(eqx.filter_jit(eqx.filter_vmap(run))(models))
    return r[:, r.shape[1] // 2 :].mean(axis=1)


def test_order_parameter_below_and_above_the_critical_coupling():
    n, delta = 500, 0.5  # K_c = 1 rad/ms
    Ks = np.array([0.5, 1.5, 4.0])
    r = _order_parameter_sweep(n, Ks, delta, 60.0)
    assert r[0] < 2 / np.sqrt(n)  # incoherent: measured 0.039 (1/sqrt(n) = 0.045)
    # partially locked (measured 0.5790, 0.8661)
    np.testing.assert_allclose(r[1:], np.sqrt(1 - 2 * delta / Ks[1:]), atol=0.01)


@pytest.mark.slow
def test_order_parameter_curve_large_n():
    n, delta = 4000, 0.5
    Ks = np.array([0.5, 0.9, 1.2, 1.5, 2.0, 3.0, 4.0])
    r = _order_parameter_sweep(n, Ks, delta, 100.0)
    assert np.all(r[:2] < 4 / np.sqrt(n))  # measured 0.022, 0.040 (1/sqrt(n) = 0.016)
    np.testing.assert_allclose(r[2:], np.sqrt(1 - 2 * delta / Ks[2:]), atol=0.01)
    np.testing.assert_allclose(r[3:], np.sqrt(1 - 2 * delta / Ks[3:]), atol=0.003)


def test_lorentzian_frequencies_and_vector_field(x64):
    w = np.asarray(dx.rates.lorentzian_frequencies(1000, 0.3, 2.0))
    # quantiles: the median is omega0, the quartiles are omega0 -+ delta
    assert np.median(w) == pytest.approx(2.0, abs=1e-12)
    np.testing.assert_allclose(np.quantile(w, [0.25, 0.75]), [1.7, 2.3], atol=2e-3)
    draws = np.asarray(dx.rates.lorentzian_frequencies(4000, 0.3, 2.0, key=jax.random.key(1)))
    np.testing.assert_allclose(np.quantile(draws, [0.25, 0.5, 0.75]), [1.7, 2.0, 2.3], atol=0.03)
    # the mean-field form equals the pairwise sum, plus the input
    theta = np.random.default_rng(2).uniform(0, 6, 7)
    omega = np.arange(7.0) / 10
    model = dx.rates.Kuramoto(7, omega=omega, K=1.7)
    d = eqx.filter_jit(model.vector_field)(0.0, dx.rates.KuramotoState(theta=theta), 0.25)
    pairwise = omega + 1.7 / 7 * np.sin(theta[None, :] - theta[:, None]).sum(1) + 0.25
    np.testing.assert_allclose(d.theta, pairwise, rtol=1e-12)
    with pytest.raises(ValueError, match="K must be a scalar"):
        dx.rates.Kuramoto(3, K=jnp.ones(3))
    with pytest.raises(ValueError, match="delta must be positive"):
        dx.rates.lorentzian_frequencies(3, 0.0)
