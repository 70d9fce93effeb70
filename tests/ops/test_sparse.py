"""Sparse CSR / COO products with dense float inputs against dense products."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


@pytest.fixture(scope="module")
def conn():
    return dx.connect.FixedProb(0.1)(120, 80, jax.random.key(0))


@pytest.mark.slow  # covered quickly by tests/connect/test_linear_algebra.py
def test_csr_and_coo_match_dense(x64, conn):
    weight = jax.random.normal(jax.random.key(1), (conn.nnz,))
    dense = np.asarray(conn.todense(weight))
    rows, cols = conn.rows, conn.indices
    x = jax.random.normal(jax.random.key(2), (3, 120))
    v = jax.random.normal(jax.random.key(3), (3, 80))
    kw = {"shape": (120, 80)}
    for w, W in ((weight, dense), (0.5, 0.5 * np.asarray(conn.todense()))):
        np.testing.assert_allclose(
            dx.ops.csr_matvec(x[0], conn, w), x[0] @ W, rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(dx.ops.csr_matmat(x, conn, w), x @ W, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            dx.ops.csr_matvec(v[0], conn, w, transpose=True), W @ v[0], rtol=1e-12
        )
        np.testing.assert_allclose(
            dx.ops.csr_matmat(v, conn, w, transpose=True), v @ W.T, rtol=1e-12
        )
        np.testing.assert_allclose(
            dx.ops.coo_matvec(x[0], rows, cols, w, **kw), x[0] @ W, rtol=1e-12
        )
        np.testing.assert_allclose(
            dx.ops.coo_matmat(x, rows, cols, w, **kw), x @ W, rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(
            dx.ops.coo_matmat(v, rows, cols, w, **kw, transpose=True), v @ W.T, rtol=1e-12
        )
    # Duplicated coordinates add up, as in the dense matrix they stand for.
    dup = dx.ops.coo_matvec(x[0], jnp.array([0, 0]), jnp.array([1, 1]), 2.0, shape=(120, 80))
    assert dup[1] == pytest.approx(4.0 * float(x[0, 0]))


@pytest.mark.slow  # covered quickly by tests/connect/test_linear_algebra.py
def test_gradients_and_vmap(x64, conn):
    weight = jax.random.normal(jax.random.key(1), (conn.nnz,))
    x = jax.random.normal(jax.random.key(2), (120,))

    def sparse(w, x):
        y = jnp.tanh(dx.ops.csr_matvec(x, conn, w))
        return jnp.sum(
            dx.ops.coo_matvec(y, conn.rows, conn.indices, w, shape=(120, 80), transpose=True) ** 2
        )

    def dense(w, x):
        W = conn.todense(w)
        return jnp.sum((W @ jnp.tanh(x @ W)) ** 2)

    for f, g in zip(jax.grad(sparse, (0, 1))(weight, x), jax.grad(dense, (0, 1))(weight, x)):
        np.testing.assert_allclose(f, g, rtol=1e-10, atol=1e-12)
    t = jax.jvp(sparse, (weight, x), (weight, x))[1]
    np.testing.assert_allclose(t, jax.jvp(dense, (weight, x), (weight, x))[1], rtol=1e-10)
    xs = jnp.stack([x, -x, 2 * x])
    np.testing.assert_allclose(
        jax.jit(jax.vmap(lambda x: dx.ops.csr_matvec(x, conn, weight)))(xs),
        dx.ops.csr_matmat(xs, conn, weight),
        rtol=1e-12,
    )


def test_float32_and_errors(conn):
    x = jnp.ones(120, jnp.float32)
    assert dx.ops.csr_matvec(x, conn, 0.5).dtype == jnp.float32
    assert dx.ops.coo_matvec(x, conn.rows, conn.indices, 0.5, shape=(120, 80)).dtype == jnp.float32
    with pytest.raises(ValueError, match=r"expected \(80,\)"):
        dx.ops.csr_matvec(x, conn, 0.5, transpose=True)
    with pytest.raises(ValueError, match="rows and cols"):
        dx.ops.coo_matvec(x, jnp.zeros(3, int), jnp.zeros(4, int), 1.0, shape=(120, 80))
