import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_delay_steps_rounding_rule():
    assert dx.delay_steps(1.5, 0.1) == 15  # 1.5 / 0.1 = 14.999999999999998 in floating point
    assert dx.delay_steps(0.25, 0.1) == 3  # halves round up
    assert dx.delay_steps(0.04, 0.1) == 0
    np.testing.assert_array_equal(dx.delay_steps([0.0, 0.3, 2.0], 0.1), [0, 3, 20])
    with pytest.raises(ValueError, match="non-negative"):
        dx.delay_steps(-1.0, 0.1)
    with pytest.raises(ValueError, match="dt must be positive"):
        dx.delay_steps(1.0, 0.0)


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


def _arrival_steps(delay, n_post, spike_time=1.0, dt=0.1):
    """Record index of the first nonzero synaptic variable of each postsynaptic neuron."""
    source = dx.inputs.SpikeTimeGroup(1, indices=[0], times=[spike_time])
    conn = dx.connect.CSR([0, n_post], np.arange(n_post), n_post)
    proj = dx.Projection(
        "S", "N", conn, 1.0, dx.synapses.Exponential(n_post, 1e3), dx.synapses.CUBA(), delay=delay
    )
    post = dx.neurons.LIF(n_post, v_th=1e9)
    net = dx.Network({"S": source, "N": post}, {"S2N": proj})
    _, rec = dx.simulate(
        net, net.init(), dt=dt, n_steps=100, monitors={"spike": "S.spike", "g": "S2N.syn.g"}
    )
    (emitted,) = np.flatnonzero(rec["spike"][:, 0])
    return emitted, (rec["g"] > 0).argmax(axis=0), rec["t"]


@pytest.mark.parametrize("d", [0, 1, 7, 23])
def test_homogeneous_delay_is_exact(d):
    emitted, arrival, t = _arrival_steps(d, n_post=2)
    assert emitted == 9  # the spike at 1.0 ms is in the state at t = 1.0 ms
    # Delivered in the step that starts d steps after the emission time, so first seen
    # in the record of step emitted + 1 + d.
    np.testing.assert_array_equal(arrival, emitted + 1 + d)
    np.testing.assert_allclose(t[arrival - 1], t[emitted] + d * 0.1)


def test_per_connection_delays_are_exact():
    delays = np.array([0, 3, 5, 40])
    emitted, arrival, _ = _arrival_steps(delays, n_post=4)
    np.testing.assert_array_equal(arrival, emitted + 1 + delays)


def test_delays_in_ms_through_delay_steps():
    dt = 0.1
    emitted, arrival, t = _arrival_steps(dx.delay_steps(1.5, dt), n_post=1, dt=dt)
    np.testing.assert_allclose(t[arrival - 1] - t[emitted], 1.5, atol=1e-6)


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
            delay=np.array([1, 2, 3]),
        )


def test_delayed_projection_in_a_network_keeps_spike_counts():
    # A delay shifts arrivals; it neither loses nor duplicates spikes.
    key = jax.random.key(0)
    source = dx.inputs.PoissonGroup(50, 100.0)
    conn = dx.connect.FixedProb(0.2)(50, 10, key)
    totals = []
    for delay in (0, 5):
        proj = dx.Projection(
            "P", "N", conn, 1.0, dx.synapses.Exponential(10, 1e9), dx.synapses.CUBA(), delay=delay
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
