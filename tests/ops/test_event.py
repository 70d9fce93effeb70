import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


@pytest.fixture
def conn():
    return dx.connect.FixedProb(0.1)(300, 200, jax.random.key(0))


@pytest.mark.parametrize("n_active", [0, 3, 32, 33, 300])  # buckets: 32, then all
def test_matches_dense_for_few_and_many_events(conn, n_active):
    events = np.zeros(300, bool)
    events[np.random.default_rng(0).choice(300, n_active, replace=False)] = True
    weight = jax.random.normal(jax.random.key(1), (conn.nnz,))
    for w in (0.7, weight):
        out = dx.ops.event_csr_matvec(jnp.asarray(events), conn, w)
        np.testing.assert_allclose(out, events @ np.asarray(conn.todense(w)), rtol=1e-5, atol=1e-4)


def test_float_events_and_gradients_match_dense(x64, conn):
    events = jnp.where(
        jax.random.uniform(jax.random.key(2), (300,)) < 0.05,
        jax.random.normal(jax.random.key(3), (300,)),
        0.0,
    )
    weight = jax.random.normal(jax.random.key(1), (conn.nnz,))

    def sparse(w, e):
        return jnp.sum(jnp.sin(dx.ops.event_csr_matvec(e, conn, w)))

    def dense(w, e):
        return jnp.sum(jnp.sin(e @ conn.todense(w)))

    np.testing.assert_allclose(sparse(weight, events), dense(weight, events), rtol=1e-12)
    grads = jax.jit(jax.grad(sparse, (0, 1)))(weight, events)
    expected = jax.jit(jax.grad(dense, (0, 1)))(weight, events)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, atol=1e-12)
    # Forward mode too, along a random direction in events.
    direction = jax.random.normal(jax.random.key(4), (300,))
    _, tangent = jax.jvp(lambda e: sparse(weight, e), (events,), (direction,))
    _, tangent_dense = jax.jvp(lambda e: dense(weight, e), (events,), (direction,))
    np.testing.assert_allclose(tangent, tangent_dense, rtol=1e-10)


def test_rejects_wrong_event_shape(conn):
    with pytest.raises(ValueError, match=r"expected \(300,\)"):
        dx.ops.event_csr_matvec(jnp.zeros(10, bool), conn, 1.0)


def test_every_bucket_matches_dense():
    conn = dx.connect.FixedProb(0.02)(3000, 500, jax.random.key(5))  # buckets 32, 128, 512
    rng = np.random.default_rng(1)
    for n_active in (31, 32, 33, 128, 129, 512, 513, 750, 751, 3000):
        events = np.zeros(3000, bool)
        events[rng.choice(3000, n_active, replace=False)] = True
        out = dx.ops.event_csr_matvec(jnp.asarray(events), conn, 0.5)
        np.testing.assert_allclose(out, 0.5 * (events @ np.asarray(conn.todense())), rtol=1e-6)
