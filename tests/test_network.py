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


@pytest.mark.parametrize("per_synapse", [False, True])
def test_fan_out_and_csr_connectivity_give_the_same_network(per_synapse):
    conn = dx.connect.FixedProb(0.1)(200, 150, jax.random.key(3))
    weight = jax.random.uniform(jax.random.key(4), (conn.nnz,), minval=0.5, maxval=2.0)
    fan_out, table = conn.to_fan_out(data=weight)

    def network(c, w):
        pops = {
            "P": dx.inputs.PoissonGroup(200, rate=40.0),
            "N": dx.neurons.LIF(150, tau=10.0, v_th=5.0),
        }
        syn = dx.synapses.Exponential(150, tau=5.0)
        return dx.Network(pops, {"P2N": dx.Projection("P", "N", c, w, syn, dx.synapses.CUBA())})

    runs = []
    for c, w in [(conn, weight), (fan_out, table)]:
        net = network(c, w if per_synapse else 1.5)
        _, rec = dx.simulate(
            net,
            net.init(),
            dt=0.1,
            n_steps=500,
            key=jax.random.key(5),
            monitors={"g": "P2N.syn.g", "spike": "N.spike"},
        )
        runs.append(rec)
    assert runs[0]["spike"].sum() > 20  # the input drives spikes
    np.testing.assert_allclose(runs[0]["g"], runs[1]["g"], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(runs[0]["spike"], runs[1]["spike"])


def test_projection_rejects_weights_shaped_for_another_format():
    fan_out = dx.connect.FixedProb(0.1)(50, 40, jax.random.key(0)).to_fan_out()
    with pytest.raises(ValueError, match="one entry per connection"):
        dx.Projection(
            "A", "B", fan_out, jnp.ones(7), dx.synapses.Exponential(40, tau=5.0), dx.synapses.CUBA()
        )
