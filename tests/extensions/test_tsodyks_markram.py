"""Extension case (issue 12, point 10): a Tsodyks-Markram depressing synapse,
presynaptically aligned, written from outside the package as a `dx.AbstractProjection`.

One resource variable x per presynaptic neuron, shared by all its synapses: at a spike
the neuron releases U x (each synapse delivers w U x), then x <- x - U x; between spikes
dx/dt = (1 - x) / tau_rec. For a regular train of interval T, the resource just before
spike n + 1 is x_{n+1} = 1 - (1 - x_n (1 - U)) exp(-T / tau_rec), with x_1 = 1.
"""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


class DepressingState(eqx.Module):
    x: jnp.ndarray  # resources of each presynaptic neuron, (n_pre,)
    g: jnp.ndarray  # postsynaptic variable, (n_post,)


class Depressing(dx.AbstractProjection):
    """Spikes of `pre` release U x of each neuron's resources onto `post`, through `conn`
    with `weight` per connection; the postsynaptic variable decays with `tau`."""

    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    conn: dx.connect.AbstractConnectivity
    weight: jnp.ndarray
    U: jnp.ndarray
    tau_rec: jnp.ndarray
    tau: jnp.ndarray
    output: dx.synapses.AbstractOutput

    def __init__(self, pre, post, conn, weight, U=0.5, tau_rec=200.0, tau=5.0, output=None):
        self.pre, self.post, self.conn = pre, post, conn
        self.weight = jnp.asarray(weight, float)
        self.U, self.tau_rec, self.tau = (jnp.asarray(p, float) for p in (U, tau_rec, tau))
        self.output = dx.synapses.CUBA() if output is None else output

    def sizes(self):
        return self.conn.n_pre, self.conn.n_post

    def init(self, key=None):
        return DepressingState(x=jnp.ones(self.conn.n_pre), g=jnp.zeros(self.conn.n_post))

    def step(self, state, spikes, ctx):
        # Recover over the step (exactly), then release at this step's spikes.
        x = 1 - (1 - state.x) * jnp.exp(-ctx.dt / self.tau_rec)
        released = jnp.where(spikes, self.U * x, 0.0)
        # Event-driven: only the rows of the neurons that spiked, each scaled by U x.
        arriving = self.conn.event_matvec(released, self.weight)
        g = state.g * jnp.exp(-ctx.dt / self.tau) + arriving
        return DepressingState(x=x - released, g=g)

    def current(self, state):
        return self.output(state.g)


def recurrence(n, T, U, tau_rec):
    x = [1.0]
    for _ in range(n - 1):
        x.append(1 - (1 - x[-1] * (1 - U)) * np.exp(-T / tau_rec))
    return np.array(x)


# Presynaptic neuron 0 fires every 20 ms from 5 ms, neuron 1 every 50 ms from 12 ms (they
# never coincide). Neuron 0 projects onto post 0 and post 1, neuron 1 onto post 1.
T0, T1, U, TAU_REC, TAU, DT = 20.0, 50.0, 0.4, 150.0, 5.0, 0.1
W = np.array([2.0, 0.5, 3.0])  # (0 -> 0), (0 -> 1), (1 -> 1), CSR order


def run(duration=400.0):
    times0 = np.arange(5.0, duration - 10, T0)
    times1 = np.arange(12.0, duration - 10, T1)
    pre = dx.inputs.SpikeTimeGroup(
        2,
        np.r_[np.zeros(len(times0), int), np.ones(len(times1), int)],
        np.r_[times0, times1],
    )
    conn = dx.connect.CSR(np.array([0, 2, 3]), np.array([0, 1, 1]), 2)
    net = dx.Network(
        {"pre": pre, "post": dx.neurons.LIF(2, tau=10.0, v_rest=0.0, v_reset=0.0, v_th=1e3)},
        {"stp": Depressing("pre", "post", conn, W, U=U, tau_rec=TAU_REC, tau=TAU)},
    )
    _, rec = dx.simulate(
        net, net.init(), dt=DT, duration=duration, monitors={"g": "stp.g", "x": "stp.x"}
    )
    t = DT * np.arange(1, len(rec["g"]) + 1)
    return t, np.asarray(rec["g"]), np.asarray(rec["x"]), times0, times1


def jumps(t, g, times):
    """The increment of g in the step where each spike arrives (one step after it)."""
    k = np.rint((np.asarray(times) + DT) / DT).astype(int) - 1
    return g[k] - g[k - 1] * np.exp(-DT / TAU)


def test_amplitudes_follow_the_tsodyks_markram_recurrence():
    t, g, _, times0, times1 = run()
    x0 = recurrence(len(times0), T0, U, TAU_REC)
    x1 = recurrence(len(times1), T1, U, TAU_REC)
    # Post 0 sees only neuron 0: w U x_n.
    np.testing.assert_allclose(jumps(t, g[:, 0], times0), W[0] * U * x0, rtol=1e-4)
    # Post 1 sees both, with their own resources: one x per presynaptic neuron, shared by
    # all its synapses (neuron 0's x depresses its synapses onto post 0 and post 1 alike).
    np.testing.assert_allclose(jumps(t, g[:, 1], times0), W[1] * U * x0, rtol=1e-4)
    np.testing.assert_allclose(jumps(t, g[:, 1], times1), W[2] * U * x1, rtol=1e-4)
    assert x0[-1] < x1[-1]  # the faster train is more depressed


def test_steady_state_and_recovery():
    t, _, x, times0, _ = run()
    E = np.exp(-T0 / TAU_REC)
    steady = (1 - E) / (1 - (1 - U) * E)  # fixed point of the recurrence
    assert recurrence(len(times0), T0, U, TAU_REC)[-1] == pytest.approx(steady, rel=1e-3)
    # Between spikes x recovers exponentially: check it 10 ms after the last spike.
    last = times0[-1]
    k_after = int(np.rint((last + DT) / DT)) - 1  # the release step
    k_later = k_after + 100
    expected = 1 - (1 - x[k_after, 0]) * np.exp(-100 * DT / TAU_REC)
    assert x[k_later, 0] == pytest.approx(expected, rel=1e-5)
