"""Codimension-2 continuation: Hopf and fold curves against closed forms, with
Bogdanov–Takens, cusp and generalised Hopf points."""

import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

A, B, TAU = 0.7, 0.8, 12.5


def fhn(x, p):
    v, w = x
    return jnp.stack([v - v**3 / 3 - w + p[0], (v + p[1] - B * w) / TAU])


def bogdanov_takens(x, p):
    """Kuznetsov's normal form: folds on b1 = b2^2/4, Hopf points on b1 = 0, b2 < 0."""
    return jnp.stack([x[1], p[0] + p[1] * x[0] + x[0] ** 2 + x[0] * x[1]])


def cusp(x, p):
    return p[0] + p[1] * x - x**3


def bautin(x, p):
    """z' = (b1 + i) z + b2 z|z|^2 - z|z|^4: Hopf points on b1 = 0 with l1 = 2 b2 (q
    normalised to |q| = 1)."""
    r2 = x[0] ** 2 + x[1] ** 2
    g = p[0] + p[1] * r2 - r2**2
    return jnp.stack([g * x[0] - x[1], x[0] + g * x[1]])


@pytest.mark.slow  # 6-14 s on the 2-core machine: the quick suite has a 4-minute budget
def test_fhn_hopf_curve_in_current_and_a(x64):
    branch = dx.analysis.equilibrium_branch(
        fhn, jnp.array([-1.2, -0.6]), jnp.array([0.0, A]), bounds=(-1.0, 2.5), ds=0.05
    )
    box = ((-3.0, 4.0), (0.0, 1.5))
    for k, sign in enumerate((-1.0, 1.0)):  # the lower and the upper Hopf point
        curve = dx.analysis.codim2_curve(fhn, branch.special("H")[k], 1, bounds=box, ds=0.05)
        current, a = np.asarray(curve.p).T
        assert a.min() < 0.05 and a.max() > 1.45  # across the whole range of a
        # analytic: v* = +-sqrt(1 - b/tau) at every a, I = v*^3/3 - v* + (v* + a)/b
        v = sign * np.sqrt(1 - B / TAU)
        np.testing.assert_allclose(current, v**3 / 3 - v + (v + a) / B, atol=1e-10)
        np.testing.assert_allclose(curve.x[:, 0], v, atol=1e-10)
        # omega^2 = det J = (1 - b^2/tau)/tau, the same all along
        np.testing.assert_allclose(curve.kappa, (1 - B * B / TAU) / TAU, rtol=1e-9)
        assert curve.kind == "H" and curve.points == ()


@pytest.mark.slow  # 10-30 s on the 2-core machine: the quick suite has a 4-minute budget
def test_bogdanov_takens_on_fold_and_hopf_curves(x64):
    branch = dx.analysis.equilibrium_branch(
        bogdanov_takens, jnp.array([-1.0, 0.0]), jnp.array([-0.5, -1.0]), bounds=(-2.0, 2.0),
        ds=0.05,
    )  # fmt: skip
    assert {q.kind for q in branch.points} == {"H", "LP"}
    box = ((-2.0, 2.0), (-2.0, 2.0))
    folds = dx.analysis.codim2_curve(
        bogdanov_takens, branch.special("LP")[0], 1, bounds=box, ds=0.05
    )
    b1, b2 = np.asarray(folds.p).T
    np.testing.assert_allclose(b1, b2**2 / 4, atol=1e-10)
    (bt,) = folds.points
    assert bt.kind == "BT" and np.max(np.abs(np.asarray(bt.value))) < 1e-8
    hopf = dx.analysis.codim2_curve(bogdanov_takens, branch.special("H")[0], 1, bounds=box, ds=0.05)
    b1, b2 = np.asarray(hopf.p).T
    np.testing.assert_allclose(b1, 0.0, atol=1e-10)
    (bt,) = hopf.points
    assert bt.kind == "BT" and np.max(np.abs(np.asarray(bt.value))) < 1e-8
    # kappa = omega^2 = -b2: Hopf points for b2 < 0, neutral saddles past the BT point
    np.testing.assert_allclose(hopf.kappa, -b2, atol=1e-10)
    assert b2.min() < -1.9 and b2.max() > 1.9


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_cusp_on_fold_curve(x64):
    branch = dx.analysis.equilibrium_branch(
        cusp, jnp.array([1.0]), jnp.array([0.0, 1.0]), bounds=(-2.0, 2.0), ds=0.05
    )
    folds = branch.special("LP")
    np.testing.assert_allclose(sorted(float(q.p[0]) for q in folds), [-2 / 27**0.5, 2 / 27**0.5])
    curve = dx.analysis.codim2_curve(cusp, folds[0], 1, bounds=((-2.0, 2.0), (-1.0, 2.0)), ds=0.05)
    b1, b2 = np.asarray(curve.p).T
    np.testing.assert_allclose(4 * b2**3, 27 * b1**2, atol=1e-9)
    (cp,) = curve.points
    assert cp.kind == "CP" and np.max(np.abs(np.asarray(cp.value))) < 1e-8
    assert b1.min() < -0.5 and b1.max() > 0.5  # through the cusp onto the other fold


@pytest.mark.slow
def test_generalised_hopf(x64):
    branch = dx.analysis.equilibrium_branch(
        bautin, jnp.zeros(2), jnp.array([-0.5, -1.0]), bounds=(-1.0, 1.0), ds=0.05
    )
    (h,) = branch.points
    assert h.kind == "H" and abs(float(h.l1) + 2.0) < 1e-9  # l1 = 2 b2
    curve = dx.analysis.codim2_curve(bautin, h, 1, bounds=((-1.0, 1.0), (-1.0, 1.0)), ds=0.05)
    np.testing.assert_allclose(curve.p[:, 0], 0.0, atol=1e-10)
    (gh,) = curve.points
    assert gh.kind == "GH" and np.max(np.abs(np.asarray(gh.value))) < 1e-8


def test_errors(x64):
    branch = dx.analysis.equilibrium_branch(
        cusp, jnp.array([1.0]), jnp.array([0.0, 1.0]), bounds=(-2.0, 2.0), ds=0.05
    )
    fold = branch.special("LP")[0]
    uz = dx.analysis.SpecialPoint("UZ", 0, fold.x, fold.p, (0,), fold.omega, fold.l1, fold.period)
    with pytest.raises(ValueError, match="'LP' or 'H' point"):
        dx.analysis.codim2_curve(cusp, uz, 1)
    with pytest.raises(ValueError, match="differ"):
        dx.analysis.codim2_curve(cusp, fold, 0)
