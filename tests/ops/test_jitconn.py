"""Just-in-time connectivity: the generated matrix, and every operator against it."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

SHAPE = (400, 300)
P = 0.05
PARAMS = {"homo": (0.5,), "uniform": (0.2, 1.0), "normal": (0.5, 0.2)}
EVENT = {
    "homo": dx.ops.event_mv_prob_homo,
    "uniform": dx.ops.event_mv_prob_uniform,
    "normal": dx.ops.event_mv_prob_normal,
}
PLAIN = {
    "homo": dx.ops.mv_prob_homo,
    "uniform": dx.ops.mv_prob_uniform,
    "normal": dx.ops.mv_prob_normal,
}


@functools.cache
def matrix(dist, seed=3, shape=SHAPE, prob=P):
    return np.asarray(
        dx.ops.jitconn_todense(prob, seed, shape=shape, dist=dist, weight=_weight(dist))
    )


def _weight(dist):
    return PARAMS[dist][0] if dist == "homo" else PARAMS[dist]


# (3 s; the degree statistics of JIT connectivity are checked quickly in connect/test_jit)
@pytest.mark.slow
def test_structure_is_bernoulli():
    big = matrix("homo", 1, (2000, 1000), 0.02)
    counts = (big != 0).sum(1)
    mean, var = 1000 * 0.02, 1000 * 0.02 * 0.98
    assert abs(counts.mean() - mean) < 5 * np.sqrt(var / 2000)
    assert abs(counts.var() / var - 1) < 0.15  # row counts ~ Binomial(1000, 0.02)
    assert abs((big != 0).mean(0).std() - np.sqrt(2000 * 0.02 * 0.98) / 2000) < 0.001  # columns too
    assert (big[big != 0] == 0.5).all()
    np.testing.assert_array_equal(big, matrix("homo", 1, (2000, 1000), 0.02))  # same seed
    other = matrix("homo", 2, (2000, 1000), 0.02)
    assert ((other != 0) & (big != 0)).mean() < 2 * 0.02**2  # another seed, independent


def test_weight_moments():
    for dist, (m, s) in (("uniform", (0.6, 0.8 / np.sqrt(12))), ("normal", (0.5, 0.2))):
        w = matrix(dist, 5, (2000, 1000), 0.02)
        w = w[w != 0]
        assert abs(w.mean() - m) < 5 * s / np.sqrt(w.size) and abs(w.std() / s - 1) < 0.02
    assert w.dtype == np.float32
    uniform = matrix("uniform", 5, (2000, 1000), 0.02)
    assert uniform[uniform != 0].min() >= 0.2 and uniform.max() < 1.0


# uniform with the slow tests (a 4-minute quick suite; normal shares its draws)
@pytest.mark.parametrize(
    "dist", ["homo", pytest.param("uniform", marks=pytest.mark.slow), "normal"]
)
def test_operators_apply_the_materialised_matrix(dist):
    W = matrix(dist)
    rng = np.random.default_rng(0)
    params = PARAMS[dist]
    kw = {"shape": SHAPE}
    event = jax.jit(lambda e, t: EVENT[dist](e, *params, P, 3, **kw, transpose=t), static_argnums=1)
    plain = jax.jit(lambda x, t: PLAIN[dist](x, *params, P, 3, **kw, transpose=t), static_argnums=1)
    batch = rng.random((4, 400)) < np.array([0.0, 0.01, 0.1, 0.6])[:, None]  # 0, few, many
    for e in batch:
        np.testing.assert_allclose(event(jnp.asarray(e), False), e @ W, atol=1e-5)
    vmapped = jax.jit(jax.vmap(lambda e: EVENT[dist](e, *params, P, 3, **kw)))(jnp.asarray(batch))
    np.testing.assert_allclose(vmapped, batch @ W, atol=1e-5)
    x = rng.normal(size=400).astype(np.float32)
    v = rng.normal(size=300).astype(np.float32)
    np.testing.assert_allclose(plain(x, False), x @ W, atol=1e-4)
    np.testing.assert_allclose(plain(v, True), W @ v, atol=1e-4)
    np.testing.assert_allclose(event(jnp.asarray(v > 1), True), W @ (v > 1), atol=1e-5)
    assert event(jnp.asarray(batch[1]), False).dtype == jnp.float32


# (7 s; column tiles also checked quickly by test_jitconn_backends and connect/test_jit)
@pytest.mark.slow
def test_tiled_operators_apply_the_materialised_matrix(monkeypatch):
    from dynax.ops import _jitconn

    monkeypatch.setattr(_jitconn, "_ROWS_PER_BLOCK_ELEMENTS", 20_000)  # several row blocks
    conn = dx.connect.JitProb(*SHAPE, P, 3, column_tile=70)  # 4 tiles and one of 20 columns
    weight = dx.init.Normal(0.5, 0.2)
    W = np.asarray(conn.todense(weight))
    assert 0.04 < (W != 0).mean() < 0.06
    rng = np.random.default_rng(4)
    batch = rng.random((3, 400)) < np.array([0.01, 0.1, 0.6])[:, None]  # few, many rows
    event = jax.jit(jax.vmap(lambda e: conn.event_matvec(e, weight, kernel="xla")))
    np.testing.assert_allclose(event(jnp.asarray(batch)), batch @ W, atol=1e-5)
    x, v = rng.normal(size=400).astype(np.float32), rng.normal(size=300).astype(np.float32)
    np.testing.assert_allclose(jax.jit(lambda x: conn.matvec(x, weight))(x), x @ W, atol=1e-4)
    back = jax.jit(lambda v: conn.matvec(v, weight, transpose=True))
    np.testing.assert_allclose(back(v), W @ v, atol=1e-4)


def test_many_row_blocks_and_seed_vmap(monkeypatch):
    from dynax.ops import _jitconn

    monkeypatch.setattr(_jitconn, "_ROWS_PER_BLOCK_ELEMENTS", 2000)  # several blocks of rows
    W = matrix("normal")
    x = np.random.default_rng(1).normal(size=400).astype(np.float32)
    y = jax.jit(lambda x: dx.ops.mv_prob_normal(x, 0.5, 0.2, P, 3, shape=SHAPE))(x)
    np.testing.assert_allclose(y, x @ W, atol=1e-4)
    back = jax.jit(lambda v: dx.ops.mv_prob_normal(v, 0.5, 0.2, P, 3, shape=SHAPE, transpose=True))
    np.testing.assert_allclose(back(x[:300]), W @ x[:300], atol=1e-4)
    seeds = jnp.array([3, 4])
    e = jnp.asarray(x > 1.5)
    out = jax.jit(jax.vmap(lambda s: dx.ops.event_mv_prob_homo(e, 0.5, P, s, shape=SHAPE)))(seeds)
    np.testing.assert_allclose(out[0], np.asarray(e) @ matrix("homo"), atol=1e-5)
    assert not np.allclose(out[0], out[1])


@pytest.mark.slow  # covered quickly by tests/connect/test_linear_algebra.py
@pytest.mark.parametrize("dist", ["homo", "uniform", "normal"])
def test_gradients_match_dense(x64, dist):
    params = tuple(jnp.asarray(p) for p in PARAMS[dist])
    events = jnp.where(
        jax.random.uniform(jax.random.key(2), (400,)) < 0.05,
        jax.random.normal(jax.random.key(3), (400,)),
        0.0,
    )

    def sparse(params, e):
        y = EVENT[dist](e, *params, P, 3, shape=SHAPE)
        z = PLAIN[dist](jnp.sin(y), *params, P, 3, shape=SHAPE, transpose=True)
        return jnp.sum(jnp.sin(y)) + jnp.sum(z**2)

    def dense(params, e):
        W = dx.ops.jitconn_todense(
            P, 3, shape=SHAPE, dist=dist, weight=params[0] if dist == "homo" else params
        )
        y = e @ W
        return jnp.sum(jnp.sin(y)) + jnp.sum((W @ jnp.sin(y)) ** 2)

    dp = tuple(jnp.asarray(0.3 * (i + 1)) for i in range(len(params)))
    de = jax.random.normal(jax.random.key(5), (400,))

    def everything(f):
        return jax.jit(
            lambda p, e: (f(p, e), jax.grad(f, (0, 1))(p, e), jax.jvp(f, (p, e), (dp, de))[1])
        )(params, events)

    (value, grads, tangent), (value_d, grads_d, tangent_d) = map(everything, (sparse, dense))
    np.testing.assert_allclose(value, value_d, rtol=1e-10)
    for g, g_d in zip(jax.tree.leaves(grads), jax.tree.leaves(grads_d)):
        np.testing.assert_allclose(g, g_d, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(tangent, tangent_d, rtol=1e-9)


def test_rejects_bad_arguments():
    e = jnp.zeros(400, bool)
    with pytest.raises(ValueError, match="prob"):
        dx.ops.event_mv_prob_homo(e, 1.0, 1.5, 0, shape=SHAPE)
    with pytest.raises(ValueError, match=r"expected \(300,\)"):
        dx.ops.event_mv_prob_homo(e, 1.0, 0.1, 0, shape=SHAPE, transpose=True)
    with pytest.raises(ValueError, match="seed"):
        dx.ops.mv_prob_homo(e.astype(float), 1.0, 0.1, 0.5, shape=SHAPE)
    with pytest.raises(ValueError, match="dist"):
        dx.ops.jitconn_todense(0.1, 0, shape=SHAPE, dist="gamma")
