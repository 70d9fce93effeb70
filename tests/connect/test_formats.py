import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def triples(rows, cols, w):
    """The multiset of (pre, post, weight) synapses, as a sorted array."""
    t = np.stack([np.asarray(rows, float), np.asarray(cols, float), np.asarray(w, float)], 1)
    return t[np.lexsort(t.T[::-1])]


@pytest.fixture
def multi():
    # Repeated pairs: conversions must keep each synapse's own weight.
    conn = dx.connect.FixedProb(0.3, allow_multi=True)(40, 30, jax.random.key(0))
    w = jnp.arange(conn.nnz, dtype=jnp.float32) + 1.0
    return conn, w


def test_csc_round_trip_keeps_synapses_and_weights(multi):
    conn, w = multi
    csc, w_csc = conn.to_csc(data=w)
    assert isinstance(csc, dx.connect.CSC) and csc.nnz == conn.nnz
    assert (csc.n_pre, csc.n_post) == (conn.n_pre, conn.n_post)
    np.testing.assert_array_equal(
        triples(csc.indices, csc.cols, w_csc), triples(conn.rows, conn.indices, w)
    )
    # Sorted by (post, pre), with each column's sources in order.
    key = np.asarray(csc.cols, np.int64) * conn.n_pre + np.asarray(csc.indices)
    assert np.all(np.diff(key) >= 0)
    back, w_back = csc.to_csr(data=w_csc)
    np.testing.assert_array_equal(back.indptr, conn.indptr)
    np.testing.assert_array_equal(back.indices, conn.indices)
    np.testing.assert_array_equal(w_back, w)  # stable: the identity permutation
    np.testing.assert_allclose(csc.todense(w_csc), conn.todense(w))
    np.testing.assert_array_equal(csc.to_mask(), conn.to_mask())


def test_the_permutation_itself_and_pytrees_of_data(multi):
    conn, w = multi
    delays = jnp.arange(conn.nnz) % 7
    csc, perm = conn.to_csc(data=jnp.arange(conn.nnz))
    _, (w_csc, d_csc, shared) = conn.to_csc(data=(w, delays, jnp.asarray(0.5)))
    np.testing.assert_array_equal(w_csc, w[perm])
    np.testing.assert_array_equal(d_csc, delays[perm])
    assert float(shared) == 0.5  # a scalar is shared by every synapse: unchanged
    with pytest.raises(ValueError, match=f"leading axis of length nnz={conn.nnz}"):
        conn.to_csc(data=jnp.ones(conn.nnz + 1))


def test_coo_round_trips(multi):
    conn, w = multi
    coo, w_coo = conn.to_coo(data=w)
    np.testing.assert_array_equal(coo.pre, conn.rows)
    np.testing.assert_array_equal(coo.post, conn.indices)
    np.testing.assert_array_equal(w_coo, w)
    # Shuffle the COO: to_csr sorts it back and the weights follow.
    order = np.random.default_rng(0).permutation(conn.nnz)
    shuffled = dx.connect.COO(np.asarray(coo.pre)[order], np.asarray(coo.post)[order], 40, 30)
    csr, w_csr = shuffled.to_csr(data=w[order])
    np.testing.assert_array_equal(csr.indptr, conn.indptr)
    np.testing.assert_array_equal(
        triples(csr.rows, csr.indices, w_csr), triples(conn.rows, conn.indices, w)
    )
    csc, w_csc = shuffled.to_csc(data=w[order])
    np.testing.assert_array_equal(
        triples(csc.indices, csc.cols, w_csc), triples(conn.rows, conn.indices, w)
    )
    c2, w2 = csc.to_coo(data=w_csc)
    np.testing.assert_allclose(c2.todense(w2), conn.todense(w))


def test_fan_out_round_trip(multi):
    conn, w = multi
    fan, table = conn.to_fan_out(data=w, fill=-1.0)
    assert fan.indices.shape == (conn.n_pre, conn.max_fan_out)
    assert fan.nnz == conn.nnz
    counts = np.diff(np.asarray(conn.indptr))
    np.testing.assert_array_equal(np.asarray(fan.mask).sum(1), counts)
    assert np.all(np.asarray(table)[~np.asarray(fan.mask)] == -1.0)
    np.testing.assert_array_equal(np.asarray(fan.indices)[~np.asarray(fan.mask)], conn.n_post)
    back, w_back = fan.to_csr(data=table)
    np.testing.assert_array_equal(back.indptr, conn.indptr)
    np.testing.assert_array_equal(back.indices, conn.indices)
    np.testing.assert_array_equal(w_back, w)
    np.testing.assert_allclose(fan.todense(table), conn.todense(w))
    np.testing.assert_array_equal(fan.to_mask(), conn.to_mask())
    # A fixed out-degree fills the table exactly.
    full = dx.connect.FixedPostNum(5)(20, 30, jax.random.key(1)).to_fan_out()
    assert full.indices.shape == (20, 5) and bool(np.all(full.mask))


def test_formats_are_pytrees_of_int32_arrays_for_jit(multi):
    conn, w = multi
    for fmt in (conn, conn.to_csc(), conn.to_coo(), conn.to_fan_out()):
        leaves = jax.tree.leaves(fmt)
        assert leaves and all(leaf.dtype == jnp.int32 for leaf in leaves)
    # Inside jit the dense views still work (traced indices).
    dense = jax.jit(lambda c, w: c.todense(w))(conn, w)
    np.testing.assert_allclose(dense, conn.todense(w))
    np.testing.assert_allclose(jax.jit(lambda c: c.todense())(conn.to_csc()), conn.todense())


def test_user_arrays_are_copied():
    indices = np.array([1, 0, 2], np.int32)
    conn = dx.connect.CSR(np.array([0, 2, 3]), indices, 3)
    indices[:] = 0
    np.testing.assert_array_equal(conn.indices, [1, 0, 2])
    np.testing.assert_array_equal(conn.rows, [0, 0, 1])


def test_format_errors():
    with pytest.raises(ValueError, match=r"CSC: indptr\[0\] = 1, expected 0"):
        dx.connect.CSC([1, 2], [0], 3)
    with pytest.raises(ValueError, match=r"CSC: indices\[0\] = 3 is outside \[0, n_pre\)"):
        dx.connect.CSC([0, 1], [3], 3)
    with pytest.raises(ValueError, match="pre and post must have the same length"):
        dx.connect.COO([0, 1], [0], 2, 2)
    with pytest.raises(ValueError, match=r"COO: post\[1\] = 2 is outside \[0, n_post\) = \[0, 2\)"):
        dx.connect.COO([0, 1], [0, 2], 2, 2)
    with pytest.raises(ValueError, match="n_pre must be a positive int"):
        dx.connect.COO([], [], 0, 2)
    with pytest.raises(ValueError, match="indices must be a 1-d integer array"):
        dx.connect.CSR([0, 1], [0.5], 2)
    fan = dx.connect.CSR([0, 1], [0], 2).to_fan_out()
    with pytest.raises(ValueError, match=r"per-synapse tables must have shape \(1, 1\)"):
        fan.to_csr(data=jnp.ones(3))
