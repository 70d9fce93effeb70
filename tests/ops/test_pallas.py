"""The Pallas kernels of the event operators (interpreted on CPU) against the XLA path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

N_PRE, N_POST = 300, 200  # 300 rows: the last block of 32 is partly outside


@pytest.fixture(scope="module")
def csr():
    # 0.3 × 200 = 60 connections per row: rows span two chunks of the CSR kernel
    return dx.connect.FixedProb(0.3)(N_PRE, N_POST, jax.random.key(0))


def events(kind, seed=0):
    rng = np.random.default_rng(seed)
    active = rng.random(N_PRE) < 0.05
    if kind == "bool":
        return jnp.asarray(active)
    return jnp.asarray(np.where(active, rng.normal(size=N_PRE), 0.0), jnp.float32)


def both(op, *args, **kwargs):
    return op(*args, kernel="pallas", **kwargs), op(*args, kernel="xla", **kwargs)


@pytest.mark.parametrize("kind", ["bool", "float"])
# per-synapse weights with the slow tests (the interpreted kernels; a 4-minute quick suite)
@pytest.mark.parametrize("per_synapse", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_csr_and_fan_out(csr, kind, per_synapse):
    e = events(kind)
    assert 5 < int(jnp.sum(e != 0)) < 32  # some programs (of 32 rows) active, others idle
    w = jax.random.normal(jax.random.key(1), (csr.nnz,)) if per_synapse else 0.7
    got, want = both(dx.ops.event_csr_matvec, e, csr, w)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    fan, w_fan = csr.to_fan_out(data=w) if per_synapse else (csr.to_fan_out(), w)
    got, want = both(dx.ops.event_fanout_matvec, e, fan, w_fan)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "op, params",
    [
        (dx.ops.event_mv_prob_homo, (0.5,)),
        (dx.ops.event_mv_prob_uniform, (0.1, 0.6)),
        (dx.ops.event_mv_prob_normal, (1.0, 0.3)),
    ],
)
@pytest.mark.slow  # covered quickly by tests/connect/test_linear_algebra.py
def test_jit_connectivity(op, params):
    for kind in ("bool", "float"):
        got, want = both(op, events(kind), *params, 0.1, 5, shape=(N_PRE, N_POST))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # every row at once: the kernel regenerates exactly the matrix of the XLA path
    ones = jnp.ones(N_PRE, bool)
    got, want = both(op, ones, *params, 0.1, 5, shape=(N_PRE, N_POST))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


# (slow, for the quick suite's 4-minute budget; the other Pallas tests stay quick)
@pytest.mark.slow
def test_rows_longer_than_a_chunk():
    # ~600 connections per row: the kernels visit a row in several chunks of 256
    n_pre, n_post, p = 40, 1200, 0.5
    e = jnp.asarray(np.random.default_rng(1).random(n_pre) < 0.3)
    csr = dx.connect.FixedProb(p)(n_pre, n_post, jax.random.key(0))
    assert np.diff(np.asarray(csr.indptr)).min() > 2 * 256
    got, want = both(dx.ops.event_csr_matvec, e, csr, 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    got, want = both(dx.ops.event_fanout_matvec, e, csr.to_fan_out(), 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    got, want = both(dx.ops.event_mv_prob_normal, e, 1.0, 0.2, p, 3, shape=(n_pre, n_post))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_gradients_through_the_kernel(csr):
    e = events("float")

    def loss(w, e, kernel):
        return jnp.sum(jnp.sin(dx.ops.event_csr_matvec(e, csr, w, kernel=kernel)))

    w = jax.random.normal(jax.random.key(2), (csr.nnz,))
    for argnums in (0, 1):
        got = jax.grad(loss, argnums)(w, e, "pallas")
        want = jax.grad(loss, argnums)(w, e, "xla")
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_unknown_kernel_is_refused(csr):
    with pytest.raises(ValueError, match="kernel must be one of"):
        dx.ops.event_csr_matvec(events("bool"), csr, 1.0, kernel="cuda")


@pytest.mark.slow  # 5 s in the interpreter; test_several_populations_in_one_kernel stays quick
def test_several_matrices_in_one_kernel(csr):
    e = events("bool")
    w = jax.random.normal(jax.random.key(3), (csr.nnz,))
    jit = dx.connect.JitProb(N_PRE, 150, 0.1, seed=9)
    pairs = [(csr, w), (csr.to_fan_out(), 0.4), (jit, dx.init.Normal(1.0, 0.2)), (jit, 0.3)]
    together = dx.ops.event_matvecs(e, pairs, kernel="pallas")
    for got, (conn, weight) in zip(together, pairs):
        want = dx.ops.event_matvec(e, conn, weight, kernel="xla")
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)

    # Added into given buffers (as into decayed synaptic variables), or into zeros (None).
    base = [jnp.linspace(-1.0, 1.0, c.n_post) for c, _ in pairs[:3]] + [None]
    added = dx.ops.event_matvecs(e, pairs, kernel="pallas", add_to=base)
    for got, plain, b in zip(added, together, base):
        np.testing.assert_allclose(got, plain if b is None else plain + b, rtol=1e-5, atol=1e-5)

    def loss(w, g, kernel):
        out = dx.ops.event_matvecs(e, [(csr, w), (jit, 0.3)], kernel=kernel, add_to=[g, None])
        return jnp.sum(jnp.sin(out[0])) + jnp.sum(out[1] ** 2)

    g = jnp.linspace(0.0, 2.0, N_POST)
    got, want = jax.grad(loss, (0, 1))(w, g, "pallas"), jax.grad(loss, (0, 1))(w, g, "xla")
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="add_to has 1 entries for 2 pairs"):
        dx.ops.event_matvecs(e, pairs[:2], add_to=[g])


def test_network_propagates_each_population_once():
    # Two projections leave P: the network hands both to one kernel; same run as XLA.
    conn = dx.connect.FixedProb(0.1)(200, 150, jax.random.key(3))
    jit = dx.connect.JitProb(200, 150, 0.1, seed=4)

    def run(kernel):
        pops = {"P": dx.inputs.PoissonGroup(200, rate=40.0), "N": dx.neurons.LIF(150, v_th=5.0)}
        projs = {
            name: dx.Projection(
                "P",
                "N",
                c,
                1.5,
                dx.synapses.Exponential(150, tau=5.0),
                dx.synapses.CUBA(),
                kernel=kernel,
            )
            for name, c in (("csr", conn), ("jit", jit))
        }
        net = dx.Network(pops, projs)
        monitors = {"g": "csr.syn.g", "h": "jit.syn.g", "spike": "N.spike"}
        return dx.simulate(
            net, net.init(), dt=0.1, n_steps=200, key=jax.random.key(5), monitors=monitors
        )[1]

    got, want = run("pallas"), run("xla")
    assert want["spike"].sum() > 10
    for name in ("g", "h"):
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got["spike"], want["spike"])


# (slow, for the quick suite's 4-minute budget; several populations per launch are also
# run quickly by test_network_propagates_each_population_once)
@pytest.mark.slow
def test_several_populations_in_one_kernel(csr):
    # Two populations (300 and 90 rows: programs of 32 rows, the last partly outside)
    # in one launch; the first one's spikes feed two matrices.
    e1, e2 = events("bool"), jnp.asarray(np.random.default_rng(4).random(90) < 0.1)
    small = dx.connect.FixedProb(0.2)(90, N_POST, jax.random.key(8))
    jit = dx.connect.JitProb(90, 150, 0.1, seed=9)
    pairs = [(csr, 0.5), (small, 0.7), (csr.to_fan_out(), 0.4), (jit, 0.3)]
    spikes = [e1, e2, e1, e2]
    base = [jnp.linspace(-1.0, 1.0, c.n_post) for c, _ in pairs]
    got = dx.ops.event_matvecs(spikes, pairs, kernel="pallas", add_to=base)
    for out, e, (conn, w), b in zip(got, spikes, pairs, base):
        want = b + dx.ops.event_matvec(e, conn, w, kernel="xla")
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="spikes has 2 entries for 4 pairs"):
        dx.ops.event_matvecs([e1, e2], pairs)


# (slow, for the quick suite's 4-minute budget)
@pytest.mark.slow
def test_one_kernel_under_vmap(csr):
    # A batch of networks (vmap over spikes and buffers) goes through Pallas's batching.
    jit = dx.connect.JitProb(N_PRE, 150, 0.1, seed=3)
    e = jax.random.uniform(jax.random.key(1), (3, N_PRE)) < 0.05
    g = jnp.ones((3, N_POST))

    def run(kernel):
        def one(e, g):
            pairs = [(csr, 0.5), (jit, 0.3)]
            return dx.ops.event_matvecs([e, e], pairs, kernel=kernel, add_to=[g, None])

        return jax.vmap(one)(e, g)

    for got, want in zip(run("pallas"), run("xla")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
