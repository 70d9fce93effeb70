"""Spike encoders: spike statistics and encode/decode round trips against their bounds."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

E = dx.encoding


# --- Poisson rate coding


def test_poisson_counts_and_decode_within_five_sigma(x64):
    enc = E.PoissonEncoder(max_rate=200.0, dt=0.5)  # p_max = 0.1 per step
    x = jnp.asarray([0.0, 0.1, 0.5, 1.0])
    n = 20_000
    spikes = enc(x, n, key=jax.random.key(1))
    assert spikes.shape == (n, 4) and spikes.dtype == jnp.bool_
    p = 0.1 * np.asarray(x)
    count = np.asarray(spikes.sum(axis=0))
    mean, sd = n * p, np.sqrt(n * p * (1 - p))
    assert count[0] == 0
    assert np.all(np.abs(count[1:] - mean[1:]) < 5 * sd[1:]), (count, mean, sd)
    decoded = np.asarray(enc.decode(spikes))
    np.testing.assert_allclose(decoded, count / (n * 0.1), rtol=1e-12)
    assert np.all(np.abs(decoded - x) <= 5 * sd / (n * 0.1) + 1e-12)
    np.testing.assert_allclose(decoded * 200.0, count / (n * 0.5e-3))  # the rate in Hz


def test_poisson_trains_are_bernoulli_and_reproducible():
    enc = E.PoissonEncoder(max_rate=50.0, dt=1.0)  # p = 0.3 * 0.05 = 0.015
    x = jnp.full((20, 25), 0.3, jnp.float32)
    spikes = enc(x, 1000, key=jax.random.key(2))
    assert spikes.shape == (1000, 20, 25)
    counts = np.asarray(spikes.sum(axis=0), float).ravel()
    p = 0.015
    # The variance of 500 counts of Binomial(1000, p): relative error sqrt(2 / 499).
    np.testing.assert_allclose(counts.var(ddof=1), 1000 * p * (1 - p), rtol=5 * math.sqrt(2 / 499))
    np.testing.assert_array_equal(spikes, enc(x, 1000, key=jax.random.key(2)))
    assert enc.decode(spikes).dtype == jnp.float32


def test_poisson_arguments_are_checked():
    with pytest.raises(ValueError, match="max_rate \\* dt > 1000"):
        E.PoissonEncoder(max_rate=2000.0, dt=1.0)
    with pytest.raises(ValueError, match="max_rate must be positive"):
        E.PoissonEncoder(max_rate=-1.0)
    with pytest.raises(ValueError, match="dt must be positive"):
        E.PoissonEncoder(dt=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        E.PoissonEncoder()(jnp.ones(3), 0, key=jax.random.key(0))
    with pytest.raises(Exception, match=r"must lie in \[0, 1\]"):
        E.PoissonEncoder()(jnp.asarray([0.5, 1.5]), 10, key=jax.random.key(0))


# --- latency coding


def test_linear_latency_round_trip_to_half_a_step(x64):
    enc = E.LatencyEncoder(t_max=50.0, dt=1.0)
    x = jnp.linspace(0.0, 1.0, 101)
    spikes = enc(x)
    assert spikes.shape == (51, 101) and spikes.dtype == jnp.bool_
    np.testing.assert_array_equal(spikes.sum(axis=0), 1)  # one spike per value
    k = np.asarray(jnp.argmax(spikes, axis=0))
    assert k[0] == 50 and k[-1] == 0 and np.all(np.diff(k) <= 0)  # larger -> earlier
    decoded = np.asarray(enc.decode(spikes))
    assert np.max(np.abs(decoded - np.asarray(x))) <= 1.0 / (2 * 50.0) + 1e-12
    on_grid = 1 - jnp.arange(51) / 50.0  # values whose latency is a whole step
    np.testing.assert_allclose(enc.decode(enc(on_grid)), on_grid, atol=1e-12)


def test_log_latency_is_the_rc_crossing_time(x64):
    tau, th, t_max, dt = 10.0, 0.2, 50.0, 1.0
    enc = E.LatencyEncoder(t_max=t_max, dt=dt, form="log", tau=tau, threshold=th)
    # tau ln(x / (x - theta)): 10 ln(0.5 / 0.3) = 5.108256... ms
    np.testing.assert_allclose(enc.spike_time(0.5), 10 * math.log(0.5 / 0.3), rtol=1e-14)
    x_min = th / (1 - math.exp(-t_max / tau))  # crosses exactly at t_max
    x = np.linspace(0.0, 1.0, 201)
    spikes = enc(jnp.asarray(x))
    decoded = np.asarray(enc.decode(spikes))

    def value_at(t):  # the inverse of the latency
        return np.minimum(th / (1 - np.exp(-np.asarray(t) / tau)), 1.0)

    t = np.asarray(enc.spike_time(jnp.asarray(x)))
    above = x >= x_min
    # The spike lies on the step nearest t: the decoded value is that of a time within
    # half a step of t.
    assert np.all(decoded[above] <= value_at(t[above] - dt / 2) + 1e-12)
    assert np.all(decoded[above] >= value_at(t[above] + dt / 2) - 1e-12)
    np.testing.assert_allclose(decoded[~above], x_min, rtol=1e-12)  # fire at t_max
    assert np.all(np.diff(np.argmax(np.asarray(spikes), axis=0)) <= 0)


def test_latency_arguments_are_checked():
    with pytest.raises(ValueError, match="whole number of steps"):
        E.LatencyEncoder(t_max=10.5, dt=1.0)
    with pytest.raises(ValueError, match="form must be one of \\('linear', 'log'\\)"):
        E.LatencyEncoder(t_max=10.0, form="exp")
    with pytest.raises(ValueError, match="threshold must lie in \\(0, 1\\)"):
        E.LatencyEncoder(t_max=10.0, form="log", threshold=1.0)
    with pytest.raises(ValueError, match="tau must be positive"):
        E.LatencyEncoder(t_max=10.0, form="log", tau=0.0)
    with pytest.raises(ValueError, match="t_max must be positive"):
        E.LatencyEncoder(t_max=-1.0)
    assert E.LatencyEncoder(t_max=0.3, dt=0.1).n_steps == 4  # 0.3 / 0.1 rounds above 3


# --- delta modulation


def test_delta_reconstruction_stays_within_the_threshold():
    th = jnp.asarray([0.05, 0.2], jnp.float32)  # one threshold per channel
    steps = jax.random.uniform(jax.random.key(3), (2000, 2), minval=-1.0, maxval=1.0) * th
    signal = 3.0 + jnp.cumsum(steps, axis=0)  # moves by at most the threshold per step
    enc = E.DeltaEncoder(th)
    spikes = enc(signal)
    assert spikes.shape == signal.shape and spikes.dtype == jnp.float32
    assert set(np.unique(np.asarray(spikes)).tolist()) == {-1.0, 0.0, 1.0}
    assert np.all(np.asarray(spikes[0]) == 0)
    error = np.abs(np.asarray(enc.decode(spikes, signal[0]) - signal))
    assert np.all(error < np.asarray(th) * (1 + 1e-5))
    # A random walk at these steps crosses often: many spikes, both signs.
    assert (spikes == 1).sum() > 100 and (spikes == -1).sum() > 100


def test_delta_of_a_sine_and_of_a_constant(x64):
    t = jnp.linspace(0.0, 4 * jnp.pi, 400)
    signal = jnp.sin(t)  # the largest step, 0.0315, is below the threshold
    enc = E.DeltaEncoder(0.1)
    spikes = enc(signal)
    assert float(jnp.max(jnp.abs(enc.decode(spikes, signal[0]) - signal))) < 0.1
    # sin goes up by 1, down by 2, up by 2, down by 2, up by 1: about 80 crossings of 0.1
    assert 70 <= int(jnp.sum(jnp.abs(spikes))) <= 80
    assert not jnp.any(enc(jnp.full((50, 3), 2.5)))
    with pytest.raises(ValueError, match="threshold must be positive"):
        E.DeltaEncoder(0.0)


# --- weighted phase coding


def test_weighted_phase_round_trip_is_exact_to_the_last_digit(x64):
    enc = E.WeightedPhaseEncoder(n_phases=8)
    x = jnp.concatenate(
        [jax.random.uniform(jax.random.key(4), (1000,)), jnp.asarray([0.0, 0.5, 0.75, 1.0])]
    )
    spikes = enc(x, n_periods=3)
    assert spikes.shape == (24, 1004) and spikes.dtype == jnp.bool_
    decoded = np.asarray(enc.decode(spikes))
    x = np.asarray(x)
    np.testing.assert_array_equal(decoded, np.minimum(np.floor(x * 256), 255) / 256)
    assert np.all((x - decoded >= 0) & (x - decoded <= 2.0**-8))
    np.testing.assert_array_equal(decoded[-4:], [0.0, 0.5, 0.75, 1 - 2.0**-8])


def test_weighted_phase_digits_and_weights():
    enc = E.WeightedPhaseEncoder(n_phases=4)
    # 0.625 = 0.1010 in binary: spikes at phases 0 and 2 of every period.
    np.testing.assert_array_equal(enc(0.625, n_periods=2), [1, 0, 1, 0, 1, 0, 1, 0])
    np.testing.assert_array_equal(enc.weights(6), [0.5, 0.25, 0.125, 0.0625, 0.5, 0.25])
    assert enc(jnp.zeros((2, 3), jnp.float32)).shape == (4, 2, 3)
    assert enc.decode(enc(jnp.asarray([0.3], jnp.float32))).dtype == jnp.float32
    with pytest.raises(ValueError, match="whole periods"):
        enc.decode(jnp.zeros((6, 1), bool))
    for bad in (0, 31):
        with pytest.raises(ValueError, match="n_phases"):
            E.WeightedPhaseEncoder(n_phases=bad)
