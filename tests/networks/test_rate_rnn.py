"""The rate RNN of Song, Yang & Wang (2016): Euler steps against the closed form of a
linear network and against a tight solve of a nonlinear one (first order), the
noise's stationary variance, Dale's law through Optax updates, and gradients of a
simulated trial against finite differences."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import scipy.integrate
import scipy.linalg

import dynax as dx
from dynax.networks import RateRNN


def _linear_model(n=4, key=0, **kw):
    k1, k2, k3 = jax.random.split(jax.random.key(key), 3)
    W_in = jax.random.normal(k1, (2, n))
    W_rec = 0.5 * jax.random.normal(k2, (n, n)) / np.sqrt(n)
    W_out = jax.random.normal(k3, (n, 1))
    return RateRNN(W_in, W_rec, W_out, b=0.3, x0=1.0, tau=10.0, nonlinearity="linear", **kw)


def _final(model, dt, duration, u):
    n_steps = round(duration / dt)
    inputs = jnp.broadcast_to(u, (n_steps, model.n_in))
    state, _ = dx.simulate(model, model.init(), dt=dt, n_steps=n_steps, inputs=inputs)
    return state.x


def test_linear_network_against_closed_form(x64):
    """tau dx/dt = A x + c with A = W_rec^T - I is solved by
    x(t) = x* + expm(A t / tau)(x0 - x*); Euler's error halves with dt."""
    model = _linear_model()
    u = jnp.array([0.5, -1.0])
    W_in, W_rec, b, x0 = (np.asarray(a) for a in (model.W_in, model.W_rec, model.b, model.x0))
    A = W_rec.T - np.eye(4)
    c = np.asarray(u) @ W_in + b
    x_star = np.linalg.solve(-A, c)
    exact = x_star + scipy.linalg.expm(A * 20.0 / 10.0) @ (x0 - x_star)
    errors = [float(jnp.max(jnp.abs(_final(model, dt, 20.0, u) - exact))) for dt in (0.1, 0.05)]
    assert errors[0] < 2e-2
    assert 1.9 < errors[0] / errors[1] < 2.1, errors
    # one step is exactly (1 - a) x + a (x W + u W_in + b), a = dt / tau
    state = model.init()
    ctx = dx.Context(t=jnp.array(0.0), dt=0.5, i=jnp.array(0))
    one = model.step(state, u, ctx).x
    a = 0.5 / 10.0
    np.testing.assert_allclose(one, (1 - a) * x0 + a * (x0 @ W_rec + c), rtol=1e-14)
    np.testing.assert_allclose(model.step(state, u, ctx).out, one @ model.W_out, rtol=1e-14)


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_nonlinear_network_against_tight_solve(x64):
    """A tanh network with Dale's law against SciPy's DOP853 at rtol 1e-12 on the
    equation written out in NumPy; `vector_field` is that equation."""
    model = dx.networks.rate_rnn(2, 6, 1, key=jax.random.key(3), excitatory=0.5)
    model = RateRNN(
        model.W_in, model.W_rec, model.W_out, sign=model.sign, x0=0.2, b=0.1, tau=10.0,
        nonlinearity="tanh",
    )  # fmt: skip
    u = jnp.array([0.4, 0.9])
    W_in, W_rec = np.abs(np.asarray(model.W_in)), np.abs(np.asarray(model.W_rec))
    W_rec = W_rec * np.asarray(model.sign)[:, None]  # Dale: signed magnitudes
    f = lambda t, x: (np.tanh(x) @ W_rec + np.asarray(u) @ W_in + 0.1 - x) / 10.0
    x0 = np.full(6, 0.2)
    np.testing.assert_allclose(model.vector_field(0.0, jnp.asarray(x0), u), f(0, x0), 1e-14)
    ref = scipy.integrate.solve_ivp(f, (0, 30), x0, method="DOP853", rtol=1e-12, atol=1e-12)
    errors = [float(np.max(np.abs(_final(model, dt, 30.0, u) - ref.y[:, -1]))) for dt in (0.2, 0.1)]
    assert errors[0] < 1e-2 and 1.8 < errors[0] / errors[1] < 2.2, errors


def test_noise_stationary_variance():
    """No recurrence or input: x is an OU process of variance sigma^2 in continuous
    time, sigma^2 / (1 - a/2) for Euler steps with a = dt/tau."""
    n, sigma, tau, dt = 4000, 0.3, 10.0, 2.0
    model = RateRNN(
        jnp.zeros((1, n)), jnp.zeros((n, n)), jnp.zeros((n, 1)), tau=tau, sigma_rec=sigma
    )
    state, _ = dx.simulate(model, model.init(), dt=dt, n_steps=100, key=jax.random.key(0))
    expected = sigma**2 / (1 - dt / tau / 2)
    assert abs(float(jnp.var(state.x)) / expected - 1) < 0.06
    with pytest.raises(ValueError, match="key"):
        dx.simulate(model, model.init(), dt=dt, n_steps=2)


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_dale_law_survives_optax_updates():
    """A loss that pushes every excitatory weight down and every inhibitory one up, with
    large Adam steps: the stored magnitudes change sign, the weights used never do."""
    model = dx.networks.rate_rnn(3, 20, 2, key=jax.random.key(1), excitatory=0.8)
    sign = np.asarray(model.sign)
    assert (sign == 1).sum() == 16 and model.sign.dtype == jnp.int32

    def loss_fn(model, u, key):
        W_in, W_rec, W_out = model.weights()
        wrong = jnp.sum(W_rec * sign[:, None]) + jnp.sum(W_in) + jnp.sum(W_out)
        ctx = dx.Context(t=jnp.array(0.0), dt=20.0, i=jnp.array(0))
        state = model.step(model.init(), u, ctx)
        return wrong + jnp.mean(model.step(state, u, ctx).out ** 2)

    opt = optax.adam(0.5)
    step = dx.train.make_step(loss_fn, opt)
    opt_state = dx.train.init_optimiser(opt, model)
    for i in range(5):
        model, opt_state, loss, _ = step(model, opt_state, jnp.ones(3), jax.random.key(i))
    assert np.any(np.asarray(model.W_rec) < 0)  # the raw arrays crossed zero
    np.testing.assert_array_equal(model.sign, sign)  # integer: never trained
    W_in, W_rec, W_out = (np.asarray(w) for w in model.weights())
    assert np.all(W_rec[sign > 0] >= 0) and np.all(W_rec[sign < 0] <= 0)
    assert np.all(W_in >= 0) and np.all(W_out[sign < 0] == 0) and np.all(W_out >= 0)


@pytest.mark.slow  # 6-14 s on the 2-core machine: the quick suite has a 4-minute budget
def test_gradient_matches_finite_differences(x64):
    """d loss / d (W_rec, W_in, tau) of three 15-step trials with Dale's law and softplus
    against central differences."""
    base = dx.networks.rate_rnn(3, 8, 2, key=jax.random.key(4), excitatory=0.75)
    model = RateRNN(
        base.W_in, base.W_rec, base.W_out, sign=base.sign, nonlinearity="softplus", tau=50.0
    )
    trials = dx.tasks.perceptual_decision_making(
        jax.random.key(5), 3, 20.0, fixation=20.0, stimulus=200.0, decision=80.0
    )

    @eqx.filter_jit
    def loss(model):
        def trial(inputs):
            def body(state, x):
                i, u = x
                ctx = dx.Context(t=i * 20.0, dt=20.0, i=i)
                return model.step(state, u, ctx), None

            return jax.lax.scan(body, model.init(), (jnp.arange(15), inputs))[0].out

        logp = jax.nn.log_softmax(jax.vmap(trial)(trials.inputs), axis=-1)
        return -jnp.mean(logp[jnp.arange(3), trials.labels])

    grads = eqx.filter_grad(loss)(model)
    eps = 1e-6
    for where, index in ((lambda m: m.W_rec, (1, 7)), (lambda m: m.W_rec, (7, 2)),
                         (lambda m: m.W_in, (2, 3)), (lambda m: m.tau, ())):  # fmt: skip
        leaf = where(model)
        bump = jnp.zeros_like(leaf).at[index].set(eps)
        up = loss(eqx.tree_at(where, model, leaf + bump))
        down = loss(eqx.tree_at(where, model, leaf - bump))
        fd = (up - down) / (2 * eps)
        np.testing.assert_allclose(where(grads)[index], fd, rtol=1e-6, atol=1e-10)


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_bad_arguments():
    with pytest.raises(ValueError, match="nonlinearity"):
        RateRNN(jnp.zeros((1, 2)), jnp.zeros((2, 2)), jnp.zeros((2, 1)), nonlinearity="elu")
    with pytest.raises(ValueError, match="sign"):
        RateRNN(jnp.zeros((1, 2)), jnp.zeros((2, 2)), jnp.zeros((2, 1)), sign=[1, 0])
    with pytest.raises(ValueError, match="W_in"):
        RateRNN(jnp.zeros((1, 3)), jnp.zeros((2, 2)), jnp.zeros((2, 1)))
    with pytest.raises(ValueError, match="tau"):
        RateRNN(jnp.zeros((1, 2)), jnp.zeros((2, 2)), jnp.zeros((2, 1)), tau=0.0)
    with pytest.raises(ValueError, match="excitatory"):
        dx.networks.rate_rnn(1, 4, 1, key=jax.random.key(0), excitatory=1.0)
    model = dx.networks.rate_rnn(2, 4, 1, key=jax.random.key(0))
    with pytest.raises(ValueError, match="shape"):
        model.step(model.init(), jnp.zeros(3), dx.Context(t=jnp.array(0.0), dt=1.0, i=0))


@pytest.mark.slow
def test_decision_rnn_example_learns_the_task():
    """examples/decision_rnn.py in its quick setting (50 units, 300 Adam steps): at least
    85 % correct at the high coherences on held-out trials, chance at 0 %, and Dale's
    law intact."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[2] / "examples" / "decision_rnn.py"
    spec = importlib.util.spec_from_file_location("decision_rnn", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    model, losses = example.train(0, n_rec=50, n_steps=300, progress=False)
    c, _, correct, _ = example.evaluate(model, jax.random.key(1000), n_per_level=200)
    levels = (0.0, 12.8, 25.6, 51.2)
    accuracy = {level: correct[np.isclose(np.abs(c), level)].mean() for level in levels}
    assert min(accuracy[12.8], accuracy[25.6], accuracy[51.2]) >= 0.85, accuracy
    assert 0.35 < accuracy[0] < 0.65, accuracy
    assert losses[-50:].mean() < 0.6 * losses[:10].mean()
    W_rec = np.asarray(model.weights()[1])
    sign = np.asarray(model.sign)
    assert np.all(W_rec[sign > 0] >= 0) and np.all(W_rec[sign < 0] <= 0)
