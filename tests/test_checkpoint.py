import jax
import numpy as np
import pytest

import dynax as dx


def _poisson_driven_coba():
    coba = dx.networks.COBA(400, 100, key=jax.random.key(0))
    conn = dx.connect.FixedProb(0.1)(50, 400, jax.random.key(3))
    drive = dx.Projection(
        "P", "E", conn, 0.5, dx.synapses.Exponential(400, 5.0), dx.synapses.COBA(E=0.0)
    )
    return dx.Network(
        {**coba.populations, "P": dx.inputs.PoissonGroup(50, 20.0)},
        {**coba.projections, "P2E": drive},
    )


def test_run_split_by_save_and_load_equals_one_run(tmp_path):
    # Random input from a Poisson population inside the network: its state is saved too.
    net = _poisson_driven_coba()
    state = net.init(jax.random.key(1))
    kw = dict(dt=0.1, monitors={"s": "E.spike", "g": "E2E.syn.g"}, key=jax.random.key(7))
    _, whole = dx.simulate(net, state, n_steps=600, **kw)

    half, first = dx.simulate(net, state, n_steps=300, **kw)
    dx.save(tmp_path / "run.eqx", {"state": half, "t": first["t"][-1]})
    dx.save(tmp_path / "model.eqx", net)

    model = dx.load(tmp_path / "model.eqx", _poisson_driven_coba())
    ckpt = dx.load(tmp_path / "run.eqx", {"state": net.init(jax.random.key(9)), "t": 0.0})
    np.testing.assert_array_equal(
        model.projections["E2E"].conn.indices, net.projections["E2E"].conn.indices
    )
    _, second = dx.simulate(model, ckpt["state"], n_steps=300, t0=float(ckpt["t"]), **kw)
    for name in ("s", "g"):
        np.testing.assert_array_equal(np.concatenate([first[name], second[name]]), whole[name])
    np.testing.assert_allclose(np.concatenate([first["t"], second["t"]]), whole["t"])
    assert whole["s"].sum() > 0


def test_load_into_a_different_structure_fails_clearly(tmp_path):
    lif = dx.neurons.LIF(4)
    dx.save(tmp_path / "s.eqx", lif.init())
    with pytest.raises(ValueError, match="cannot load"):
        dx.load(tmp_path / "s.eqx", dx.neurons.LIF(5).init())


def test_resumed_run_continues_a_noise_drive_inside_the_network(tmp_path):
    coba = dx.networks.COBA(400, 100, key=jax.random.key(0))
    noise = dx.CurrentDrive("E", dx.inputs.OUProcess(400, mean=0.0, sigma=3.0, tau=5.0))
    net = dx.Network(coba.populations, {**coba.projections, "noise": noise})
    kw = dict(dt=0.1, monitors={"v": "E.v"}, key=jax.random.key(7))
    state = net.init(jax.random.key(1))
    _, whole = dx.simulate(net, state, n_steps=400, **kw)
    half, first = dx.simulate(net, state, n_steps=200, **kw)
    dx.save(tmp_path / "run.eqx", half)
    resumed = dx.load(tmp_path / "run.eqx", net.init(jax.random.key(2)))
    _, second = dx.simulate(net, resumed, n_steps=200, t0=20.0, **kw)
    np.testing.assert_array_equal(np.concatenate([first["v"], second["v"]]), whole["v"])
