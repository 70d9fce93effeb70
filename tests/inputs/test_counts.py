import math

import jax
import numpy as np
import pytest

from dynax.inputs import PoissonCounts, PoissonCountsState


def check_poisson(counts, lam):
    """Columns of `counts` (steps x units) against Poisson(`lam`): mean, variance
    (the variance of a Poisson sample variance is (lam + 2 lam^2) / m), P(0), and no
    correlation between successive steps; each within 4 standard errors."""
    m = counts.size
    assert np.all(counts == np.round(counts)) and counts.min() >= 0
    assert abs(counts.mean() - lam) < 4 * math.sqrt(lam / m)
    assert abs(counts.var(ddof=1) - lam) < 4 * math.sqrt((lam + 2 * lam**2) / m)
    p0 = math.exp(-lam)
    assert abs(np.mean(counts == 0) - p0) < 4 * math.sqrt(p0 * (1 - p0) / m)
    x = counts - counts.mean(axis=0)
    assert abs(np.sum(x[1:] * x[:-1]) / np.sum(x * x)) < 4 / math.sqrt(m)


def test_counts_are_poisson_at_every_mean(run):
    # 2 spikes per step is Brunel's AI drive (C_E nu_ext dt at dt = 0.1 ms), where a
    # Bernoulli train (at most one spike per step) cannot be right; 0.3 is sparse.
    n, dt, n_steps = 2_000, 0.1, 400
    rates = np.repeat([20_000.0, 3_000.0], n // 2)
    source = PoissonCounts(n, rates)
    assert isinstance(source.init(), PoissonCountsState) and not np.any(source.init().spike)
    _, counts = run(source, n_steps, dt=dt, key=jax.random.key(0))
    counts = np.asarray(counts, np.float64)
    check_poisson(counts[:, : n // 2], 2.0)
    check_poisson(counts[:, n // 2 :], 0.3)
    # A mean above 64 is drawn in parts.
    _, counts = run(PoissonCounts(200, 150_000.0), 50, dt=1.0, key=jax.random.key(1))
    check_poisson(np.asarray(counts, np.float64), 150.0)


@pytest.mark.parametrize("rate", [-1.0, np.array([1.0, -2.0, 3.0])])
def test_negative_rates_are_refused(rate):
    with pytest.raises(ValueError, match="rate"):
        PoissonCounts(3, rate)
