import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_current_drive_equals_the_same_signal_given_as_input():
    lif = dx.neurons.LIF(5, tau=10.0, v_th=5.0, tau_ref=1.0)
    signal = dx.inputs.Sinusoidal(8.0, 40.0, offset=4.0)
    driven = dx.Network({"N": lif}, {"drive": dx.CurrentDrive("N", signal)})
    plain = dx.Network({"N": lif})
    kw = dict(dt=0.1, n_steps=500, monitors={"v": "N.v", "s": "N.spike"})
    _, a = dx.simulate(driven, driven.init(), **kw)
    _, b = dx.simulate(plain, plain.init(), inputs={"N": signal}, **kw)
    np.testing.assert_allclose(a["v"], b["v"], rtol=1e-6)
    assert a["s"].sum() > 0


def test_current_drive_adds_to_synaptic_and_external_input(x64):
    # v relaxes to v_rest + R (I_drive + I_external): both inputs are summed.
    lif = dx.neurons.LIF(2, tau=5.0, v_th=100.0, R=2.0)
    net = dx.Network({"N": lif}, {"d": dx.CurrentDrive("N", dx.inputs.Constant(1.5))})
    state, _ = dx.simulate(
        net, net.init(), dt=0.5, n_steps=400, inputs={"N": jnp.full((400, 2), 2.0)}
    )
    np.testing.assert_allclose(state["N"].v, 2.0 * 3.5, rtol=1e-10)


def test_current_drive_checks_its_target():
    with pytest.raises(TypeError, match="source must be a dx.inputs"):
        dx.CurrentDrive("N", 3.0)
    drive = dx.CurrentDrive("N", dx.inputs.OUProcess(4, mean=0.0, sigma=1.0, tau=5.0))
    with pytest.raises(ValueError, match="n_post=4 but population 'N' has n=3"):
        dx.Network({"N": dx.neurons.LIF(3)}, {"d": drive})
    with pytest.raises(ValueError, match="post='M', which is not a population"):
        dx.Network({"N": dx.neurons.LIF(4)}, {"d": dx.CurrentDrive("M", dx.inputs.Constant(1.0))})


def poisson_driven(conn, weight):
    """A Poisson group driving LIF neurons over `conn`, run for 50 ms."""
    pops = {
        "P": dx.inputs.PoissonGroup(200, rate=40.0),
        "N": dx.neurons.LIF(150, tau=10.0, v_th=5.0),
    }
    syn = dx.synapses.Exponential(150, tau=5.0)
    net = dx.Network(pops, {"P2N": dx.Projection("P", "N", conn, weight, syn, dx.synapses.CUBA())})
    _, rec = dx.simulate(
        net,
        net.init(),
        dt=0.1,
        n_steps=500,
        key=jax.random.key(5),
        monitors={"g": "P2N.syn.g", "spike": "N.spike"},
    )
    assert rec["spike"].sum() > 20  # the input drives spikes
    return rec


def assert_same_run(a, b):
    np.testing.assert_allclose(a["g"], b["g"], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(a["spike"], b["spike"])


@pytest.mark.parametrize("per_synapse", [False, True])
def test_fan_out_and_csr_connectivity_give_the_same_network(per_synapse):
    conn = dx.connect.FixedProb(0.1)(200, 150, jax.random.key(3))
    weight = jax.random.uniform(jax.random.key(4), (conn.nnz,), minval=0.5, maxval=2.0)
    fan_out, table = conn.to_fan_out(data=weight)
    if not per_synapse:
        weight = table = 1.5
    assert_same_run(poisson_driven(conn, weight), poisson_driven(fan_out, table))


# The normal weights with the slow tests (the quick suite has a 4-minute budget on 2 cores).
@pytest.mark.parametrize(
    "weight",
    [
        1.5,
        dx.init.Uniform(0.5, 2.0),
        pytest.param(dx.init.Normal(1.2, 0.3), marks=pytest.mark.slow),
    ],
)
def test_jit_connectivity_gives_the_network_of_its_stored_matrix(weight):
    jit = dx.connect.JitProb(200, 150, 0.1, seed=11)
    stored, w = dx.connect.from_dense(jit.todense(weight), values=True)
    assert_same_run(poisson_driven(jit, weight), poisson_driven(stored, w))


def test_projection_over_jit_connectivity_checks_its_weight():
    jit = dx.connect.JitProb(50, 40, 0.1, seed=0)
    syn, out = dx.synapses.Exponential(40, tau=5.0), dx.synapses.CUBA()
    with pytest.raises(ValueError, match="must be a scalar, dx.init.Uniform or"):
        dx.Projection("A", "B", jit, jnp.ones(7), syn, out)
    csr = jit.to_csr()
    with pytest.raises(ValueError, match="only with a dx.connect.JitProb"):
        dx.Projection("A", "B", csr, dx.init.Uniform(0.0, 1.0), syn, out)
    with pytest.raises(ValueError, match="kernel must be one of"):
        dx.Projection("A", "B", csr, 1.0, syn, out, kernel="cuda")


def test_projection_rejects_weights_shaped_for_another_format():
    fan_out = dx.connect.FixedProb(0.1)(50, 40, jax.random.key(0)).to_fan_out()
    with pytest.raises(ValueError, match="one entry per connection"):
        dx.Projection(
            "A", "B", fan_out, jnp.ones(7), dx.synapses.Exponential(40, tau=5.0), dx.synapses.CUBA()
        )


class ClockState(eqx.Module):
    fired: jax.Array  # deliberately not called `spike`: the family's `spikes` reads it
    count: jax.Array


class Clock(dx.neurons.AbstractPopulation):
    """`n` units that all fire on every `period`-th step."""

    n: int = eqx.field(static=True)
    period: int = eqx.field(static=True)

    def init(self, key=None):
        return ClockState(jnp.zeros(self.n, bool), jnp.zeros((), jnp.int32))

    def step(self, state, input, ctx):
        count = state.count + 1
        return ClockState(jnp.full(self.n, count % self.period == 0), count)

    def spikes(self, state):
        return state.fired


class StepOnlyExponential(dx.synapses.AbstractSynapse):
    """An exponential synapse that is not declared linear: the network calls its `step`."""

    n: int = eqx.field(static=True)
    tau: float

    def init(self, key=None):
        return dx.synapses.ExponentialState(jnp.zeros(self.n))

    def step(self, state, input, ctx):
        return dx.synapses.ExponentialState(state.g * jnp.exp(-ctx.dt / self.tau) + input)


def test_declared_families_drive_the_network():
    # A population of its own kind (spikes in a field `fired`) feeds a LIF population
    # through a synapse that only has `step`; it gives the run of the linear Exponential
    # that the network propagates in place.
    conn = dx.connect.from_dense(np.ones((4, 3), bool))
    records = []
    for syn in (dx.synapses.Exponential(3, 5.0), StepOnlyExponential(3, 5.0)):
        net = dx.Network(
            {"C": Clock(4, period=10), "N": dx.neurons.LIF(3, v_th=1e9)},
            {"C2N": dx.Projection("C", "N", conn, 0.5, syn, dx.synapses.CUBA())},
        )
        _, rec = dx.simulate(net, net.init(), dt=0.1, n_steps=40, monitors={"g": "C2N.syn.g"})
        records.append(rec["g"])
    # Four units firing at steps 10, 20, 30 give 2.0 each, which then decays.
    g = records[0][:, 0]
    assert g[10] == pytest.approx(2.0) and g[9] == 0.0
    np.testing.assert_allclose(records[0], records[1], rtol=1e-6)


def test_delayed_and_undelayed_projections_from_one_population_at_two_dts():
    # One network, built once: "fast" (no delay, propagated with the others in one
    # operator) and "slow" (2 ms) from the same source. Run at 0.1 and 0.05 ms, the
    # spike emitted in the step ending at 1.0 ms acts in the step starting at 1.0 ms and
    # at 3.0 ms respectively.
    source = dx.inputs.SpikeTimeGroup(1, indices=[0], times=[1.0])
    conn = dx.connect.CSR([0, 1], [0], 1)

    def proj(delay):
        syn = dx.synapses.Exponential(1, 1e3)
        return dx.Projection("S", "N", conn, 1.0, syn, dx.synapses.CUBA(), delay=delay)

    net = dx.Network(
        {"S": source, "N": dx.neurons.LIF(1, v_th=1e9)}, {"fast": proj(0.0), "slow": proj(2.0)}
    )
    for dt in (0.1, 0.05):
        _, rec = dx.simulate(
            net,
            net.init(),
            dt=dt,
            n_steps=round(5.0 / dt),
            monitors={"fast": "fast.syn.g", "slow": "slow.syn.g"},
        )
        for name, start in (("fast", 1.0), ("slow", 3.0)):
            first = int(np.argmax(rec[name][:, 0] > 0))
            assert first == round(start / dt), (dt, name, first)
