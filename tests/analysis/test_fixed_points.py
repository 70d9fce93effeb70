"""dynax.analysis.fixed_points, classify and linearise against closed forms."""

import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

A, B, TAU = 0.7, 0.8, 12.5


def fhn(b=B):
    model = dx.neurons.SpikingFHN(1, a=A, b=b, tau=TAU)
    return dx.analysis.flat_system(model, params=("I_bias",), y0=(0.0, 0.0), names=("v", "w"))


def expected_class(v, b):
    """Stability of the FHN equilibrium at v from the trace and determinant."""
    tr = 1 - v**2 - b / TAU
    det = (1 - b * (1 - v**2)) / TAU
    if det < 0:
        return "saddle"
    kind = "focus" if tr**2 < 4 * det else "node"
    return ("unstable " if tr > 0 else "stable ") + kind


def cubic_roots(I, b):
    # v - v^3/3 - (v + a)/b + I = 0
    roots = np.roots([-1 / 3, 0.0, 1 - 1 / b, I - A / b])
    return np.sort(roots[np.abs(roots.imag) < 1e-9].real)


@pytest.mark.parametrize("b", [B, 2.0])
def test_fhn_equilibria_against_the_cubic(x64, b):
    F = fhn(b)
    currents = [0.0, 0.2, 0.35, 0.5, 1.0, 1.5] if b == B else [0.2, 0.35, 0.5, 1.0]
    counts = []
    for I in currents:
        fp = dx.analysis.fixed_points(F, p=jnp.array([I]), bounds=[(-3, 3), (-3, 3)], num=11)
        v = cubic_roots(I, b)
        counts.append(len(v))
        assert len(fp) == len(v)
        np.testing.assert_allclose(fp.x[:, 0], v, atol=1e-10)
        np.testing.assert_allclose(fp.x[:, 1], (v + A) / b, atol=1e-10)
        assert fp.labels == tuple(expected_class(vi, b) for vi in v)
        # eigenvalues: (tr +- sqrt(tr^2 - 4 det)) / 2
        for vi, lam in zip(v, np.asarray(fp.eigenvalues)):
            tr, det = 1 - vi**2 - b / TAU, (1 - b * (1 - vi**2)) / TAU
            ref = (tr + np.array([1, -1]) * np.sqrt(complex(tr**2 - 4 * det))) / 2
            np.testing.assert_allclose(lam, ref, atol=1e-12)
    if b == B:
        # the classic parameters: one equilibrium, unstable between the Hopf points
        assert counts == [1] * 6
    else:
        assert counts == [3, 3, 3, 1]


def test_classify_general():
    c = dx.analysis.classify
    L = dx.analysis.LABELS
    cases = {
        "stable node": [-1, -2, -3],
        "unstable node": [1, 2, 3],
        "stable focus": [-1 + 1j, -1 - 1j, -3],
        "unstable focus": [1 + 1j, 1 - 1j, 3],
        "saddle": [1, -2, -3],
        "saddle-focus": [-1 + 1j, -1 - 1j, 3],
        "centre": [1j, -1j, -3],
        "degenerate": [0, -1, -2],
    }
    for label, values in cases.items():
        assert L[int(c(jnp.array(values, complex)))] == label
    # a map: multipliers inside the unit circle are stable, on it neutral
    assert L[int(c(jnp.array([0.5, -0.9 + 0j]), discrete=True))] == "stable node"
    assert L[int(c(jnp.array([0.8 + 0.8j, 0.8 - 0.8j]), discrete=True))] == "unstable focus"
    assert L[int(c(jnp.array([0.6 + 0.8j, 0.6 - 0.8j]), discrete=True))] == "centre"
    assert L[int(c(jnp.array([1.0 + 0j, 0.2]), discrete=True))] == "degenerate"


def test_linearise_eigenvectors(x64):
    M = jnp.array([[0.3, -2.0, 0.1], [1.5, -0.4, 0.0], [0.2, 0.5, -1.0]])
    F = dx.analysis.flat_system(lambda y, p: M @ jnp.tanh(y), y0=jnp.zeros(3))
    x = jnp.array([[0.1, -0.2, 0.3], [0.0, 0.0, 0.0]])
    lin = dx.analysis.linearise(F, x)
    J = np.asarray(M) * (1 - np.tanh(np.asarray(x[0])) ** 2)[None, :]
    np.testing.assert_allclose(lin.jacobian[0], J, atol=1e-14)
    lam, V, W = (np.asarray(a[0]) for a in (lin.eigenvalues, lin.right, lin.left))
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(np.linalg.eigvals(J)))
    assert np.all(np.diff(lam.real) <= 1e-12)  # leading first
    np.testing.assert_allclose(J @ V, V * lam, atol=1e-12)
    np.testing.assert_allclose(W.T @ J, lam[:, None] * W.T, atol=1e-12)
    np.testing.assert_allclose(W.T @ V, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(V, axis=0), 1.0)
    # a map: the Jacobian of G = F + x, sorted by modulus
    G = dx.analysis.flat_system(lambda y, p: 0.5 * M @ jnp.tanh(y), y0=jnp.zeros(3), discrete=True)
    mu = np.asarray(dx.analysis.linearise(G, jnp.zeros(3)).eigenvalues)
    np.testing.assert_allclose(
        np.sort_complex(mu), np.sort_complex(np.linalg.eigvals(0.5 * np.asarray(M)))
    )
    assert np.all(np.diff(np.abs(mu)) <= 1e-12)


def test_fixed_points_of_a_map(x64):
    # x -> g tanh(x): 0 is stable for g < 1; for g = 2 two more at +-x*, x* = 2 tanh(x*)
    G = dx.analysis.flat_system(
        lambda y, p: p[0] * jnp.tanh(y), params={"g": 2.0}, y0=jnp.zeros(1), discrete=True
    )
    fp = dx.analysis.fixed_points(G, bounds=[(-3, 3)], num=13)
    xs = np.asarray(fp.x[:, 0])
    np.testing.assert_allclose(xs[1], 0.0, atol=1e-12)
    np.testing.assert_allclose(xs[2], 2 * np.tanh(xs[2]), atol=1e-12)
    np.testing.assert_allclose(xs[0], -xs[2], atol=1e-12)
    assert fp.labels == ("stable node", "unstable node", "stable node")
    np.testing.assert_allclose(fp.eigenvalues[1], [2.0])


def test_no_fixed_points_and_errors():
    F = dx.analysis.flat_system(lambda y, p: 1.0 + y**2, y0=jnp.zeros(1))
    fp = dx.analysis.fixed_points(F, bounds=[(-2, 2)], num=5)
    assert len(fp) == 0 and fp.labels == ()
    with pytest.raises(ValueError, match="guesses="):
        dx.analysis.fixed_points(F)
    with pytest.raises(ValueError, match="shape"):
        dx.analysis.fixed_points(F, jnp.zeros((3, 2)))
