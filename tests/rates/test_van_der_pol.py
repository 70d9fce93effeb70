"""Van der Pol: the limit cycle's amplitude and period against the small-mu expansion
and the large-mu (relaxation) asymptotics."""

import numpy as np
import pytest

import dynax as dx

AIRY_ZERO = 2.338107410459767  # first zero of Ai(-z)


def _cycle(mu, dt, duration):
    """Amplitude and period on the limit cycle (the last upward zero crossings of x,
    linearly interpolated), one oscillator per mu."""
    model = dx.rates.VanDerPol(len(mu), mu=np.asarray(mu))
    _, rec = dx.simulate(model, model.init(), dt=dt, duration=duration, monitors={"x": "x"})
    x, t = np.asarray(rec["x"]), np.asarray(rec["t"])
    out = []
    for k in range(len(mu)):
        xk = x[:, k]
        i = np.nonzero((xk[:-1] < 0) & (xk[1:] >= 0))[0]
        crossings = t[i] + dt * xk[i] / (xk[i] - xk[i + 1])
        half = x[len(x) // 2 :, k]
        out.append((half.max(), crossings[-1] - crossings[-2]))
    return np.array(out)


def test_small_and_large_mu(x64):
    amp, period = _cycle([0.1, 0.3], dt=0.01, duration=300.0).T
    # small mu: amplitude 2, period 2 pi (1 + mu^2 / 16 - 5 mu^4 / 3072)
    mu = np.array([0.1, 0.3])
    np.testing.assert_allclose(amp, 2.0, atol=2e-3)
    np.testing.assert_allclose(period, 2 * np.pi * (1 + mu**2 / 16 - 5 * mu**4 / 3072), rtol=1e-5)
    assert period[0] == pytest.approx(2 * np.pi, rel=1e-3)


def test_relaxation_period_large_mu(x64):
    mu = np.array([20.0, 50.0])
    amp, period = _cycle(mu, dt=0.005, duration=300.0).T
    leading = (3 - 2 * np.log(2)) * mu
    two_terms = leading + 3 * AIRY_ZERO * mu ** (-1 / 3)
    # measured 34.683 and 82.518 (82.509 at half the dt): the leading term is within
    # 7 % and 2.2 %; the two-term asymptotics within 0.5 % and 0.09 %, the rest of
    # order ln(mu) / mu (Dorodnitsyn's next term)
    assert np.all(np.abs(period / leading - 1) < [0.08, 0.025])
    assert np.all(period < two_terms)
    assert np.all(np.abs(period / two_terms - 1) < [6e-3, 1.5e-3])
    # amplitude 2 + O(mu^(-4/3)): measured 2.0078, 2.0030
    assert np.all(np.abs(amp - 2.0) < [0.02, 0.006])
