import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dynax._system import Context
from dynax.inputs import (
    AbstractSource,
    PoissonGroup,
    PoissonState,
    Section,
    SpikeTimeGroup,
    SpikeTimeState,
)


def assert_rate_within(counts, n_neurons, n_steps, dt, rate_hz, k=4.0):
    """Total spike count matches `rate_hz` within `k` standard errors (binomial)."""
    p = rate_hz * dt / 1000
    trials = n_neurons * n_steps
    se = math.sqrt(trials * p * (1 - p))
    total = float(np.sum(counts))
    assert abs(total - trials * p) < k * se, (total / (n_neurons * n_steps * dt / 1000), rate_hz)


# --------------------------------------------------------------------------------------
# PoissonGroup


def test_poisson_constant_rate_and_fano(run):
    n, dt, n_steps, rate = 2_000, 0.1, 5_000, 20.0
    g = PoissonGroup(n, rate)
    assert isinstance(g, AbstractSource) and isinstance(g.init(), PoissonState)
    assert not np.any(g.init().spike)
    _, spikes = run(g, n_steps, dt=dt, key=jax.random.key(0))
    assert spikes.dtype == jnp.bool_
    counts = np.asarray(spikes, dtype=np.int64).sum(axis=0)  # per neuron, over 500 ms
    assert_rate_within(counts, n, n_steps, dt, rate)
    # Fano factor of the counts: 1 - p for a Bernoulli train, ~1.
    lam = counts.mean()
    fano = counts.var(ddof=1) / lam
    se = math.sqrt((lam + 2 * lam**2) / n) / lam  # Var of the sample variance, Poisson
    assert abs(fano - (1 - rate * dt / 1000)) < 4 * se, fano


def test_poisson_time_varying_rate(run):
    # 10 Hz for 500 ms, then 50 Hz for 500 ms, from a Section signal.
    n, dt = 1_000, 0.1
    g = PoissonGroup(n, Section([10.0, 50.0], [500.0, 500.0]))
    _, spikes = run(g, 10_000, dt=dt, key=jax.random.key(1))
    spikes = np.asarray(spikes)
    assert_rate_within(spikes[:5_000], n, 5_000, dt, 10.0)
    assert_rate_within(spikes[5_000:], n, 5_000, dt, 50.0)


def test_poisson_heterogeneous_and_callable_rates(run):
    n, dt, n_steps = 1_000, 0.5, 2_000
    rates = jnp.where(jnp.arange(n) < n // 2, 5.0, 40.0)
    _, spikes = run(PoissonGroup(n, rates), n_steps, dt=dt, key=jax.random.key(2))
    spikes = np.asarray(spikes)
    assert_rate_within(spikes[:, : n // 2], n // 2, n_steps, dt, 5.0)
    assert_rate_within(spikes[:, n // 2 :], n // 2, n_steps, dt, 40.0)
    # The same key gives the same spikes; another key other spikes.
    np.testing.assert_array_equal(
        run(PoissonGroup(n, rates), n_steps, dt=dt, key=jax.random.key(2))[1], spikes
    )
    assert not np.array_equal(
        run(PoissonGroup(n, rates), n_steps, dt=dt, key=jax.random.key(9))[1], spikes
    )
    # Any function of the context works as a rate: here 30 Hz from t = 500 ms on.
    g = PoissonGroup(n, lambda ctx: jnp.where(ctx.t >= 500.0, 30.0, 0.0))
    _, spikes = run(g, n_steps, dt=dt, key=jax.random.key(3))
    spikes = np.asarray(spikes)
    assert not spikes[:1_000].any()
    assert_rate_within(spikes[1_000:], n, 1_000, dt, 30.0)


def test_poisson_as_population_ignores_input():
    g = PoissonGroup(100, 50.0)
    assert g.n == 100
    ctx = Context(t=jnp.asarray(0.0), dt=1.0, i=jnp.asarray(0), key=jax.random.key(7))
    step = eqx.filter_jit(lambda g, input, ctx: g.step(g.init(), input, ctx))
    a = step(g, None, ctx)
    b = step(g, {"anything": jnp.ones(100)}, ctx)
    np.testing.assert_array_equal(a.spike, b.spike)
    np.testing.assert_array_equal(g.output(a), a.spike)
    # rate * dt = 1000 Hz ms: a spike every step; above, more than a step can carry.
    full = PoissonGroup(3, jnp.array([0.0, 1e3, 1e3]))
    for i in range(3):
        ctx = Context(t=jnp.asarray(float(i)), dt=1.0, i=jnp.asarray(i), key=jax.random.key(i))
        np.testing.assert_array_equal(step(full, None, ctx).spike, [False, True, True])
    with pytest.raises(Exception, match="more than one spike per step"):
        step(PoissonGroup(3, jnp.array([0.0, 1e3, 2e3])), None, ctx)


def test_poisson_sweep_over_rate(run):
    models = eqx.filter_vmap(lambda r: PoissonGroup(1_000, r))(jnp.array([10.0, 80.0]))

    @eqx.filter_jit
    def sweep(models):
        return eqx.filter_vmap(
            lambda m: run(m, 1_000, dt=1.0, key=jax.random.key(8))[1].sum(dtype=jnp.int32)
        )(models)

    totals = sweep(models)
    assert_rate_within(totals[0], 1_000, 1_000, 1.0, 10.0)
    assert_rate_within(totals[1], 1_000, 1_000, 1.0, 80.0)


def test_poisson_errors():
    with pytest.raises(ValueError, match="rate must be non-negative"):
        PoissonGroup(3, -1.0)
    with pytest.raises(ValueError, match=r"rate must be a scalar or have shape \(3,\)"):
        PoissonGroup(3, jnp.ones(4))
    with pytest.raises(ValueError, match="n must be a positive int"):
        PoissonGroup(-1, 1.0)
    g = PoissonGroup(3, 1.0)
    with pytest.raises(ValueError, match="PoissonGroup is random and needs a PRNG key"):
        g.step(g.init(), None, Context(t=jnp.asarray(0.0), dt=0.1, i=jnp.asarray(0)))


# --------------------------------------------------------------------------------------
# SpikeTimeGroup


def raster(spikes):
    """(step, neuron) pairs of a (steps, n) boolean record, sorted."""
    return sorted(map(tuple, np.argwhere(np.asarray(spikes)).tolist()))


def test_spike_times_follow_the_rule(run):
    # dt = 0.1: T in (t, t + dt] of step k = ceil(T / dt) - 1 -> steps 0, 2, 2, 9.
    g = SpikeTimeGroup(4, [0, 1, 2, 3], [0.1, 0.25, 0.3, 1.0])
    assert isinstance(g.init(), SpikeTimeState) and not np.any(g.init().spike)
    _, spikes = run(g, 12, dt=0.1)
    assert raster(spikes) == [(0, 0), (2, 1), (2, 2), (9, 3)]
    # Another dt: 0.5 -> step 0, 0.6 and 1.0 -> step 1, 1.01 -> step 2.
    _, spikes = run(SpikeTimeGroup(2, [0, 1, 0, 1], [0.5, 0.6, 1.0, 1.01]), 4, dt=0.5)
    assert raster(spikes) == [(0, 0), (1, 0), (1, 1), (2, 1)]


def test_spike_times_on_the_grid(run):
    # T = k * 0.1 exactly in decimal (not in binary) is emitted at step k - 1, for every k.
    k = np.arange(1, 3001)
    times = np.round(k * 0.1, 10)
    g = SpikeTimeGroup(7, k % 7, times)
    _, spikes = run(g, 3_001, dt=0.1)
    assert raster(spikes) == sorted(zip((k - 1).tolist(), (k % 7).tolist()))


def test_spike_times_off_the_grid(run):
    rng = np.random.default_rng(0)
    dt, n = 0.25, 20
    times = rng.uniform(0.0, 200.0, 500)
    frac = (times / dt) % 1
    times = times[(frac > 1e-3) & (frac < 1 - 1e-3)]  # keep clear of the grid
    idx = rng.integers(0, n, times.size)
    _, spikes = run(SpikeTimeGroup(n, idx, times), 801, dt=dt)
    steps = np.ceil(times / dt).astype(int) - 1
    assert raster(spikes) == sorted(set(zip(steps.tolist(), idx.tolist())))


def test_spike_times_resumed_run(run):
    # Reading ctx.t (not a step counter) means a run resumed at t0 > 0 continues correctly.
    g = SpikeTimeGroup(4, [0, 1, 2, 3], [0.1, 0.25, 0.3, 1.0])
    _, whole = run(g, 12, dt=0.1)
    state, first = run(g, 6, dt=0.1, start=jnp.asarray(0))
    _, second = run(g, 6, dt=0.1, state=state, start=jnp.asarray(6))
    np.testing.assert_array_equal(np.concatenate([first, second]), whole)


def test_spike_times_duplicates_and_empty(run):
    # A neuron listed twice in one step spikes once; no events: never spikes.
    _, spikes = run(SpikeTimeGroup(2, [1, 1, 1], [0.5, 0.5, 0.45]), 6, dt=0.1)
    assert raster(spikes) == [(4, 1)]
    _, spikes = run(SpikeTimeGroup(2, [], []), 6, dt=0.1)
    assert not np.any(spikes)


def test_spike_times_errors():
    with pytest.raises(ValueError, match=r"indices must lie in \[0, n\) = \[0, 3\), got \[3\]"):
        SpikeTimeGroup(3, [0, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="indices must lie in"):
        SpikeTimeGroup(3, [-1], [1.0])
    with pytest.raises(ValueError, match="len\\(indices\\)=2 and len\\(times\\)=3"):
        SpikeTimeGroup(3, [0, 1], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="times must be positive and finite"):
        SpikeTimeGroup(3, [0, 1], [0.0, 2.0])
    with pytest.raises(ValueError, match="times must be positive and finite"):
        SpikeTimeGroup(3, [0], [float("nan")])
    with pytest.raises(ValueError, match="indices must be integers"):
        SpikeTimeGroup(3, [0.5], [1.0])
    with pytest.raises(ValueError, match="n must be a positive int"):
        SpikeTimeGroup(0, [], [])
