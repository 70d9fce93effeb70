import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax._delay import to_steps
from dynax._system import with_dt


def test_rounding_rule_nearest_step_halves_up():
    assert to_steps(1.5, 0.1) == 15  # 1.5 / 0.1 = 14.999999999999998 in floating point
    assert to_steps(0.25, 0.1) == 3  # halves round up
    assert to_steps(0.04, 0.1) == 0
    np.testing.assert_array_equal(to_steps([0.0, 0.3, 2.0], 0.1), [0, 3, 20])
    with pytest.raises(ValueError, match="non-negative"):
        to_steps(-1.0, 0.1)
    with pytest.raises(ValueError, match="dt must be a positive number"):
        to_steps(1.0, 0.0)
    assert not hasattr(dx, "delay_steps")


def test_ring_buffer_returns_the_value_pushed_d_steps_ago():
    delay = dx.Delay(2, steps=4, dtype=jnp.float32)
    state = delay.init()
    for k in range(12):
        state = delay.step(state, jnp.asarray([k, -k], jnp.float32))
        expected = [k - 4, -(k - 4)] if k >= 4 else [0, 0]
        np.testing.assert_array_equal(delay.read(state), expected)
    per_element = dx.Delay(3, steps=np.array([0, 2, 5]), dtype=jnp.float32)
    state = per_element.init()
    for k in range(8):
        state = per_element.step(state, jnp.full(3, float(k)))
    np.testing.assert_array_equal(per_element.read(state), [7, 5, 2])
    with pytest.raises(ValueError, match="non-negative integers"):
        dx.Delay(2, steps=-1)


def _network(delay, n_post, spike_time=1.0):
    source = dx.inputs.SpikeTimeGroup(1, indices=[0], times=[spike_time])
    conn = dx.connect.CSR([0, n_post], np.arange(n_post), n_post)
    proj = dx.Projection(
        "S", "N", conn, 1.0, dx.synapses.Exponential(n_post, 1e3), dx.synapses.CUBA(), delay=delay
    )
    post = dx.neurons.LIF(n_post, v_th=1e9)
    return dx.Network({"S": source, "N": post}, {"S2N": proj})


def _arrival_steps(delay, n_post, spike_time=1.0, dt=0.1, net=None):
    """Record index of the emitted spike, and of the first nonzero synaptic variable of
    each postsynaptic neuron."""
    net = _network(delay, n_post, spike_time) if net is None else net
    _, rec = dx.simulate(
        net,
        net.init(),
        dt=dt,
        n_steps=round(10.0 / dt),
        monitors={"spike": "S.spike", "g": "S2N.syn.g"},
    )
    (emitted,) = np.flatnonzero(rec["spike"][:, 0])
    return emitted, (rec["g"] > 0).argmax(axis=0), rec["t"]


@pytest.mark.parametrize("d", [0, 1, 7, 23])
def test_homogeneous_delay_is_exact(d):
    emitted, arrival, t = _arrival_steps(d * 0.1, n_post=2)
    assert emitted == 9  # the spike at 1.0 ms is in the state at t = 1.0 ms
    # Delivered in the step that starts d steps after the emission time, so first seen
    # in the record of step emitted + 1 + d.
    np.testing.assert_array_equal(arrival, emitted + 1 + d)
    np.testing.assert_allclose(t[arrival - 1], t[emitted] + d * 0.1)


def test_same_network_same_delay_in_ms_at_any_dt():
    # Built once with a 1.5 ms delay, run at two steps: the spike (emitted in the step
    # ending at 1.0 ms) acts in the step starting 1.5 ms later, 2.5 ms, at both.
    net = _network(1.5, n_post=1)
    for dt, emitted_at, arrival_at in ((0.1, 9, 25), (0.05, 19, 50)):
        emitted, arrival, t = _arrival_steps(None, 1, dt=dt, net=net)
        assert emitted == emitted_at
        np.testing.assert_array_equal(arrival, [arrival_at])  # record k ends at (k + 1) dt
        np.testing.assert_allclose(t[arrival - 1], 2.5)


def test_delay_off_the_grid_rounds_to_the_nearest_step():
    # 0.25 ms is 2.5 steps of 0.1 ms: halves round up, 3 steps; 0.24 ms: 2 steps;
    # 0.04 ms: 0 steps (no buffer at all).
    for ms, d in ((0.25, 3), (0.24, 2), (0.04, 0)):
        emitted, arrival, _ = _arrival_steps(ms, n_post=1)
        np.testing.assert_array_equal(arrival, emitted + 1 + d)
    assert with_dt(_network(0.04, 1), 0.1).projections["S2N"].prepared.delay is None


def test_per_connection_delays_are_exact():
    delays = np.array([0, 3, 5, 40])
    emitted, arrival, _ = _arrival_steps(delays * 0.1, n_post=4)
    np.testing.assert_array_equal(arrival, emitted + 1 + delays)
    # The same milliseconds at dt = 0.05: twice the steps.
    emitted, arrival, _ = _arrival_steps(delays * 0.1, n_post=4, dt=0.05)
    np.testing.assert_array_equal(arrival, emitted + 1 + 2 * delays)


def test_stepping_with_a_dt_it_was_not_prepared_for_raises():
    net = _network(1.5, n_post=1)
    ctx = dx.Context(jnp.zeros(()), 0.1, jnp.zeros((), jnp.int32))
    with pytest.raises(ValueError, match="not prepared for any dt.*dt=0.1"):
        net.step(net.init(), None, ctx)
    prepared = with_dt(net, 0.05)
    with pytest.raises(ValueError, match="prepared for dt=0.05.*stepped with dt=0.1"):
        prepared.step(prepared.init(), None, ctx)
    prepared = with_dt(net, 0.1)
    state = prepared.step(prepared.init(), None, ctx)  # prepared for its dt: runs
    assert state["S2N"].delay.buffer.shape == (16, 1)
    # No delay needs no preparation.
    plain = _network(0.0, n_post=1)
    plain.step(plain.init(), None, ctx)


def test_initial_state_waits_for_dt():
    net = _network(1.5, n_post=3)
    pending = net.init()["S2N"].delay
    assert isinstance(pending, dx.PendingDelay)
    assert not jax.tree_util.tree_leaves(pending)
    assert with_dt(net.init(), 0.1)["S2N"].delay.buffer.shape == (16, 1)
    assert with_dt(net, 0.05).init()["S2N"].delay.buffer.shape == (31, 1)
    # A state run at one dt does not fit the buffer of another.
    state, _ = dx.simulate(net, net.init(), dt=0.1, n_steps=5)
    with pytest.raises(ValueError, match="S2N.delay.buffer"):
        dx.simulate(net, state, dt=0.05, n_steps=5)


def test_checkpoint_of_a_state_with_a_delay_buffer(tmp_path):
    net = _network(np.array([0.5, 1.5]), n_post=2)
    state, _ = dx.simulate(net, net.init(), dt=0.1, n_steps=12)  # the spike is in flight
    dx.save(tmp_path / "s.dx", state)
    loaded = dx.load(tmp_path / "s.dx", like=with_dt(net, 0.1).init())
    np.testing.assert_array_equal(loaded["S2N"].delay.buffer, state["S2N"].delay.buffer)
    assert int(loaded["S2N"].delay.head) == int(state["S2N"].delay.head)
    a, ra = dx.simulate(net, state, dt=0.1, n_steps=30, t0=1.2, monitors={"g": "S2N.syn.g"})
    b, rb = dx.simulate(net, loaded, dt=0.1, n_steps=30, t0=1.2, monitors={"g": "S2N.syn.g"})
    np.testing.assert_array_equal(ra["g"], rb["g"])
    assert (ra["g"][-1] > 0).all()
    # An initial state, buffer still pending, round-trips too.
    dx.save(tmp_path / "i.dx", net.init())
    assert isinstance(dx.load(tmp_path / "i.dx", like=net.init())["S2N"].delay, dx.PendingDelay)


def test_delay_shape_must_match_connections():
    conn = dx.connect.CSR([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match=r"one entry per connection \(2,\)"):
        dx.Projection(
            "a",
            "b",
            conn,
            1.0,
            dx.synapses.Exponential(2, 5.0),
            dx.synapses.CUBA(),
            delay=np.array([0.1, 0.2, 0.3]),
        )


def test_delayed_projection_in_a_network_keeps_spike_counts():
    # A delay shifts arrivals; it neither loses nor duplicates spikes.
    key = jax.random.key(0)
    source = dx.inputs.PoissonGroup(50, 100.0)
    conn = dx.connect.FixedProb(0.2)(50, 10, key)
    totals = []
    for delay in (0, 5):  # steps of 0.1 ms
        proj = dx.Projection(
            "P",
            "N",
            conn,
            1.0,
            dx.synapses.Exponential(10, 1e9),
            dx.synapses.CUBA(),
            delay=delay * 0.1,
        )
        net = dx.Network({"P": source, "N": dx.neurons.LIF(10, v_th=1e9)}, {"P2N": proj})
        state, rec = dx.simulate(
            net, net.init(), dt=0.1, n_steps=200, key=key, monitors={"spike": "P.spike"}
        )
        spikes = np.asarray(rec["spike"])
        # g never decays (tau = 1e9 ms): it counts every delivered weight.
        # Spikes of record k arrive in step k + 1 + delay, which must be one of the 200.
        expected = spikes[: 199 - delay].sum(0).astype(float) @ np.asarray(conn.todense())
        np.testing.assert_allclose(state["P2N"].syn.g, expected, rtol=1e-5)
        totals.append(expected.sum())
    assert totals[0] >= totals[1] > 0


# Per-connection delays, as a ring of future steps (dx.connect.RingDelayed): four
# presynaptic neurons with uneven fan-outs (4, 1, 2 and 0 targets) onto four postsynaptic
# ones. Connection c has weight 2**c, so any sum of arrivals names the connections in it.
INDPTR = [0, 4, 5, 7, 7]
INDICES = [0, 1, 2, 3, 1, 0, 3]
ROWS = np.repeat(np.arange(4), np.diff(INDPTR))
STEPS = np.array([0, 7, 3, 1, 7, 0, 2])  # in steps of 0.1 ms: 0 and the largest, 7
# The record index of each presynaptic spike: a second spike while the first is in
# flight (0), two arrivals in one step at one neuron (c = 0 and 5 at post 0 in step 3),
# a spike from a row with no targets (3), and spikes after the ring (8 steps) wrapped.
SPIKES = {0: [2, 5, 20], 1: [3], 2: [2, 9, 21], 3: [4]}
N_STEPS = 30


def _ring_network(fmt, steps=STEPS, weight=None, tau=1e9, dt=0.1):
    """The network above with the connections of `fmt` ("csr", or "fan_out": padded rows)
    and delays of `steps` steps of `dt`; g never decays with the default tau."""
    csr = dx.connect.CSR(INDPTR, INDICES, 4)
    weight = 2.0 ** np.arange(csr.nnz) if weight is None else weight
    delay = np.asarray(steps) * dt
    if fmt == "fan_out":
        conn, weight = csr.to_fan_out(data=jnp.asarray(weight), fill=1024.0)  # never arrives
        delay = np.asarray(csr.to_fan_out(data=jnp.asarray(delay))[1])
        assert conn.max_fan_out == 4 and (np.asarray(conn.indices) == 4).sum() == 9
    else:
        conn = csr
    times = [(k + 1) * dt for i in SPIKES for k in SPIKES[i]]  # in record k
    indices = [i for i in SPIKES for _ in SPIKES[i]]
    source = dx.inputs.SpikeTimeGroup(4, indices=indices, times=times)
    proj = dx.Projection(
        "S", "N", conn, weight, dx.synapses.Exponential(4, tau), dx.synapses.CUBA(), delay=delay
    )
    return dx.Network({"S": source, "N": dx.neurons.LIF(4, v_th=1e9)}, {"S2N": proj})


def _arrivals(steps=STEPS, weight=None, n_steps=N_STEPS):
    """By hand: what each postsynaptic neuron receives in each step; a spike in record s
    over a connection of d steps arrives in record s + 1 + d."""
    weight = 2.0 ** np.arange(len(ROWS)) if weight is None else np.asarray(weight)
    out = np.zeros((n_steps, 4))
    for c, (i, j) in enumerate(zip(ROWS, INDICES)):
        for s in SPIKES[i]:
            if s + 1 + steps[c] < n_steps:
                out[s + 1 + steps[c], j] += weight[c]
    return out


def _run_ring(net, n_steps=N_STEPS):
    _, rec = dx.simulate(
        net, net.init(), dt=0.1, n_steps=n_steps, monitors={"s": "S.spike", "g": "S2N.syn.g"}
    )
    return rec


@pytest.mark.parametrize("fmt", ["csr", "fan_out"])
def test_per_connection_delays_deliver_each_connection_exactly(fmt):
    net = _ring_network(fmt)
    assert with_dt(net, 0.1).init()["S2N"].delay.buffer.shape == (8, 4)  # 0..7 steps
    rec = _run_ring(net)
    for i, steps in SPIKES.items():  # the source spikes where the table says
        np.testing.assert_array_equal(np.flatnonzero(rec["s"][:, i]), steps)
    # g never decays: its jumps are the arrivals, and the powers of two name them.
    jumps = np.diff(np.asarray(rec["g"], np.float64), axis=0, prepend=0.0)
    np.testing.assert_array_equal(jumps, _arrivals())
    assert jumps[3, 0] == 1 + 32 and jumps[-1].sum() == 0  # two at once; the padding: never


# fan_out with the slow tests (a 4-minute quick suite; its ring is tested in connect/)
@pytest.mark.parametrize("fmt", ["csr", pytest.param("fan_out", marks=pytest.mark.slow)])
def test_equal_per_connection_delays_are_a_homogeneous_delay(fmt):
    # Many spikes: 30 Poisson neurons at 200 Hz; weights in eighths add exactly in any order.
    key = jax.random.key(3)
    csr = dx.connect.FixedProb(0.3)(30, 12, key)
    weight = np.random.default_rng(0).integers(1, 17, csr.nnz) / 8.0
    conn = csr if fmt == "csr" else csr.to_fan_out()
    if fmt == "fan_out":
        weight = np.asarray(csr.to_fan_out(data=jnp.asarray(weight))[1])
    traces = []
    for delay in (0.4, np.full(conn.weight_shape, 0.4)):
        proj = dx.Projection(
            "P", "N", conn, weight, dx.synapses.Exponential(12, 2.0), dx.synapses.CUBA(), delay
        )
        net = dx.Network(
            {"P": dx.inputs.PoissonGroup(30, 200.0), "N": dx.neurons.LIF(12, v_th=1e9)},
            {"P2N": proj},
        )
        _, rec = dx.simulate(
            net, net.init(), dt=0.1, n_steps=60, key=key, monitors={"g": "P2N.syn.g"}
        )
        traces.append(np.asarray(rec["g"]))
    assert (traces[0][-1] > 0).all()
    np.testing.assert_array_equal(traces[1], traces[0])


def test_per_connection_delays_under_vmap_match_separate_runs():
    def trace(weight):
        return _run_ring(_ring_network("fan_out", weight=weight, tau=2.0))["g"]

    weights = jnp.stack([2.0 ** jnp.arange(7), jax.random.normal(jax.random.key(1), (7,))])
    swept = jax.vmap(trace)(weights)
    for k in range(2):
        np.testing.assert_allclose(swept[k], trace(weights[k]), rtol=1e-6, atol=1e-7)
    assert not np.allclose(swept[0], swept[1])


@pytest.mark.parametrize("fmt", ["csr", pytest.param("fan_out", marks=pytest.mark.slow)])
def test_gradient_through_per_connection_delays(x64, fmt):
    tau, n = 2.0, N_STEPS
    coef = jnp.asarray([1.0, -2.0, 0.5, 3.0])

    def final(w):
        net = _ring_network(fmt, weight=w, tau=tau)  # a FanOut's table is made from w
        state, _ = dx.simulate(net, net.init(), dt=0.1, n_steps=n)
        return state["S2N"].syn.g @ coef

    w, v = np.random.default_rng(2).normal(size=(2, 7))
    grad = jax.grad(final)(jnp.asarray(w))
    eps = 1e-6  # central difference along a random direction
    fd = (final(jnp.asarray(w + eps * v)) - final(jnp.asarray(w - eps * v))) / (2 * eps)
    np.testing.assert_allclose(grad @ v, fd, rtol=1e-8)
    # Closed form: each arrival in record a decays over the n - 1 - a steps that follow.
    by_hand = [
        coef[j] * sum(np.exp(-(n - 1 - (s + 1 + STEPS[c])) * 0.1 / tau) for s in SPIKES[i])
        for c, (i, j) in enumerate(zip(ROWS, INDICES))
    ]
    np.testing.assert_allclose(grad, by_hand, rtol=1e-12)


def test_per_connection_delays_need_csr_or_fan_out():
    synapse, out = dx.synapses.Exponential(2, 5.0), dx.synapses.CUBA()
    coo = dx.connect.COO([0, 1, 1], [1, 0, 1], 2, 2)
    with pytest.raises(ValueError, match=r"dx\.connect\.CSR or FanOut.*got a COO.*to_csr"):
        dx.Projection("a", "b", coo, 1.0, synapse, out, delay=np.array([0.1, 0.2, 0.3]))
    jit = dx.connect.JitProb(3, 2, 0.5, seed=0)
    with pytest.raises(ValueError, match=r"dx\.connect\.CSR or FanOut.*got a JitProb"):
        dx.Projection("a", "b", jit, 1.0, synapse, out, delay=np.array([0.1, 0.2, 0.3]))
    # A homogeneous delay needs no row access.
    dx.Projection("a", "b", coo, 1.0, synapse, out, delay=0.3)


def test_checkpoint_of_a_per_connection_ring_resumes_exactly(tmp_path):
    net = _ring_network("fan_out", tau=2.0)
    monitors = {"g": "S2N.syn.g"}
    _, whole = dx.simulate(net, net.init(), dt=0.1, n_steps=N_STEPS, monitors=monitors)
    # After record 11, spikes of records 9 and 5 are still in flight (the ring wraps).
    state, first = dx.simulate(net, net.init(), dt=0.1, n_steps=12, monitors=monitors)
    assert np.asarray(state["S2N"].delay.buffer).any()
    dx.save(tmp_path / "s.dx", state)
    loaded = dx.load(tmp_path / "s.dx", like=with_dt(net, 0.1).init())
    _, rest = dx.simulate(net, loaded, dt=0.1, n_steps=N_STEPS - 12, t0=1.2, monitors=monitors)
    np.testing.assert_array_equal(np.concatenate([first["g"], rest["g"]]), whole["g"])
