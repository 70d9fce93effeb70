import math

import jax
import numpy as np
import pytest

import dynax as dx


def bernoulli(rng, p, n_steps, n):
    """Independent Bernoulli(p) spikes per step: the discrete-time Poisson process."""
    return rng.random((n_steps, n)) < p


def test_spike_counts_in_windows():
    spikes = np.zeros((25, 2), bool)
    spikes[[0, 3, 4, 12], 0] = True
    spikes[24, 1] = True  # in the incomplete last window: left out
    counts = dx.measure.spike_counts(spikes, 0.5, window=2.5)  # 5 rows per window
    np.testing.assert_array_equal(counts, [[3, 0], [0, 0], [1, 0], [0, 0], [0, 1]])
    counts = dx.measure.spike_counts(spikes[:24], 0.5, window=2.5)
    np.testing.assert_array_equal(counts[:, 0], [3, 0, 1, 0])
    # Integer rows (every=5 records) are counted over the time they cover.
    rows = np.asarray(dx.measure.spike_counts(spikes, 0.5, window=0.5), np.int32)
    again = dx.measure.spike_counts(
        rows[:20].reshape(4, 5, 2).sum(1), t=2.5 * np.arange(1, 5), window=5.0
    )
    np.testing.assert_array_equal(again[:, 0], [3, 1])
    with pytest.raises(ValueError, match="whole number"):
        dx.measure.spike_counts(spikes, 0.5, window=1.2)
    with pytest.raises(ValueError, match="longer than the record"):
        dx.measure.spike_counts(spikes, 0.5, window=50.0)


def test_poisson_trains_have_fano_and_cv_one():
    dt, p, n = 0.1, 0.005, 50  # 50 Hz
    rng = np.random.default_rng(0)
    spikes = bernoulli(rng, p, 50_000, n)  # 5 s
    for window in (20.0, 100.0):  # mean counts 1 and 5
        k = int(5_000 / window)
        mu = p * window / dt
        # Var of the sample variance of Poisson counts over k windows: (mu + 2 mu^2) / k;
        # divided by mu^2 and averaged over n independent neurons.
        se = math.sqrt((2 + 1 / mu) / k / n)
        fano = float(dx.measure.fano_factor(spikes, dt, window=window))
        assert abs(fano - (1 - p)) < 4 * se, (window, fano, se)
    # Geometric intervals: CV = sqrt(1 - p); standard error from the neurons' spread.
    per = np.asarray(dx.measure.cv_isi(spikes, dt, per_neuron=True))
    se = per.std(ddof=1) / math.sqrt(n)
    assert abs(per.mean() - math.sqrt(1 - p)) < 4 * se and se < 0.01


def test_regular_trains_have_fano_zero_and_silent_neurons_none():
    spikes = np.zeros((1_000, 3), bool)
    spikes[4::10, :2] = True  # one spike per ms; neuron 2 silent
    per = dx.measure.fano_factor(spikes, 0.1, window=5.0, per_neuron=True)
    np.testing.assert_allclose(per[:2], 0.0, atol=1e-12)
    assert np.isnan(per[2])
    assert float(dx.measure.fano_factor(spikes, 0.1, window=5.0)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="2 windows"):
        dx.measure.fano_factor(spikes, 0.1, window=100.0)


def test_count_correlation_independent_identical_and_thinned():
    dt, p, n, steps, window = 0.1, 0.01, 20, 100_000, 10.0
    rng = np.random.default_rng(1)
    k = int(steps * dt / window)
    independent = bernoulli(rng, p, steps, n)
    mean = float(dx.measure.spike_count_correlation(independent, dt, window=window))
    # Sum over k windows of (sum of n unit z-scores)^2: n chi2_k, so sd(mean) ~ sqrt(2/k)/(n-1).
    assert abs(mean) < 4 * math.sqrt(2 / k) / (n - 1)
    r = np.asarray(dx.measure.spike_count_correlation(independent, dt, window=window, matrix=True))
    np.testing.assert_allclose(np.diag(r), 1.0, rtol=1e-6)
    off = r[~np.eye(n, dtype=bool)]
    assert np.abs(off).max() < 5 / math.sqrt(k)  # each pair's sd is 1/sqrt(k)
    assert mean == pytest.approx(off.mean(), abs=1e-6)  # the O(kn) mean is the matrix's
    identical = np.repeat(independent[:, :1], 4, axis=1)
    assert float(dx.measure.spike_count_correlation(identical, dt, window=window)) == pytest.approx(
        1.0
    )
    # Thinned copies of one mother train (keep each spike with probability e): counts
    # correlate with r = e (1 - p) / (1 - e p) exactly.
    e = 0.5
    mother = bernoulli(rng, p, steps, 1)
    daughters = mother & (rng.random((steps, n)) < e)
    expected = e * (1 - p) / (1 - e * p)
    mean = float(dx.measure.spike_count_correlation(daughters, dt, window=window))
    assert mean == pytest.approx(expected, abs=0.03)


def test_count_correlation_leaves_out_silent_neurons():
    rng = np.random.default_rng(2)
    spikes = bernoulli(rng, 0.05, 2_000, 3)
    spikes[:, 2] = False
    r = np.asarray(dx.measure.spike_count_correlation(spikes, 0.1, window=2.0, matrix=True))
    assert np.isnan(r[2]).all() and np.isnan(r[:, 2]).all() and np.isfinite(r[:2, :2]).all()
    mean = float(dx.measure.spike_count_correlation(spikes, 0.1, window=2.0))
    assert mean == pytest.approx(r[0, 1], abs=1e-6)
    assert np.isnan(dx.measure.spike_count_correlation(spikes[:, 1:], 0.1, window=2.0))


def test_count_measures_vmap_over_records():
    rng = np.random.default_rng(3)
    batch = rng.random((3, 400, 5)) < 0.1
    f = lambda s: dx.measure.fano_factor(s, 0.1, window=2.0)
    np.testing.assert_allclose(jax.vmap(f)(batch), [f(s) for s in batch], rtol=1e-6)
    g = lambda s: dx.measure.spike_count_correlation(s, 0.1, window=2.0)
    np.testing.assert_allclose(jax.jit(jax.vmap(g))(batch), [g(s) for s in batch], rtol=1e-5)
    # Float spikes (a surrogate's) give float counts that gradients flow through.
    grad = jax.grad(lambda s: dx.measure.spike_counts(s, 0.1, window=2.0).sum())
    np.testing.assert_allclose(grad(batch[0].astype(np.float32)), 1.0)
