"""The rate FitzHugh–Nagumo node: the fixed point and its Jacobian against the analytic
ones, the Hopf points where f'(x*) = epsilon / tau, and oscillation between them."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _jacobian(model, x, y, I):
    def f(z):
        d = model.vector_field(0.0, dx.rates.FHNState(x=z[:1], y=z[1:]), I)
        return jnp.concatenate([d.x, d.y])

    return np.asarray(jax.jit(jax.jacfwd(f))(jnp.array([x, y])))


def test_fixed_point_jacobian_and_hopf_points(x64):
    alpha, beta, gamma, eps, tau = 3.0, 4.0, -1.5, 0.5, 20.0
    model = dx.rates.FHN(1)
    fp = lambda x: ((-alpha * x + beta) * x + gamma) * x  # noqa: E731
    dfp = lambda x: (-3 * alpha * x + 2 * beta) * x + gamma  # noqa: E731
    # Hopf points: f'(x*) = eps / tau, and the input that puts the fixed point there
    xh = np.roots([-3 * alpha, 2 * beta, gamma - eps / tau])
    Ih = np.sort(xh / eps - fp(xh))
    np.testing.assert_allclose(Ih, [0.72606, 1.33156], atol=1e-5)
    for I in (0.5, float(Ih[0]), 1.0, float(Ih[1])):
        # the fixed point: x* solves f(x) - x / eps + I = 0 (one real root), y* = x*/eps
        roots = np.roots([-alpha, beta, gamma - 1 / eps, I])
        x = float(roots[np.abs(roots.imag) < 1e-9].real[0])
        J = _jacobian(model, x, x / eps, I)
        np.testing.assert_allclose(J, [[dfp(x), -1.0], [1 / tau, -eps / tau]], rtol=1e-12)
        if I in Ih:
            assert np.trace(J) == pytest.approx(0.0, abs=1e-12) and np.linalg.det(J) > 0
    # simulated: a small perturbation of the fixed point decays outside (Ih[0], Ih[1])
    # and grows into a cycle inside
    I = np.array([0.6, 0.8, 1.0, 1.25, 1.45])
    model = dx.rates.FHN(5, I_bias=I, x0=0.3, y0=0.6)
    _, rec = dx.simulate(model, model.init(), dt=0.1, duration=1500.0, monitors={"x": "x"}, every=5)
    amp = np.ptp(rec["x"][-1000:], axis=0)
    np.testing.assert_array_equal(amp > 0.1, [0, 1, 1, 1, 0])
    assert np.all(amp[[0, 4]] < 1e-6)
