"""The compiled ring kernels of per-connection delays (`RingDelayed` with `Native()`)
against its XLA loop: the same ring, bit for bit.

Weights, event values and the ring's contents are small multiples of 1/4, so every sum
is exact in float32 whatever the order in which the two paths add."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.connect._operator import event_columns
from dynax.ops import _native

pytestmark = pytest.mark.skipif(
    jax.default_backend() != "cpu" or not _native.available(),
    reason="the native kernels run on a CPU with a C++ compiler",
)

N_PRE, N_POST, LENGTH = 300, 200, 7


@pytest.fixture(scope="module")
def conns():
    csr = dx.connect.FixedProb(0.1)(N_PRE, N_POST, jax.random.key(0))
    return {"csr": csr, "fan_out": csr.to_fan_out()}


def quarters(rng, shape, low=-8, high=8):
    return jnp.asarray(rng.integers(low, high, size=shape) / 4, jnp.float32)


def make_events(kind, rng, shape, density=0.1):
    active = rng.random(shape) < density
    if kind == "bool":
        return jnp.asarray(active)
    return jnp.asarray(np.where(active, rng.integers(1, 6, size=shape) / 2, 0.0), jnp.float32)


def make_weight(kind, conn, rng):
    return jnp.float32(0.75) if kind == "scalar" else quarters(rng, conn.weight_shape)


@jax.jit(static_argnums=0)
def ring(kernel, conn, steps, head, events, weight, add_to):
    delayed = dx.connect.RingDelayed(conn, steps, head, LENGTH)
    return event_columns(delayed, events, weight, kernel, None, add_to)


def both(*args):
    return ring(dx.ops.Native(), *args), ring(dx.ops.XLA(), *args)


@pytest.mark.parametrize("fmt", ["csr", "fan_out"])
@pytest.mark.parametrize("weight_kind", ["scalar", "per_connection"])
# float events with the slow tests (a 4-minute quick suite; the kernels read them alike)
@pytest.mark.parametrize("event_kind", ["bool", pytest.param("float", marks=pytest.mark.slow)])
def test_native_ring_equals_xla(conns, fmt, weight_kind, event_kind):
    conn = conns[fmt]
    rng = np.random.default_rng(1)
    steps = jnp.asarray(rng.integers(0, LENGTH, size=conn.weight_shape), jnp.int32)
    weight = make_weight(weight_kind, conn, rng)
    # Several columns (a compilation each: for one case only).
    batches = (1, 3) if (weight_kind, event_kind) == ("per_connection", "float") else (1,)
    for batch in batches:
        for head in (0, 3, LENGTH - 1):  # the last slot: most delays wrap around
            events = make_events(event_kind, rng, (N_PRE, batch))
            add_to = quarters(rng, (LENGTH * N_POST, batch))
            native, xla = both(conn, steps, jnp.int32(head), events, weight, add_to)
            assert native.shape == (LENGTH * N_POST, batch) and native.dtype == jnp.float32
            np.testing.assert_array_equal(native, xla)
            assert np.any(native != add_to)
    none = jnp.zeros_like(events)  # nothing to deliver
    native, _ = both(conn, steps, jnp.int32(2), none, weight, add_to)
    np.testing.assert_array_equal(native, add_to)
    if (weight_kind, event_kind) == ("scalar", "bool"):  # no buffer to add into
        native, xla = both(conn, steps, jnp.int32(2), events, weight, None)
        np.testing.assert_array_equal(native, xla)


@pytest.mark.parametrize("fmt", ["csr", "fan_out"])
def test_native_ring_delays_out_of_range(conns, fmt):
    """Delays outside [0, length) (only in edited arrays) wrap as the XLA path's `%`
    does, never writing outside the ring."""
    conn = conns[fmt]
    rng = np.random.default_rng(2)
    steps = jnp.asarray(rng.integers(-3 * LENGTH, 3 * LENGTH, size=conn.weight_shape), jnp.int32)
    weight = make_weight("per_connection", conn, rng)
    events = make_events("float", rng, (N_PRE, 2), density=0.3)
    add_to = quarters(rng, (LENGTH * N_POST, 2))
    for head in (0, 5, -2, 2 * LENGTH + 1):
        native, xla = both(conn, steps, jnp.int32(head), events, weight, add_to)
        np.testing.assert_array_equal(native, xla)


# fan_out with the slow tests (a 4-minute quick suite; its values are checked quickly above)
@pytest.mark.parametrize("fmt", ["csr", pytest.param("fan_out", marks=pytest.mark.slow)])
def test_native_ring_vmap(conns, fmt):
    """jax.vmap over events, heads and the ring: the kernels' batch dimension."""
    conn = conns[fmt]
    rng = np.random.default_rng(3)
    steps = jnp.asarray(rng.integers(0, LENGTH, size=conn.weight_shape), jnp.int32)
    weight = make_weight("per_connection", conn, rng)
    events = make_events("bool", rng, (4, N_PRE, 1))
    heads = jnp.asarray([0, 2, 6, 4], jnp.int32)
    add_to = quarters(rng, (4, LENGTH * N_POST, 1))

    def run(kernel):
        f = jax.vmap(lambda e, h, a: ring(kernel, conn, steps, h, e, weight, a))
        return f(events, heads, add_to)

    native, xla = run(dx.ops.Native()), run(dx.ops.XLA())
    np.testing.assert_array_equal(native, xla)
    for b in range(4):  # each member as computed alone
        alone = ring(dx.ops.Native(), conn, steps, heads[b], events[b], weight, add_to[b])
        np.testing.assert_array_equal(native[b], alone)
    # Events batched, the ring shared.
    f = jax.vmap(lambda e: ring(dx.ops.Native(), conn, steps, heads[1], e, weight, add_to[0]))
    g = jax.vmap(lambda e: ring(dx.ops.XLA(), conn, steps, heads[1], e, weight, add_to[0]))
    np.testing.assert_array_equal(f(events), g(events))


# fan_out with the slow tests (a 4-minute quick suite; its values are checked quickly above)
@pytest.mark.parametrize("fmt", ["csr", pytest.param("fan_out", marks=pytest.mark.slow)])
def test_native_ring_grad(conns, fmt):
    """The derivatives come from the rule (`dense_columns`), not from the kernel."""
    conn = conns[fmt]
    rng = np.random.default_rng(4)
    steps = jnp.asarray(rng.integers(0, LENGTH, size=conn.weight_shape), jnp.int32)
    weight = make_weight("per_connection", conn, rng)
    events = make_events("float", rng, (N_PRE, 1))
    add_to = quarters(rng, (LENGTH * N_POST, 1))
    probe = quarters(rng, (LENGTH * N_POST, 1))

    def loss(kernel, w, e, a):
        return jnp.sum(ring(kernel, conn, steps, jnp.int32(5), e, w, a) * probe)

    # Weight and float events (surrogate gradients), then a scalar weight.
    native = jax.grad(loss, (1, 2))(dx.ops.Native(), weight, events, add_to)
    xla = jax.grad(loss, (1, 2))(dx.ops.XLA(), weight, events, add_to)
    for a, b in zip(native, xla):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    scalar = jnp.float32(0.5)
    np.testing.assert_allclose(
        jax.grad(loss, 1)(dx.ops.Native(), scalar, events, add_to),
        jax.grad(loss, 1)(dx.ops.XLA(), scalar, events, add_to),
        rtol=1e-6,
    )


def test_ring_kernels_check_shapes(conns):
    csr, fan_out = conns["csr"], conns["fan_out"]
    events = jnp.zeros(N_PRE, bool)
    init = jnp.zeros(LENGTH * N_POST)
    good = jnp.zeros(csr.weight_shape, jnp.int32)
    with pytest.raises(ValueError, match="delays"):
        _native.csr_ring(events, csr.indptr, csr.indices, 1.0, good[:-1], 0, init, LENGTH)
    with pytest.raises(ValueError, match="delays"):
        _native.csr_ring(events, csr.indptr, csr.indices, 1.0, good * 1.0, 0, init, LENGTH)
    with pytest.raises(ValueError, match="head"):
        _native.csr_ring(events, csr.indptr, csr.indices, 1.0, good, jnp.zeros(2, int), init, 7)
    with pytest.raises(ValueError, match="ring slots"):
        _native.csr_ring(events, csr.indptr, csr.indices, 1.0, good, 0, init[:-1], LENGTH)
    with pytest.raises(ValueError, match="delays"):
        _native.fan_out_ring(events, fan_out.indices, 1.0, good, 0, init, LENGTH)
