import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def small_net(key=jax.random.key(0)):
    """400 LIF neurons driven by a 100-neuron Poisson population: random and spiking."""
    lif = dx.neurons.LIF(
        400,
        tau=20.0,
        v_rest=-60.0,
        v_reset=-60.0,
        v_th=-50.0,
        tau_ref=2.0,
        I_bias=8.0,
        v_init=dx.init.Uniform(-60.0, -50.0),
    )
    conn = dx.connect.FixedProb(0.1)(100, 400, key)
    proj = dx.Projection(
        "P", "E", conn, 1.5, dx.synapses.Exponential(400, 5.0), dx.synapses.COBA(E=0.0)
    )
    return dx.Network({"P": dx.inputs.PoissonGroup(100, 50.0), "E": lif}, {"P2E": proj})


def run(net, n_steps=400, key=jax.random.key(2), **kw):
    monitors = {"spike": "E.spike", "g": "P2E.syn.g", "v0": lambda s: s["E"].v[0]}
    return dx.simulate(
        net, net.init(jax.random.key(1)), dt=0.1, n_steps=n_steps, monitors=monitors, key=key, **kw
    )


def test_same_key_same_records_other_key_other_records():
    net = small_net()
    _, a = run(net)
    _, b = run(net)
    _, c = run(net, key=jax.random.key(3))
    for name in ("spike", "g", "v0"):
        np.testing.assert_array_equal(a[name], b[name])
    assert a["spike"].sum() > 0 and not np.array_equal(a["g"], c["g"])


def test_second_call_does_not_recompile():
    net = small_net()
    state = net.init(jax.random.key(1))
    monitors = {"v": eqx.debug.assert_max_traces(lambda s: s["E"].v, max_traces=1)}
    for seed in range(3):  # new keys, states and inputs of the same shapes: one trace
        dx.simulate(
            net,
            state,
            dt=0.1,
            n_steps=50,
            monitors=monitors,
            key=jax.random.key(seed),
            inputs={"E": jnp.full((50, 400), float(seed))},
        )


def test_every_and_chunk_give_the_records_of_one_long_scan():
    net = small_net()
    final, one = run(net, n_steps=1000)
    _, every = run(net, n_steps=1000, every=5)
    final_chunked, chunked = run(net, n_steps=1000, every=5, chunk=300)
    _, unrolled = run(net, n_steps=1000, unroll=3)  # 1000 = 333 × 3 + 1
    _, unrolled_every = run(net, n_steps=1000, every=5, unroll=8)
    np.testing.assert_array_equal(every["t"], one["t"][4::5])
    counts = np.asarray(one["spike"]).reshape(200, 5, -1).sum(axis=1)  # spikes are counted
    np.testing.assert_array_equal(every["spike"], counts)
    for name in ("spike", "g", "v0"):
        if name != "spike":
            np.testing.assert_array_equal(every[name], one[name][4::5])
        np.testing.assert_array_equal(chunked[name], every[name])
        # Unrolled, XLA fuses differently: the same spikes, values within rounding.
        np.testing.assert_allclose(unrolled[name], one[name], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(unrolled_every[name], every[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(chunked["t"], every["t"])
    np.testing.assert_array_equal(final_chunked["E"].v, final["E"].v)
    assert isinstance(chunked["spike"], np.ndarray)


def test_record_times_are_step_end_times():
    lif = dx.neurons.LIF(1)
    _, rec = dx.simulate(lif, lif.init(), dt=0.25, duration=2.0, t0=10.0)
    np.testing.assert_allclose(rec["t"], 10.0 + 0.25 * np.arange(1, 9))


def test_input_kinds_all_reach_the_model(x64):
    lif = dx.neurons.LIF(2, tau=1e9, v_th=1e9)  # v integrates the input: dv = R I dt / tau
    n = 20
    array = jnp.stack([jnp.arange(n, dtype=float), jnp.ones(n)], axis=1)
    cases = {
        "array": (array, np.cumsum(np.asarray(array), axis=0)),
        "function": (lambda ctx: ctx.t * jnp.ones(2), np.cumsum(0.1 * np.arange(n))[:, None]),
        "signal": (dx.inputs.Constant(3.0), 3.0 * np.arange(1, n + 1)[:, None]),
        "number": (3.0, 3.0 * np.arange(1, n + 1)[:, None]),
    }
    for name, (inputs, expected) in cases.items():
        _, rec = dx.simulate(lif, lif.init(), dt=0.1, n_steps=n, inputs=inputs, monitors={"v": "v"})
        np.testing.assert_allclose(
            rec["v"] * 1e9 / 0.1, np.broadcast_to(expected, (n, 2)), rtol=1e-6, err_msg=name
        )


def test_source_inputs_are_stepped_with_the_run_key():
    lif = dx.neurons.LIF(3, tau=10.0, v_th=1e9)
    ou = dx.inputs.OUProcess(3, mean=1.0, sigma=0.5, tau=5.0)
    out = [
        dx.simulate(
            lif,
            lif.init(),
            dt=0.1,
            n_steps=100,
            inputs=ou,
            key=jax.random.key(k),
            monitors={"v": "v"},
        )[1]["v"]
        for k in (0, 0, 1)
    ]
    np.testing.assert_array_equal(out[0], out[1])
    assert not np.array_equal(out[0], out[2])
    with pytest.raises(ValueError, match="needs a PRNG key"):
        dx.simulate(lif, lif.init(), dt=0.1, n_steps=10, inputs=ou)


def test_check_finite_names_step_and_path():
    net = dx.Network({"E": dx.neurons.LIF(3)})
    current = np.zeros((100, 3))
    current[37, 1] = np.nan
    with pytest.raises(FloatingPointError, match=r"step 37 \(t = 3.8 ms\) in .*E.*v"):
        dx.simulate(net, net.init(), dt=0.1, n_steps=100, inputs={"E": current}, check_finite=True)
    dx.simulate(
        net, net.init(), dt=0.1, n_steps=100, inputs={"E": np.zeros((100, 3))}, check_finite=True
    )


def test_vmap_over_states_and_inputs():
    lif = dx.neurons.LIF(2, tau=10.0, v_th=100.0)
    currents = jnp.asarray([1.0, 2.0, 3.0])
    v = jax.vmap(
        lambda c: (
            dx.simulate(lif, lif.init(), dt=0.1, n_steps=30, inputs=c, monitors={"v": "v"})[0].v
        )
    )(currents)
    np.testing.assert_allclose(v[:, 0], currents * (1 - np.exp(-0.3)), rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(dt=0.0, n_steps=10), ValueError, "dt must be a positive"),
        (dict(dt=-0.1, n_steps=10), ValueError, "dt must be a positive"),
        (dict(dt=0.1), ValueError, "exactly one of n_steps and duration"),
        (dict(dt=0.1, n_steps=10, duration=1.0), ValueError, "exactly one"),
        (dict(dt=0.1, duration=1.05), ValueError, "multiple of dt"),
        (dict(dt=0.1, n_steps=10, every=3), ValueError, "dividing n_steps=10"),
        (dict(dt=0.1, n_steps=10, every=2, chunk=3), ValueError, "multiple of every=2"),
        (dict(dt=0.1, n_steps=10, unroll=0), ValueError, "unroll must be a positive int"),
        (
            dict(dt=0.1, n_steps=10, inputs={"E": np.zeros((9, 4))}),
            ValueError,
            r"expected 10 steps",
        ),
        (
            dict(dt=0.1, n_steps=10, inputs={"X": 1.0}),
            ValueError,
            r"not populations; populations are \['E'\]",
        ),
        (
            dict(dt=0.1, n_steps=10, monitors={"v": "E.voltage"}),
            ValueError,
            r"unknown state path 'E.voltage'; valid paths are: E.v, E.spike",
        ),
    ],
)
def test_clear_errors(kwargs, error, match):
    net = dx.Network({"E": dx.neurons.LIF(4)})
    with pytest.raises(error, match=match):
        dx.simulate(net, net.init(), **kwargs)


def test_a_state_of_another_model_is_refused_naming_the_path():
    with pytest.raises(ValueError, match=r"state 'v' has shape \(100,\).*gives shape \(200,\)"):
        dx.simulate(dx.neurons.LIF(200), dx.neurons.LIF(100).init(), dt=0.1, n_steps=5)
    net = dx.Network({"E": dx.neurons.LIF(3)})
    with pytest.raises(ValueError, match="structure of model.init"):
        dx.simulate(net, {"X": dx.neurons.LIF(3).init()}, dt=0.1, n_steps=5)


def test_a_1d_input_array_is_ambiguous_and_a_time_series_says_its_dt():
    lif = dx.neurons.LIF(10)
    with pytest.raises(ValueError, match="TimeSeries.*Constant"):
        dx.simulate(lif, lif.init(), dt=0.1, n_steps=10, inputs=jnp.ones(10))
    series = dx.inputs.TimeSeries(jnp.linspace(0.0, 30.0, 10), dt=0.1)
    _, rec = dx.simulate(lif, lif.init(), dt=0.1, n_steps=10, inputs=series, monitors={"v": "v"})
    _, ref = dx.simulate(
        lif,
        lif.init(),
        dt=0.1,
        n_steps=10,
        inputs=jnp.linspace(0.0, 30.0, 10)[:, None] * jnp.ones(10),
        monitors={"v": "v"},
    )
    np.testing.assert_array_equal(rec["v"], ref["v"])
    with pytest.raises(ValueError, match="TimeSeries with dt=0.1 ms, but the run has dt=0.05"):
        dx.simulate(lif, lif.init(), dt=0.05, n_steps=10, inputs=series)
    with pytest.raises(ValueError, match="TimeSeries of 10 steps, but the run has 20"):
        dx.simulate(lif, lif.init(), dt=0.1, n_steps=20, inputs=series)
    # per-neuron values
    _, rec = dx.simulate(
        lif,
        lif.init(),
        dt=0.1,
        n_steps=10,
        inputs=dx.inputs.Constant(jnp.arange(10.0)),
        monitors={"v": "v"},
    )
    assert np.all(np.diff(rec["v"][-1]) > 0)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(monitors=["v"]), TypeError, r"monitors must be a dict.*\{'v': 'v'\}"),
        (dict(key=0), TypeError, r"key must be a JAX PRNG key such as jax.random.key\(0\)"),
        (dict(t0=0.05), ValueError, "whole number of steps"),
    ],
)
def test_bad_simulate_arguments_are_named(kwargs, error, message):
    lif = dx.neurons.LIF(2)
    with pytest.raises(error, match=message):
        dx.simulate(lif, lif.init(), dt=0.1, n_steps=5, **kwargs)


def test_non_finite_under_jit_and_vmap_names_step_time_and_path():
    lif = dx.neurons.LIF(2)

    def run(current):
        return dx.simulate(lif, lif.init(), dt=0.1, n_steps=20, inputs=current, check_finite=True)[
            0
        ].v

    current = np.zeros((20, 2), np.float32)
    current[7, 1] = np.inf
    with pytest.raises(Exception, match=r"step 7 \(t = 0.8 ms\) in 'v'"):
        jax.block_until_ready(jax.jit(run)(current))
    batch = np.zeros((3, 20, 2), np.float32)
    batch[2, 4, 0] = np.nan
    with pytest.raises(Exception, match=r"step 4 \(t = 0.5 ms\) in 'v' \(batch member 2\)"):
        jax.block_until_ready(jax.vmap(run)(batch))
    finite = jax.vmap(run)(np.zeros((3, 20, 2), np.float32))
    assert np.all(np.isfinite(finite))


def test_check_finite_under_x64(x64):
    net = dx.Network({"E": dx.neurons.LIF(3)})
    current = np.zeros((30, 3))
    current[11, 2] = np.nan
    with pytest.raises(FloatingPointError, match=r"step 11 \(t = 1.2 ms\) in 'E.v'"):
        dx.simulate(net, net.init(), dt=0.1, n_steps=30, inputs={"E": current}, check_finite=True)


def test_boolean_monitors_with_every_count_instead_of_sampling():
    net = small_net()
    state = net.init(jax.random.key(1))
    kw = dict(dt=0.1, n_steps=200, key=jax.random.key(2))
    monitors = {"s": "E.spike", "v": "E.v"}
    _, each = dx.simulate(net, state, monitors=monitors, **kw)
    _, thinned = dx.simulate(net, state, monitors=monitors, every=10, **kw)
    assert thinned["s"].dtype == jnp.int32
    counts = np.asarray(each["s"]).reshape(20, 10, -1).sum(axis=1)
    np.testing.assert_array_equal(thinned["s"], counts)
    np.testing.assert_array_equal(thinned["v"], each["v"][9::10])  # floats are sampled
    assert counts.sum() > 0
    rate = dx.measure.firing_rate(thinned["s"], t=thinned["t"])
    np.testing.assert_allclose(rate, dx.measure.firing_rate(each["s"], dt=0.1), rtol=1e-6)


def test_an_infinite_initial_voltage_is_an_error_under_check_finite():
    lif = dx.neurons.LIF(3)
    state = lif.init()
    state = eqx.tree_at(lambda s: s.v, state, state.v.at[1].set(jnp.inf))
    with pytest.raises(FloatingPointError, match="initial state is non-finite in 'v'"):
        dx.simulate(lif, state, dt=0.1, n_steps=5, check_finite=True)
    # without the check it is what the arithmetic gives: the neuron spikes and resets
    final, _ = dx.simulate(lif, state, dt=0.1, n_steps=5)
    assert np.all(np.isfinite(final.v))


def test_checkpoint_gives_the_same_gradient_in_a_fraction_of_the_memory(x64):
    """`checkpoint=True` keeps one state per record for the backward pass: the gradient
    is the same and the compiled program's scratch memory (XLA's own count) shrinks
    with n / every."""
    rng = np.random.default_rng(0)
    node = dx.rates.StuartLandau(4, a=0.1, omega=rng.uniform(0.2, 0.4, 4), method="euler")
    W = jnp.asarray(rng.random((4, 4))) / 4

    def loss(G, checkpoint):
        net = dx.rates.WholeBrain(node, W, G)
        _, rec = dx.simulate(net, net.init(), dt=0.1, n_steps=2_000, every=50,
                             monitors={"x": "node.x"}, checkpoint=checkpoint)  # fmt: skip
        return jnp.sum(rec["x"][:, 0] * rec["x"][:, 1])

    grads, temps = [], []
    for checkpoint in (False, True):
        grad = jax.jit(jax.grad(lambda G, c=checkpoint: loss(G, c)))
        memory = grad.lower(0.5).compile().memory_analysis()
        grads.append(float(grad(0.5)))
        temps.append(None if memory is None else memory.temp_size_in_bytes)
    assert grads[1] == pytest.approx(grads[0], rel=1e-12) and abs(grads[0]) > 1e-3
    if temps[0] is not None:
        assert temps[1] < temps[0] / 10
