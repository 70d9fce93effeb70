import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_relaxes_exactly_and_never_spikes(x64):
    readout = dx.neurons.LeakyIntegrator(2, tau=5.0, v_rest=-1.0, R=2.0)
    state, rec = dx.simulate(
        readout,
        readout.init(),
        dt=0.7,
        n_steps=30,
        inputs=dx.inputs.Constant(jnp.array([1.0, 3.0])),
        monitors={"v": "v"},
    )
    v_inf = -1.0 + 2.0 * np.array([1.0, 3.0])
    expected = v_inf + (-1.0 - v_inf) * np.exp(-np.asarray(rec["t"])[:, None] / 5.0)
    np.testing.assert_allclose(rec["v"], expected, rtol=0, atol=1e-12)
    assert not readout.spikes(state).any() and readout.spikes(state).shape == (2,)
    assert isinstance(readout, dx.neurons.AbstractPopulation)
    assert not isinstance(readout, dx.neurons.AbstractNeuron)


@pytest.mark.slow
def test_reads_out_a_spiking_population_in_a_network():
    syn, out = dx.synapses.Exponential(1, tau=5.0), dx.synapses.CUBA()
    net = dx.Network(
        {"in": dx.inputs.PoissonGroup(20, rate=200.0), "out": dx.neurons.LeakyIntegrator(1)},
        {"in2out": dx.Projection("in", "out", dx.connect.All2All()(20, 1), 1.0, syn, out)},
    )
    _, rec = dx.simulate(
        net,
        net.init(),
        dt=0.1,
        duration=100.0,
        key=jax.random.key(0),
        monitors={"v": "out.v", "spike": lambda s: net.populations["out"].spikes(s["out"])},
    )
    assert rec["v"][-1, 0] > 1.0 and not rec["spike"].any()


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="tau must be positive"):
        dx.neurons.LeakyIntegrator(2, tau=-1.0)
    with pytest.raises(ValueError, match="R must be positive"):
        dx.neurons.LeakyIntegrator(2, R=0.0)
