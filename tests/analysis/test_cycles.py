"""Limit-cycle continuation from Hopf points: the Hopf normal form's closed forms,
FitzHugh–Nagumo's cycles against simulation, and Rössler's first period doubling."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

A, B, TAU = 0.7, 0.8, 12.5


def hopf_normal_form(x, p):
    r2 = x[0] ** 2 + x[1] ** 2
    return jnp.stack([p[0] * x[0] - x[1] - x[0] * r2, x[0] + p[0] * x[1] - x[1] * r2])


def fhn(x, p):
    v, w = x
    return jnp.stack([v - v**3 / 3 - w + p[0], (v + A - B * w) / TAU])


def rossler(x, p):
    a, b, c = p
    return jnp.stack([-x[1] - x[2], x[0] + a * x[1], b + x[2] * (x[0] - c)])


@pytest.mark.slow  # 6-14 s on the 2-core machine: the quick suite has a 4-minute budget
def test_hopf_normal_form(x64):
    branch = dx.analysis.equilibrium_branch(
        hopf_normal_form, jnp.zeros(2), jnp.array([-0.5]), bounds=(-1.0, 1.0), ds=0.1, direction=1
    )
    (h,) = branch.points
    assert h.kind == "H" and abs(float(h.p[0])) < 1e-12 and abs(float(h.omega) - 1) < 1e-12
    assert abs(float(h.l1) + 2) < 1e-10  # 2 sigma / omega with |q| = 1: supercritical
    cycles = dx.analysis.limit_cycle_branch(
        hopf_normal_form, h, bounds=(-1.0, 0.8), n_intervals=8, ds=0.05, targets=(0.25,)
    )
    mu, amp = np.asarray(cycles.p), np.asarray(cycles.x_max[:, 0])
    assert mu.max() > 0.8 and np.all(mu > -1e-12)
    np.testing.assert_allclose(amp, np.sqrt(np.maximum(mu, 0)), atol=1e-6)  # r = sqrt(mu)
    np.testing.assert_allclose(cycles.x_min[:, 1], -amp, atol=1e-6)
    np.testing.assert_allclose(cycles.period, 2 * np.pi, rtol=1e-8)
    # the non-trivial multiplier: exp(-2 mu T), from r' = mu r - r^3 linearised at sqrt(mu)
    rest = np.sort(np.abs(np.asarray(cycles.multipliers)), axis=1)[:, 0]
    np.testing.assert_allclose(rest[1:], np.exp(-2 * mu[1:] * 2 * np.pi), rtol=1e-5, atol=1e-12)
    assert np.all(np.asarray(cycles.stable)[1:])
    (uz,) = cycles.special("UZ")
    np.testing.assert_allclose(cycles.x_max[uz.index, 0], 0.5, atol=1e-7)  # sqrt(0.25)
    # the cycle itself: a circle of radius sqrt(mu), period 2 pi
    r = np.linalg.norm(np.asarray(cycles.x[uz.index]), axis=1)
    np.testing.assert_allclose(r, 0.5, atol=1e-6)  # (8 intervals; 1e-9 at the mesh points)


@pytest.mark.slow  # 10-30 s on the 2-core machine: the quick suite has a 4-minute budget
def test_fhn_cycles_from_the_hopf_point(x64):
    branch = dx.analysis.equilibrium_branch(
        fhn, jnp.array([-1.2, -0.6]), jnp.array([0.0]), bounds=(-1.0, 2.5), ds=0.05
    )
    h = branch.special("H")[0]
    cycles = dx.analysis.limit_cycle_branch(
        fhn, h, bounds=(0.2, 0.6), n_intervals=30, ds=0.02, max_points=150, targets=(0.5,)
    )
    # at birth: the period of the linearisation, 2 pi / omega (T = T0 + c amplitude^2)
    amp = np.asarray(cycles.x_max[:, 0] - cycles.x_min[:, 0]) / 2
    small = (amp > 0) & (amp < 0.1)
    fit = np.polyfit(amp[small] ** 2, np.asarray(cycles.period)[small], 1)
    omega = np.sqrt((1 - B * B / TAU) / TAU)
    np.testing.assert_allclose(fit[1], 2 * np.pi / omega, rtol=1e-5)
    # subcritical: unstable cycles that turn at a fold of cycles (past a canard explosion)
    # and come back as the stable relaxation oscillation
    (lpc,) = cycles.special("LPC")
    assert 0.3235 < float(lpc.p[0]) < 0.3250 and float(lpc.p[0]) < float(h.p[0])
    stable = np.asarray(cycles.stable)
    assert not np.any(stable[1 : lpc.index - 1]) and np.all(stable[lpc.index + 2 :])
    # away from the Hopf point: the cycle a simulation settles on
    (uz,) = cycles.special("UZ")
    period, vmax, vmin = simulate_fhn(0.5)
    np.testing.assert_allclose(float(uz.period), period, rtol=1e-7)
    # (the extrema of degree-4 pieces on 30 intervals: 1e-4 at the sharp turns)
    np.testing.assert_allclose(cycles.x_max[uz.index, 0], vmax, atol=5e-4)
    np.testing.assert_allclose(cycles.x_min[uz.index, 0], vmin, atol=5e-4)


def simulate_fhn(current, dt=0.005, duration=400.0):
    """RK4 from (-1, 1) at the input `current`: the last period (between upward
    crossings of v = 0, interpolated) and the range of v over the second half."""

    def f(y):
        return fhn(y, jnp.array([current]))

    def step(y, _):
        k1 = f(y)
        k2 = f(y + dt / 2 * k1)
        k3 = f(y + dt / 2 * k2)
        k4 = f(y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y, y[0]

    _, v = jax.lax.scan(step, jnp.array([-1.0, 1.0]), None, length=int(duration / dt))
    v = np.asarray(v)
    t = dt * np.arange(1, len(v) + 1)
    i = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    crossings = t[i] - dt * v[i] / (v[i + 1] - v[i])
    late = v[len(v) // 2 :]
    return crossings[-1] - crossings[-2], late.max(), late.min()


@pytest.mark.slow
def test_rossler_first_period_doubling(x64):
    a = b = 0.2
    c0 = 1.0
    x0 = (c0 - np.sqrt(c0**2 - 4 * a * b)) / 2  # the equilibrium near the origin
    branch = dx.analysis.equilibrium_branch(
        rossler, jnp.array([x0, -x0 / a, x0 / a]), jnp.array([a, b, c0]), param=2,
        bounds=(0.3, 6.0), ds=0.02,
    )  # fmt: skip
    cycles = dx.analysis.limit_cycle_branch(
        rossler, branch.special("H")[0], bounds=(0.3, 3.2), n_intervals=25, ds=0.05
    )
    (pd,) = cycles.special("PD")
    assert abs(float(pd.p[2]) - 2.832) < 2e-3  # the first period doubling, c = 2.83
    assert abs(np.min(np.abs(np.asarray(cycles.multipliers[pd.index]) + 1))) < 1e-6
    stable = np.asarray(cycles.stable)
    assert np.all(stable[5 : pd.index - 1]) and not np.any(stable[pd.index + 1 :])


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_errors(x64):
    branch = dx.analysis.equilibrium_branch(
        hopf_normal_form, jnp.zeros(2), jnp.array([-0.5]), bounds=(-1.0, 1.0), ds=0.1, direction=1
    )
    h = branch.points[0]
    with pytest.raises(ValueError, match="n_intervals"):
        dx.analysis.limit_cycle_branch(hopf_normal_form, h, n_intervals=1)
    nan = jnp.asarray(np.nan)
    fold = dx.analysis.SpecialPoint("LP", 0, h.x, h.p, (0,), nan, nan, nan)
    with pytest.raises(ValueError, match="Hopf point"):
        dx.analysis.limit_cycle_branch(hopf_normal_form, fold)
