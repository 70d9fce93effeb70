"""Wong–Wang 2006: the spontaneous symmetric fixed point, the choice and decision time
with the paper's noise at two coherences, the transfer function at its removable
singularity, bad arguments."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

import dynax as dx


def spontaneous_state():
    """The symmetric fixed point without stimulus, S = gamma tau H / (1 + gamma tau H)
    with x = (J11 - J12) S + I0, in the paper's units (s, Hz, nA)."""
    a, b, d, g, tau, j_s, j_c, i0 = 270.0, 108.0, 0.154, 0.641, 0.1, 0.2609, 0.0497, 0.3255

    def h(x):
        return (a * x - b) / (1 - np.exp(-d * (a * x - b)))

    s = brentq(lambda s: s - g * tau * h((j_s - j_c) * s + i0) * (1 - s), 1e-3, 0.9, xtol=1e-14)
    return s, h((j_s - j_c) * s + i0)


def test_spontaneous_state_and_a_noiseless_decision(x64):
    s_star, r_star = spontaneous_state()
    assert s_star == pytest.approx(0.10265, abs=1e-5) and r_star == pytest.approx(1.785, rel=1e-3)
    # Circuit 0 without input, from S = 0.09 and 0.11: both populations relax to the
    # spontaneous state (the slower eigenvalue, of the antisymmetric mode, is -2.26/s).
    # Circuits 1 and 2 with coherence 51.2 % for population 1 and for population 2: with
    # a stimulus the symmetric state is unstable, and the favoured population wins.
    model = dx.rates.WongWang(6, S0=jnp.array([0.09, 0.11, s_star, s_star, s_star, s_star]))
    stim = model.stimulus(jnp.array([0.0, 51.2, -51.2])) * jnp.array([0, 0, 1, 1, 1, 1])
    np.testing.assert_allclose(stim[2:], 5.2e-4 * 30 * np.array([1.512, 0.488, 0.488, 1.512]))
    final, _ = dx.simulate(model, model.init(), dt=0.5, duration=8000.0, inputs=lambda c: stim)
    S, rates = np.asarray(final.S), np.asarray(jax.jit(lambda s: model.rate(s, stim))(final))
    np.testing.assert_allclose(S[:2], s_star, rtol=1e-8)
    np.testing.assert_allclose(rates[:2], r_star, rtol=1e-7)
    assert S[2] > 0.6 and S[3] < 0.1 and S[5] > 0.6 and S[4] < 0.1
    assert rates[2] > 30 and rates[3] < 5


def test_choices_and_decision_times_with_noise():
    k = 32  # trials (circuits) per coherence, all in one model
    coherence = jnp.repeat(jnp.array([3.2, 51.2]), k)
    n = 4 * k
    noise = dx.inputs.OUProcess(n, 0.0, 0.02 / 2**0.5, 2.0)  # the paper's sigma = 0.02 nA
    model = dx.rates.WongWang(n, noise=noise)
    stim = model.stimulus(coherence)
    _, rec = dx.simulate(
        model, model.init(), dt=0.5, duration=1500.0, inputs=lambda ctx: stim,
        key=jax.random.key(0), monitors={"r": lambda s: model.rate(s, stim)},
    )  # fmt: skip
    r = np.asarray(rec["r"]).reshape(len(rec["t"]), 2 * k, 2)
    crossed = r > 15.0  # Hz: the decision threshold of the paper
    first = np.where(crossed.any(0), crossed.argmax(0), len(rec["t"]))
    assert np.all(first.min(1) < len(rec["t"]))  # every trial decides within 1.5 s
    chose_1 = first[:, 0] < first[:, 1]
    decision_time = np.asarray(rec["t"])[first.min(1)]
    low, high = slice(0, k), slice(k, 2 * k)
    # Measured: population 1 wins 78 % of the 32 trials at 3.2 %, all at 51.2 %; mean
    # decision times 465 and 187 ms (70 % and 459, 174 ms with 64 trials each).
    assert chose_1[high].mean() >= 0.95
    assert 0.45 < chose_1[low].mean() < 0.95
    assert decision_time[high].mean() < 0.6 * decision_time[low].mean()


def test_transfer_function_at_its_removable_singularity(x64):
    model = dx.rates.WongWang(2)
    x0 = 108.0 / 270.0  # a x - b = 0: H = 1/d = 1000/154 Hz
    y = dx.rates.WongWangState(S=jnp.zeros(2))

    @jax.jit
    def rate_and_slope(i):
        rate = model.rate(y, i + jnp.array([0.0, 1e-9]))
        return rate, jax.grad(lambda i: model.rate(y, i)[0])(i)

    rate, slope = rate_and_slope(jnp.asarray(x0 - 0.3255))
    np.testing.assert_allclose(rate, 1000 / 154, rtol=1e-6)
    assert np.isfinite(slope) and slope == pytest.approx(270 / 2, rel=1e-4)  # a/2 at y = 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="must be even"):
        dx.rates.WongWang(3)
    with pytest.raises(ValueError, match="tau_s must be positive"):
        dx.rates.WongWang(2, tau_s=-1.0)
