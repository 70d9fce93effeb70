"""The compiled CPU kernels of the event operators against the XLA path."""

import logging
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.ops import _native

pytestmark = pytest.mark.skipif(
    jax.default_backend() != "cpu" or not _native.available(),
    reason="the native kernels run on a CPU with a C++ compiler",
)

N_PRE, N_POST = 300, 200


@pytest.fixture(scope="module")
def csr():
    return dx.connect.FixedProb(0.1)(N_PRE, N_POST, jax.random.key(0))


def events(kind, density=0.05, seed=0, shape=(N_PRE,)):
    rng = np.random.default_rng(seed)
    active = rng.random(shape) < density
    if kind == "bool":
        return jnp.asarray(active)
    return jnp.asarray(np.where(active, rng.normal(size=shape), 0.0), jnp.float32)


def both(op, *args, **kwargs):
    f = jax.jit(lambda kernel, *a: op(*a, kernel=kernel, **kwargs), static_argnums=0)
    return f("native", *args), f("xla", *args)


def uses_native(op, *args) -> bool:
    hlo = jax.jit(lambda *a: op(*a, kernel="native")).lower(*args).as_text()
    return "dynax_event" in hlo


SLOW = pytest.mark.slow


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("per_synapse", [False, True])
# few, none, every row (none and every row with the slow tests: the quick suite has a
# 4-minute budget on 2 cores)
@pytest.mark.parametrize(
    "density", [0.05, pytest.param(0.0, marks=SLOW), pytest.param(1.0, marks=SLOW)]
)
def test_csr_and_fan_out(csr, kind, per_synapse, density):
    e = events(kind, density)
    w = jax.random.normal(jax.random.key(1), (csr.nnz,)) if per_synapse else 0.7
    assert uses_native(dx.ops.event_csr_matvec, e, csr, w)
    got, want = both(dx.ops.event_csr_matvec, e, csr, w)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    fan, w_fan = csr.to_fan_out(data=w) if per_synapse else (csr.to_fan_out(), w)
    got, want = both(dx.ops.event_fanout_matvec, e, fan, w_fan)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_batches_and_vmap(csr):
    w = jax.random.normal(jax.random.key(1), (csr.nnz,))
    batch = events("float", 0.1, seed=2, shape=(5, N_PRE))
    got, want = both(dx.ops.event_csr_matmat, batch, csr, w)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # vmap over the events folds the batch into one call; over the weights, one per member
    scaled = batch[:, :1] * w
    for axes, args in (
        ((0, None, None), (batch, csr, w)),
        ((None, None, 0), (batch[0], csr, scaled)),
    ):
        op = lambda e, c, w, kernel: jax.vmap(
            lambda e, c, w: dx.ops.event_csr_matvec(e, c, w, kernel=kernel), axes
        )(e, c, w)
        got, want = both(op, *args)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_adds_into_buffers_in_place_also_under_vmap(csr):
    w = jax.random.normal(jax.random.key(1), (csr.nnz,))
    fan = csr.to_fan_out()
    pairs = [(csr, w), (fan, 0.4), (csr, 0.2)]
    e = events("bool", 0.1, seed=5, shape=(3, N_PRE))
    base = jnp.linspace(-1.0, 1.0, 3 * N_POST).reshape(3, N_POST)

    def run(kernel, e, g):
        return dx.ops.event_matvecs(e, pairs, kernel=kernel, add_to=[g, None, 2 * g])

    for axes in ((0, None), (None, 0), (0, 0)):  # batched spikes and/or buffers
        args = (e if axes[0] == 0 else e[0], base if axes[1] == 0 else base[0])
        f = jax.jit(jax.vmap(run, (None, *axes)), static_argnums=0)
        for got, want in zip(f("native", *args), f("xla", *args)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # nested: a sweep over weights of a batch of trials
    nested = jax.vmap(
        jax.vmap(
            lambda e, s, k: dx.ops.event_matvecs(e, [(csr, s * w)], kernel=k, add_to=[base[0]])[0],
            (0, None, None),
        ),
        (None, 0, None),
    )
    scales = jnp.array([1.0, -2.0])
    got = jax.jit(nested, static_argnums=2)(e, scales, "native")
    want = jax.jit(nested, static_argnums=2)(e, scales, "xla")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_gradients(csr):
    e = events("float", 0.2, seed=3)
    w = jax.random.normal(jax.random.key(4), (csr.nnz,))

    def loss(w, e, kernel):
        y = dx.ops.event_csr_matvec(e, csr, w, kernel=kernel)
        return jnp.sum(jnp.sin(y)) + jnp.sum(dx.ops.event_csr_matvec(e, csr, 0.3, kernel=kernel))

    grad = jax.jit(jax.grad(loss, (0, 1)), static_argnums=2)
    for got, want in zip(grad(w, e, "native"), grad(w, e, "xla")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_targets_out_of_range_are_dropped():
    # A fan-out table padded with n_post (and anything outside [0, n_post)) adds nothing.
    table = jnp.array([[0, 2, 3], [3, 3, 1], [1, 0, 3]], jnp.int32)
    fan = dx.connect.FanOut(np.asarray(table), n_post=3)
    out = dx.ops.event_fanout_matvec(jnp.array([True, True, False]), fan, 1.0, kernel="native")
    np.testing.assert_array_equal(out, [1.0, 1.0, 1.0])


def test_float64_and_unsupported_calls_take_the_xla_path(x64, csr):
    e = events("float", 0.1).astype(jnp.float64)
    assert not uses_native(dx.ops.event_csr_matvec, e, csr, 0.5)
    got, want = both(dx.ops.event_csr_matvec, e, csr, 0.5)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_refused_where_it_cannot_run(csr):
    coo = csr.to_coo()
    with pytest.raises(ValueError, match="COO has no compiled CPU kernels"):
        coo.event_matvec(jnp.ones(300, bool), 0.5, kernel="native")
    with pytest.raises(ValueError, match="COO has no compiled CPU kernels"):
        dx.Projection(
            "A",
            "B",
            coo,
            0.5,
            dx.synapses.Exponential(200, 5.0),
            dx.synapses.CUBA(),
            kernel=dx.ops.Native(),
        )


def test_network_runs_the_same_as_xla():
    def run(kernel):
        net = dx.networks.coba_network(400, 100, key=jax.random.key(0), kernel=kernel)
        monitors = {"spike": "E.spike", "g": "E2E.syn.g"}
        return dx.simulate(
            net, net.init(jax.random.key(1)), dt=0.1, n_steps=1000, monitors=monitors
        )[1]

    got, want = run("native"), run("xla")
    assert want["spike"].sum() > 100
    np.testing.assert_array_equal(got["spike"], want["spike"])
    # The kernels add each arriving weight into the decayed g; XLA adds their sum once.
    np.testing.assert_allclose(got["g"], want["g"], rtol=1e-5, atol=1e-6)


def test_without_a_compiler_auto_keeps_the_xla_path(csr, monkeypatch, tmp_path):
    monkeypatch.setattr(_native, "_compiler", lambda: None)
    monkeypatch.setenv("DYNAX_CACHE_DIR", str(tmp_path))
    _native._library.cache_clear()
    try:
        e = events("bool")
        hlo = jax.jit(lambda e: dx.ops.event_csr_matvec(e, csr, 0.5)).lower(e).as_text()
        assert "dynax_event" not in hlo
        with pytest.raises(RuntimeError, match=r"no C\+\+ compiler found"):
            dx.ops.event_csr_matvec(e, csr, 0.5, kernel="native")
    finally:
        _native._library.cache_clear()


def test_an_unwritable_cache_keeps_the_xla_path(csr, monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("DYNAX_CACHE_DIR", str(blocked / "cache"))
    _native._library.cache_clear()
    try:
        assert not _native.available()
        out = dx.ops.event_csr_matvec(events("bool"), csr, 0.5)  # the XLA path
        want = dx.ops.event_csr_matvec(events("bool"), csr, 0.5, kernel="xla")
        np.testing.assert_allclose(out, want, rtol=1e-6)
    finally:
        _native._library.cache_clear()


def test_the_cache_keeps_what_is_used_and_drops_what_is_not(monkeypatch, tmp_path):
    # `true` stands in for the compiler: it "builds" an empty library.
    monkeypatch.setenv("DYNAX_CACHE_DIR", str(tmp_path))
    month = 31 * 86400
    stale, recent = tmp_path / "event-0000000000000000.so", tmp_path / "event-1111.so"
    for path, age in ((stale, month), (recent, 86400)):
        path.write_bytes(b"")
        os.utime(path, (time.time() - age,) * 2)
    built, error = _native._build("true", ["-O0"])
    assert error == "" and built.exists()
    assert not stale.exists() and recent.exists()
    os.utime(built, (time.time() - month,) * 2)
    again, _ = _native._build("true", ["-O0"])  # found in the cache: its use is recorded
    assert again == built and time.time() - built.stat().st_mtime < 60
    assert {p.name for p in tmp_path.iterdir()} == {built.name, recent.name}


def test_gradients_with_respect_to_float_spikes_through_event_matvecs(csr):
    # Surrogate-gradient training differentiates through the events: float spikes take
    # the separate operators, whose derivative includes them.
    e = events("float", 0.2, seed=6)

    def loss(e, kernel):
        out = dx.ops.event_matvecs([e], [(csr, 0.5)], kernel=kernel, add_to=[jnp.ones(N_POST)])
        return jnp.sum(jnp.sin(out[0]))

    got, want = jax.grad(loss)(e, "native"), jax.grad(loss)(e, "xla")
    assert float(jnp.max(jnp.abs(want))) > 0.1
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dynax_native_0_turns_the_kernels_off(csr, monkeypatch):
    monkeypatch.setenv("DYNAX_NATIVE", "0")
    _native._library.cache_clear()
    try:
        assert not _native.available()
        with pytest.raises(RuntimeError, match="DYNAX_NATIVE=0"):
            _native.require()
        out = dx.ops.event_csr_matvec(events("bool"), csr, 0.5)  # auto: the XLA path
        want = dx.ops.event_csr_matvec(events("bool"), csr, 0.5, kernel="xla")
        np.testing.assert_allclose(out, want, rtol=1e-6)
    finally:
        _native._library.cache_clear()


def test_a_build_is_logged_once(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("DYNAX_CACHE_DIR", str(tmp_path))
    with caplog.at_level(logging.INFO, logger="dynax"):
        _native._build("true", ["-O0"])  # `true` stands in for the compiler
        _native._build("true", ["-O0"])  # cached: no second message
    messages = [r.getMessage() for r in caplog.records if "compiling" in r.getMessage()]
    assert len(messages) == 1 and "DYNAX_NATIVE=0" in messages[0]
