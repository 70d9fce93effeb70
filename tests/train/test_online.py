"""Online learning: RLS against the closed-form least-squares and ridge solutions, LMS's
convergence, FORCE learning of a sine wave by a chaotic rate network."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _linear_problem(key, n_samples=400, n_in=6, n_out=2, noise=0.1):
    k_x, k_w, k_n = jax.random.split(key, 3)
    X = jax.random.normal(k_x, (n_samples, n_in))
    W = jax.random.normal(k_w, (n_in, n_out))
    Y = X @ W + noise * jax.random.normal(k_n, (n_samples, n_out))
    return X, Y


def _run(rule, X, Y, W0=None):
    def body(state, xy):
        return rule.update(state, *xy), None

    state, _ = jax.lax.scan(body, rule.init(W0), (X, Y))
    return state


def test_rls_is_least_squares(x64):
    """After N samples from P0 = I/alpha, RLS's W is the ridge solution
    (X'X + alpha I)^-1 X'Y exactly; with alpha = 1e-8 that is the least-squares solution
    to ~1e-8 relative (the test asks 1e-6); started from W0, the ridge solution pulled
    towards W0."""
    X, Y = _linear_problem(jax.random.key(0))
    for alpha in (3.0, 1e-8):
        W = _run(dx.train.RLS(6, 2, alpha=alpha), X, Y).W
        ridge = jnp.linalg.solve(X.T @ X + alpha * jnp.eye(6), X.T @ Y)
        np.testing.assert_allclose(W, ridge, rtol=1e-9, atol=1e-12)
    lstsq = jnp.linalg.lstsq(X, Y)[0]
    assert float(jnp.linalg.norm(W - lstsq) / jnp.linalg.norm(lstsq)) < 1e-6
    # From W0: the ridge solution pulled towards W0, (X'X + alpha I)^-1 (X'Y + alpha W0).
    W0 = jax.random.normal(jax.random.key(3), (6, 2))
    W = _run(dx.train.RLS(6, 2, alpha=3.0), X, Y, W0).W
    pulled = jnp.linalg.solve(X.T @ X + 3.0 * jnp.eye(6), X.T @ Y + 3.0 * W0)
    np.testing.assert_allclose(W, pulled, rtol=1e-9, atol=1e-12)


def test_rls_forgetting_weights_recent_samples(x64):
    """With forgetting factor lam, RLS minimises sum_s lam^(N-1-s) |x_s W - y_s|^2 +
    lam^N alpha |W|^2: the weighted ridge closed form."""
    X, Y = _linear_problem(jax.random.key(1), n_samples=200)
    lam, alpha = 0.98, 0.5
    W = _run(dx.train.RLS(6, 2, alpha=alpha, forgetting=lam), X, Y).W
    w = lam ** jnp.arange(199, -1, -1.0)
    A = (X * w[:, None]).T @ X + lam**200 * alpha * jnp.eye(6)
    np.testing.assert_allclose(W, jnp.linalg.solve(A, (X * w[:, None]).T @ Y), rtol=1e-8)


def test_rls_predict_and_errors():
    rls = dx.train.RLS(3, 1)
    state = rls.update(rls.init(), jnp.ones(3), jnp.ones(1))
    # One sample from P0 = I: W = x (x'x + 1)^-1 y = x / 4.
    np.testing.assert_allclose(rls.predict(state, jnp.ones(3)), [0.75], rtol=1e-6)
    with pytest.raises(ValueError, match="forgetting"):
        dx.train.RLS(3, 1, forgetting=1.5)
    with pytest.raises(ValueError, match="alpha"):
        dx.train.RLS(3, 1, alpha=0.0)
    with pytest.raises(ValueError, match="shape"):
        rls.update(rls.init(), jnp.ones(4), jnp.ones(1))


def test_lms_converges(x64):
    """LMS with a small rate (eta = 0.01, well below 2 / lambda_max ~ 0.6 here) reaches the
    least-squares solution of a noiseless problem; its error after 3 000 samples is
    below 1e-6 relative, and a rate above the bound diverges."""
    X, Y = _linear_problem(jax.random.key(2), n_samples=3000, noise=0.0)
    lstsq = jnp.linalg.lstsq(X, Y)[0]
    W = _run(dx.train.LMS(6, 2, lr=0.01), X, Y).W
    assert float(jnp.linalg.norm(W - lstsq) / jnp.linalg.norm(lstsq)) < 1e-6
    W = _run(dx.train.LMS(6, 2, lr=1.0), X[:200], Y[:200]).W
    assert not bool(jnp.all(jnp.abs(W) < 1e3))


class _RateNet(dx.DynamicalSystem):
    """tau dx/dt = -x + J tanh(x) + u w_f, Euler steps: Sussillo & Abbott's network."""

    J: jax.Array
    w_f: jax.Array
    tau: float = 10.0

    def init(self, key=None):
        return 0.5 * jax.random.normal(key, (self.J.shape[0],))

    def step(self, x, u, ctx):
        return x + ctx.dt / self.tau * (-x + jnp.tanh(x) @ self.J + u @ self.w_f)


def test_force_learns_a_sine():
    """An echo-state network in its chaotic regime (dx.train.Reservoir: 200 units,
    spectral radius 1.5, 10 % connectivity, leak 0.1, bias 0.2) with its readout fed
    back learns a sine of period 100 steps by FORCE (RLS every 2 steps, alpha = 1) in
    1 500 steps; run on with learning off, its output keeps the sine with a mean squared
    error below 0.01 (3.5e-4 when written; the target's variance, the error of the
    untrained readout, is 0.5)."""
    res = dx.train.Reservoir(
        1, 200, key=jax.random.key(0), leak=0.1, spectral_radius=1.5, connectivity=0.1,
        bias_scaling=0.2,
    )  # fmt: skip
    n_train, n_test = 1500, 500
    t = jnp.arange(n_train + n_test) * 1.0
    target = jnp.sin(2 * jnp.pi * t / 100.0)[:, None]
    rates = lambda s: s.x  # noqa: E731
    state, rec = dx.train.force(
        res, target, dt=1.0, rates=rates, every=2, learn=t < n_train, key=jax.random.key(1)
    )
    test_mse = float(jnp.mean((rec["out"][n_train:] - target[n_train:]) ** 2))
    assert test_mse < 0.01, test_mse
    # The state carries on: testing again from the final state, without targets.
    _, rec2 = dx.train.force(res, None, dt=1.0, rates=rates, n_out=1, n_steps=200, state=state)
    t2 = t[-1] + 1 + jnp.arange(200)
    assert float(jnp.mean((rec2["out"][:, 0] - jnp.sin(2 * jnp.pi * t2 / 100.0)) ** 2)) < 0.01
    readout = dx.train.Force(res, rates, dx.train.RLS(200, 1)).readout(state)
    np.testing.assert_allclose(readout(state.model.x), state.out, rtol=1e-4, atol=1e-5)


def test_force_compiles_once():
    net = _RateNet(jnp.zeros((5, 5)), jnp.ones((1, 5)))
    trainer = dx.train.Force(net, jnp.tanh, dx.train.RLS(5, 1))
    step = eqx.filter_jit(eqx.debug.assert_max_traces(trainer.step, max_traces=1))
    state = trainer.init(jax.random.key(0))
    for i in range(3):
        ctx = dx.Context(t=jnp.asarray(float(i)), dt=1.0, i=jnp.asarray(i))
        state = step(state, (None, jnp.ones(1), jnp.asarray(True)), ctx)
    assert state.readout.W.shape == (5, 1)
