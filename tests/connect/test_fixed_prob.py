import jax
import numpy as np
import pytest

import dynax as dx

from .helpers import assert_binomial, assert_rows_sorted_and_distinct, degrees


@pytest.mark.parametrize("prob", [0.01, 0.1, 0.5])
def test_degrees_follow_the_binomial(prob):
    # 0.01 and 0.1 sample columns per row; 0.5 draws one uniform number per pair.
    n_pre, n_post = 1500, 1000
    conn = dx.connect.FixedProb(prob)(n_pre, n_post, jax.random.key(3))
    total = n_pre * n_post
    assert abs(conn.nnz - prob * total) < 5 * np.sqrt(total * prob * (1 - prob))
    out_deg, in_deg = degrees(conn)
    assert_binomial(out_deg, n_post, prob)
    assert_binomial(in_deg, n_pre, prob)
    assert_rows_sorted_and_distinct(conn)


def test_pairs_are_independent_and_uniform():
    # Rows are independent draws: over 20 000 rows, each of the 30 columns is connected
    # with frequency p, and each pair of columns together with frequency p**2.
    p, n_pre, n_post = 0.1, 20_000, 30
    m = np.asarray(dx.connect.FixedProb(p)(n_pre, n_post, jax.random.key(0)).to_mask(), float)
    freq = m.mean(0)
    assert np.abs(freq - p).max() < 4 * np.sqrt(p * (1 - p) / n_pre)
    both = (m.T @ m / n_pre)[np.triu_indices(n_post, 1)]
    se = np.sqrt(p**2 * (1 - p**2) / n_pre)
    assert np.abs(both - p**2).max() < 4.5 * se
    assert abs(both.mean() - p**2) < 4 * se / np.sqrt(both.size / n_post)


def test_excluding_self_keeps_bernoulli_off_the_diagonal():
    n, p = 2000, 0.02
    conn = dx.connect.FixedProb(p, include_self=False)(
        n, n, jax.random.key(4), same_population=True
    )
    assert np.trace(np.asarray(conn.to_mask())) == 0
    out_deg, in_deg = degrees(conn)
    assert_binomial(out_deg, n - 1, p)
    assert_binomial(in_deg, n - 1, p)
    assert_rows_sorted_and_distinct(conn)


def test_allow_multi_keeps_the_degrees_but_repeats_pairs():
    n, p = 200, 0.3
    conn = dx.connect.FixedProb(p, allow_multi=True)(n, n, jax.random.key(2))
    out_deg, _ = degrees(conn)
    assert_binomial(out_deg, n, p)
    distinct = np.asarray(conn.to_mask()).sum()
    # Targets drawn with replacement: a row of k draws has about k - k(k-1)/(2n) distinct.
    k = out_deg.astype(float)
    expected = np.sum(n * (1 - (1 - 1 / n) ** k))
    assert distinct < conn.nnz
    assert abs(distinct - expected) < 0.01 * expected


def test_same_key_same_connectivity_and_no_self_connections():
    make = dx.connect.FixedProb(0.05, include_self=False)
    a = make(500, 500, jax.random.key(1), same_population=True)
    b = make(500, 500, jax.random.key(1), same_population=True)
    c = make(500, 500, jax.random.key(2), same_population=True)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.indices, c.indices) or a.nnz != c.nnz
    assert np.trace(np.asarray(a.todense())) == 0


def test_the_stream_is_pinned():
    # Same key, same connectivity in any process: the key's words seed NumPy's PCG64.
    conn = dx.connect.FixedProb(0.1)(50, 40, jax.random.key(7))
    raw = dx.connect.FixedProb(0.1)(50, 40, jax.random.PRNGKey(7))
    np.testing.assert_array_equal(conn.indices, raw.indices)
    assert (conn.nnz, int(np.asarray(conn.indices).sum())) == (217, 4409)


def test_edge_probabilities_and_errors():
    assert dx.connect.FixedProb(0.0)(10, 10, jax.random.key(0)).nnz == 0
    full = dx.connect.FixedProb(1.0)(4, 3, jax.random.key(0))
    np.testing.assert_array_equal(full.todense(), np.ones((4, 3)))
    no_self = dx.connect.FixedProb(1.0, include_self=False)(
        3, 3, jax.random.key(0), same_population=True
    )
    np.testing.assert_array_equal(no_self.to_mask(), ~np.eye(3, dtype=bool))
    with pytest.raises(ValueError, match=r"prob must lie in \[0, 1\]"):
        dx.connect.FixedProb(1.5)
    with pytest.raises(ValueError, match=r"prob must lie in \[0, 1\]"):
        dx.connect.FixedProb(-0.1)
    with pytest.raises(ValueError, match="allow_multi must be True or False"):
        dx.connect.FixedProb(0.1, allow_multi="yes")
    with pytest.raises(ValueError, match="n_pre must be a positive int"):
        dx.connect.FixedProb(0.1)(0, 3, jax.random.key(0))
    with pytest.raises(ValueError, match="n_post must be a positive int"):
        dx.connect.FixedProb(0.1)(3, 2.5, jax.random.key(0))
    with pytest.raises(ValueError, match="same_population=True needs n_pre == n_post"):
        dx.connect.FixedProb(0.1)(3, 4, jax.random.key(0), same_population=True)
    with pytest.raises(ValueError, match="pass a JAX PRNG key"):
        dx.connect.FixedProb(0.1)(3, 4)
    with pytest.raises(ValueError, match=r"CSR: indices\[0\] = 5 is outside \[0, n_post\)"):
        dx.connect.CSR([0, 1], [5], 2)
