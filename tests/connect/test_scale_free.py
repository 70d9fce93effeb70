import jax
import numpy as np
import pytest

import dynax as dx

from .helpers import assert_rows_sorted_and_distinct, degrees


def check_simple_undirected(conn):
    mask = np.asarray(conn.to_mask())
    np.testing.assert_array_equal(mask, mask.T)
    assert not np.diag(mask).any()
    assert_rows_sorted_and_distinct(conn)
    return mask


def tail_exponent(deg, k_min):
    """Maximum-likelihood power-law exponent of the degrees >= k_min (Clauset et al. 2009)."""
    tail = deg[deg >= k_min].astype(float)
    return 1 + tail.size / np.log(tail / (k_min - 0.5)).sum()


def clustering(mask):
    """Average local clustering coefficient (Watts & Strogatz 1998)."""
    a = mask.astype(float)
    k = a.sum(1)
    triangles = ((a @ a) * a).sum(1) / 2
    return np.mean(np.where(k > 1, 2 * triangles / np.maximum(k * (k - 1), 1), 0.0))


def test_barabasi_albert_edges_and_heavy_tail():
    n, m = 10_000, 3
    conn = dx.connect.ScaleFreeBA(m)(n, n, jax.random.key(0))
    assert conn.n_pre == n and conn.nnz == 2 * m * (n - m)
    assert_rows_sorted_and_distinct(conn)
    deg, _ = degrees(conn)
    assert deg.min() >= m
    assert deg.max() > 20 * deg.mean()  # hubs: an Erdős–Rényi graph would stop near 20
    assert 2.6 < tail_exponent(deg, 10) < 3.4  # P(k) ~ k^-3
    directed = dx.connect.ScaleFreeBA(m, directed=True)(n, n, jax.random.key(0))
    out_deg, _ = degrees(directed)
    assert directed.nnz == m * (n - m) and out_deg.max() == m  # new -> old only
    new, old = np.asarray(directed.rows), np.asarray(directed.indices)
    assert np.all(new > old)
    both = np.concatenate([new * n + old, old * n + new])
    np.testing.assert_array_equal(np.sort(both), np.asarray(conn.rows) * n + conn.indices)


def test_small_barabasi_albert_is_simple():
    conn = dx.connect.ScaleFreeBA(4)(300, 300, jax.random.key(1))
    check_simple_undirected(conn)
    assert conn.nnz == 2 * 4 * (300 - 4)


def test_dual_barabasi_albert_mixes_the_two_attachments():
    n, m1, m2, p = 2000, 1, 4, 0.3
    conn = dx.connect.ScaleFreeBADual(m1, m2, p)(n, n, jax.random.key(2))
    check_simple_undirected(conn)
    edges, M = conn.nnz / 2, max(m1, m2)
    mean, sd = M + (n - M - 1) * (p * m1 + (1 - p) * m2), np.sqrt((n - M - 1) * p * (1 - p)) * 3
    assert abs(edges - mean) < 5 * sd
    deg, _ = degrees(conn)
    assert deg.min() == m1 and deg.max() > 10 * deg.mean()
    one = dx.connect.ScaleFreeBADual(3, 3, 0.5)(500, 500, jax.random.key(2))
    assert one.nnz == 2 * 3 * (500 - 3)


def test_holme_kim_keeps_edges_and_adds_clustering():
    n, m = 2000, 3
    hk = dx.connect.PowerLaw(m, 0.8)(n, n, jax.random.key(3))
    ba = dx.connect.PowerLaw(m, 0.0)(n, n, jax.random.key(3))
    for conn in (hk, ba):
        assert conn.nnz == 2 * m * (n - m)
    c_hk, c_ba = clustering(check_simple_undirected(hk)), clustering(check_simple_undirected(ba))
    # networkx.powerlaw_cluster_graph(2000, 3, p) gives 0.46 (p = 0.8) and 0.016 (p = 0).
    assert c_hk > 0.35 and c_hk > 10 * c_ba
    deg, _ = degrees(hk)
    assert deg.max() > 10 * deg.mean()


@pytest.mark.parametrize(
    "connector",
    [dx.connect.ScaleFreeBA(2), dx.connect.ScaleFreeBADual(1, 3, 0.5), dx.connect.PowerLaw(2, 0.5)],
)
def test_same_key_same_graph(connector):
    a, b, c = (connector(200, 200, jax.random.key(s)) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="m must be a positive int"):
        dx.connect.ScaleFreeBA(0)
    with pytest.raises(ValueError, match="m2 must be a positive int"):
        dx.connect.ScaleFreeBADual(1, 2.5, 0.5)
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        dx.connect.PowerLaw(2, -0.5)
    with pytest.raises(ValueError, match="m must be smaller than the number of neurons"):
        dx.connect.ScaleFreeBA(5)(5, 5, jax.random.key(0))
    with pytest.raises(ValueError, match="directed must be True or False"):
        dx.connect.PowerLaw(2, 0.1, directed=1)
