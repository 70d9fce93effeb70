"""Just-in-time connectivity on every backend: the same seed gives the same columns under
XLA, the compiled CPU kernel and Pallas (its interpreter, on CPU), because the skips come
from an integer logarithm, not from a transcendental `log`."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.ops import _jitconn, _native
from dynax.ops._pallas import launch

SHAPE = (48, 300)
P = 0.05
PARAMS = {"homo": (0.5,), "uniform": (0.2, 1.0), "normal": (0.5, 0.2)}
WEIGHT = {d: p[0] if d == "homo" else p for d, p in PARAMS.items()}  # jitconn_todense's
OPS = {
    "homo": dx.ops.event_mv_prob_homo,
    "uniform": dx.ops.event_mv_prob_uniform,
    "normal": dx.ops.event_mv_prob_normal,
}

NATIVE = jax.default_backend() == "cpu" and _native.available()
needs_native = pytest.mark.skipif(
    not NATIVE, reason="compiled kernels run on a CPU with a C++ compiler"
)


def _rows_by_powers(dist, kernel, seed=7, op=None):
    """The support of the matrix, through the operator (default: that of `dist`; `op(e,
    kernel)`: another with unit weights): events $2^i$ on 24 rows at a time with unit
    weights give column sums whose bits say which rows reach each column."""
    weight = {"homo": (1.0,), "uniform": (1.0, 1.0), "normal": (1.0, 0.0)}[dist]
    support = np.zeros(SHAPE, bool)
    if op is None:
        op = jax.jit(lambda e: OPS[dist](e, *weight, P, seed, shape=SHAPE, kernel=kernel))
    else:
        op = jax.jit(functools.partial(op, kernel=kernel))
    for start in range(0, SHAPE[0], 24):
        events = np.zeros(SHAPE[0], np.float32)
        events[start : start + 24] = 2.0 ** np.arange(24)
        sums = np.asarray(op(jnp.asarray(events))).astype(np.int64)
        for i in range(24):
            support[start + i] = (sums >> i) & 1
    return support


@pytest.mark.parametrize("dist", ["homo", "normal"])
def test_same_columns_under_xla_native_and_pallas(dist):
    want = np.asarray(dx.ops.jitconn_todense(P, 7, shape=SHAPE, dist=dist, weight=WEIGHT[dist]))
    assert 0.03 < (want != 0).mean() < 0.07
    kernels = ["xla", "pallas"] + (["native"] if NATIVE else [])
    for kernel in kernels:
        np.testing.assert_array_equal(_rows_by_powers(dist, kernel), want != 0, err_msg=kernel)


def test_tiles_give_the_same_columns_on_every_backend_and_block(monkeypatch):
    # Tiles of 64 columns (4 and one of 44); blocks of 75 columns straddle them. The XLA
    # path is `todense`'s generator (its operators: tests/ops/test_jitconn.py). Pallas
    # programs draw 4 at a time: a tile often takes several chunks.
    monkeypatch.setattr(_jitconn, "_chunk", lambda meta: 4)
    conn = dx.connect.JitProb(*SHAPE, P, 7, column_tile=64)
    want = np.asarray(conn.todense()) != 0
    assert 0.03 < want.mean() < 0.07
    kernels = ["pallas"] + (["native"] if NATIVE else [])
    for kernel in kernels:
        got = _rows_by_powers(
            "homo", kernel, op=lambda e, kernel: conn.event_matvec(e, 1.0, kernel=kernel)
        )
        np.testing.assert_array_equal(got, want, err_msg=kernel)
    # A device's block of a sharded network draws only the tiles over its columns and
    # applies the whole matrix's columns and weights.
    weight = dx.init.Uniform(0.2, 1.0)
    e = jnp.asarray(np.random.default_rng(5).random(SHAPE[0]) * 3, jnp.float32)
    whole = np.asarray(e) @ np.asarray(conn.todense(weight))
    m = SHAPE[1] // 4
    for kernel in ["xla", *kernels]:
        op = jax.jit(lambda block: block.event_matvec(e, weight, kernel=kernel))
        got = [op(dx.connect.JitBlock(conn, lo, m)) for lo in range(0, SHAPE[1], m)]
        np.testing.assert_allclose(np.concatenate(got), whole, rtol=1e-6, err_msg=kernel)


def test_tiled_pallas_kernel_lowers_to_triton():
    # The interpreter runs what Triton may not lower (a select between two constants came
    # out boolean): lower the GPU kernel of a tiled row and of a block, here on the CPU.
    conn = dx.connect.JitProb(*SHAPE, P, 7, column_tile=64)
    meta, a, b = conn._meta(jnp.float32(0.5), None, dx.ops.Pallas())

    def kernel(events, seed):
        targets = [
            _jitconn.pallas_target(meta, a, b, seed, lo, m) for lo, m in ((0, None), (75, 75))
        ]
        return launch(events, targets, jnp.float32, False)

    events = jnp.zeros(SHAPE[0], bool)
    text = jax.jit(kernel).trace(events, conn.seed).lower(lowering_platforms=("cuda",)).as_text()
    assert "triton" in text.lower()


@needs_native
# uniform with the slow tests (a 4-minute quick suite; normal shares its draws)
@pytest.mark.parametrize(
    "dist", ["homo", pytest.param("uniform", marks=pytest.mark.slow), "normal"]
)
def test_native_regenerates_the_matrix(dist):
    # One spiking row per batch member: each output row is a row of the matrix.
    want = np.asarray(dx.ops.jitconn_todense(P, 9, shape=SHAPE, dist=dist, weight=WEIGHT[dist]))
    eye = jnp.eye(SHAPE[0], dtype=bool)
    got = jax.vmap(lambda e: OPS[dist](e, *PARAMS[dist], P, 9, shape=SHAPE, kernel="native"))(eye)
    got = np.asarray(got)
    np.testing.assert_array_equal(got != 0, want != 0)
    if dist == "normal":  # logf, cosf, sqrtf: the last bit may differ
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    else:  # the same float operations in the same order
        np.testing.assert_array_equal(got, want)


def test_integer_log_is_within_two_units():
    # u = m / 2^24: the smallest and largest m, and a million between (checked once for
    # all 2^24 values: at most 1.5 units off)
    rng = np.random.default_rng(4)
    ends = np.r_[1:4097, 2**24 - 4096 : 2**24 + 1]
    m = np.r_[ends, rng.integers(1, 2**24 + 1, 10**6)].astype(np.uint32)
    lookup = _jitconn._table_lookup()
    got = np.asarray(jax.jit(lambda b: _jitconn._neg_log2(b, lookup))(jnp.asarray((m - 1) << 8)))
    exact = -np.log2(m / 2**24) * 2**_jitconn._FRAC
    assert np.abs(got - exact).max() < 2  # units of 2^-26


@pytest.mark.parametrize("prob", [0.3, 0.02, 0.002])
def test_skips_match_the_float64_geometric_skip(prob):
    bits = np.random.default_rng(0).integers(0, 2**32, 10**6, dtype=np.uint64).astype(np.uint32)
    meta = _jitconn._meta((10, 10_000), prob, 1, "homo", None, jnp.float32, dx.ops.XLA())
    # The skip as `_connection` computes it from a draw's hash bits.
    units = _jitconn._neg_log2(jnp.asarray(bits), _jitconn._table_lookup())
    skip = np.floor(np.asarray(units, np.float32) * np.float32(meta.scale))
    u = ((bits >> 8).astype(np.float64) + 1) / 2**24
    exact = np.floor(np.log(u) / np.log1p(-prob))
    assert np.abs(skip - exact).max() <= 1
    assert np.mean(skip != exact) < 5e-5  # only u within ~1e-7 of a boundary


@needs_native
@pytest.mark.parametrize("dist", ["homo", "uniform", "normal"])
def test_native_event_matvec_equals_xla(dist):
    rng = np.random.default_rng(1)
    op, params = OPS[dist], PARAMS[dist]

    def both(fn):
        return [np.asarray(fn(k)) for k in ("native", "xla")]

    spikes = jnp.asarray(rng.random(SHAPE[0]) < 0.2)
    floats = jnp.asarray(rng.random(SHAPE[0]) * (rng.random(SHAPE[0]) < 0.3), jnp.float32)
    batch = jnp.asarray(rng.random((5, SHAPE[0])) < 0.1)
    seeds = jnp.arange(4)
    cases = [
        lambda k: op(floats, *params, P, 3, shape=SHAPE, kernel=k),
        lambda k: jax.vmap(lambda e: op(e, *params, P, 3, shape=SHAPE, kernel=k))(batch),
    ]
    if dist == "homo":  # a vmap over the seed, and bool spikes under jit
        cases += [
            lambda k: jax.vmap(lambda s: op(spikes, *params, P, s, shape=SHAPE, kernel=k))(seeds),
            lambda k: jax.jit(lambda e: op(e, *params, P, 3, shape=SHAPE, kernel=k))(spikes),
        ]
    for case in cases:
        got, want = both(case)
        assert np.abs(want).max() > 0.1
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@needs_native
def test_auto_takes_the_native_kernel_on_a_cpu_and_gradients_match():
    spikes = jnp.asarray(np.random.default_rng(2).random(SHAPE[0]) < 0.2)
    hlo = jax.jit(lambda e: dx.ops.event_mv_prob_homo(e, 0.5, P, 3, shape=SHAPE)).lower(spikes)
    assert "dynax_event_jit" in hlo.as_text()

    def loss(lo, hi, kernel):
        out = dx.ops.event_mv_prob_uniform(spikes, lo, hi, P, 3, shape=SHAPE, kernel=kernel)
        return jnp.sum(jnp.sin(out))

    got = jax.grad(loss, argnums=(0, 1))(0.2, 1.0, "native")
    want = jax.grad(loss, argnums=(0, 1))(0.2, 1.0, "xla")
    np.testing.assert_allclose(got, want, rtol=1e-5)


@needs_native
def test_native_adds_into_a_buffer_in_place():
    meta = dx.connect.JitProb(*SHAPE, P, 3)._meta(jnp.float32(1), None, dx.ops.Native())[0]
    spikes = jnp.asarray(np.random.default_rng(3).random(SHAPE[0]) < 0.2)
    init = jnp.linspace(0, 1, SHAPE[1])
    one, zero = jnp.ones((), jnp.float32), jnp.zeros((), jnp.float32)
    got = jax.jit(lambda e, i: _jitconn.native_event(meta, e, one, zero, jnp.asarray(3), i))(
        spikes, init
    )
    want = init + dx.ops.event_mv_prob_homo(spikes, 1.0, P, 3, shape=SHAPE, kernel="xla")
    np.testing.assert_allclose(got, want, rtol=1e-6)
