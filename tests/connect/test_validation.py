"""Connectivity that cannot crash the process or be read out of bounds: checks at
construction, `dx.connect.validate` (which `dx.simulate` calls), kernels that stay inside
their arrays whatever those hold, and connectors that refuse impossible sizes at once."""

import functools
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import dynax as dx
from dynax.connect import _base, _validate
from dynax.ops import _native

NATIVE = jax.default_backend() == "cpu" and _native.available()
KERNELS = ("xla", "native", "pallas") if NATIVE else ("xla", "pallas")
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# Fixed sizes, so that each kernel compiles once for all examples.
N_PRE, N_POST, NNZ, K = 6, 5, 12, 4
INT32 = st.integers(-(2**31), 2**31 - 1)


def csr_from(indptr, indices):
    """A valid CSR of the fixed sizes (max_fan_out = NNZ) whose arrays are then replaced,
    as `eqx.tree_at` or a checkpoint would."""
    template = dx.connect.CSR(np.r_[np.zeros(N_PRE, int), NNZ], np.zeros(NNZ, int), N_POST)
    return eqx.tree_at(
        lambda c: (c.indptr, c.indices),
        template,
        (jnp.asarray(indptr, jnp.int32), jnp.asarray(indices, jnp.int32)),
    )


def csr_is_valid(indptr, indices, max_fan_out=NNZ) -> bool:
    p, d = np.asarray(indptr, np.int64), np.diff(np.asarray(indptr, np.int64))
    return bool(
        p[0] == 0
        and np.all(d >= 0)
        and p[-1] == len(indices)
        and d.max() <= max_fan_out
        and np.all((np.asarray(indices) >= 0) & (np.asarray(indices) < N_POST))
    )


@st.composite
def valid_csr(draw):
    cuts = sorted(draw(st.lists(st.integers(0, NNZ), min_size=N_PRE - 1, max_size=N_PRE - 1)))
    indices = draw(st.lists(st.integers(0, N_POST - 1), min_size=NNZ, max_size=NNZ))
    return np.array([0, *cuts, NNZ]), np.array(indices)


@st.composite
def any_csr(draw):
    """Valid arrays with one entry replaced, or arbitrary int32 arrays."""
    indptr, indices = draw(valid_csr())
    if draw(st.booleans()):
        near = st.integers(-3, NNZ + 3) | INT32
        indptr = np.array(draw(st.lists(near, min_size=N_PRE + 1, max_size=N_PRE + 1)))
        near = st.integers(-2, N_POST + 2) | INT32
        indices = np.array(draw(st.lists(near, min_size=NNZ, max_size=NNZ)))
    elif draw(st.booleans()):
        indptr[draw(st.integers(0, N_PRE))] = draw(st.integers(-5, NNZ + 5) | INT32)
    else:
        indices[draw(st.integers(0, NNZ - 1))] = draw(st.integers(-3, N_POST + 3) | INT32)
    return indptr, indices


@functools.cache
def operator(kernel: str, fmt: str):
    """The jitted event operator of a format with a kernel."""
    op = dx.ops.event_csr_matvec if fmt == "csr" else dx.ops.event_fanout_matvec
    return jax.jit(lambda e, conn, w: op(e, conn, w, kernel=kernel))


def events(seed: int, n: int = N_PRE):
    return jnp.asarray(np.random.default_rng(seed).random(n) < 0.6)


# ---------------------------------------------------------------------------------------
# The report: a CSR edited out of range


def corrupted_network(kernel="auto"):
    c = dx.connect.CSR(indptr=[0, 1, 2], indices=[0, 1], n_post=3)
    c = eqx.tree_at(lambda c: c.indptr, c, jnp.array([0, 1, 50_000_000], jnp.int32))
    return dx.Network(
        populations={"S": dx.inputs.PoissonGroup(2, rate=500.0), "N": dx.neurons.LIF(3)},
        projections={
            "S2N": dx.Projection(
                "S",
                "N",
                c,
                weight=1.0,
                synapse=dx.synapses.Exponential(3, tau=5.0),
                output=dx.synapses.CUBA(),
                kernel=kernel,
            )
        },
    )


@pytest.mark.parametrize("kernel", ["auto", "xla", "native"])
def test_reported_csr_runs_without_crashing_and_is_rejected(kernel):
    if kernel == "native" and not NATIVE:
        pytest.skip("no compiled kernels here")
    net = corrupted_network(kernel)
    conn = net.projections["S2N"].conn
    # The operators stay inside the arrays: the long row is clamped to the connections.
    out = dx.ops.event_csr_matvec(jnp.array([True, True]), conn, 1.0, kernel=kernel)
    np.testing.assert_allclose(out, [1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"CSR at model.projections\['S2N'\].conn: indptr\[2\]"):
        dx.connect.validate(net)


def test_simulate_validates_before_running():
    net = corrupted_network()
    with pytest.raises(ValueError, match=r"indptr\[2\] = 50000000 is outside"):
        dx.simulate(net, net.init(), dt=0.1, n_steps=200, key=jax.random.key(0))


# ---------------------------------------------------------------------------------------
# Properties: bad arrays never crash and are rejected; valid ones give the dense product


@PROPERTY
@given(any_csr(), st.integers(0, 2**16))
def test_any_csr_arrays_never_crash_and_bad_ones_are_rejected(arrays, seed):
    indptr, indices = arrays
    conn = csr_from(indptr, indices)
    if csr_is_valid(indptr, indices):
        assert dx.connect.validate(conn) is conn
    else:
        with pytest.raises(ValueError, match="invalid dx.connect.CSR"):
            dx.connect.validate(conn)
    e = events(seed)
    w = jnp.asarray(np.random.default_rng(seed).normal(size=NNZ), jnp.float32)
    for kernel in KERNELS:  # on a GPU, "pallas" is the compiled Triton kernel
        for weight in (0.5, w):
            assert np.all(np.isfinite(operator(kernel, "csr")(e, conn, weight)))


@PROPERTY
@given(valid_csr(), st.integers(0, 2**16))
def test_valid_csr_gives_the_dense_product_with_every_kernel(arrays, seed):
    conn = csr_from(*arrays)  # static sizes fixed: one compilation per kernel
    assert dx.connect.validate(conn) is conn
    e = events(seed)
    w = jnp.asarray(np.random.default_rng(seed).normal(size=NNZ), jnp.float32)
    # The same synapses as a fan-out table padded to a fixed width.
    table, w_table = conn.to_fan_out(data=w)
    pad = ((0, 0), (0, NNZ - table.max_fan_out))
    fan = dx.connect.FanOut(np.pad(np.asarray(table.indices), pad, constant_values=N_POST), N_POST)
    w_fan = jnp.pad(w_table, pad)
    for weight, weight_fan in ((0.5, 0.5), (w, w_fan)):
        want = np.asarray(e, np.float32) @ np.asarray(conn.todense(weight))
        for kernel in KERNELS:
            got = operator(kernel, "csr")(e, conn, weight)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=kernel)
            got = operator(kernel, "fan")(e, fan, weight_fan)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=kernel)


@PROPERTY
@given(
    st.lists(st.integers(-2, N_POST + 2) | INT32, min_size=N_PRE * K, max_size=N_PRE * K),
    st.integers(0, 2**16),
)
def test_any_fan_out_table_never_crashes_and_bad_ones_are_rejected(table, seed):
    table = np.array(table).reshape(N_PRE, K)
    fan = dx.connect.FanOut(np.zeros((N_PRE, K), int), N_POST)
    fan = eqx.tree_at(lambda f: f.indices, fan, jnp.asarray(table, jnp.int32))
    if np.all((table >= 0) & (table <= N_POST)):
        dx.connect.validate(fan)
    else:
        with pytest.raises(ValueError, match="invalid dx.connect.FanOut"):
            dx.connect.validate(fan)
    e = events(seed)
    w = jnp.asarray(np.random.default_rng(seed).normal(size=(N_PRE, K)), jnp.float32)
    for kernel in KERNELS:  # on a GPU, "pallas" is the compiled Triton kernel
        for weight in (0.5, w):
            assert np.all(np.isfinite(operator(kernel, "fan")(e, fan, weight)))


# ---------------------------------------------------------------------------------------
# Sizes that do not match


def test_wrong_lengths_are_rejected_not_read():
    conn = dx.connect.CSR([0, 2, 3], [0, 1, 2], 3)
    longer = eqx.tree_at(lambda c: c.indptr, conn, jnp.array([0, 1, 2, 3], jnp.int32))
    with pytest.raises(ValueError, match=r"indptr has shape \(4,\), expected \(n_pre \+ 1,\)"):
        dx.connect.validate(longer)
    with pytest.raises(ValueError, match="CSR arrays have shapes"):
        dx.ops.event_csr_matvec(jnp.ones(2, bool), longer, 1.0, kernel="xla")
    floats = eqx.tree_at(lambda c: c.indices, conn, jnp.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="indices must hold integers"):
        dx.connect.validate(floats)
    coo = dx.connect.COO([0, 1], [1, 0], 2, 2)
    shorter = eqx.tree_at(lambda c: c.post, coo, jnp.array([1], jnp.int32))
    with pytest.raises(ValueError, match=r"post has shape \(1,\), expected \(2,\)"):
        dx.connect.validate(shorter)
    with pytest.raises(ValueError, match="one entry per connection"):
        dx.ops.event_matvecs(jnp.ones(2, bool), [(conn, jnp.ones(5))])


@pytest.mark.skipif(not NATIVE, reason="no compiled kernels here")
def test_the_compiled_kernels_refuse_sizes_that_do_not_match():
    """Past the Python checks (here called directly), the kernels return an error."""
    e, init = jnp.ones(2, bool), jnp.zeros(3, jnp.float32)
    indptr, indices = jnp.array([0, 1, 2, 2], jnp.int32), jnp.array([0, 1], jnp.int32)
    with pytest.raises(Exception, match="indptr has 4 entries for 2 rows"):
        _native._call("dynax_event_csr", e, (indptr, indices), jnp.float32(1), init)
    with pytest.raises(Exception, match="weight has 5 entries for 2 connections"):
        _native._call("dynax_event_csr", e, (indptr[:3], indices), jnp.ones(5), init)
    with pytest.raises(Exception, match="the table has 3 rows for 2 events"):
        _native._call("dynax_event_fan_out", e, (jnp.zeros((3, 2), jnp.int32),), 1.0, init)
    with pytest.raises(ValueError, match="weight has shape"):
        _native.csr(e, indptr[:3], indices, jnp.ones(5), init)


def test_construction_names_the_format_argument_and_position():
    with pytest.raises(ValueError, match=r"CSR: indptr decreases at position 2"):
        dx.connect.CSR([0, 2, 1, 3], [0, 0, 0], 2)
    with pytest.raises(ValueError, match=r"CSR: indptr\[3\] = 2, expected len\(indices\) = 3"):
        dx.connect.CSR([0, 1, 2, 2], [0, 0, 0], 2)
    with pytest.raises(ValueError, match=r"CSR: indptr\[3\] = 4 is outside \[0, len\(indices\)\]"):
        dx.connect.CSR([0, 1, 2, 4], [0, 0, 0], 2)
    with pytest.raises(ValueError, match=r"CSC: indices\[1\] = -1 is outside \[0, n_pre\)"):
        dx.connect.CSC([0, 2], [0, -1], 2)
    with pytest.raises(ValueError, match=r"COO: pre\[0\] = 7 is outside"):
        dx.connect.COO([7], [0], 2, 2)
    with pytest.raises(ValueError, match=r"FanOut: indices\[1, 0\] = 9 is outside"):
        dx.connect.FanOut([[0, 1], [9, 2]], 3)
    with pytest.raises(ValueError, match="FanOut: indices must hold integers"):
        dx.connect.FanOut([[0.5]], 3)
    with pytest.raises(ValueError, match="n_post must be a positive int"):
        dx.connect.CSR([0], [], True)
    with pytest.raises(ValueError, match="n_pre must be a positive int"):
        dx.connect.JitProb(True, 3, 0.1, 0)


# ---------------------------------------------------------------------------------------
# Cost: a model is checked once; traced arrays are checked inside the computation


def test_a_valid_model_is_checked_once(monkeypatch):
    conn = dx.connect.FixedProb(0.3)(20, 30, jax.random.key(0))
    model = {"a": conn, "b": [conn.to_fan_out(), dx.connect.JitProb(5, 5, 0.2, 1)]}
    checked = []
    remember = _validate._remember
    monkeypatch.setattr(_validate, "_remember", lambda *a: checked.append(1) or remember(*a))
    assert dx.connect.validate(model) is model
    assert len(checked) == 2  # the CSR and the table (JitProb stores nothing)
    dx.connect.validate(model)
    assert len(checked) == 2  # remembered by the arrays' identity
    edited = eqx.tree_at(lambda m: m["a"].indices, model, conn.indices + 0)
    dx.connect.validate(edited)
    assert len(checked) == 3


@pytest.mark.parametrize("bad", [False, True])
def test_arrays_off_the_host_are_checked_where_they_are(monkeypatch, bad):
    """On a GPU one jitted reduction checks the arrays; only a failure is located on the
    host (here the CPU stands in for the device)."""
    monkeypatch.setattr(_validate, "_on_host", lambda x: False)
    conn = dx.connect.FixedProb(0.3)(20, 30, jax.random.key(0))
    if bad:
        conn = eqx.tree_at(lambda c: c.indptr, conn, conn.indptr.at[4].set(-1))
        with pytest.raises(ValueError, match=r"indptr\[4\] = -1 is outside"):
            dx.connect.validate(conn)
    else:
        assert dx.connect.validate(conn) is conn


def test_traced_arrays_are_checked_when_the_computation_runs():
    conn = dx.connect.CSR([0, 1, 2], [0, 1], 3)
    bad = eqx.tree_at(lambda c: c.indices, conn, jnp.array([0, 3], jnp.int32))

    @eqx.filter_jit
    def total(c):
        return dx.connect.validate(c).indptr.sum()  # reads the other array: still checked

    assert int(total(conn)) == 3
    with pytest.raises(Exception, match=r"indices in \[0, n_post\) does not hold"):
        total(bad)
    stacked = jax.tree.map(lambda a, b: jnp.stack([a, b]), conn, bad)
    with pytest.raises(Exception, match="does not hold"):
        eqx.filter_vmap(total)(stacked)
    with pytest.raises(ValueError, match=r"indices\[1, 1\] = 3 is outside"):
        dx.connect.validate(stacked)  # a stacked model, concrete: located on the host


# ---------------------------------------------------------------------------------------
# Connectors refuse impossible sizes before generating


def test_more_synapses_than_int32_indices_address_raise_at_once():
    key = jax.random.key(0)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"about 5e\+11 synapses.*dx.connect.JitProb"):
        dx.connect.FixedProb(0.5)(10**6, 10**6, key)
    assert time.perf_counter() - start < 1.0
    for make in (
        lambda: dx.connect.FixedProb(0.01)(10**6, 10**6, key),
        lambda: dx.connect.FixedPostNum(3000)(10**6, 10**6, key),
        lambda: dx.connect.FixedPreNum(3000)(10**6, 10**6, key),
        lambda: dx.connect.FixedTotalNum(3 * 10**9)(10**6, 10**6, key),
        lambda: dx.connect.All2All()(10**5, 10**5),
        lambda: dx.connect.GridN(30)((1000, 1000), (1000, 1000)),
        lambda: dx.connect.SmallWorld(4000, 0.1)(10**6, 10**6, key),
        lambda: dx.connect.ScaleFreeBA(1000)(10**7, 10**7, key),
        lambda: dx.connect.GaussianProb(100.0)((1000, 1000), (1000, 1000), key),
    ):
        with pytest.raises(ValueError, match=r"more than the 2\*\*31 - 1"):
            make()


def test_more_than_the_available_memory_raises_with_the_estimate(monkeypatch):
    monkeypatch.setattr(_base, "available_memory", lambda: 10**5)
    key = jax.random.key(0)
    with pytest.raises(ValueError, match=r"need about 0.0006 GB .* but 0.0001 GB is available"):
        dx.connect.FixedProb(0.1)(1000, 1000, key)
    with pytest.raises(ValueError, match=r"need 0.96 GB"):
        dx.connect.FixedPreNum(200)(1000, 100_000, key)
    dx.connect.FixedProb(0.1)(100, 100, key)  # 1000 synapses fit


def test_available_memory_is_read():
    assert 0 < _base.available_memory() < 2**63 - 1
