"""Balloon–Windkessel: the steady state under constant input (closed form), zero BOLD
without input, the impulse response against an independent solution of the original
equations (in seconds, with f, v, q rather than their logarithms), bad arguments."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import dynax as dx


def test_steady_state_under_constant_input(x64):
    z = jnp.array([0.0, 0.2, 0.5, 1.0, -0.3])
    model = dx.rates.BalloonWindkessel(5)
    # the slowest mode decays at kappa/2 = 0.325/s: 1e-11 after 80 s
    final, _ = dx.simulate(model, model.init(), dt=20.0, duration=80_000.0, inputs=lambda c: z)
    # s = 0, f = 1 + eps z/gamma (= 1 + z/0.41 per s^2), v = f^alpha, q = v E(f)/rho
    rho, alpha = 0.34, 0.32
    f = 1 + np.asarray(z) / 0.41
    v = f**alpha
    q = v * (1 - (1 - rho) ** (1 / f)) / rho
    bold = 0.02 * (7 * rho * (1 - q) + 2 * (1 - q / v) + (2 * rho - 0.2) * (1 - v))
    np.testing.assert_allclose(np.exp(final.log_f), f, rtol=1e-10)
    np.testing.assert_allclose(np.exp(final.log_v), v, rtol=1e-10)
    np.testing.assert_allclose(np.exp(final.log_q), q, rtol=1e-10)
    np.testing.assert_allclose(model.output(final), bold, rtol=1e-8, atol=1e-15)
    assert abs(float(model.output(final)[0])) < 1e-15  # no input, no BOLD
    assert float(model.output(final)[3]) == pytest.approx(0.04590, abs=1e-5)  # 4.6 %


def reference(kappa, gamma, tau, alpha, rho, k, t):
    """The impulse response (z = 10 for 0.1 s) of the original equations, time in s."""

    def rhs(t, x, z):
        s, f, v, q = x
        e = 1 - (1 - rho) ** (1 / f)
        out = v ** (1 / alpha)
        return [
            z - kappa * s - gamma * (f - 1),
            s,
            (f - out) / tau,
            (f * e / rho - out * q / v) / tau,
        ]

    opts = dict(method="DOP853", rtol=1e-11, atol=1e-13)
    first = solve_ivp(rhs, (0, 0.1), [0, 1, 1, 1], args=(10.0,), **opts)
    second = solve_ivp(rhs, (0.1, t[-1]), first.y[:, -1], args=(0.0,), t_eval=t, **opts)
    s, f, v, q = second.y
    return 0.02 * (k[0] * (1 - q) + k[1] * (1 - q / v) + k[2] * (1 - v))


def test_impulse_response(x64):
    # node 0: Friston et al. 2000/2003 with the classic coefficients (the defaults);
    # node 1: Stephan et al. 2007's priors with their 1.5 T coefficients
    friston = dict(kappa=0.65, gamma=0.41, tau=0.98, alpha=0.32, rho=0.34)
    stephan = dict(kappa=0.64, gamma=0.32, tau=2.0, alpha=0.32, rho=0.4)
    k_friston = (7 * 0.34, 2.0, 2 * 0.34 - 0.2)
    k_stephan = (4.3 * 40.3 * 0.4 * 0.04, 25 * 0.4 * 0.04, 0.0)
    both = {key: jnp.array([friston[key], stephan[key]]) for key in friston}
    k = jnp.array([k_friston, k_stephan]).T
    model = dx.rates.BalloonWindkessel(
        2, kappa=both["kappa"] * 1e-3, gamma=both["gamma"] * 1e-6, tau=both["tau"] * 1e3,
        alpha=both["alpha"], rho=both["rho"], k1=k[0], k2=k[1], k3=k[2],
    )  # fmt: skip
    _, rec = dx.simulate(
        model, model.init(), dt=5.0, duration=40_000.0,
        inputs=lambda c: jnp.where(c.t < 100.0, 10.0, 0.0), monitors={"y": model.output},
    )  # fmt: skip
    t, ys = np.asarray(rec["t"]) / 1000, np.asarray(rec["y"])
    for y, params, coefficients, peak in (
        (ys[:, 0], friston, k_friston, 2.907),
        (ys[:, 1], stephan, k_stephan, 4.069),
    ):
        expected = reference(**params, k=coefficients, t=t[t > 0.1])
        np.testing.assert_allclose(y[t > 0.1], expected, atol=1e-7 * np.max(expected))
        # peak (s), a post-stimulus undershoot, and the return to baseline
        assert t[np.argmax(y)] == pytest.approx(peak, abs=0.005)
        assert np.min(y) < -0.05 * np.max(y) and t[np.argmin(y)] > t[np.argmax(y)] + 4
        assert abs(float(y[-1])) < 1e-4 * np.max(y)


def test_bad_arguments():
    with pytest.raises(ValueError, match="rho is a fraction"):
        dx.rates.BalloonWindkessel(2, rho=1.2)
    with pytest.raises(ValueError, match="tau must be positive"):
        dx.rates.BalloonWindkessel(2, tau=0.0)
