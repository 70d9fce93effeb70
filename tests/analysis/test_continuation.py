"""Equilibrium continuation: folds, Hopf points and branch points against closed forms,
and the grid search it replaces."""

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

import dynax as dx

matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

A, B, TAU = 0.7, 0.8, 12.5


def fold(x, p):
    return p[0] + x**2


def pitchfork(x, p):
    return p[0] * x - x**3


def fhn(x, p):
    v, w = x
    return jnp.stack([v - v**3 / 3 - w + p[0], (v + p[1] - B * w) / TAU])


def fhn_hopf_analytic():
    """The two Hopf points in I: trace 1 - v^2 - b/tau = 0 at the equilibrium, and I from
    the equilibrium equations; omega^2 is the determinant there."""
    v = np.array([-1.0, 1.0]) * np.sqrt(1 - B / TAU)
    current = -v + v**3 / 3 + (v + A) / B
    omega = np.sqrt((1 - B * B / TAU) / TAU)
    return v, current, omega


def test_fold_normal_form(x64):
    branch = dx.analysis.equilibrium_branch(
        fold, jnp.array([-1.0]), jnp.array([-1.0]), bounds=(-2.0, 0.5), ds=0.05, direction=1
    )
    (lp,) = branch.points
    assert lp.kind == "LP" and branch.x[lp.index, 0] == lp.x[0]
    assert abs(float(lp.p[0])) < 1e-12 and abs(float(lp.x[0])) < 1e-6
    x, p = np.asarray(branch.x[:, 0]), np.asarray(branch.p)
    np.testing.assert_allclose(p, -(x**2), atol=1e-12)  # every point on r = -x^2
    # it turns at the fold: x goes from -1 through 0 to positive values, r back down
    assert x[0] < -0.9 and x[-1] > 0.5 and p[-1] < -0.2
    np.testing.assert_allclose(branch.eigenvalues[:, 0].real, 2 * x, atol=1e-12)
    np.testing.assert_array_equal(branch.stable, x < 0)


def test_pitchfork_branch_point_and_switching(x64):
    trivial = dx.analysis.equilibrium_branch(
        pitchfork, jnp.array([0.0]), jnp.array([-1.0]), bounds=(-1.0, 1.0), ds=0.05, direction=1
    )
    (bp,) = trivial.points
    assert bp.kind == "BP" and abs(float(bp.p[0])) < 1e-10
    np.testing.assert_array_equal(trivial.stable, trivial.p < 0)
    other = dx.analysis.switch_branch(pitchfork, trivial, bp, bounds=(-1.0, 1.0), ds=0.05)
    x, r = np.asarray(other.x[:, 0]), np.asarray(other.p)
    assert x.min() < -0.9 and x.max() > 0.9  # both halves, x = -sqrt(r) and +sqrt(r)
    np.testing.assert_allclose(x**2, r, atol=1e-10)
    np.testing.assert_allclose(other.eigenvalues[:, 0].real, r - 3 * x**2, atol=1e-10)
    assert np.all(np.asarray(other.stable)[r > 1e-3])
    # the diagram: the trivial branch solid for r < 0 and dashed for r > 0, the new branch
    # (black, then C0), a branch-point marker at the origin
    ax = dx.plot.bifurcation(trivial, other)
    solid = [ln for ln in ax.lines if ln.get_linestyle() == "-" and ln.get_color() == "k"]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--" and ln.get_color() == "k"]
    # (each run ends at the next one's first point, so that the curve is unbroken)
    assert np.all(solid[0].get_xdata()[:-1] <= 1e-9) and np.all(dashed[0].get_xdata() >= -1e-9)
    markers = [ln for ln in ax.lines if ln.get_marker() == "^"]
    np.testing.assert_allclose(np.ravel([m.get_xydata() for m in markers]), 0.0, atol=1e-9)
    assert ax.get_xlabel() == "p[0]" and ax.get_ylabel() == "x[0]"
    plt.close("all")
    nan = jnp.asarray(np.nan)
    hopf = dx.analysis.SpecialPoint("H", 0, bp.x, bp.p, (0,), nan, nan, nan)
    with pytest.raises(ValueError, match="branch point"):
        dx.analysis.switch_branch(pitchfork, trivial, hopf)


def test_fhn_hopf_points_and_equilibria(x64):
    targets = (-0.5, 0.0, 0.9, 1.8)
    branch = dx.analysis.equilibrium_branch(
        fhn, jnp.array([-1.2, -0.6]), jnp.array([0.0, A]), bounds=(-1.0, 2.5), ds=0.02,
        targets=targets,
    )  # fmt: skip
    v_h, i_h, omega = fhn_hopf_analytic()
    hopf = branch.special("H")
    assert len(hopf) == 2 and not branch.special("LP")
    got = np.array([float(h.p[0]) for h in hopf])
    np.testing.assert_allclose(got, i_h, atol=1e-4)  # the requirement
    np.testing.assert_allclose(got, i_h, rtol=0, atol=1e-12)  # what the location gives
    np.testing.assert_allclose([float(h.x[0]) for h in hopf], v_h, atol=1e-9)
    np.testing.assert_allclose([float(h.omega) for h in hopf], omega, rtol=1e-9)
    assert all(float(h.l1) > 0 for h in hopf)  # subcritical, as FitzHugh-Nagumo's are
    # stable outside the Hopf points, unstable between them
    p = np.asarray(branch.p)
    inside = (p > i_h[0] + 1e-6) & (p < i_h[1] - 1e-6)
    outside = (p < i_h[0] - 1e-6) | (p > i_h[1] + 1e-6)
    assert not np.any(np.asarray(branch.stable)[inside]) and np.all(
        np.asarray(branch.stable)[outside]
    )
    # the targets: the real root of the cubic v - v^3/3 - (v + a)/b + I = 0
    uz = branch.special("UZ")
    assert [round(float(u.p[0]), 12) for u in uz] == list(targets)
    for u in uz:
        roots = np.roots([-1 / 3, 0.0, 1 - 1 / B, float(u.p[0]) - A / B])
        v = roots[np.argmin(np.abs(roots.imag))].real
        np.testing.assert_allclose(np.asarray(u.x), [v, (v + A) / B], atol=1e-10)


@pytest.mark.slow  # 10-30 s on the 2-core machine: the quick suite has a 4-minute budget
def test_grid_search_agrees_and_costs_more(x64):
    """The Hindmarsh-Rose fast subsystem (z as a parameter): a Z-shaped curve of
    equilibria, z = 1 + I - x^3 - 2 x^2, found by continuation and by grid search."""
    current = 2.0
    hr = dx.neurons.HindmarshRose(1, I_bias=current)
    fast = dx.analysis.flat_system(
        hr, params=("z",), y0=(jnp.zeros(1), jnp.zeros(1), jnp.zeros(1)), names=("x", "y", "z")
    )
    lo, hi, M = 1.0, 3.5, 101
    x0 = -1.6
    branch = dx.analysis.equilibrium_branch(
        fast, jnp.array([x0, 1 - 5 * x0**2]), jnp.array([1 + current - x0**3 - 2 * x0**2]),
        param="z", bounds=(lo, hi), ds=0.01, ds_max=0.1,
    )  # fmt: skip
    x, z = np.asarray(branch.x[:, 0]), np.asarray(branch.p)
    np.testing.assert_allclose(z, 1 + current - x**3 - 2 * x**2, atol=1e-10)
    folds = sorted(float(q.p[0]) for q in branch.special("LP"))
    np.testing.assert_allclose(folds, [1 + current - 32 / 27, 1 + current], atol=1e-10)

    values = np.linspace(lo, hi, M)
    guesses = np.stack([np.linspace(-2.5, 2.0, 16), np.zeros(16)], axis=1)
    grid = dx.analysis.grid_equilibria(fast, values, guesses, param="z")
    gx = np.asarray(grid.x[..., 0])
    ok = np.asarray(grid.valid)
    # every grid point is an equilibrium (Newton converges only linearly at a fold: the
    # grid has the upper fold's value z = 3 itself)
    near_fold = np.min(np.abs(values[:, None] - np.array(folds)[None]), axis=1) < 0.02
    residual = (values[:, None] + gx**3 + 2 * gx**2 - 1 - current)[ok & ~near_fold[:, None]]
    np.testing.assert_allclose(residual, 0.0, atol=1e-9)
    # as many at each value as the branch crosses that value
    crossings = np.array([np.sum(np.diff(np.sign(z - v)) != 0) for v in values])
    np.testing.assert_array_equal(grid.count()[~near_fold], crossings[~near_fold])
    # stability agrees: the lower branch is stable, the middle (saddle) branch not
    lower = ok & (gx < -4 / 3)
    middle = ok & (gx > -4 / 3) & (gx < 0)
    assert np.all(np.asarray(grid.stable)[lower]) and not np.any(np.asarray(grid.stable)[middle])
    # at least the grid's resolution (as many points on the diagram) for a tenth of the cost
    assert len(z) >= grid.count().sum()
    assert grid.n_needed > 10 * branch.n_jacobians and grid.n_jacobians >= grid.n_needed


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_float32_stays_float32():
    with jax.enable_x64(False):
        branch = dx.analysis.equilibrium_branch(
            fold, jnp.array([-1.0]), jnp.array([-1.0]), bounds=(-2.0, 0.5), ds=0.05, direction=1
        )
    assert branch.x.dtype == jnp.float32 and branch.p.dtype == jnp.float32
    (lp,) = branch.points
    assert abs(float(lp.p[0])) < 1e-6 and lp.p.dtype == jnp.float32


def test_errors():
    with pytest.raises(ValueError, match="p0"):
        dx.analysis.equilibrium_branch(fold, jnp.array([-1.0]))
    with pytest.raises(ValueError, match="direction"):
        dx.analysis.equilibrium_branch(fold, jnp.array([-1.0]), jnp.array([-1.0]), direction=2)
    with pytest.raises(ValueError, match="by name"):
        dx.analysis.equilibrium_branch(fold, jnp.array([-1.0]), jnp.array([-1.0]), param="r")
    with pytest.raises(ValueError, match="out of range"):
        dx.analysis.equilibrium_branch(fold, jnp.array([-1.0]), jnp.array([-1.0]), param=3)
    with pytest.raises(ValueError, match="ds"):
        dx.analysis.equilibrium_branch(fold, jnp.array([-1.0]), jnp.array([-1.0]), ds=0.0)
    with pytest.raises(ValueError, match="bounds"):
        dx.analysis.equilibrium_branch(
            fold, jnp.array([-1.0]), jnp.array([-1.0]), bounds=(1.0, 0.0)
        )
    with pytest.raises(ValueError, match="no equilibrium"):
        dx.analysis.equilibrium_branch(fold, jnp.array([0.3]), jnp.array([1.0]))
    G = dx.analysis.flat_system(
        lambda y, p: jnp.tanh(p[0] * y), params={"g": 2.0}, y0=jnp.zeros(2), discrete=True
    )
    with pytest.raises(ValueError, match="maps"):
        dx.analysis.equilibrium_branch(G, jnp.zeros(2), param="g")
