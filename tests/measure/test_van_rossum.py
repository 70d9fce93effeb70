import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _train(T, *rows):
    s = np.zeros(T, bool)
    s[list(rows)] = True
    return s


@pytest.mark.parametrize("dt, tau", [(0.1, 5.0), (1.0, 3.0), (0.5, 40.0)])
def test_two_single_spikes_match_the_closed_form(x64, dt, tau):
    # D^2 = 1 - exp(-|dt_spikes| / tau) (van Rossum's normalisation, 1/tau in front of
    # the integral), exactly for spikes on the grid and at any dt.
    T = 400
    for i, j in [(10, 10), (10, 11), (10, 30), (50, 20), (0, 399)]:
        d2 = dx.measure.van_rossum_distance(_train(T, i), _train(T, j), dt, tau=tau, squared=True)
        assert float(d2) == pytest.approx(1.0 - math.exp(-abs(i - j) * dt / tau), abs=1e-12)
    # One spike against none: 1/2; n unmatched spikes far apart: n/2.
    empty = np.zeros(T, bool)
    one = dx.measure.van_rossum_distance(_train(T, 100), empty, dt, tau=tau, squared=True)
    assert float(one) == pytest.approx(0.5, abs=1e-12)
    d = dx.measure.van_rossum_distance(_train(T, 100), _train(T, 100), dt, tau=tau)
    assert float(d) == 0.0


def test_against_a_fine_riemann_sum(x64):
    # Two random trains: the closed-form sum against a fine numerical integral of the
    # filtered difference (spikes on a grid 1 ms apart, integrated at 1 us).
    rng = np.random.default_rng(0)
    T, tau = 200, 7.0
    a, b = rng.random(T) < 0.05, rng.random(T) < 0.05
    d2 = float(dx.measure.van_rossum_distance(a, b, 1.0, tau=tau, squared=True))
    t = np.arange(0.0, T + 20 * tau, 1e-3)
    f = np.zeros_like(t)
    for k in np.flatnonzero(a):
        f += np.where(t >= k, np.exp(-(t - k) / tau), 0.0)
    for k in np.flatnonzero(b):
        f -= np.where(t >= k, np.exp(-(t - k) / tau), 0.0)
    assert d2 == pytest.approx(np.sum(f**2) * 1e-3 / tau, rel=1e-3)


def test_batched_trains_and_the_gradient_of_a_surrogate_train(x64):
    T = 100
    a = np.stack([_train(T, 10), _train(T, 40, 60)], axis=1)  # (T, 2)
    b = np.stack([_train(T, 12), _train(T, 40)], axis=1)
    d2 = dx.measure.van_rossum_distance(a, b, 0.5, tau=4.0, squared=True)
    assert d2.shape == (2,)
    np.testing.assert_allclose(d2, [1 - math.exp(-1.0 / 4.0), 0.5], atol=1e-12)

    # A differentiable train, x * [spike at row 10] against a spike at row 14 (2 ms
    # later): D^2(x) = x^2/2 + 1/2 - x exp(-2/tau), so dD^2/dx = x - exp(-2/tau);
    # checked also by finite differences.
    def loss(x):
        spikes = jnp.zeros(T).at[10].set(x)
        target = jnp.zeros(T).at[14].set(1.0)
        return dx.measure.van_rossum_distance(spikes, target, 0.5, tau=4.0, squared=True)

    g = float(jax.grad(loss)(1.0))
    assert g == pytest.approx(1.0 - math.exp(-2.0 / 4.0), rel=1e-10)
    fd = (float(loss(1.0 + 1e-6)) - float(loss(1.0 - 1e-6))) / 2e-6
    assert g == pytest.approx(fd, rel=1e-6)


def test_float32_stays_float32_and_bad_input():
    a = np.zeros((50, 3), np.float32)
    d = dx.measure.van_rossum_distance(a, a, 0.1, tau=2.0)
    assert d.dtype == jnp.float32 and d.shape == (3,)
    with pytest.raises(ValueError, match="counts"):
        dx.measure.van_rossum_distance(a.astype(np.int32), a, 0.1, tau=2.0)
    with pytest.raises(ValueError, match="same shape"):
        dx.measure.van_rossum_distance(a, a[:, :2], 0.1, tau=2.0)
    with pytest.raises(ValueError, match="tau"):
        dx.measure.van_rossum_distance(a, a, 0.1, tau=0.0)
    with pytest.raises(ValueError, match="dt"):
        dx.measure.van_rossum_distance(a, a, -0.1, tau=1.0)
