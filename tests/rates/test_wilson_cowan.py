"""Wilson–Cowan with the 1972 limit-cycle parameters: the bifurcations of the fixed point
computed from the Jacobian (Newton on the fixed point and a trace or determinant
condition), and the interval of excitatory drive P where a simulation oscillates."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

WCState = dx.rates.WilsonCowanState


def _rhs(z, P):
    """(dE/dt, dI/dt) of one node at drive P, tau = 1 ms."""
    model = dx.rates.WilsonCowan(1, P=P, tau_e=1.0, tau_i=1.0)
    d = model.vector_field(0.0, WCState(E=z[:1], I=z[1:]), None)
    return jnp.concatenate([d.E, d.I])


@jax.jit
def _extended(u):
    """The fixed-point equations of (E, I) at drive P = u[2], with the trace and the
    determinant of the Jacobian."""
    z, P = u[:2], u[2]
    J = jax.jacfwd(_rhs)(z, P)
    return jnp.concatenate([_rhs(z, P), jnp.stack([jnp.trace(J), jnp.linalg.det(J)])])


_extended_jacobian = jax.jit(jax.jacfwd(_extended))


def _bifurcation(which, guess):
    """(E, I, P) where the fixed point has a zero trace (`which=2`) or determinant
    (`which=3`) of its Jacobian: Newton's method on the extended system."""
    rows = [0, 1, which]
    u = np.asarray(guess, float)
    for _ in range(50):
        step = np.linalg.solve(
            np.asarray(_extended_jacobian(u))[rows], np.asarray(_extended(u))[rows]
        )
        u = u - step
        if np.max(np.abs(step)) < 1e-13:
            return u
    raise AssertionError("Newton did not converge")


def _trace_det(P, z):
    return np.asarray(_extended(np.array([*z, P])))[2:]


def _fixed_point(P, guess):
    """(E, I) of the fixed point at drive P near `guess` (Newton)."""
    z = np.asarray(guess, float)
    for _ in range(30):
        u = np.array([*z, P])
        z = z - np.linalg.solve(
            np.asarray(_extended_jacobian(u))[:2, :2], np.asarray(_extended(u))[:2]
        )
    return z


def test_limit_cycle_interval_matches_the_jacobian(x64):
    trace, det = 2, 3
    # The Hopf point: trace 0 with det > 0 (a pair of eigenvalues crosses the axis).
    E_h, I_h, P_h = _bifurcation(trace, [0.25, 0.2, 1.9])
    assert _trace_det(P_h, [E_h, I_h])[1] > 5.0
    assert P_h == pytest.approx(1.8793, abs=1e-4)
    # The lower end is not a Hopf point: there the trace vanishes only on the saddle
    # (det < 0); the low stable node meets the saddle in a saddle-node (det = 0).
    E_s, I_s, P_s = _bifurcation(det, [0.05, 0.002, 1.08])
    assert E_s < 0.1 and P_s == pytest.approx(1.0873, abs=1e-4)
    E_t, I_t, P_t = _bifurcation(trace, [0.12, 0.02, 0.92])
    assert _trace_det(P_t, [E_t, I_t])[1] < 0

    # Nodes from rest (E = I = 0, the low node) at drives inside and outside the
    # interval, and two started next to their fixed point just inside and outside P_h.
    P = np.array([0.5, P_s - 0.01, P_s + 0.01, 1.5, P_h - 0.02, P_h + 0.02, 4.0])
    z = np.array([_fixed_point(p, [E_h, I_h]) for p in P[4:6]])
    E0 = np.array([0, 0, 0, 0, z[0, 0] + 1e-5, z[1, 0] + 1e-5, 0])
    I0 = np.array([0, 0, 0, 0, z[0, 1], z[1, 1], 0])
    model = dx.rates.WilsonCowan(len(P), P=P, E0=E0, I0=I0)
    # dt = 0.5 ms: RK4 damps an oscillation of frequency w by (w dt)^6 / 144 per step;
    # at dt = 2 ms (w = 0.265 rad/ms) that is 8e-5 / ms, a fifth of the growth rate
    # of 4.2e-4 / ms measured below.
    _, rec = dx.simulate(model, model.init(), dt=0.5, duration=4000.0, monitors={"E": "E"}, every=4)
    E = rec["E"][-500:]  # the last 1000 ms
    amp = np.ptp(E, axis=0)
    np.testing.assert_array_equal(amp > 0.1, [0, 0, 1, 1, 0, 0, 0])
    assert np.all(amp[[0, 1, 6]] < 1e-6)
    # The onset from rest is the saddle-node P_s (within 0.01); the end is the Hopf
    # point: just inside it a small perturbation of the fixed point grows, just outside
    # it decays, at the rate Re(lambda) = trace / 2 of the Jacobian (tau = 10 ms).
    first, last = rec["E"][:150, 4:6], rec["E"][-150:, 4:6]  # 300 ms, > 12 periods
    rate = np.log(np.ptp(last, axis=0) / np.ptp(first, axis=0)) / (rec["t"][-75] - rec["t"][75])
    expected = [_trace_det(p, z[i])[0] / 2 / 10.0 for i, p in enumerate(P[4:6])]
    np.testing.assert_allclose(rate, expected, rtol=0.02)
    assert rate[0] > 0 > rate[1]


@pytest.mark.slow
def test_amplitude_vanishes_at_the_hopf_point(x64):
    # A supercritical Hopf point: the squared amplitude of the cycle grows linearly
    # below P_h; the line through the simulated amplitudes meets zero at the Jacobian's
    # P_h (the 0.004 between them is the curvature of amp^2 over the 0.04 to 0.08 fitted).
    E_h, I_h, P_h = _bifurcation(2, [0.25, 0.2, 1.9])
    P = P_h - np.array([0.08, 0.06, 0.04])
    model = dx.rates.WilsonCowan(len(P), P=P, E0=0.0, I0=0.0)
    _, rec = dx.simulate(
        model, model.init(), dt=0.5, duration=10000.0, monitors={"E": "E"}, every=4
    )
    amp = np.ptp(rec["E"][-500:], axis=0)
    slope, intercept = np.polyfit(P, amp**2, 1)
    assert -intercept / slope == pytest.approx(P_h, abs=6e-3)


def test_fixed_point_and_tau_scaling(x64):
    # Below the limit cycle the node settles on the fixed point found by root finding.
    z = _fixed_point(0.5, [0.0, 0.0])
    model = dx.rates.WilsonCowan(1, P=0.5, tau_e=5.0, tau_i=8.0)
    state, _ = dx.simulate(model, model.init(), dt=1.0, duration=500.0)
    np.testing.assert_allclose([state.E[0], state.I[0]], z, rtol=1e-8)


def test_refractory_terms_and_bad_arguments():
    model = dx.rates.WilsonCowan(1, r_e=0.0, r_i=0.0, P=1.0)
    y = WCState(E=jnp.array([0.3]), I=jnp.array([0.1]))
    d = eqx.filter_jit(model.vector_field)(0.0, y, 0.5)
    # without refractoriness: tau dE/dt = -E + k_e S_e(c1 E - c2 I + P + input)
    s = 1 / (1 + np.exp(-1.3 * (16 * 0.3 - 12 * 0.1 + 1.5 - 4))) - 1 / (1 + np.exp(5.2))
    k = 1 / (1 + np.exp(-5.2))
    assert float(d.E[0]) == pytest.approx((-0.3 + k * s) / 10, rel=1e-5)
    with pytest.raises(ValueError, match="tau_e must be positive"):
        dx.rates.WilsonCowan(2, tau_e=0.0)
    with pytest.raises(ValueError, match="c2 must be non-negative"):
        dx.rates.WilsonCowan(2, c2=-1.0)
    with pytest.raises(ValueError, match=r"P must be a scalar or have shape \(2,\)"):
        dx.rates.WilsonCowan(2, P=jnp.zeros(3))
    assert eqx.tree_equal(model.output(y), y.E)
