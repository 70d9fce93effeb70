"""Tests of dx.tasks: the chaotic series against reference solutions and known
invariants, the cognitive tasks against their defining statistics."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

# ---------------------------------------------------------------- chaotic series


def test_lorenz_matches_tight_reference(x64):
    """RK4 at dt = 0.01 against Tsit5 at rtol = atol = 1e-12 over two time units."""
    y0 = jnp.array([-8.0, 7.0, 27.0])
    ys = dx.tasks.lorenz(201, 0.01, y0=y0, transient=0.0)
    ts = jnp.arange(201) * 0.01

    def f(t, y, args):
        x, v, z = y
        return jnp.stack([10 * (v - x), x * (28 - z) - v, x * v - 8 / 3 * z])

    _, ref = dx.integrate.solve(f, y0, 0.0, 2.0, saveat=ts, rtol=1e-12, atol=1e-12)
    assert ys.dtype == jnp.float64
    np.testing.assert_allclose(ys[0], y0)
    err = jnp.max(jnp.abs(ys - ref), axis=1)
    assert float(err[100]) < 2e-4 and float(err[200]) < 5e-3, err[::100]
    # fourth order (chaos adds to it): half the step, at least 2^3.6 = 12 times smaller error
    half = dx.tasks.lorenz(201, 0.01, y0=y0, transient=0.0, substeps=2)
    assert float(jnp.max(jnp.abs(half - ref))) < float(err[200]) / 12


def test_lorenz_time_averages():
    """On the attractor <z> is about 23.5, and <x^2> = <xy> = beta <z> exactly in the long
    run (the time averages of d(x^2)/dt and dz/dt vanish)."""
    ys = np.asarray(dx.tasks.lorenz(100_000, 0.01), dtype=np.float64)  # 1000 time units
    x, y, z = ys.T
    assert abs(z.mean() - 23.55) < 0.15, z.mean()
    np.testing.assert_allclose((x * y).mean(), 8 / 3 * z.mean(), rtol=5e-3)
    np.testing.assert_allclose((x**2).mean(), (x * y).mean(), rtol=5e-3)
    assert ys.dtype == np.float64 and dx.tasks.lorenz(3).dtype == jnp.float32


def test_mackey_glass_hopf_point(x64):
    """Linearised at x* = 1, dx/dt = -gamma x + beta f'(1) x(t - tau) with f'(1) = (2 - n)/4
    = -2: a Hopf bifurcation at tau_c = arccos(-1/4) / omega = 4.708, omega = sqrt(0.15),
    with period 2 pi / omega = 16.2 at onset."""
    omega = math.sqrt(0.4**2 - 0.1**2)
    tau_c = math.acos(-0.25) / omega
    assert abs(tau_c - 4.708) < 1e-3
    below = np.asarray(dx.tasks.mackey_glass(3000, 0.5, tau=4.4, x0=1.05, transient=0.0))
    above = np.asarray(dx.tasks.mackey_glass(3000, 0.5, tau=4.8, x0=1.05, transient=0.0))
    assert np.abs(below[-800:] - 1).max() < 1e-4
    late = above[-800:]
    assert np.abs(late - 1).max() > 0.02
    peaks = np.flatnonzero((late[1:-1] > late[:-2]) & (late[1:-1] > late[2:]))
    period = np.diff(peaks).mean() * 0.5
    assert abs(period - 2 * math.pi / omega) < 0.05 * 2 * math.pi / omega, period


def test_mackey_glass_regimes_and_balance(x64):
    """tau = 6 is a limit cycle (one distinct maximum), tau = 17 chaotic (many), and the
    long-run time average of the production term equals gamma <x>."""
    maxima = {}
    for tau in (6.0, 17.0):
        x = np.asarray(dx.tasks.mackey_glass(10_000, 0.1, tau=tau, substeps=1))
        peaks = x[1:-1][(x[1:-1] > x[:-2]) & (x[1:-1] > x[2:])]
        maxima[tau] = len(np.unique(np.round(peaks, 2)))
    assert maxima[6.0] == 1 and maxima[17.0] > 10, maxima
    x = np.asarray(dx.tasks.mackey_glass(40_000, 0.1, substeps=1, transient=300.0))
    lag = 170
    production = 0.2 * x[:-lag] / (1 + x[:-lag] ** 10)
    np.testing.assert_allclose(production.mean(), 0.1 * x[lag:].mean(), rtol=3e-3)
    assert 0.2 < x.min() and x.max() < 1.45


def test_mackey_glass_converges(x64):
    """Second order in the step (linear interpolation of the history)."""
    kw = dict(tau=17.0, transient=0.0)
    ref = dx.tasks.mackey_glass(51, 1.0, substeps=80, **kw)
    e1 = float(jnp.max(jnp.abs(dx.tasks.mackey_glass(51, 1.0, substeps=10, **kw) - ref)))
    e2 = float(jnp.max(jnp.abs(dx.tasks.mackey_glass(51, 1.0, substeps=20, **kw) - ref)))
    assert 3.0 < e1 / e2 < 5.0, (e1, e2)


def test_series_bad_arguments():
    with pytest.raises(ValueError, match="n_steps"):
        dx.tasks.lorenz(0)
    with pytest.raises(ValueError, match="dt"):
        dx.tasks.mackey_glass(10, dt=-1.0)
    with pytest.raises(ValueError, match="y0"):
        dx.tasks.lorenz(10, y0=jnp.zeros(2))
    with pytest.raises(ValueError, match="tau"):
        dx.tasks.mackey_glass(10, tau=0.0)


# ---------------------------------------------------------------- cognitive tasks


def test_evidence_accumulation_counts_timing_and_rates():
    dt = 1.0
    trials = dx.tasks.evidence_accumulation(jax.random.key(0), 64, dt)
    x, labels, mask, cond = trials
    assert x.shape == (64, 2250, 40) and x.dtype == jnp.float32
    assert labels.dtype == jnp.int32 and mask.shape == (64, 2250)
    # labels are the side with more cues; the counts are those of the cue sides
    np.testing.assert_array_equal(labels, (cond["n_right"] > cond["n_left"]).astype(int))
    np.testing.assert_array_equal(cond["n_right"], cond["cue_sides"].sum(1))
    assert set(np.unique(cond["n_left"] + cond["n_right"])) == {7}
    # the recall period is the last 150 steps, exactly
    np.testing.assert_array_equal(np.flatnonzero(mask[0]), np.arange(2100, 2250))
    # spikes of the left/right groups only during cues of their side, at 40 Hz
    x = np.asarray(x)
    left, right, recall, noise = (x[:, :, 10 * g : 10 * g + 10] for g in range(4))
    sides = np.asarray(cond["cue_sides"])
    for k in range(7):
        on = slice(150 * k, 150 * k + 100)
        off = slice(150 * k + 100, 150 * k + 150)
        assert left[:, off].sum() == 0 and right[:, off].sum() == 0
        assert left[sides[:, k] == 1, on].sum() == 0 and right[sides[:, k] == 0, on].sum() == 0
    # Poisson rates: counts over all trials within 4 standard deviations
    n_on = sides.sum() * 100 * 10  # right-cue neuron-steps (in ms at dt = 1)
    rate = right.sum() / n_on * 1000
    assert abs(rate - 40.0) < 4 * np.sqrt(40.0 * 1000 / n_on), rate
    assert recall[:, :2100].sum() == 0
    assert abs(recall[:, 2100:].mean() * 1000 - 40.0) < 3.0
    assert abs(noise.mean() * 1000 - 10.0) < 0.5
    # the count's side is a fair coin and the label matches the majority
    assert 0.3 < float(labels.mean()) < 0.7


def test_evidence_accumulation_configurable():
    trials = dx.tasks.evidence_accumulation(
        jax.random.key(1), 8, 2.0, n_cues=3, cue=20.0, gap=10.0, delay=40.0, recall=20.0, n_in=8
    )
    assert trials.inputs.shape == (8, (3 * 30 + 40 + 20) // 2, 8)
    assert int(trials.mask.sum(1)[0]) == 10
    with pytest.raises(ValueError, match="whole number of steps"):
        dx.tasks.evidence_accumulation(jax.random.key(0), 4, 0.3)
    with pytest.raises(ValueError, match="odd"):
        dx.tasks.evidence_accumulation(jax.random.key(0), 4, n_cues=4)
    with pytest.raises(ValueError, match="multiple of 4"):
        dx.tasks.evidence_accumulation(jax.random.key(0), 4, n_in=10)
