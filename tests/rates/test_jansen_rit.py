"""Jansen–Rit: the alpha peak of the spectrum for the standard parameters with a noisy
input rate, the sigmoid, and the equations' units (rates per ms)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_alpha_peak_with_noisy_input():
    # p uniform in 120-320 Hz in the paper: mean 220 Hz, sd 200 / sqrt(12) = 58 Hz; here
    # an OU input with that mean and sd and a 1 ms correlation time, 4 columns.
    n = 4
    noise = dx.inputs.OUProcess(n, 0.0, 0.0577, 1.0)
    model = dx.rates.JansenRit(n, p=0.22, noise=noise)
    _, rec = dx.simulate(
        model, model.init(jax.random.key(0)), dt=1.0, duration=5000.0,
        key=jax.random.key(1), monitors={"v": model.output},
    )  # fmt: skip
    v = rec["v"][1000:]  # the first second is the transient
    freqs, psd = dx.measure.power_spectrum(v, 1.0, segment=2000.0, overlap=0.5)
    psd = np.asarray(psd).mean(axis=1)
    band = np.asarray(freqs) > 2.0  # above the slow drift of the mean
    peak = float(np.asarray(freqs)[band][np.argmax(psd[band])])
    assert 8.0 <= peak <= 12.0
    # the alpha band holds most of the power between 2 and 40 Hz (measured: 95-97 %;
    # the peak at 10.5 Hz, 11 Hz for one of seeds 0-5)
    f = np.asarray(freqs)
    assert psd[(f >= 7) & (f <= 13)].sum() > 0.8 * psd[(f > 2) & (f < 40)].sum()


def test_vector_field_and_units(x64):
    model = dx.rates.JansenRit(1)
    s = model.sigmoid(jnp.array([6.0, 100.0]))
    np.testing.assert_allclose(s, [0.0025, 0.005], rtol=1e-12)  # e0 at v0, 2 e0 at most
    y = dx.rates.JansenRitState(*(jnp.array([v]) for v in (0.1, 20.0, 12.0, 0.01, 0.02, 0.03)))
    d = eqx.filter_jit(model.vector_field)(0.0, y, 0.05)
    S = lambda v: 2 * 0.0025 / (1 + np.exp(0.56 * (6 - v)))  # noqa: E731
    a, b, A, B, C = 0.1, 0.05, 3.25, 22.0, 135.0
    expected = [
        0.01, 0.02, 0.03,
        A * a * S(20.0 - 12.0) - 2 * a * 0.01 - a * a * 0.1,
        A * a * (0.22 + 0.05 + 0.8 * C * S(C * 0.1)) - 2 * a * 0.02 - a * a * 20.0,
        B * b * 0.25 * C * S(0.25 * C * 0.1) - 2 * b * 0.03 - b * b * 12.0,
    ]  # fmt: skip
    got = [float(getattr(d, f"y{i}")[0]) for i in range(6)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert float(model.output(y)[0]) == pytest.approx(8.0)
    with pytest.raises(ValueError, match="b must be positive"):
        dx.rates.JansenRit(2, b=-0.05)
