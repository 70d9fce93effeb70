"""dynax.analysis.slow_points: a CANN's line attractor, a random RNN's fixed points
confirmed by Newton, maps, outliers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


@pytest.mark.slow  # about 10 s on the 2-core machine: the quick suite has a 4-minute budget
def test_cann_line_attractor(x64):
    cann = dx.networks.CANN1D(32)
    F = dx.analysis.flat_system(cann, y0=cann.init().u)
    zs = np.linspace(-np.pi, np.pi, 16, endpoint=False) + 0.1
    bumps = jnp.stack([cann.bump(float(z)).u for z in zs])
    # candidates: shrunken, noisy bumps (states on the way to the attractor)
    noise = jax.random.normal(jax.random.PRNGKey(0), bumps.shape)
    sp = dx.analysis.slow_points(
        F, 0.8 * bumps + 0.05 * noise, solver="levenberg-marquardt", tol=1e-20
    )
    assert len(sp) >= 14
    # every point is a stationary bump ...
    z = np.asarray(jax.vmap(cann.decode)(jnp.square(jnp.maximum(sp.x, 0))))
    for x, zi in zip(np.asarray(sp.x), z):
        np.testing.assert_allclose(x, cann.bump(float(zi)).u, atol=1e-6)
    # ... they cover the ring ...
    gaps = np.diff(np.sort(np.concatenate([z, [z.min() + 2 * np.pi]])))
    assert gaps.max() < 2 * (2 * np.pi / 16)
    # ... and each has one zero eigenvalue (the direction along the line), the others
    # negative: a line of marginally stable fixed points
    lam = np.asarray(sp.eigenvalues)
    np.testing.assert_allclose(lam[:, 0], 0.0, atol=1e-8)
    assert np.all(lam[:, 1].real < -0.4)
    assert set(sp.labels) == {"degenerate"}
    # the zero mode is the bump's derivative (a shift along the ring)
    lin = dx.analysis.linearise(F, sp.x[0])
    du = np.gradient(np.asarray(sp.x[0]))
    mode = np.real(np.asarray(lin.right[:, 0]))
    cos = abs(mode @ du) / (np.linalg.norm(mode) * np.linalg.norm(du))
    assert cos > 0.99


def random_rnn(n=12, seed=1):
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    W = 1.5 * jax.random.normal(k1, (n, n)) / np.sqrt(n)
    b = 0.1 * jax.random.normal(k2, (n,))
    return W, b


@pytest.fixture(scope="module")
def rnn_slow_points():
    """A random 12-unit RNN's slow points by Adam from states of its trajectories (in
    float64; shared by the tests that read them)."""
    with jax.enable_x64(True):
        W, b = random_rnn()
        F = dx.analysis.flat_system(lambda y, p: -y + W @ jnp.tanh(y) + b, y0=jnp.zeros(12))
        starts = 2 * jax.random.normal(jax.random.PRNGKey(3), (8, 12))
        runs = dx.analysis.trajectories(F, starts, 30.0, dt=0.1, every=5)
        candidates = dx.analysis.sample_states(runs.x, 64, jax.random.PRNGKey(2), noise=0.1)
        sp = dx.analysis.slow_points(F, candidates, steps=3000, learning_rate=0.05, tol=1e-12)
    return F, runs, sp


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_random_rnn_points_confirmed_by_newton(x64, rnn_slow_points):
    F, runs, sp = rnn_slow_points
    assert runs.x.shape == (8, 61, 12)
    assert len(sp) >= 2
    np.testing.assert_array_less(np.asarray(sp.q), 1e-12)
    newton = dx.analysis.fixed_points(F, sp.x, unique=1e-9)
    assert len(newton) == len(sp)
    for x in np.asarray(sp.x):
        distance = np.min(np.max(np.abs(np.asarray(newton.x) - x), axis=1))
        assert distance < 1e-5
    np.testing.assert_array_less(np.asarray(newton.residual), 1e-12)
    # the linearisation of slow_points agrees with the one at the exact point
    order = [int(np.argmin(np.max(np.abs(np.asarray(newton.x) - x), axis=1))) for x in sp.x]
    np.testing.assert_allclose(sp.eigenvalues, newton.eigenvalues[np.array(order)], atol=1e-4)
    assert sp.labels == tuple(newton.labels[i] for i in order)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["newton", "levenberg-marquardt", "bfgs"])
def test_optimistix_solvers_find_roots(x64, solver):
    W, b = random_rnn()
    F = dx.analysis.flat_system(lambda y, p: -y + W @ jnp.tanh(y) + b, y0=jnp.zeros(12))
    candidates = 1.5 * jax.random.normal(jax.random.PRNGKey(2), (32, 12))
    sp = dx.analysis.slow_points(F, candidates, solver=solver, tol=1e-20, outlier=None)
    assert len(sp) >= 2
    # each is a root: Newton from it stays there
    newton = dx.analysis.fixed_points(F, sp.x, unique=1e-9)
    assert len(newton) == len(sp)
    for x in np.asarray(sp.x):
        assert np.min(np.max(np.abs(np.asarray(newton.x) - x), axis=1)) < 1e-8


@pytest.mark.slow
def test_discrete_time_map(x64):
    W, b = random_rnn(6, seed=4)
    G = dx.analysis.flat_system(
        lambda y, p: jnp.tanh(0.8 * W @ y + b), y0=jnp.zeros(6), discrete=True
    )
    candidates = jax.random.normal(jax.random.PRNGKey(5), (16, 6))
    sp = dx.analysis.slow_points(G, candidates, solver="newton", tol=1e-24)
    assert len(sp) >= 1
    x = np.asarray(sp.x)
    np.testing.assert_allclose(np.tanh(x @ (0.8 * np.asarray(W)).T + np.asarray(b)), x, atol=1e-12)
    # multipliers: eigenvalues of dG/dx = diag(1 - G^2) 0.8 W
    J = (1 - x[0] ** 2)[:, None] * 0.8 * np.asarray(W)
    np.testing.assert_allclose(
        np.sort_complex(np.asarray(sp.eigenvalues[0])),
        np.sort_complex(np.linalg.eigvals(J)),
        atol=1e-10,
    )
    assert (np.abs(np.asarray(sp.eigenvalues[0])).max() < 1) == (
        sp.labels[0] == "stable node" or sp.labels[0] == "stable focus"
    )


@pytest.mark.slow  # 6-14 s on the 2-core machine: the quick suite has a 4-minute budget
def test_outliers_and_fixed_inputs(x64):
    # q = x^2 e^{-2x^2} / 2 vanishes at 0 and as x -> infinity: from x = 1.5, Adam runs off
    F = dx.analysis.flat_system(
        lambda y, p: -y * jnp.exp(-(y**2)) + p[0], params={"I": 0.0}, y0=jnp.zeros(1)
    )
    candidates = jnp.array([[-0.3], [0.2], [0.5], [1.5]])
    kept = dx.analysis.slow_points(
        F, candidates, steps=2000, learning_rate=0.05, tol=1e-6, outlier=None
    )
    assert len(kept) == 2 and np.asarray(kept.x).max() > 2.5  # the runaway
    sp = dx.analysis.slow_points(F, candidates, steps=2000, learning_rate=0.05, tol=1e-6)
    np.testing.assert_allclose(sp.x, [[0.0]], atol=1e-6)  # the only true fixed point
    assert sp.labels == ("stable node",)
    # an input held fixed moves the fixed point: -x e^{-x^2} + I = 0
    sp = dx.analysis.slow_points(F, candidates[:3], jnp.array([0.1]), solver="newton")
    x = float(sp.x[0, 0])
    np.testing.assert_allclose(-x * np.exp(-(x**2)) + 0.1, 0.0, atol=1e-14)
    with pytest.raises(ValueError, match="unknown solver"):
        dx.analysis.slow_points(F, candidates, solver="sgd")
    with pytest.raises(ValueError, match="shape"):
        dx.analysis.slow_points(F, jnp.zeros((3, 2)))


# (slow, for the quick suite's 4-minute budget: its fixture runs 3000 Adam steps;
# examples/rnn_slow_points.py draws these plots in CI)
@pytest.mark.slow
def test_projection_and_spectrum_plots(x64, rnn_slow_points):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    F, runs, sp = rnn_slow_points
    ax = dx.plot.fixed_point_projection(sp, runs.x)
    mean, basis = ax.pca_basis
    np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-12)
    marks = [ln for ln in ax.lines if ln.get_label() in dx.analysis.LABELS]
    proj = (np.asarray(sp.x) - mean) @ basis.T
    xy = np.array([[ln.get_xdata()[0], ln.get_ydata()[0]] for ln in marks])
    assert all(np.min(np.abs(proj - p).sum(axis=1)) < 1e-9 for p in xy)
    ax = dx.plot.eigenvalues(sp)
    offsets = ax.collections[0].get_offsets()
    lam = np.asarray(sp.eigenvalues).ravel()
    np.testing.assert_allclose(offsets[:, 0], lam.real)
    np.testing.assert_allclose(offsets[:, 1], lam.imag)
    plt.close("all")
