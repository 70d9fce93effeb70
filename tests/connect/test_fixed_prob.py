import jax
import numpy as np
import pytest

import dynax as dx


@pytest.mark.parametrize("prob", [0.01, 0.1, 0.5])
def test_degrees_follow_the_binomial(prob):
    n_pre, n_post = 1500, 1000
    conn = dx.connect.FixedProb(prob)(n_pre, n_post, jax.random.key(3))
    total = n_pre * n_post
    assert abs(conn.nnz - prob * total) < 5 * np.sqrt(total * prob * (1 - prob))
    out_deg = np.diff(np.asarray(conn.indptr))
    in_deg = np.bincount(np.asarray(conn.indices), minlength=n_post)
    for deg, n in ((out_deg, n_post), (in_deg, n_pre)):
        mean, var = n * prob, n * prob * (1 - prob)
        assert abs(deg.mean() - mean) < 5 * np.sqrt(var / deg.size)
        assert abs(deg.var() / var - 1) < 0.15
    # Rows are sorted and have no duplicate targets.
    rows = np.split(np.asarray(conn.indices), np.asarray(conn.indptr)[1:-1])
    assert all(np.all(np.diff(r) > 0) for r in rows)


def test_same_key_same_connectivity_and_no_self_connections():
    make = dx.connect.FixedProb(0.05, include_self=False)
    a = make(500, 500, jax.random.key(1), same_population=True)
    b = make(500, 500, jax.random.key(1), same_population=True)
    c = make(500, 500, jax.random.key(2), same_population=True)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices) or a.nnz != c.nnz
    assert np.trace(np.asarray(a.todense())) == 0


def test_edge_probabilities_and_errors():
    assert dx.connect.FixedProb(0.0)(10, 10, jax.random.key(0)).nnz == 0
    full = dx.connect.FixedProb(1.0)(4, 3, jax.random.key(0))
    np.testing.assert_array_equal(full.todense(), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"prob must lie in \[0, 1\]"):
        dx.connect.FixedProb(1.5)
    with pytest.raises(ValueError, match="n_pre must be a positive int"):
        dx.connect.FixedProb(0.1)(0, 3, jax.random.key(0))
    with pytest.raises(ValueError, match=r"indices must lie in \[0, n_post=2\)"):
        dx.connect.CSR([0, 1], [5], 2)
