"""SpikingRNN: the readout's closed form, the zero diagonal, gradients through the
spikes against finite differences, construction errors."""

import importlib.util
import pathlib

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dynax as dx


class _SmoothSpike(dx.surrogate.AbstractSpikeFunction):
    """A spike function that is smooth forward too (a logistic of v - v_th), so that the
    network is a differentiable map and finite differences check its gradient."""

    alpha: float = 4.0

    def __call__(self, x):
        return jax.nn.sigmoid(self.alpha * x)


def _network(neuron, key=0, recurrent=True, n_in=3, n_out=2):
    model = dx.networks.spiking_rnn(
        n_in, neuron, n_out, key=jax.random.key(key), scale_in=20.0, scale_rec=5.0,
        recurrent=recurrent, tau_out=15.0,
    )  # fmt: skip
    return eqx.tree_at(lambda m: m.b_out, model, jnp.linspace(-0.1, 0.1, n_out))


def _inputs(n_steps=40, n_in=3, key=1):
    return (jax.random.uniform(jax.random.key(key), (n_steps, n_in)) < 0.3).astype(float)


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_readout_is_the_filtered_spikes(x64):
    """y^t = sum_{s <= t} kappa^(t-s) (z^s W_out + b), kappa = exp(-dt/tau_out); with a
    surrogate the spikes are 0/1 floats."""
    neuron = dx.neurons.ALIF(10, v_th=1.0, beta=0.2, reset="soft", spike_fn=dx.surrogate.ReluGrad())
    model, x, dt = _network(neuron), _inputs(), 0.5
    _, rec = dx.simulate(
        model, model.init(), dt=dt, n_steps=40, inputs=x,
        monitors={"z": "neuron.spike", "out": "out"},
    )  # fmt: skip
    z = np.asarray(rec["z"], float)
    kappa = np.exp(-dt / 15.0)
    y, expected = np.zeros(2), []
    for t in range(40):
        y = kappa * y + z[t] @ np.asarray(model.W_out) + np.asarray(model.b_out)
        expected.append(y)
    assert z.sum() > 10 and set(np.unique(z)) == {0.0, 1.0}
    np.testing.assert_allclose(rec["out"], np.array(expected), rtol=1e-12, atol=1e-12)


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_no_self_connections(x64):
    """Whatever W_rec's diagonal holds, the step uses zero, and its gradient there is 0."""
    neuron = dx.neurons.LIF(6, v_th=1.0, spike_fn=_SmoothSpike())
    model, x = _network(neuron), _inputs()
    loud = eqx.tree_at(lambda m: m.W_rec, model, model.W_rec + 100.0 * jnp.eye(6))

    @eqx.filter_jit
    def loss(m):
        _, rec = dx.simulate(m, m.init(), dt=1.0, n_steps=40, inputs=x, monitors={"y": "out"})
        return jnp.sum(rec["y"] ** 2)

    np.testing.assert_allclose(loss(loud), loss(model), rtol=1e-14)
    grad = jax.grad(loss)(loud).W_rec
    assert float(jnp.abs(jnp.diag(grad)).max()) == 0.0
    assert float(jnp.abs(grad).max()) > 0.0


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
@pytest.mark.parametrize("kind", ["LIF", "ALIF"])
def test_gradient_matches_finite_differences(x64, kind):
    """With a spike function smooth in the forward pass (a logistic of v - v_th), the
    network is differentiable, and jax.grad of a loss of a dx.simulate run (BPTT through
    the spikes, the resets, the recurrence and the readout) matches central finite
    differences along random directions of every weight to 1e-6 relative."""
    if kind == "LIF":
        neuron = dx.neurons.LIF(5, tau=10.0, v_th=1.0, reset="soft", spike_fn=_SmoothSpike())
    else:
        neuron = dx.neurons.ALIF(
            5, tau=10.0, v_th=1.0, beta=0.3, tau_a=50.0, spike_fn=_SmoothSpike()
        )
    model, x = _network(neuron), _inputs(30)
    target = jnp.sin(jnp.arange(30.0) / 5)[:, None] * jnp.ones(2)

    @eqx.filter_jit
    def loss(m):
        _, rec = dx.simulate(m, m.init(), dt=1.0, n_steps=30, inputs=x, monitors={"y": "out"})
        return jnp.mean((rec["y"] - target) ** 2)

    grads = eqx.filter_jit(jax.grad(loss))(model)
    for i, where in enumerate([lambda m: m.W_in, lambda m: m.W_rec, lambda m: m.W_out]):
        w = where(model)
        direction = jax.random.normal(jax.random.key(10 + i), w.shape)
        if i == 1:
            direction = direction * (1 - jnp.eye(5))
        h = 1e-5
        plus = loss(eqx.tree_at(where, model, w + h * direction))
        minus = loss(eqx.tree_at(where, model, w - h * direction))
        fd = (plus - minus) / (2 * h)
        exact = jnp.sum(where(grads) * direction)
        assert abs(float(exact)) > 1e-6
        np.testing.assert_allclose(float(exact), float(fd), rtol=1e-6)


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_construction_errors():
    neuron = dx.neurons.LIF(4)
    with pytest.raises(ValueError, match="W_rec"):
        dx.networks.SpikingRNN(neuron, jnp.zeros((2, 4)), jnp.zeros((3, 3)), jnp.zeros((4, 1)))
    with pytest.raises(ValueError, match="W_out"):
        dx.networks.SpikingRNN(neuron, jnp.zeros((2, 4)), jnp.zeros((4, 4)), jnp.zeros((3, 1)))
    with pytest.raises(ValueError, match="b_out"):
        dx.networks.SpikingRNN(
            neuron, jnp.zeros((2, 4)), jnp.zeros((4, 4)), jnp.zeros((4, 1)), b_out=jnp.zeros(2)
        )
    with pytest.raises(ValueError, match="tau_out"):
        dx.networks.SpikingRNN(
            neuron, jnp.zeros((2, 4)), jnp.zeros((4, 4)), jnp.zeros((4, 1)), tau_out=-1.0
        )
    with pytest.raises(TypeError, match="AbstractNeuron"):
        dx.networks.SpikingRNN(object(), jnp.zeros((2, 4)), jnp.zeros((4, 4)), jnp.zeros((4, 1)))
    model = dx.networks.spiking_rnn(2, neuron, 1, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        model.step(model.init(), jnp.zeros(3), dx.Context(jnp.asarray(0.0), 1.0, jnp.asarray(0)))


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_initial_weights():
    """spiking_rnn: W ~ N(0, scale^2 / fan_in), zero diagonal, zero bias."""
    neuron = dx.neurons.LIF(200)
    model = dx.networks.spiking_rnn(400, neuron, 3, key=jax.random.key(0), scale_in=2.0)
    assert model.W_in.shape == (400, 200) and model.W_out.shape == (200, 3)
    np.testing.assert_allclose(float(jnp.std(model.W_in)), 2.0 / 20.0, rtol=0.02)
    off = model.W_rec[~np.eye(200, dtype=bool)]
    np.testing.assert_allclose(float(jnp.std(off)), 1.0 / np.sqrt(200), rtol=0.02)
    assert float(jnp.abs(jnp.diag(model.W_rec)).max()) == 0.0
    assert model.b_out is not None and float(jnp.abs(model.b_out).max()) == 0.0
    assert model.weights()[-1] is model.b_out


@pytest.mark.slow
def test_bptt_learns_evidence_accumulation():
    """examples/evidence_accumulation.py's network and task (100 ALIF/LIF neurons, seven
    cues, 300 ms delay, dt = 5 ms), trained by BPTT for 200 Adam steps of 32 trials:
    at least 80 % correct on 512 held-out trials (0.95 when written; about a minute of
    training on an idle 2-core CPU)."""
    path = pathlib.Path(__file__).parents[2] / "examples" / "evidence_accumulation.py"
    spec = importlib.util.spec_from_file_location("evidence_accumulation", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    cfg = dict(example.FULL, bptt_steps=200, eval_every=200)
    k_model, k_train, k_test = jax.random.split(jax.random.key(0), 3)
    model = example.build(k_model, cfg["n_rec"])
    test = example.trials(k_test, 512, cfg["delay"])
    optimiser = optax.adam(1e-2)
    weights = dx.networks.SpikingRNN.weights
    step = dx.train.make_step(example.loss_fn, optimiser, weights)
    state = dx.train.init_optimiser(optimiser, model, weights)
    _, curve, _ = example.train(step, model, state, cfg, k_train, test, "bptt")
    assert curve[0, 1] < 0.6 and curve[-1, 1] >= 0.8, curve


@pytest.mark.slow  # 6-9 s on the loaded 2-core machine (compiles two BPTT programs in x64)
@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the compiled kernels are CPU ones")
def test_event_products_equal_the_matrix_products(x64):
    """The input and recurrent products on the compiled event kernels (`kernel="auto"` on
    a CPU: spikes times dense weights over the active rows, and weight gradients over them
    too) give the losses and gradients of the matrix products (`kernel="xla"`), for
    boolean inputs and for 0/1 float inputs declared as spikes."""
    n_in, n_rec, n_out, n_steps = 20, 30, 3, 40
    neuron = dx.neurons.LIF(
        n_rec, tau=10.0, v_th=1.0, reset="soft", spike_fn=dx.surrogate.InvSquareGrad(10.0)
    )
    base = dx.networks.spiking_rnn(n_in, neuron, n_out, key=jax.random.key(0), scale_in=8.0)
    x = jax.random.uniform(jax.random.key(1), (4, n_steps, n_in)) < 0.1
    labels = jnp.arange(4) % n_out

    def build(kernel, input_spikes):
        return dx.networks.SpikingRNN(
            neuron, base.W_in, base.W_rec, base.W_out, b_out=base.b_out,
            input_spikes=input_spikes, kernel=kernel,
        )  # fmt: skip

    @eqx.filter_jit
    def loss_and_grads(model, x):
        def loss(weights):
            m = eqx.tree_at(lambda m: m.weights(), model, weights)
            rec = dx.train.rollout(m, x, dt=1.0, monitors={"y": "out", "z": "neuron.spike"})
            return dx.train.cross_entropy(rec["y"].mean(axis=1), labels), rec["z"].mean()

        return jax.value_and_grad(loss, has_aux=True)(model.weights())

    (want, rate), grads = loss_and_grads(build("xla", False), x)
    assert 0.01 < rate < 0.1  # spikes, few enough for the kernels (not the switch)
    model, inputs = build("auto", True), x.astype(float)
    (got, _), got_grads = loss_and_grads(model, inputs)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for a, b in zip(got_grads, grads):
        assert float(jnp.abs(b).max()) > 0
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # Both products run on the kernels, for float inputs declared as spikes and for
    # boolean ones; float inputs not declared take a matrix product (one kernel left).
    for model, inputs, calls in (
        (model, inputs, 2),
        (build("auto", False), x, 2),
        (build("auto", False), inputs, 1),
    ):
        hlo = loss_and_grads.lower(model, inputs).as_text()
        assert hlo.count("@dynax_dense_event(") == calls, hlo.count("@dynax_dense_event(")
    with pytest.raises(ValueError, match="kernel"):
        build("cuda", False)
