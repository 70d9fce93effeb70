"""The linear algebra of every connectivity format against its dense matrix.

For each format (CSR, CSC, COO, FanOut with padded rows, JitProb, Dense) and each kernel
it has here, the operators (`event_matvec`, `event_matmat`, `matvec`, `matmat`, with and
without `transpose`) equal the product with `W = conn.todense(weight)` computed in float64,
and their gradients (one derivative rule for every format) equal those of the dense
product `events @ W(weight)`, which a central difference confirms in float64.
"""

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import dynax as dx
from dynax.ops import _native

N_PRE, N_POST, BATCH = 23, 17, 3
EMPTY_ROWS = (5, 11)  # presynaptic neurons without connections
FORMATS = ("CSR", "CSC", "COO", "FanOut", "JitProb", "Dense")
STORED = ("CSR", "CSC", "COO", "FanOut", "Dense")


@functools.cache
def make(name: str) -> dx.connect.AbstractConnectivity:
    """Connectivity of `name`: the stored ones hold the same 70 random pairs (repeated
    pairs included, rows 5 and 11 empty, so a FanOut table is padded)."""
    if name == "JitProb":
        return dx.connect.JitProb(N_PRE, N_POST, 0.3, seed=7)
    if name == "Dense":
        return dx.connect.Dense(N_PRE, N_POST)
    rng = np.random.default_rng(0)
    rows = np.setdiff1d(np.arange(N_PRE), EMPTY_ROWS)
    coo = dx.connect.COO(rng.choice(rows, 70), rng.integers(0, N_POST, 70), N_PRE, N_POST)
    csr = coo.to_csr()
    return {"COO": coo, "CSR": csr, "CSC": coo.to_csc(), "FanOut": csr.to_fan_out()}[name]


def weight(name: str, kind: str):
    """A weight of `kind` for format `name`: a scalar, one per connection (FanOut: the
    padded slots hold values too, which must be ignored), or a JitProb distribution."""
    conn = make(name)
    if kind == "scalar":
        return jnp.asarray(0.7)
    if kind == "uniform":
        return dx.init.Uniform(0.2, 1.1)
    if kind == "normal":
        return dx.init.Normal(0.5, 0.3)
    return jax.random.uniform(jax.random.key(1), conn.weight_shape, minval=-1.0, maxval=2.0)


def weight_kinds(name: str) -> tuple[str, ...]:
    return ("scalar", "uniform", "normal") if name == "JitProb" else ("scalar", "per_connection")


@functools.cache
def native() -> bool:
    return jax.default_backend() == "cpu" and _native.available()


def kernels(name: str) -> list[str]:
    out = ["xla"]
    if make(name).has_native and native():
        out.append("native")
    if name in ("CSR", "FanOut", "JitProb"):
        out.append("pallas")
    return out


def _case(name: str, kernel: str, slow: bool = False):
    # JIT connectivity's XLA path on a CPU costs 6-9 s of compilation per test, its
    # native kernel 3-4 s (compared with XLA quickly in tests/ops/test_jitconn_backends.py):
    # both run with the slow tests, the quick suite having a 4-minute budget on 2 cores.
    slow |= name == "JitProb" and kernel in ("xla", "native")
    # The interpreted Pallas kernels of CSR and JitProb too (3-6 s each; FanOut's stay).
    slow |= kernel == "pallas" and name != "FanOut"
    return pytest.param(name, kernel, id=f"{name}-{kernel}", marks=[pytest.mark.slow] * slow)


def dense64(conn, w) -> np.ndarray:
    return np.asarray(conn.todense(w), np.float64)


def spikes(n: int, shape=(), seed=2) -> jax.Array:
    s = jax.random.bernoulli(jax.random.key(seed), 0.4, shape + (n,))
    return s.at[..., 0].set(True).at[..., EMPTY_ROWS[0] % n].set(True)


def floats(n: int, shape=(), seed=3) -> jax.Array:
    x = jax.random.normal(jax.random.key(seed), shape + (n,))
    return jnp.where(spikes(n, shape, seed), x, 0.0)  # zeros: inactive rows


def f64(x) -> np.ndarray:
    return np.asarray(x, np.float64)


def assert_close(actual, expected, tol=2e-5):
    np.testing.assert_allclose(f64(actual), expected, rtol=tol, atol=tol)


def all_weights(name: str) -> dict:
    return {kind: weight(name, kind) for kind in weight_kinds(name)}


# Each test compiles one program (`eqx.filter_jit`) for all its weights and inputs: the
# file's time is compilation, and one program compiles much faster than many.


@pytest.mark.parametrize("name, kernel", [_case(n, k) for n in FORMATS for k in kernels(n)])
def test_event_operators_equal_the_dense_product(name, kernel):
    conn, weights = make(name), all_weights(name)
    last = weight_kinds(name)[-1]
    s, x = spikes(N_PRE), floats(N_PRE)
    batches = (spikes(N_PRE, (BATCH,), seed=4), floats(N_PRE, (BATCH,), seed=5))
    pallas = kernel == "pallas"  # the interpreter is slow: boolean spikes only

    def one(kind, w):
        out = {"spikes": conn.event_matvec(s, w, kernel=kernel)}
        if not pallas:
            out["floats"] = conn.event_matvec(x, w, kernel=kernel)
        if not pallas and kind == last:  # batches with one weight suffice
            out["matmat"] = [conn.event_matmat(e, w, kernel=kernel) for e in batches]
            vmapped = jax.vmap(lambda e: conn.event_matvec(e, w, kernel=kernel))
            out["vmap"] = vmapped(batches[1])
        return out

    outs = eqx.filter_jit(lambda ws: {k: one(k, w) for k, w in ws.items()})(weights)
    for kind, w in weights.items():
        W, out = dense64(conn, w), outs[kind]
        assert_close(out["spikes"], f64(s) @ W)
        if "floats" in out:
            assert_close(out["floats"], f64(x) @ W)
        if "matmat" in out:
            for got, events in zip(out["matmat"], batches, strict=True):
                assert got.shape == (BATCH, N_POST)
                assert_close(got, f64(events) @ W)
            assert_close(out["vmap"], out["matmat"][1], 1e-6)


@pytest.mark.parametrize("name", FORMATS)
def test_dense_operators_and_transposes_equal_the_dense_product(name):
    conn, weights = make(name), all_weights(name)
    last = weight_kinds(name)[-1]
    x, xs = floats(N_PRE), floats(N_PRE, (BATCH,), seed=6)
    y, ys = floats(N_POST, seed=7), floats(N_POST, (BATCH,), seed=8)
    s, full = spikes(N_POST, seed=9), jnp.ones(N_PRE, bool).at[3].set(False)

    def one(kind, w):
        out = {"x W": conn.matvec(x, w), "W y": conn.matvec(y, w, transpose=True)}
        if kind == last:  # the rest with one weight: the same code
            out["xs W"] = conn.matmat(xs, w)
            out["ys W^T"] = conn.matmat(ys, w, transpose=True)
            out["W s"] = conn.event_matvec(s, w, transpose=True)
            out["W y event"] = conn.event_matvec(y, w, transpose=True)
            out["ys W^T event"] = conn.event_matmat(ys, w, transpose=True)
            # Far more active rows than buckets: every one is still visited.
            out["full W"] = conn.event_matvec(full, w, max_events=1, kernel="xla")
        return out

    outs = eqx.filter_jit(lambda ws: {k: one(k, w) for k, w in ws.items()})(weights)
    for kind, w in weights.items():
        W = dense64(conn, w)
        want = {
            "x W": f64(x) @ W,
            "W y": W @ f64(y),
            "xs W": f64(xs) @ W,
            "ys W^T": f64(ys) @ W.T,
            "W s": W @ f64(s),
            "W y event": W @ f64(y),
            "ys W^T event": f64(ys) @ W.T,
            "full W": f64(full) @ W,
        }
        for key, got in outs[kind].items():
            assert_close(got, want[key])


@pytest.mark.parametrize(
    "name, kernel",
    # CSC's and COO's gradients with the slow tests: the same transposes as CSR's
    [_case(n, k, slow=n in ("CSC", "COO")) for n in FORMATS for k in kernels(n) if k != "pallas"],
)
def test_gradients_equal_those_of_the_dense_product(name, kernel):
    conn, weights = make(name), all_weights(name)
    cot = jax.random.normal(jax.random.key(10), (N_POST,))
    events = (spikes(N_PRE), floats(N_PRE))

    def loss(w, e):
        return jnp.vdot(cot, conn.event_matvec(e, w, kernel=kernel))

    def dense_loss(w, e):
        return jnp.vdot(cot, e.astype(cot.dtype) @ conn.todense(w))

    def one(w):
        # With respect to the weight (a scalar, one per connection, or a distribution's
        # parameters), for spikes and for float events; and to float events.
        got = [eqx.filter_grad(loss)(w, e) for e in events]
        want = jax.vmap(eqx.filter_grad(dense_loss), in_axes=(None, 0))(w, jnp.stack(events))
        return got, want, jax.grad(loss, argnums=1)(w, events[1])

    outs = eqx.filter_jit(lambda ws: {k: one(w) for k, w in ws.items()})(weights)
    for kind, w in weights.items():
        got, want, by_events = outs[kind]
        for i, g in enumerate(got):
            for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(want), strict=True):
                assert_close(a, f64(b[i]))
        # The dense product's, inactive rows included.
        assert_close(by_events, dense64(conn, w) @ f64(cot))


def test_gradients_match_finite_differences(x64):
    # One function of some formats' weights (one per connection, or a distribution) and
    # of the float events: one compilation, central differences in float64. (The rule
    # is the same for every format; the test above compares the others' with it.)
    names = ("CSR", "JitProb", "Dense")
    conns = {name: make(name) for name in names}
    weights = {name: weight(name, weight_kinds(name)[1]) for name in names}
    weights = jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), weights)
    x = floats(N_PRE).astype(jnp.float64)
    cot = jax.random.normal(jax.random.key(11), (N_POST,), jnp.float64)

    @jax.jit
    def f(weights, x):
        outs = [conns[n].event_matvec(x, weights[n], kernel="xla") for n in names]
        return jnp.vdot(cot, sum(outs))

    check_grads(f, (weights, x), order=1, modes=("rev",), eps=1e-3)


def test_native_on_coo_names_the_format():
    conn = make("COO")
    with pytest.raises(ValueError, match="COO"):
        conn.event_matvec(spikes(N_PRE), 1.0, kernel="native")


@pytest.mark.parametrize("name", STORED)
def test_a_weight_of_the_wrong_shape_is_refused(name):
    conn = make(name)
    wrong = jnp.ones(int(np.prod(conn.weight_shape)) + 1)
    with pytest.raises(ValueError, match="one entry per connection"):
        conn.event_matvec(spikes(N_PRE), wrong)
    with pytest.raises(ValueError, match="one entry per connection"):
        conn.matvec(floats(N_PRE), wrong)


def test_dense_is_its_weight_matrix_and_converts_to_csr():
    conn = make("Dense")
    w = weight("Dense", "per_connection")
    np.testing.assert_array_equal(conn.todense(w), w)
    np.testing.assert_array_equal(conn.todense(0.5), np.full((N_PRE, N_POST), 0.5))
    assert conn.to_mask().all() and conn.nnz == N_PRE * N_POST
    csr, flat = conn.to_csr(data=w)
    np.testing.assert_array_equal(csr.todense(flat), w)
    with pytest.raises(ValueError, match="positive int"):
        dx.connect.Dense(0, 3)


def lif_network(conn, w):
    """Two LIF populations, A (driven) projecting onto B over `conn`."""
    pops = {
        "A": dx.neurons.LIF(N_PRE, tau=10.0, v_th=5.0),
        "B": dx.neurons.LIF(N_POST, tau=10.0, v_th=5.0),
    }
    syn = dx.synapses.Exponential(N_POST, tau=5.0)
    proj = dx.Projection("A", "B", conn, w, syn, dx.synapses.CUBA())
    return dx.Network(pops, {"A2B": proj})


def test_a_projection_over_dense_runs_as_over_the_equivalent_csr():
    dense = make("Dense")
    w = jax.random.uniform(jax.random.key(12), dense.weight_shape, minval=0.0, maxval=3.0)
    csr, flat = dense.to_csr(data=w)
    drive = jnp.linspace(5.5, 9.0, N_PRE) * jnp.ones((300, N_PRE))
    runs = []
    for net in (lif_network(dense, w), lif_network(csr, flat)):
        _, rec = dx.simulate(
            net,
            net.init(),
            dt=0.1,
            n_steps=300,
            inputs={"A": drive},
            monitors={"g": "A2B.syn.g", "spike": "B.spike"},
        )
        runs.append(rec)
    a, b = runs
    assert a["spike"].sum() > 10  # B fires, driven through the projection
    np.testing.assert_allclose(a["g"], b["g"], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(a["spike"], b["spike"])
