"""WholeBrain: delays exact to the step, the result independent of node order, diffusive
coupling silent on a synchronous state, and clear errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

DT = 0.1


def _connectome(n, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
    np.fill_diagonal(W, 0.0)
    L = rng.uniform(5.0, 150.0, (n, n))  # mm
    L = (L + L.T) / 2
    return W / W.sum(1, keepdims=True).max(), L


def test_delays_are_exact_to_the_step(x64):
    """Node 1 alone, driven by G W_10 x_0(t - d) read from the recorded run, follows
    the network's node 1 to rounding: the delay is d = L / c = 2.5 ms = 25 steps."""
    W = jnp.array([[0.0, 0.0], [0.8, 0.0]])
    L = jnp.array([[0.0, 0.0], [5.0, 0.0]])  # mm; at 2 m/s: 2.5 ms
    node = dx.rates.StuartLandau(2, a=jnp.array([0.3, -0.2]), omega=0.25, x0=jnp.array([0.5, 0.0]))
    net = dx.rates.WholeBrain(node, W, 1.5, lengths=L, speed=2.0, coupling="additive")
    T = 300
    _, rec = dx.simulate(net, net.init(), dt=DT, n_steps=T, monitors={"x": "node.x", "y": "node.y"})
    x0 = np.concatenate([[0.5], rec["x"][:-1, 0]])  # node 0's x at the start of each step
    d = 25
    drive = 1.5 * 0.8 * np.concatenate([np.zeros(d), x0[: T - d]])
    alone = dx.rates.StuartLandau(1, a=-0.2, omega=0.25, x0=0.0)
    _, solo = dx.simulate(alone, alone.init(), dt=DT, n_steps=T, inputs=jnp.asarray(drive)[:, None],
                          monitors={"x": "x"})  # fmt: skip
    np.testing.assert_allclose(rec["x"][:, 1], solo["x"][:, 0], rtol=0, atol=1e-14)
    assert np.all(rec["x"][:d, 1] == 0) and np.abs(rec["x"][d, 1]) > 1e-3


def test_result_does_not_depend_on_node_order(x64):
    n = 80
    W, L = _connectome(n)
    rng = np.random.default_rng(1)
    a = rng.uniform(-0.1, 0.1, n)
    omega = rng.uniform(0.2, 0.3, n)
    x0 = rng.normal(0, 0.2, n)

    def run(order):
        node = dx.rates.StuartLandau(n, a=a[order], omega=omega[order], x0=x0[order])
        net = dx.rates.WholeBrain(
            node, W[np.ix_(order, order)], 0.3, lengths=L[np.ix_(order, order)], speed=6.0
        )
        _, rec = dx.simulate(net, net.init(), dt=DT, duration=100.0, monitors={"x": "node.x"})
        return rec["x"]

    order = rng.permutation(n)
    ref, permuted = run(np.arange(n)), run(order)
    np.testing.assert_allclose(permuted[:, np.argsort(order)], ref, rtol=0, atol=1e-12)
    assert np.std(ref[-100:]) > 0.01  # the network is doing something (measured 0.024)


def test_diffusive_coupling_vanishes_on_a_synchronous_state(x64):
    W, _ = _connectome(10, seed=3)
    node = dx.rates.StuartLandau(10, a=0.2, omega=0.3, x0=0.4)
    net = dx.rates.WholeBrain(node, W, 5.0)
    _, rec = dx.simulate(net, net.init(), dt=DT, duration=50.0, monitors={"x": "node.x"})
    one = dx.rates.StuartLandau(1, a=0.2, omega=0.3, x0=0.4)
    _, solo = dx.simulate(one, one.init(), dt=DT, duration=50.0, monitors={"x": "x"})
    np.testing.assert_allclose(rec["x"], np.broadcast_to(solo["x"], rec["x"].shape), atol=1e-13)


def test_errors():
    node = dx.rates.StuartLandau(3)
    with pytest.raises(ValueError, match=r"weights must have shape \(3, 3\)"):
        dx.rates.WholeBrain(node, jnp.zeros((2, 2)))
    with pytest.raises(ValueError, match="give both or neither"):
        dx.rates.WholeBrain(node, jnp.zeros((3, 3)), lengths=jnp.ones((3, 3)))
    with pytest.raises(ValueError, match="coupling must be one of"):
        dx.rates.WholeBrain(node, jnp.zeros((3, 3)), coupling="linear")
    with pytest.raises(TypeError, match="AbstractRateModel"):
        dx.rates.WholeBrain(dx.neurons.LIF(3), jnp.zeros((3, 3)))
    net = dx.rates.WholeBrain(node, jnp.ones((3, 3)), lengths=jnp.ones((3, 3)), speed=1.0)
    ctx = dx.Context(t=0.0, dt=0.1, i=0)
    with pytest.raises(ValueError, match="not prepared for any dt"):
        net.step(net.init(), None, ctx)
    ready = dx.with_dt(net, 0.2)
    with pytest.raises(ValueError, match="prepared for 0.2"):
        ready.step(ready.init(), None, ctx)


def test_delayed_network_built_or_prepared_inside_jit():
    """A loss builds the network inside `jax.jit` (its delays, which size the ring, stay
    known), or receives one prepared beforehand (preparing it again for the same dt is
    a no-op): both give the run outside jit."""
    W, L = _connectome(6, seed=5)
    node = dx.rates.StuartLandau(6, a=0.1, omega=0.3, x0=jnp.linspace(0.1, 0.6, 6))

    def run(G):
        net = dx.rates.WholeBrain(node, W, G, lengths=L, speed=10.0)
        return dx.simulate(net, net.init(), dt=DT, n_steps=200, monitors={"x": "node.x"})[1]["x"]

    eager = run(0.5)
    np.testing.assert_allclose(jax.jit(run)(0.5), eager, rtol=1e-6, atol=1e-7)
    ready = dx.with_dt(dx.rates.WholeBrain(node, W, 0.5, lengths=L, speed=10.0), DT)
    inside = jax.jit(
        lambda m: dx.simulate(m, m.init(), dt=DT, n_steps=200, monitors={"x": "node.x"})[1]["x"]
    )
    np.testing.assert_allclose(inside(ready), eager, rtol=1e-6, atol=1e-7)
