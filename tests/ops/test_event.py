"""Event-driven CSR and fixed fan-out operators against dense products."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.ops._compact import compact

N_PRE, N_POST, K = 300, 200, 24


@pytest.fixture(scope="module")
def csr():
    return dx.connect.FixedProb(0.1)(N_PRE, N_POST, jax.random.key(0))


@pytest.fixture(scope="module")
def fan():
    rng = np.random.default_rng(0)
    table = rng.integers(0, N_POST, (N_PRE, K))
    table[rng.random((N_PRE, K)) < 0.2] = N_POST  # padding slots
    return dx.connect.FanOut(table, n_post=N_POST)


def fan_dense(conn, weight):
    w = np.broadcast_to(np.asarray(weight, np.float64), conn.indices.shape)
    dense = np.zeros((conn.n_pre, conn.n_post + 1))
    np.add.at(dense, (np.arange(conn.n_pre)[:, None], np.asarray(conn.indices)), w)
    return dense[:, :-1]


def dense_of(conn, weight):
    if isinstance(conn, dx.connect.FanOut):
        return fan_dense(conn, weight)
    return np.asarray(conn.todense(weight), np.float64)


OPS = {"csr": (dx.ops.event_csr_matvec, dx.ops.event_csr_matmat), "fan": None}
OPS["fan"] = (dx.ops.event_fanout_matvec, dx.ops.event_fanout_matmat)


def setup(kind, csr, fan, key=1):
    conn = csr if kind == "csr" else fan
    shape = (conn.nnz,) if kind == "csr" else conn.indices.shape
    weight = jax.random.normal(jax.random.key(key), shape)
    return conn, weight, OPS[kind]


def spikes(n, n_active, seed=0):
    events = np.zeros(n, bool)
    events[np.random.default_rng(seed).choice(n, n_active, replace=False)] = True
    return events


def test_compaction_matches_nonzero():
    rng = np.random.default_rng(0)
    f = jax.jit(compact, static_argnums=1)
    for n in (1, 33, 4001):
        for density in (0.0, 0.01, 0.3, 1.0):
            active = jnp.asarray(rng.random(n) < density)
            np.testing.assert_array_equal(
                f(active, 64), jnp.nonzero(active, size=64, fill_value=n)[0]
            )


# The XLA path explicitly: on a CPU "auto" takes the compiled kernels (test_native.py).
@pytest.mark.parametrize("kind", ["csr", "fan"])
def test_matvec_matches_dense_for_every_bucket(kind, csr, fan):
    """Buckets 32 then every row (n_pre // 4 = 75): empty, few, bucket edges and all."""
    conn, weight, (matvec, _) = setup(kind, csr, fan)
    f = jax.jit(functools.partial(matvec, kernel="xla"))
    for w in (0.7, weight):
        dense = dense_of(conn, w)
        for n_active in (0, 3, 32, 33, 300):
            events = spikes(N_PRE, n_active)
            np.testing.assert_allclose(f(jnp.asarray(events), conn, w), events @ dense, atol=1e-5)


def test_csr_larger_buckets():
    conn = dx.connect.FixedProb(0.02)(3000, 500, jax.random.key(5))  # buckets 32, 128, 512
    dense = np.asarray(conn.todense())
    f = jax.jit(functools.partial(dx.ops.event_csr_matvec, kernel="xla"))
    for n_active in (128, 129, 512, 513, 751, 3000):
        events = spikes(3000, n_active, seed=n_active)
        np.testing.assert_allclose(
            f(jnp.asarray(events), conn, 0.5), 0.5 * (events @ dense), rtol=1e-5
        )


def test_csr_every_row_path_with_uneven_rows():
    # One hub row holds most connections: padding every row to it would cost more than
    # twice the connections, so the every-row path goes connection by connection.
    rng = np.random.default_rng(3)
    mask = rng.random((200, 150)) < 0.02
    mask[7] = True
    conn = dx.connect.from_dense(mask)
    assert conn.n_pre * conn.max_fan_out > 2 * conn.nnz
    weight = jnp.asarray(rng.normal(size=conn.nnz), jnp.float32)
    events = spikes(200, 150, seed=4)  # above n_pre // 4: every row
    for w in (0.7, weight):
        np.testing.assert_allclose(
            dx.ops.event_csr_matvec(jnp.asarray(events), conn, w, kernel="xla"),
            events @ dense_of(conn, w),
            rtol=1e-5,
            atol=1e-5,
        )


@pytest.mark.parametrize("kind", ["csr", pytest.param("fan", marks=pytest.mark.slow)])
def test_transpose_matmat_and_vmap(kind, csr, fan):
    conn, weight, (matvec, matmat) = setup(kind, csr, fan)
    matvec, matmat = (functools.partial(op, kernel="xla") for op in (matvec, matmat))
    dense = dense_of(conn, weight)
    rng = np.random.default_rng(3)
    batch = rng.random((4, N_PRE)) < np.array([0.0, 0.01, 0.05, 0.5])[:, None]
    post = rng.random((4, N_POST)) < 0.1
    expected = batch @ dense
    np.testing.assert_allclose(
        jax.jit(matmat)(jnp.asarray(batch), conn, weight), expected, atol=1e-5
    )
    vmapped = jax.jit(jax.vmap(matvec, (0, None, None)))(jnp.asarray(batch), conn, weight)
    np.testing.assert_allclose(vmapped, expected, atol=1e-5)
    back = jax.jit(lambda e: matmat(e, conn, weight, transpose=True))(jnp.asarray(post))
    np.testing.assert_allclose(back, post @ dense.T, atol=1e-5)
    one = jax.jit(lambda e: matvec(e, conn, weight, transpose=True))(jnp.asarray(post[1]))
    np.testing.assert_allclose(one, dense @ post[1], atol=1e-5)
    # A sweep over homogeneous weights and one over per-synapse weights.
    scales = jnp.array([0.5, -1.0, 2.0])
    sweep = jax.jit(jax.vmap(matvec, (None, None, 0)))(jnp.asarray(batch[2]), conn, scales)
    np.testing.assert_allclose(sweep, np.outer(scales, batch[2] @ dense_of(conn, 1.0)), atol=1e-5)
    stacked = jnp.stack([weight, 2 * weight])
    sweep = jax.jit(jax.vmap(matvec, (None, None, 0)))(jnp.asarray(batch[2]), conn, stacked)
    np.testing.assert_allclose(sweep, [batch[2] @ dense, 2 * batch[2] @ dense], atol=1e-5)


@pytest.mark.slow  # covered quickly by tests/connect/test_linear_algebra.py
@pytest.mark.parametrize("kind", ["csr", "fan"])
def test_gradients_match_dense(x64, kind, csr, fan):
    conn, weight, (matvec, _) = setup(kind, csr, fan)
    events = jnp.where(
        jax.random.uniform(jax.random.key(2), (N_PRE,)) < 0.05,
        jax.random.normal(jax.random.key(3), (N_PRE,)),
        0.0,
    )
    indices = np.asarray(conn.indices)
    mask = np.ones(weight.shape) if kind == "csr" else (indices < N_POST)

    def to_dense(w):
        if kind == "csr":
            return conn.todense(w)
        full = jnp.zeros((N_PRE, N_POST + 1)).at[jnp.arange(N_PRE)[:, None], indices].add(w)
        return full[:, :-1]

    for w in (jnp.asarray(0.7), weight):

        def sparse(w, e):
            y = matvec(e, conn, w)
            z = matvec(jnp.sin(y), conn, w, transpose=True)
            return jnp.sum(jnp.sin(y)) + jnp.sum(z**2)

        def dense(w, e):
            W = to_dense(jnp.broadcast_to(w, weight.shape) if w.ndim == 0 else w)
            y = e @ W
            return jnp.sum(jnp.sin(y)) + jnp.sum((W @ jnp.sin(y)) ** 2)

        dw = jax.random.normal(jax.random.key(4), w.shape) * (mask if w.ndim else 1)
        de = jax.random.normal(jax.random.key(5), (N_PRE,))

        def everything(f):  # value, reverse mode, forward mode: one compilation
            return jax.jit(
                lambda w, e: (f(w, e), jax.grad(f, (0, 1))(w, e), jax.jvp(f, (w, e), (dw, de))[1])
            )(w, events)

        (value, grads, tangent), (value_d, grads_d, tangent_d) = map(everything, (sparse, dense))
        np.testing.assert_allclose(value, value_d, rtol=1e-12)
        np.testing.assert_allclose(grads[0] * (mask if w.ndim else 1), grads_d[0], atol=1e-10)
        np.testing.assert_allclose(grads[1], grads_d[1], atol=1e-10)
        np.testing.assert_allclose(tangent, tangent_d, rtol=1e-10)
    # Gradients under vmap: the batch's events are folded together.
    batch = jnp.stack([events, 2 * events])
    g = jax.jit(jax.vmap(jax.grad(sparse, 1), (None, 0)))(weight, batch)
    g_dense = jax.vmap(jax.grad(dense, 1), (None, 0))(weight, batch)
    np.testing.assert_allclose(g, g_dense, atol=1e-10)


@pytest.mark.parametrize("kind", ["csr", "fan"])
def test_float32_stays_float32(kind, csr, fan):
    conn, weight, (matvec, matmat) = setup(kind, csr, fan)
    events = jnp.asarray(spikes(N_PRE, 10))
    assert jax.eval_shape(matvec, events, conn, weight).dtype == jnp.float32
    assert jax.eval_shape(matvec, events.astype(jnp.float32), conn, 0.5).dtype == jnp.float32
    assert jax.eval_shape(matmat, events[None], conn, weight).dtype == jnp.float32


def test_rejects_wrong_shapes(csr, fan):
    with pytest.raises(ValueError, match=r"expected \(300,\)"):
        dx.ops.event_csr_matvec(jnp.zeros(10, bool), csr, 1.0)
    with pytest.raises(ValueError, match=r"expected \(200,\)"):
        dx.ops.event_csr_matvec(jnp.zeros(300, bool), csr, 1.0, transpose=True)
    with pytest.raises(ValueError, match="one entry per connection"):
        dx.ops.event_fanout_matvec(jnp.zeros(300, bool), fan, jnp.ones(3))
    with pytest.raises(ValueError, match=r"expected \(batch, 300\)"):
        dx.ops.event_fanout_matmat(jnp.zeros(300, bool), fan, 1.0)
