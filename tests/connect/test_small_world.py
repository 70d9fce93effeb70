import jax
import numpy as np
import pytest

import dynax as dx

from .helpers import assert_rows_sorted_and_distinct, degrees


def lattice_mask(n, k):
    gap = np.abs(np.arange(n)[:, None] - np.arange(n)[None])
    ring = np.minimum(gap, n - gap)
    return (ring >= 1) & (ring <= k // 2)


@pytest.mark.parametrize("p", [0.0, 0.2, 1.0])
def test_degree_is_kept_and_a_fraction_p_is_rewired(p):
    n, k = 2000, 10
    conn = dx.connect.SmallWorld(k, p)(n, n, jax.random.key(0))
    out_deg, in_deg = degrees(conn)
    assert np.all(out_deg == k)
    assert_rows_sorted_and_distinct(conn)
    mask = np.asarray(conn.to_mask())
    assert not np.diag(mask).any()
    rewired = 1 - (mask & lattice_mask(n, k)).sum() / (n * k)
    # A rewired link lands back on a lattice neighbour with probability ~ k / n.
    expected = p * (1 - k / n)
    assert abs(rewired - expected) < 5 * np.sqrt(p * (1 - p) / (n * k)) + k / n
    if p == 0.0:
        np.testing.assert_array_equal(mask, lattice_mask(n, k))
    if p == 1.0:  # in-degrees of a random graph: about binomial(n - 1, k / (n - 1))
        assert abs(in_deg.var() / (k * (1 - k / n)) - 1) < 0.15


def test_same_key_same_connectivity_and_errors():
    make = dx.connect.SmallWorld(4, 0.3)
    a, b, c = (make(100, 100, jax.random.key(s)) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    with pytest.raises(ValueError, match="k must be an even int >= 2"):
        dx.connect.SmallWorld(3, 0.1)
    with pytest.raises(ValueError, match=r"p must lie in \[0, 1\]"):
        dx.connect.SmallWorld(4, 1.1)
    with pytest.raises(ValueError, match="k must be smaller than the number of neurons"):
        dx.connect.SmallWorld(10, 0.1)(10, 10, jax.random.key(0))
    with pytest.raises(ValueError, match="needs n_pre == n_post"):
        dx.connect.SmallWorld(4, 0.1)(10, 12, jax.random.key(0))
