"""Continuous attractor networks (Wu, Hamaguchi & Amari 2008; Fung, Wong & Wu 2010):
the stationary bump against its closed form (both roots, and none above k_c), the FFT
recurrence against the dense sum, neutral stability (a shifted bump stays), the
population-vector readout against a stimulus' position, and tracking of a moving
stimulus in 1-D and 2-D with the analytic lag.

Every 1-D run is one compiled function (`_run`: 1000 steps of 0.1 ms under a stimulus
of amplitude `A` at `z0 + v t`, switched off at `t_off`), called with other arguments."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.networks import CANN1D, CANN2D, CANN1DState, CANN2DState

DT = 0.1
STEPS = 1000
N = 64


@eqx.filter_jit
def _run(model, u0, A, z0, v, t_off=np.inf):
    """The final state and the decoded position at every step."""
    state = (CANN1DState if u0.ndim == 1 else CANN2DState)(u=u0, r=u0)

    def body(state, i):
        t = i * DT
        input = jnp.where(t < t_off, 1.0, 0.0) * model.stimulus(z0 + v * t, A)
        state = model.step(state, input, dx.Context(t=t, dt=DT, i=i))
        return state, model.decode(state.r)

    return jax.lax.scan(body, state, jnp.arange(STEPS))


def _go(model, u0, A=0.0, z0=0.0, v=0.0, t_off=np.inf):
    f = jnp.asarray
    final, z = _run(model, f(u0), f(A), f(z0), f(v), f(t_off))
    return final, np.asarray(z)


def _wrap(d):
    return (np.asarray(d) + np.pi) % (2 * np.pi) - np.pi


@pytest.mark.slow  # quick-suite budget (CI, 2 cores)
def test_fft_recurrence_is_the_dense_sum(x64):
    # The model's equation written out with the n x n matrix of J(x_i - x_j) (periodic).
    n, a, k, J0 = N, 0.5, 0.3, 1.0
    m = CANN1D(n, k=k)
    u = np.random.default_rng(0).uniform(-0.2, 1.0, n)
    x = np.asarray(m.x)
    d = _wrap(x[:, None] - x[None, :])
    J = J0 / (math.sqrt(2 * math.pi) * a) * np.exp(-(d**2) / (2 * a * a))
    dx_ = 2 * np.pi / n
    rho = 1 / dx_
    u2 = np.maximum(u, 0) ** 2
    r = u2 / (1 + k * rho * u2.sum() * dx_)
    expected = -u + rho * (J @ r) * dx_ + 0.1
    np.testing.assert_allclose(m.vector_field(0.0, jnp.asarray(u), 0.1), expected, atol=1e-13)


@pytest.mark.parametrize("k_ratio", [0.5, 0.9])
def test_stationary_bump_matches_the_closed_form(x64, k_ratio):
    rho, a = N / (2 * np.pi), 0.5
    k_c = rho / (8 * math.sqrt(2 * math.pi) * a)  # Wu et al. (2008), J0 = 1
    k = k_ratio * k_c
    U0 = (1 + math.sqrt(1 - k / k_c)) / (4 * math.sqrt(math.pi) * a * k)
    R0 = (1 + math.sqrt(1 - k / k_c)) / (2 * math.sqrt(2 * math.pi) * a * k * rho)
    m = CANN1D(N, k=k)
    np.testing.assert_allclose(m.critical_k(), k_c, rtol=1e-14)
    np.testing.assert_allclose(m.bump_height(), (U0, R0), rtol=1e-14)
    # From 20% too high, the run settles on u = U0 exp(-(x - z)^2 / 4a^2),
    # r = R0 exp(-(x - z)^2 / 2a^2) (u's tails wrapped round the ring: 5e-5 U0 at pi).
    z = 0.3
    final, _ = _go(m, 1.2 * m.bump(z).u)
    d = _wrap(np.asarray(m.x) - z)
    np.testing.assert_allclose(final.u, U0 * np.exp(-(d**2) / (4 * a * a)), atol=1e-4 * U0)
    np.testing.assert_allclose(final.u, m.bump(z).u, atol=1e-7 * U0)
    np.testing.assert_allclose(final.r, R0 * np.exp(-(d**2) / (2 * a * a)), atol=1e-7 * R0)


def test_the_lower_root_is_the_threshold(x64):
    # On the Gaussian profile the height obeys a 1-D ODE whose roots are
    # U± = J0 (1 ± sqrt(1 - k/k_c)) / (4 sqrt(pi) a k): below U- the bump dies, above
    # it the bump grows to U+.
    m = CANN1D(N)
    k, a = float(m.k), 0.5
    U_minus = (1 - math.sqrt(1 - k / float(m.critical_k()))) / (4 * math.sqrt(math.pi) * a * k)
    U_plus = float(m.bump_height()[0])
    profile = m.bump(0.0).u / U_plus
    low, _ = _go(m, 0.97 * U_minus * profile)
    high, _ = _go(m, 1.03 * U_minus * profile)
    assert float(jnp.max(low.u)) < 1e-3 * U_minus
    np.testing.assert_allclose(jnp.max(high.u), U_plus, rtol=1e-6)


def test_no_bump_above_the_critical_inhibition(x64):
    below = CANN1D(N)
    above = CANN1D(N, k=1.05 * below.critical_k())
    assert np.isnan(above.bump_height()[0])
    with pytest.raises(ValueError, match="k_c"):
        above.bump(0.0)
    final, _ = _go(above, below.bump(0.0).u)
    assert float(jnp.max(final.u)) < 1e-3 * float(below.bump_height()[0])


def test_bump_is_neutral_and_the_readout_finds_the_stimulus(x64):
    m = CANN1D(N)
    U0 = float(m.bump_height()[0])
    # The readout of the analytic bump anywhere on the ring, across the seam at pi too.
    for z in (0.3, -2.0, 3.1, -3.1):
        assert abs(_wrap(m.decode(m.bump(z).r) - z)) < 1e-10
    # A stimulus at 0.7 pulls the bump from 0.3 and holds it there: the readout agrees.
    held, _ = _go(m, m.bump(0.3).u, A=0.2 * U0, z0=0.7)
    assert abs(float(m.decode(held.r)) - 0.7) < 1e-6
    # A brief push (3 ms) moves the bump; once the push is off it stays where it was
    # left, with no restoring force, and takes the stationary shape there again.
    final, z = _go(m, m.bump(0.3).u, A=0.2 * U0, z0=0.6, t_off=3.0)
    assert 0.31 < z[-1] < 0.6
    assert np.ptp(z[500:]) < 1e-9
    np.testing.assert_allclose(final.u, m.bump(z[-1]).u, atol=1e-6 * U0)


def test_tracking_lag_1d(x64):
    m = CANN1D(N)
    U0 = float(m.bump_height()[0])
    A = 0.05 * U0  # relaxation time of the position tau U0 / A = 20 ms
    for v in (0.005, -0.002):  # rad/ms
        expected = float(m.tracking_lag(v, A))
        # Start near the steady lag, so that 100 ms are enough to settle.
        _, z = _go(m, m.bump(-expected).u, A=A, v=v)
        lag = _wrap(v * DT * np.arange(1, STEPS + 1) - z)
        # The lag is constant (the bump moves at the stimulus' speed) ...
        assert abs(lag[-1] - lag[-200]) < 1e-4 * abs(lag[-1])
        # ... and is the analytic one, first order in A/U0 with the height U of the bump
        # held by the stimulus (measured +0.23% for both speeds).
        np.testing.assert_allclose(lag[-1], expected, rtol=5e-3)
        # The leading order tau v U0 / A misses by about 1.4 A/U0 (7% here).
        np.testing.assert_allclose(lag[-1], v * U0 / A, rtol=0.1)
    # Too fast to track: no lag.
    assert np.isnan(m.tracking_lag(0.05, A))


def test_tracking_lag_gradient(x64):
    # The lag is a root found by bisection; its derivative comes from the implicit
    # function theorem and matches central differences.
    def lag(A, k):
        return CANN1D(N, k=k).tracking_lag(0.005, A)

    grads = jax.grad(lag, argnums=(0, 1))(0.05, 0.5)
    h = 1e-6
    fd = (
        (lag(0.05 + h, 0.5) - lag(0.05 - h, 0.5)) / (2 * h),
        (lag(0.05, 0.5 + h) - lag(0.05, 0.5 - h)) / (2 * h),
    )
    np.testing.assert_allclose(grads, fd, rtol=1e-6)


def test_tracking_in_two_dimensions(x64):
    m = CANN2D(32)
    U0 = float(m.bump_height()[0])
    rho, a = (32 / (2 * np.pi)) ** 2, 0.5
    k_c = rho / (32 * np.pi * a * a)  # the 2-D form of Wu et al. (2008), J0 = 1
    np.testing.assert_allclose(m.critical_k(), k_c, rtol=1e-14)
    np.testing.assert_allclose(U0, (1 + math.sqrt(0.5)) / (8 * np.pi * a * a * k_c / 2), rtol=1e-14)
    # From 20% too high, the run settles on the closed form at (0.3, -1), read out there.
    z = (0.3, -1.0)
    final, decoded = _go(m, 1.2 * m.bump(z).u, z0=jnp.zeros(2), v=jnp.zeros(2))
    np.testing.assert_allclose(final.u, m.bump(z).u, atol=1e-7 * U0)
    np.testing.assert_allclose(decoded[-1], z, atol=1e-10)
    # Tracking a stimulus moving at |v| = 0.01 rad/ms diagonally.
    A, v = 0.1 * U0, jnp.array([0.008, -0.006])
    expected = m.tracking_lag(v, A)
    _, decoded = _go(m, m.bump(-expected).u, A=A, z0=jnp.zeros(2), v=v)
    lag = _wrap(np.asarray(v) * DT * STEPS - decoded[-1])
    np.testing.assert_allclose(lag, expected, rtol=1e-2)


def test_errors_and_dtype():
    with pytest.raises(ValueError, match="a must be positive"):
        CANN1D(16, a=-0.5)
    with pytest.raises(ValueError, match="unknown ODE method"):
        CANN2D(8, method="nope")
    m = CANN1D(16)
    ctx = dx.Context(t=jnp.asarray(0.0), dt=DT, i=jnp.asarray(0))
    with pytest.raises(ValueError, match=r"expected \(\) or \(16,\)"):
        m.step(m.init(), jnp.zeros(3), ctx)
    assert jax.eval_shape(m.step, m.init(), None, ctx).u.dtype == jnp.float32
