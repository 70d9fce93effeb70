"""e-prop: equal to BPTT where the two coincide, an approximation of it with recurrence,
random feedback, errors, and a training step that lowers the loss."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dynax as dx

N_IN, N_REC, N_OUT, N_STEPS = 4, 8, 3, 50


def _model(kind, reset="soft", recurrent=False, key=0):
    spike_fn = dx.surrogate.Sigmoid(alpha=2.0)  # smooth, non-zero everywhere
    if kind == "LIF":
        neuron = dx.neurons.LIF(N_REC, tau=20.0, v_th=1.0, reset=reset, spike_fn=spike_fn)
    else:
        neuron = dx.neurons.ALIF(
            N_REC, tau=20.0, v_th=1.0, beta=0.5, tau_a=100.0, reset=reset, spike_fn=spike_fn
        )
    model = dx.networks.spiking_rnn(
        N_IN, neuron, N_OUT, key=jax.random.key(key), scale_in=30.0, scale_rec=5.0,
        recurrent=recurrent, tau_out=10.0,
    )  # fmt: skip
    return eqx.tree_at(lambda m: m.b_out, model, jnp.array([0.1, -0.2, 0.3]))


def _batch(batch=2):
    x = (jax.random.uniform(jax.random.key(1), (batch, N_STEPS, N_IN)) < 0.3).astype(float)
    y = jax.random.normal(jax.random.key(2), (batch, N_STEPS, N_OUT))
    labels = jnp.arange(batch) % N_OUT
    mask = (jnp.arange(N_STEPS) >= 20).astype(float)
    return x, y, labels, mask


def _bptt(model, x, targets, mask, loss):
    """The same loss through dx.train.rollout, differentiated by jax.grad (BPTT)."""

    def value(m):
        y = dx.train.rollout(m, x, dt=1.0, monitors={"out": "out"})["out"]
        if loss == "mse":
            return dx.train.mse(y, targets, mask[None, :, None])
        log_p = jax.nn.log_softmax(y)
        ce = -jnp.take_along_axis(log_p, targets[:, None, None], axis=-1)[..., 0]
        return jnp.sum(ce * mask) / (x.shape[0] * jnp.sum(mask))

    return eqx.filter_jit(jax.value_and_grad(value))(model)


@pytest.mark.parametrize(
    "kind, reset, loss",
    [
        pytest.param("LIF", "soft", "mse", marks=pytest.mark.slow),
        ("ALIF", "soft", "cross_entropy"),
        pytest.param("ALIF", "hard", "mse", marks=pytest.mark.slow),
    ],
)
def test_eprop_equals_bptt_without_recurrence(x64, kind, reset, loss):
    """The case where e-prop is exact. With W_rec = 0 and symmetric feedback
    (B = W_out), a spike z_j^t reaches the loss only through neuron j's own later
    states (which its eligibility trace follows exactly: the traces differentiate the
    neuron's step, reset and threshold adaptation included) and through the readout
    y^{t'} = sum_{s <= t'} kappa^(t'-s) (z^s W_out + b). The learning signal
    L_j^t = sum_k W_out[j, k] dE/dy_k^t, summed against the kappa-filtered traces, is
    then sum_t (sum_{t' >= t} kappa^(t'-t) L_j^t') e_j^t, where the bracket is exactly
    dE/dz_j^t (the partial derivative through the readout, which without recurrence is
    the only path outside neuron j). So the e-prop gradients of W_in, W_rec (at 0: the
    first-order effect of a recurrent weight), W_out and b_out equal jax.grad's (BPTT)
    to rounding, for LIF and ALIF neurons with a smooth surrogate (a logistic
    derivative, non-zero everywhere), soft and hard resets, MSE and cross-entropy
    losses on masked steps."""
    model = _model(kind, reset)
    x, y, labels, mask = _batch()
    targets = y if loss == "mse" else labels
    value, grads, aux = dx.train.eprop_gradients(model, x, targets, dt=1.0, loss=loss, mask=mask)
    ref_value, ref = _bptt(model, x, targets, mask, loss)
    assert aux["rate"] > 20.0  # Hz: the neurons fire
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    for name in ("W_in", "W_rec", "W_out", "b_out"):
        g, r = getattr(grads, name), getattr(ref, name)
        assert float(jnp.abs(r).max()) > 1e-3
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12 * float(jnp.abs(r).max()))


@pytest.mark.slow
def test_eprop_approximates_bptt_with_recurrence(x64):
    """With recurrent weights, e-prop leaves out the paths through the other neurons:
    the readout's gradients stay exact (they need no learning signal), the input and
    recurrent ones differ from BPTT's but point the same way (cosine > 0.9; 0.997 for
    this small network when written)."""
    model = _model("ALIF", recurrent=True)
    x, y, _, mask = _batch()
    _, grads, _ = dx.train.eprop_gradients(model, x, y, dt=1.0, mask=mask)
    _, ref = _bptt(model, x, y, mask, "mse")
    np.testing.assert_allclose(grads.W_out, ref.W_out, rtol=1e-9)
    np.testing.assert_allclose(grads.b_out, ref.b_out, rtol=1e-9)
    for name in ("W_in", "W_rec"):
        g, r = getattr(grads, name).ravel(), getattr(ref, name).ravel()
        assert float(jnp.abs(g - r).max()) > 1e-6 * float(jnp.abs(r).max())  # not exact
        assert float(g @ r / (jnp.linalg.norm(g) * jnp.linalg.norm(r))) > 0.9


@pytest.mark.slow  # about 10 s on the 2-core machine: the quick suite has a 4-minute budget
def test_random_feedback_and_trainable():
    model = _model("LIF", recurrent=True)
    x, y, _, mask = _batch()
    _, sym, _ = dx.train.eprop_gradients(model, x, y, dt=1.0, mask=mask)
    _, same, _ = dx.train.eprop_gradients(model, x, y, dt=1.0, mask=mask, feedback=model.W_out)
    np.testing.assert_allclose(same.W_in, sym.W_in, rtol=1e-6)
    B = jax.random.normal(jax.random.key(5), (N_REC, N_OUT))
    _, rnd, _ = dx.train.eprop_gradients(
        model, x, y, dt=1.0, mask=mask, feedback=B, trainable=lambda m: (m.W_in, m.W_rec)
    )
    assert rnd.W_out is None and rnd.b_out is None and rnd.neuron.tau is None
    assert float(jnp.abs(rnd.W_in - sym.W_in).max()) > 1e-3 * float(jnp.abs(sym.W_in).max())


def test_errors():
    model = _model("LIF")
    x, y, labels, _ = _batch()
    with pytest.raises(ValueError, match="loss must be one of"):
        dx.train.eprop_gradients(model, x, y, dt=1.0, loss="hinge")
    with pytest.raises(ValueError, match="only"):
        dx.train.eprop_gradients(model, x, y, dt=1.0, trainable=lambda m: m.neuron.tau)
    with pytest.raises(ValueError, match="feedback"):
        dx.train.eprop_gradients(model, x, y, dt=1.0, feedback=jnp.zeros((2, 2)))
    with pytest.raises(ValueError, match="inputs"):
        dx.train.eprop_gradients(model, x[0], y, dt=1.0)
    with pytest.raises(TypeError, match="integers"):
        dx.train.eprop_gradients(model, x, y[..., 0], dt=1.0, loss="cross_entropy")
    plain = eqx.tree_at(lambda m: m.neuron, model, dx.neurons.LIF(N_REC, v_th=1.0))
    with pytest.raises(ValueError, match="surrogate"):
        dx.train.eprop_gradients(plain, x, y, dt=1.0)


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_eprop_step_lowers_the_loss():
    """Twenty Adam steps of e-prop on one fixed batch (ALIF, recurrent, cross-entropy on
    the last 30 steps) lower the loss by more than a third."""
    model = _model("ALIF", recurrent=True)
    x, _, labels, mask = _batch(batch=6)
    optimiser = optax.adam(0.02)
    opt_state = dx.train.init_optimiser(optimiser, model, dx.networks.SpikingRNN.weights)
    step = dx.train.make_eprop_step(optimiser, dt=1.0, loss="cross_entropy")
    losses = []
    for i in range(20):
        model, opt_state, value, aux = step(model, opt_state, (x, labels, mask), None)
        losses.append(float(value))
    assert losses[-1] < 0.66 * losses[0], losses


@pytest.mark.slow
def test_eprop_memory_does_not_grow_with_the_sequence():
    """The compiled e-prop gradient's scratch memory grows with the number of steps only
    by the inputs' own size (XLA lays the inputs, targets and step weights out per
    step: 88 bytes a step here), while BPTT's stores the states of every step (about
    30 times more per step here)."""
    neuron = dx.neurons.ALIF(32, v_th=1.0, reset="soft", spike_fn=dx.surrogate.ReluGrad())
    model = dx.networks.spiking_rnn(8, neuron, 2, key=jax.random.key(0), scale_in=10.0)

    def eprop(x, y):
        return dx.train.eprop_gradients(model, x, y, dt=1.0)[:2]

    def bptt(x, y):
        def loss(m):
            return dx.train.mse(dx.train.rollout(m, x, dt=1.0, monitors={"y": "out"})["y"], y)

        return jax.value_and_grad(loss)(model)

    def scratch(fn, n_steps):
        x, y = jnp.zeros((2, n_steps, 8)), jnp.zeros((2, n_steps, 2))
        return jax.jit(fn).lower(x, y).compile().memory_analysis().temp_size_in_bytes

    per_step_inputs = 2 * (8 + 2 + 1) * 4  # batch x (inputs, targets, weight) float32
    eprop_growth = (scratch(eprop, 1000) - scratch(eprop, 200)) / 800
    bptt_growth = (scratch(bptt, 1000) - scratch(bptt, 200)) / 800
    assert eprop_growth <= per_step_inputs
    assert bptt_growth > 10 * per_step_inputs
