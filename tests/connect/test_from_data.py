import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_from_dense_and_from_ij():
    w = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -3.0]])
    conn, values = dx.connect.from_dense(w, values=True)
    np.testing.assert_array_equal(conn.indptr, [0, 1, 3])
    np.testing.assert_array_equal(conn.indices, [1, 0, 2])
    np.testing.assert_array_equal(values, [2.0, 1.5, -3.0])
    np.testing.assert_allclose(conn.todense(values), w)
    np.testing.assert_array_equal(dx.connect.from_dense(w != 0).to_mask(), w != 0)
    # Unsorted pairs with weights, one pair twice.
    pre, post, weights = [1, 0, 1, 1], [2, 1, 0, 2], jnp.array([1.0, 2.0, 3.0, 4.0])
    csr, w_csr = dx.connect.from_ij(pre, post, 2, 3, data=weights)
    np.testing.assert_array_equal(csr.indptr, [0, 1, 4])
    np.testing.assert_array_equal(csr.indices, [1, 0, 2, 2])
    np.testing.assert_array_equal(w_csr, [2.0, 3.0, 1.0, 4.0])
    np.testing.assert_allclose(csr.todense(w_csr), [[0, 2, 0], [3, 0, 5]])


def test_from_csr_arrays_and_scipy():
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(0)
    m = sparse.random(30, 20, density=0.2, random_state=rng, format="coo")
    conn, values = dx.connect.from_scipy(m, values=True)
    np.testing.assert_allclose(conn.todense(values), m.toarray(), rtol=1e-6)
    direct = dx.connect.CSR(m.tocsr().indptr, m.tocsr().indices, 20)  # plain CSR arrays
    np.testing.assert_array_equal(direct.to_mask(), m.toarray() != 0)
    # Duplicates are summed, as SciPy does; explicitly stored zeros stay synapses.
    dup = sparse.coo_matrix(([1.0, 2.0, 0.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    conn, values = dx.connect.from_scipy(dup, values=True)
    assert conn.nnz == 2
    np.testing.assert_array_equal(values, [3.0, 0.0])
    with pytest.raises(ValueError, match="matrix must be a scipy.sparse matrix"):
        dx.connect.from_scipy(np.eye(3))


def test_from_networkx():
    nx = pytest.importorskip("networkx")
    g = nx.Graph()
    g.add_edge("a", "b", weight=2.0)
    g.add_edge("b", "c")
    g.add_edge("c", "c", weight=5.0)
    conn, w = dx.connect.from_networkx(g, nodelist=["a", "b", "c"], weight="weight")
    np.testing.assert_allclose(conn.todense(w), [[0, 2, 0], [2, 0, 1], [0, 1, 5]])
    d = nx.DiGraph([(0, 1), (2, 1)])
    np.testing.assert_array_equal(
        dx.connect.from_networkx(d).to_mask(), [[0, 1, 0], [0, 0, 0], [0, 1, 0]]
    )
    ws = nx.watts_strogatz_graph(100, 6, 0.1, seed=1)
    conn = dx.connect.from_networkx(ws)
    assert conn.nnz == 2 * ws.number_of_edges()
    with pytest.raises(ValueError, match="nodelist must list every node"):
        dx.connect.from_networkx(g, nodelist=["a", "b"])
    with pytest.raises(ValueError, match="graph must be a networkx graph"):
        dx.connect.from_networkx({0: [1]})


def test_errors():
    with pytest.raises(ValueError, match=r"matrix must be a non-empty \(n_pre, n_post\) array"):
        dx.connect.from_dense(np.ones(3))
    with pytest.raises(ValueError, match=r"pre\[1\] = 2 is outside \[0, n_pre\) = \[0, 2\)"):
        dx.connect.from_ij([0, 2], [0, 0], 2, 2)
