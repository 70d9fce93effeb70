import jax
import numpy as np
import pytest

import dynax as dx


def binned_profile(mask, dist, edges):
    """(hits, pairs, mean distance-bin index) per distance bin."""
    which = np.digitize(dist.ravel(), edges) - 1
    inside = (which >= 0) & (which < len(edges) - 1)
    hits = np.bincount(which[inside], mask.ravel()[inside], minlength=len(edges) - 1)
    pairs = np.bincount(which[inside], minlength=len(edges) - 1)
    return hits, pairs, which, inside


def test_gaussian_connection_probability_follows_the_profile():
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 30, size=(1200, 2))
    sigma, p_max = 3.0, 0.8
    conn = dx.connect.GaussianProb(sigma, p_max)(pos, pos, jax.random.key(0))
    mask = np.asarray(conn.to_mask())
    dist = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    prob = p_max * np.exp(-(dist**2) / (2 * sigma**2))
    edges = np.arange(0, 13.0, 1.0)
    hits, pairs, which, inside = binned_profile(mask, dist, edges)
    expected = np.bincount(which[inside], prob.ravel()[inside], minlength=len(edges) - 1)
    # Each bin: the count of connections is a sum of independent Bernoulli trials.
    var = np.bincount(which[inside], (prob * (1 - prob)).ravel()[inside], minlength=len(edges) - 1)
    assert np.all(np.abs(hits - expected) < 5 * np.sqrt(var) + 1), (hits, expected)
    assert np.all(hits[:6] > 0) and pairs.min() > 100
    assert not mask[dist > 20].any()  # p < 1e-9 there


def test_periodic_boundaries_wrap_around():
    n, sigma = 300, 2.0
    ring = dx.connect.GaussianProb(sigma, period=n)(n, n, jax.random.key(1))
    line = dx.connect.GaussianProb(sigma)(n, n, jax.random.key(1))
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    gap = np.abs(i - j)
    wrapped = np.minimum(gap, n - gap)
    across = (gap > n / 2) & (wrapped <= 3)  # close on the ring, far on the line
    near = (gap <= 3) & ~across
    m_ring, m_line = np.asarray(ring.to_mask()), np.asarray(line.to_mask())
    assert not m_line[across].any()
    f_across, f_near = m_ring[across].mean(), m_ring[near].mean()
    assert abs(f_across - f_near) < 5 * np.sqrt(0.25 / across.sum())
    # The expected number of targets of a neuron on the ring is sum_d p(d).
    d = np.minimum(np.arange(n), n - np.arange(n))
    mean = np.exp(-(d**2) / (2 * sigma**2)).sum()
    assert abs(ring.nnz / n - mean) < 5 * np.sqrt(mean / n)


def test_grids_self_and_a_distance_function():
    grid = dx.connect.GaussianProb(1.5, include_self=False)
    conn = grid((15, 15), (15, 15), jax.random.key(2), same_population=True)
    assert conn.n_pre == conn.n_post == 225
    assert np.trace(np.asarray(conn.to_mask())) == 0
    with_self = dx.connect.GaussianProb(1.5)((15, 15), (15, 15), jax.random.key(2))
    assert np.all(np.diag(np.asarray(with_self.to_mask())))  # p(0) = 1
    # A user profile: exponential decay, on 1-d positions.
    pos = np.linspace(0, 100, 400)
    profile = lambda d: 0.5 * np.exp(-d / 4)
    conn = dx.connect.DistanceProb(profile)(pos, pos, jax.random.key(3))
    dist = np.abs(pos[:, None] - pos[None])
    expected = profile(dist).sum()
    assert abs(conn.nnz - expected) < 5 * np.sqrt(expected)


def test_same_key_same_connectivity():
    make = dx.connect.GaussianProb(2.0, 0.5)
    a, b = make((10, 10), (10, 10), jax.random.key(0)), make((10, 10), (10, 10), jax.random.key(0))
    c = make((10, 10), (10, 10), jax.random.key(1))
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(np.asarray(a.to_mask()), np.asarray(c.to_mask()))


def test_errors_name_the_argument():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="sigma must be a positive number"):
        dx.connect.GaussianProb(0.0)
    with pytest.raises(ValueError, match=r"p_max must lie in \[0, 1\]"):
        dx.connect.GaussianProb(1.0, p_max=1.2)
    with pytest.raises(ValueError, match="period must be None or positive lengths"):
        dx.connect.GaussianProb(1.0, period=-3)
    with pytest.raises(ValueError, match="pre and post positions must have the same dimension"):
        dx.connect.GaussianProb(1.0)((4, 4), np.zeros((5, 3)), key)
    with pytest.raises(ValueError, match="period must have one length or one per dimension"):
        dx.connect.GaussianProb(1.0, period=(4, 4, 4))((4, 4), (4, 4), key)
    with pytest.raises(ValueError, match="A grid pre must be a tuple of positive ints"):
        dx.connect.GaussianProb(1.0)((4, 0), (4, 4), key)
    with pytest.raises(ValueError, match="same_population=True needs n_pre == n_post"):
        dx.connect.GaussianProb(1.0)((4, 4), (4, 5), key, same_population=True)
    with pytest.raises(ValueError, match=r"profile\(d\) must return one probability in \[0, 1\]"):
        dx.connect.DistanceProb(lambda d: 2.0 + 0 * d)(5, 5, key)
    with pytest.raises(ValueError, match="profile must be a function of distance"):
        dx.connect.DistanceProb(0.5)
