"""The public API in double precision (`jax_enable_x64`): numbers, not only "it runs".

Every test here runs with x64 on (module fixture). Results are checked against closed
forms at float64 tolerance, or against the same run in float32 at float32 tolerance.
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.ops import _native


@pytest.fixture(autouse=True, scope="module")
def _x64():
    with jax.enable_x64(True):
        yield


def _as_float64(tree):
    return jax.tree.map(lambda x: x.astype(jnp.float64) if x.dtype == jnp.float32 else x, tree)


N_STEPS = 500
MONITORS = {"v": "E.v", "spike": "E.spike", "count": lambda s: s["E"].spike.sum()}


@pytest.fixture(scope="module")
def coba(_x64):
    """A 500-neuron COBA network built in float64, its float64 initial state (the float32
    state cast up, so that both precisions start from the same numbers), its run, and the
    float32 network, state and run."""
    with jax.enable_x64(False):
        net32 = dx.networks.coba_network(400, 100, key=jax.random.key(0))
        state32 = net32.init(jax.random.key(1))
        rec32 = dx.simulate(net32, state32, dt=0.1, n_steps=N_STEPS, monitors=MONITORS)[1]
    net = dx.networks.coba_network(400, 100, key=jax.random.key(0))
    state = _as_float64(state32)
    # In two chunks: the halves of the save/load test reuse this compilation.
    final, rec = dx.simulate(
        net, state, dt=0.1, n_steps=N_STEPS, monitors=MONITORS, chunk=N_STEPS // 2
    )
    return dict(
        net=net, state=state, final=final, rec=rec, net32=net32, state32=state32, rec32=rec32
    )


def test_coba_in_float64_follows_float32(coba):
    net, net32, rec, rec32 = coba["net"], coba["net32"], coba["rec"], coba["rec32"]
    # The same seed gives the same connectivity in both precisions; only dtypes differ.
    for a, b in zip(jax.tree.leaves(net), jax.tree.leaves(net32)):
        if jnp.issubdtype(a.dtype, jnp.integer):
            np.testing.assert_array_equal(a, b)
        else:
            assert a.dtype == jnp.float64 and b.dtype == jnp.float32
            np.testing.assert_allclose(a, b, rtol=1e-7)
    assert rec["v"].dtype == jnp.float64 and rec["t"].dtype == np.float64
    assert all(x.dtype != jnp.float32 for x in jax.tree.leaves(coba["final"]))
    np.testing.assert_array_equal(rec["t"], 0.1 * np.arange(1, N_STEPS + 1))
    # 500 steps of the network: the same spikes, potentials within float32 rounding.
    assert int(rec["count"].sum()) > 200
    np.testing.assert_array_equal(rec["spike"], rec32["spike"])
    np.testing.assert_array_equal(rec["count"], rec32["count"])
    np.testing.assert_allclose(rec["v"], rec32["v"], rtol=0, atol=1e-3)


def test_float32_state_stays_float32_under_x64(coba):
    _, rec = dx.simulate(coba["net32"], coba["state32"], dt=0.1, n_steps=N_STEPS, monitors=MONITORS)
    assert rec["v"].dtype == jnp.float32
    np.testing.assert_array_equal(rec["spike"], coba["rec32"]["spike"])
    np.testing.assert_allclose(rec["v"], coba["rec32"]["v"], rtol=0, atol=1e-4)


def test_check_finite_every_and_chunk_under_x64(coba):
    # check_finite's scan carry (the first bad step) once mixed int32 and int64 under x64.
    # Records every 10 steps in chunks of 100 are samples of the one-scan run's.
    net, state = coba["net"], coba["state"]
    run = lambda s: dx.simulate(
        net,
        s,
        dt=0.1,
        n_steps=N_STEPS,
        monitors=MONITORS,
        every=10,
        chunk=100,
        check_finite=True,
    )
    _, rec = run(state)
    full = coba["rec"]
    for name in ("v", "count", "t"):
        np.testing.assert_array_equal(rec[name], full[name][9::10])
    # Finite conductances whose sum overflows: v becomes NaN in the first step.
    huge = lambda g: g.at[3].set(1e308)
    bad = eqx.tree_at(lambda s: (s["E2E"].syn.g, s["I2E"].syn.g), state, replace_fn=huge)
    with pytest.raises(FloatingPointError, match=r"step 0 .*'E\.v'"):
        run(bad)


def test_save_load_and_resume_in_float64(coba, tmp_path):
    net, state = coba["net"], coba["state"]
    half, rec1 = dx.simulate(net, state, dt=0.1, n_steps=N_STEPS // 2, monitors=MONITORS)
    dx.save(tmp_path / "half.eqx", {"state": half, "t": rec1["t"][-1]})
    like = {"state": net.init(jax.random.key(5)), "t": 0.0}
    loaded = dx.load(tmp_path / "half.eqx", like)
    for a, b in zip(jax.tree.leaves(loaded["state"]), jax.tree.leaves(half)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert loaded["state"]["E"].v.dtype == jnp.float64
    final, rec2 = dx.simulate(
        net,
        loaded["state"],
        dt=0.1,
        n_steps=N_STEPS // 2,
        monitors=MONITORS,
        t0=float(loaded["t"]),
    )
    for a, b in zip(jax.tree.leaves(final), jax.tree.leaves(coba["final"])):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(rec2["t"], coba["rec"]["t"][N_STEPS // 2 :])
    np.testing.assert_array_equal(rec2["v"], coba["rec"]["v"][N_STEPS // 2 :])


def lif_closed_form(t, v0, v_inf, tau):
    return v_inf + (v0 - v_inf) * np.exp(-t / tau)


@pytest.mark.parametrize("double", [True, False], ids=["float64", "float32"])
def test_lif_with_a_section_input_is_the_closed_form(double):
    # No input for 2 ms, then 10 for 8 ms: v stays at rest, then relaxes towards
    # v_rest + R I = -55 mV (below threshold) with tau = 10 ms; exponential Euler is exact.
    with jax.enable_x64(double):
        lif = dx.neurons.LIF(3, tau=10.0, v_rest=-65.0, v_reset=-65.0, v_th=-50.0)
        section = dx.inputs.Section([0.0, 10.0], [2.0, 8.0])
        _, rec = dx.simulate(
            lif, lif.init(), dt=0.1, n_steps=100, inputs=section, monitors={"v": "v"}
        )
    t = rec["t"]
    np.testing.assert_array_equal(t, 0.1 * np.arange(1, 101))
    expected = np.where(t <= 2.0 + 1e-9, -65.0, lif_closed_form(t - 2.0, -65.0, -55.0, 10.0))
    assert rec["v"].dtype == (jnp.float64 if double else jnp.float32)
    atol = 1e-10 if double else 1e-4
    np.testing.assert_allclose(rec["v"], np.repeat(expected[:, None], 3, 1), rtol=0, atol=atol)


def test_sweep_over_stacked_models_is_the_closed_form():
    taus = jnp.array([5.0, 10.0, 20.0])
    models = eqx.filter_vmap(lambda tau: dx.neurons.LIF(2, tau=tau, v_th=50.0))(taus)

    def final_v(model, current):
        _, rec = dx.simulate(
            model, model.init(), dt=0.1, n_steps=100, inputs=current, monitors={"v": "v"}
        )
        return rec["v"][-1]

    v = dx.sweep(final_v, models, jnp.asarray(12.0))
    assert v.dtype == jnp.float64 and v.shape == (3, 2)
    expected = lif_closed_form(10.0, 0.0, 12.0, np.asarray(taus))
    np.testing.assert_allclose(v, np.repeat(expected[:, None], 2, 1), rtol=0, atol=1e-10)


def test_poisson_group_rate_and_firing_rate():
    n, rate, steps, dt = 2000, 40.0, 1000, 0.1
    group = dx.inputs.PoissonGroup(n, rate)
    run = lambda key: dx.simulate(
        group, group.init(), dt=dt, n_steps=steps, key=key, monitors={"spike": "spike"}
    )[1]["spike"]
    spikes = run(jax.random.key(2))
    assert spikes.dtype == jnp.bool_
    np.testing.assert_array_equal(spikes, run(jax.random.key(2)))
    measured = dx.measure.firing_rate(spikes, dt=dt)
    assert measured.dtype == jnp.float64
    count = int(np.sum(spikes))
    assert float(measured) == pytest.approx(count / n / (steps * dt / 1000.0), rel=1e-14)
    p = rate * dt / 1000.0
    mean, sd = n * steps * p, math.sqrt(n * steps * p * (1 - p))
    assert abs(count - mean) < 5 * sd, (count, mean, sd)
    per_neuron = dx.measure.firing_rate(spikes, dt=dt, per_neuron=True)
    np.testing.assert_allclose(per_neuron, np.sum(spikes, 0) / 0.1, rtol=1e-14)


def test_fixed_prob_matches_its_float32_draw_and_the_binomial_count():
    n, p = 300, 0.1
    connector = dx.connect.FixedProb(p, include_self=False)
    conn = connector(n, n, jax.random.key(3), same_population=True)
    with jax.enable_x64(False):
        conn32 = connector(n, n, jax.random.key(3), same_population=True)
    assert conn.indices.dtype == conn32.indices.dtype
    np.testing.assert_array_equal(conn.indptr, conn32.indptr)
    np.testing.assert_array_equal(conn.indices, conn32.indices)
    pairs = n * (n - 1)
    assert abs(conn.nnz - p * pairs) < 5 * math.sqrt(pairs * p * (1 - p))
    rows = np.repeat(np.arange(n), np.diff(np.asarray(conn.indptr)))
    assert not np.any(rows == np.asarray(conn.indices))  # no self-connections


def _event_problem():
    conn = dx.connect.FixedProb(0.1)(300, 200, jax.random.key(4))
    rng = np.random.default_rng(0)
    events = rng.random(300) < 0.1
    weights = rng.normal(size=conn.nnz)
    dense = np.zeros((300, 200))
    rows = np.repeat(np.arange(300), np.diff(np.asarray(conn.indptr)))
    dense[rows, np.asarray(conn.indices)] = weights
    return conn, events, weights, dense


def test_event_operators_in_float64_match_the_dense_product():
    conn, events, weights, dense = _event_problem()
    fan, w_fan = conn.to_fan_out(data=jnp.asarray(weights))

    @jax.jit
    def ops(e, w, w_fan):
        return (
            dx.ops.event_csr_matvec(e, conn, w, kernel="xla"),
            dx.ops.event_csr_matvec(e.astype(jnp.float64) * 2.0, conn, 0.5, kernel="xla"),
            dx.ops.event_fanout_matvec(e, fan, w_fan, kernel="xla"),
        )

    ys = ops(jnp.asarray(events), jnp.asarray(weights), w_fan)
    assert all(y.dtype == jnp.float64 for y in ys)
    y, y_homo, y_fan = (np.asarray(y) for y in ys)
    expected = events.astype(np.float64) @ dense
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y_homo, events @ (dense != 0.0).astype(float), rtol=1e-12)
    np.testing.assert_allclose(y_fan, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(
    jax.default_backend() != "cpu" or not _native.available(),
    reason="the native kernels run on a CPU with a C++ compiler",
)
def test_native_kernels_keep_float32_weights_under_x64():
    # The compiled kernels take float32 weights (float64 ones take the XLA path): under
    # x64 they still run, in float32.
    conn, events, weights, dense = _event_problem()
    w32 = jnp.asarray(weights, jnp.float32)
    fan, w_fan = conn.to_fan_out(data=w32)

    def ops(e, w, w_fan):
        return (
            dx.ops.event_csr_matvec(e, conn, w, kernel="native"),
            dx.ops.event_fanout_matvec(e, fan, w_fan, kernel="native"),
        )

    e = jnp.asarray(events)
    assert jax.jit(ops).lower(e, w32, w_fan).as_text().count("dynax_event") >= 2
    expected = events.astype(np.float64) @ dense
    for y in jax.jit(ops)(e, w32, w_fan):
        assert y.dtype == jnp.float32
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_ode_and_sde_steppers_in_float64():
    # Exponential Euler is exact for a linear equation; RK4's step is its Taylor
    # polynomial of degree 4; Euler–Maruyama is y + f dt + g dW for a given dW.
    tau, v_inf, dt = 7.0, -52.0, 0.3
    linear = lambda t, y, args: (v_inf - y) / tau
    y0 = jnp.array([-70.0, -40.0])
    exact = v_inf + (np.asarray(y0) - v_inf) * np.exp(-dt / tau)
    f = lambda t, y, args: -y + jnp.sin(t)
    g = lambda t, y, args: 0.3 * y
    sde = dx.integrate.sdeint(f, g, "euler_maruyama", "ito")

    @jax.jit
    def steps(y0):
        dW = sde.increment(y0, 0.5, dt, None, jax.random.key(6))
        return (
            dx.integrate.odeint(linear, method="exp_euler")(y0, 0.0, dt, None),
            dx.integrate.odeint(linear, method="rk4")(y0, 0.0, dt, None),
            dW,
            sde.apply(y0, 0.5, dt, None, dW),
            sde.increment(jnp.zeros(20_000), 0.0, dt, None, jax.random.key(7)),
        )

    exp_euler, rk4, dW, em, dWs = steps(y0)
    assert all(x.dtype == jnp.float64 for x in (exp_euler, rk4, dW, em, dWs))
    np.testing.assert_allclose(exp_euler, exact, rtol=1e-14)
    h = -dt / tau
    taylor = v_inf + (np.asarray(y0) - v_inf) * (1 + h + h**2 / 2 + h**3 / 6 + h**4 / 24)
    np.testing.assert_allclose(rk4, taylor, rtol=1e-14)
    y0, dW = np.asarray(y0), np.asarray(dW)
    np.testing.assert_allclose(em, y0 + (np.sin(0.5) - y0) * dt + 0.3 * y0 * dW, rtol=1e-14)
    # The increments are N(0, dt): a sample of 20 000 has variance dt within 5 %.
    assert float(np.var(dWs)) == pytest.approx(dt, rel=0.05)
