import jax
import numpy as np
import pytest

import dynax as dx


# JIT connectivity is slow on a CPU (10 s here); tests/test_network.py checks that it runs
# the network of its stored matrix, so its rate check runs with the slow tests.
@pytest.mark.parametrize("connectivity", ["csr", pytest.param("jit", marks=pytest.mark.slow)])
def test_coba_excitatory_rate_matches_reference(connectivity):
    # Brette et al. (2007) benchmark 1 runs at about 21 Hz (dt = 0.1 ms, 1 s).
    net = dx.networks.coba_network(3200, 800, key=jax.random.key(0), connectivity=connectivity)
    _, rec = dx.simulate(
        net,
        net.init(jax.random.key(1)),
        dt=0.1,
        duration=1000.0,
        monitors={"E": "E.spike", "I": "I.spike"},
    )
    rate_e = float(dx.measure.firing_rate(rec["E"], dt=0.1, t=rec["t"]))
    rate_i = float(dx.measure.firing_rate(rec["I"], dt=0.1, t=rec["t"]))
    assert 18.0 <= rate_e <= 24.0
    assert 18.0 <= rate_i <= 26.0


def test_coba_structure_follows_the_benchmark():
    net = dx.networks.coba_network(3200, 800, key=jax.random.key(0))
    assert set(net.projections) == {"E2E", "E2I", "I2E", "I2I"}
    e2e = net.projections["E2E"]
    # Fan-in 80 on average (p = 0.02 of 4000), no self-connections.
    assert abs(e2e.conn.nnz / (3200 * 3200) - 0.02) < 5 * np.sqrt(0.02 / 3200**2)
    dense = np.asarray(e2e.conn.todense())
    assert np.trace(dense) == 0
    np.testing.assert_allclose(float(net.projections["I2E"].output.E), -80.0)
    np.testing.assert_allclose(float(net.projections["I2E"].synapse.tau), 10.0)
    np.testing.assert_allclose(float(e2e.weight), 0.6)
    # Held at fan-in 80 when N changes.
    small = dx.networks.coba_network(800, 200, key=jax.random.key(0))
    assert abs(small.projections["E2E"].conn.nnz / 800**2 - 0.08) < 0.005


def test_cuba_is_current_based_with_benchmark_weights():
    net = dx.networks.cuba_network(400, 100, key=jax.random.key(0))
    e2e, i2e = net.projections["E2E"], net.projections["I2E"]
    assert isinstance(e2e.output, dx.synapses.CUBA)
    np.testing.assert_allclose([float(e2e.weight), float(i2e.weight)], [1.62, -9.0])
    state, rec = dx.simulate(
        net,
        net.init(jax.random.key(1)),
        dt=0.1,
        duration=200.0,
        monitors={"E": "E.spike", "g": "I2E.syn.g"},
    )
    assert np.all(rec["g"] <= 0) and rec["E"].sum() > 0


def test_network_rejects_mismatched_sizes_and_names():
    conn = dx.connect.FixedProb(0.1)(10, 20, jax.random.key(0))
    proj = dx.Projection("A", "B", conn, 1.0, dx.synapses.Exponential(20, 5.0), dx.synapses.CUBA())
    with pytest.raises(ValueError, match=r"n_post=20 but population 'B' has n=30"):
        dx.Network({"A": dx.neurons.LIF(10), "B": dx.neurons.LIF(30)}, {"A2B": proj})
    with pytest.raises(
        ValueError, match=r"connectivity must be one of \('csr', 'fan_out', 'jit'\)"
    ):
        dx.networks.coba_network(80, 20, key=jax.random.key(0), connectivity="dense")
    with pytest.raises(ValueError, match=r"pre='A', which is not a population"):
        dx.Network({"B": dx.neurons.LIF(20)}, {"A2B": proj})
    with pytest.raises(ValueError, match=r"synapse has n=7"):
        dx.Projection("A", "B", conn, 1.0, dx.synapses.Exponential(7, 5.0), dx.synapses.CUBA())
    with pytest.raises(ValueError, match="weight must be a scalar or have one entry"):
        dx.Projection(
            "A", "B", conn, np.ones(3), dx.synapses.Exponential(20, 5.0), dx.synapses.CUBA()
        )
    with pytest.raises(ValueError, match="tau must be positive"):
        dx.synapses.Exponential(20, 0.0)
    with pytest.raises(ValueError, match="n_exc must be a positive int"):
        dx.networks.coba_network(0, 10, key=jax.random.key(0))


def test_state_paths_mirror_the_model_tree():
    net = dx.networks.coba_network(40, 10, key=jax.random.key(0))
    paths = dx.state_paths(net.init(jax.random.key(1)))
    assert {"E.v", "E.spike", "I.v", "E2I.syn.g", "I2I.syn.g"} <= set(paths)
