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
