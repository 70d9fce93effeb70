"""Rate-based rules: BCM's sliding threshold and selectivity, Oja's principal component,
and both inside a PlasticProjection (rates of spike trains) against a NumPy reference."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def linear_neuron(rule, w0, inputs, dt=1.0):
    """A linear neuron y = w·x trained by `rule.dense_step` on `inputs` `(T, n)`: the
    weights after each step `(T, n)`, and (y, θ) at each step."""

    def body(carry, x):
        w, aux = carry
        y = x @ w  # (1,)
        w, aux_new = rule.dense_step(w, aux, x, y, dt)
        return (w, aux_new), (w[:, 0], y[0], aux[0])

    aux0 = rule.init_aux(1, w0.dtype)
    _, (ws, ys, thetas) = jax.lax.scan(body, (w0[:, None], aux0), inputs)
    return np.asarray(ws), np.asarray(ys), np.asarray(thetas)


def test_bcm_threshold_and_selectivity(x64):
    """Two orthonormal patterns shown with probability 1/2 each: the neuron becomes
    selective to the one it started closer to, at the fixed point y = 1/p = 2 for it and
    0 for the other, and θ tracks ⟨y²⟩ (= 2 there)."""
    rng = np.random.default_rng(0)
    patterns = np.eye(2)
    inputs = jnp.asarray(patterns[rng.integers(0, 2, 40_000)])
    rule = dx.plasticity.BCM(eta=0.002, tau_theta=5.0)
    ws, ys, thetas = linear_neuron(rule, jnp.array([0.45, 0.4]), inputs)
    tail = slice(-10_000, None)
    y_a, y_b = ws[-1] @ patterns[0], ws[-1] @ patterns[1]
    assert abs(y_a - 2.0) < 0.05 and abs(y_b) < 0.02
    np.testing.assert_allclose(thetas[tail].mean(), np.mean(ys[tail] ** 2), rtol=0.02)
    np.testing.assert_allclose(thetas[tail].mean(), 2.0, rtol=0.03)
    # The same rule started closer to the other pattern selects that one.
    ws, _, _ = linear_neuron(rule, jnp.array([0.4, 0.45]), inputs)
    assert abs(ws[-1][1] - 2.0) < 0.05 and abs(ws[-1][0]) < 0.02


def test_oja_principal_component(x64):
    """Zero-mean Gaussian inputs with covariance C: w converges to the unit principal
    eigenvector of C (up to sign)."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + np.diag([3.0, 0.0, 0.0, 0.0])
    inputs = jnp.asarray(rng.multivariate_normal(np.zeros(4), cov, size=40_000))
    ws, _, _ = linear_neuron(dx.plasticity.Oja(eta=3e-4), jnp.full(4, 0.3), inputs)
    w = ws[-2000:].mean(0)
    vals, vecs = np.linalg.eigh(cov)
    pc = vecs[:, -1]
    assert abs(np.linalg.norm(w) - 1.0) < 0.01
    assert abs(w @ pc) / np.linalg.norm(w) > 0.999


@pytest.mark.parametrize("name", ["BCM", "Oja"])
def test_in_projection_against_reference(x64, replay, name):
    """Spike trains filtered into rates (Hz), every synapse updated every step, weights
    clipped: the projection against a per-synapse NumPy reference."""
    n_pre, n_post, n_steps, dt = 12, 7, 300, 0.5
    rule = (
        dx.plasticity.BCM(eta=1e-7, tau_theta=20.0, theta0=100.0, tau_rate=30.0)
        if name == "BCM"
        else dx.plasticity.Oja(eta=1e-5, tau_rate=30.0)
    )
    conn = dx.connect.FixedProb(0.5)(n_pre, n_post, jax.random.key(0))
    rng = np.random.default_rng(2)
    w0 = rng.uniform(0.0, 1.0, conn.nnz)
    pre, post = rng.random((n_steps, n_pre)) < 0.05, rng.random((n_steps, n_post)) < 0.08
    proj = dx.plasticity.PlasticProjection(
        "pre",
        "post",
        conn,
        w0,
        rule,
        dx.synapses.Exponential(n_post),
        dx.synapses.CUBA(),
        w_max=1.0,
    )
    state = replay(proj, pre, post, dt)
    rows = np.repeat(np.arange(n_pre), np.diff(np.asarray(conn.indptr)))
    cols = np.asarray(conn.indices)
    x, y, theta, w = np.zeros(n_pre), np.zeros(n_post), np.full(n_post, 100.0), w0.copy()
    decay, gain = np.exp(-dt / 30.0), 1000.0 / 30.0
    for k in range(n_steps):
        x, y = x * decay + gain * pre[k], y * decay + gain * post[k]
        xs, ys = x[rows], y[cols]
        if name == "BCM":
            dw = 1e-7 * xs * ys * (ys - theta[cols])
            theta = y**2 + (theta - y**2) * np.exp(-dt / 20.0)
        else:
            dw = 1e-5 * ys * (xs - ys * w)
        w = np.clip(w + dt * dw, 0.0, 1.0)
    assert np.abs(w - w0).max() > 0.05
    np.testing.assert_allclose(np.asarray(state.w), w, atol=1e-10)
    np.testing.assert_allclose(np.asarray(state.rule.pre), x, rtol=1e-10)
