"""dynax.analysis.PhasePlane1D / PhasePlane2D: classification, nullclines, trajectories
and limit cycles against closed forms."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import expm

import dynax as dx

LINEAR = {
    "stable node": [[-1.0, 0.5], [0.0, -2.0]],
    "unstable node": [[1.0, 0.0], [0.3, 2.0]],
    "stable focus": [[-0.5, 2.0], [-2.0, -0.5]],
    "unstable focus": [[0.5, 2.0], [-2.0, 0.5]],
    "saddle": [[1.0, 0.2], [0.0, -1.0]],
    "centre": [[0.0, 1.0], [-4.0, 0.0]],
    "degenerate": [[0.0, 0.0], [0.0, -1.0]],
}


def linear_system():
    # The matrix is the parameter vector, so every case shares one compilation.
    return dx.analysis.flat_system(
        lambda y, p: p.reshape(2, 2) @ y,
        params={f"a{i}": 0.0 for i in range(4)},
        y0=jnp.zeros(2),
        names=("x", "y"),
    )


def test_linear_cases_classified(x64):
    F = linear_system()
    for label, A in LINEAR.items():
        pp = dx.analysis.PhasePlane2D(F, (-1.0, 1.0), (-1.0, 1.0), p=jnp.ravel(jnp.array(A)))
        fp = pp.fixed_points(num=3)
        assert set(fp.labels) == {label}, label
        if label == "degenerate":
            # a line of fixed points, y = 0
            assert len(fp) == 3
            np.testing.assert_allclose(fp.x[:, 1], 0.0, atol=1e-12)
        else:
            assert len(fp) == 1
            np.testing.assert_allclose(fp.x, 0.0, atol=1e-12)
            np.testing.assert_allclose(
                np.sort_complex(fp.eigenvalues[0]), np.sort_complex(np.linalg.eigvals(A))
            )


def test_trajectories_match_the_matrix_exponential(x64):
    F = linear_system()
    A = np.array(LINEAR["stable focus"])
    pp = dx.analysis.PhasePlane2D(F, (-1.0, 1.0), (-1.0, 1.0), p=jnp.ravel(jnp.array(A)))
    x0 = np.array([[1.0, 0.0], [-0.3, 0.7]])
    tr = pp.trajectories(x0, 4.0, dt=0.01, every=50)
    assert tr.x.shape == (2, 9, 2)
    for j, t in enumerate(np.asarray(tr.t)):
        ref = x0 @ expm(A * t).T
        np.testing.assert_allclose(tr.x[:, j], ref, atol=1e-9)


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_fhn_nullclines_and_limit_cycle(x64):
    I = 0.5
    model = dx.neurons.SpikingFHN(1, I_bias=I)
    F = dx.analysis.flat_system(model, y0=(0.0, 0.0), names=("v", "w"))
    pp = dx.analysis.PhasePlane2D(F, (-2.5, 2.5), (-1.0, 2.5))
    assert pp.names == ("v", "w")
    X, Y, U, V = pp.field(num=(7, 5))
    assert X.shape == (5, 7)
    np.testing.assert_allclose(U, X - X**3 / 3 - Y + I, atol=1e-12)
    v_null, w_null = pp.nullclines(num=60)
    v, w = np.concatenate(v_null).T
    np.testing.assert_allclose(w, v - v**3 / 3 + I, atol=1e-10)
    assert v.min() < -2.3 and v.max() > 2.2  # the cubic across the box
    v, w = np.concatenate(w_null).T
    np.testing.assert_allclose(w, (v + 0.7) / 0.8, atol=1e-10)
    fp = pp.fixed_points()
    assert fp.labels == ("unstable focus",)
    # the nullclines cross at the fixed point
    np.testing.assert_allclose(fp.x[0, 1], fp.x[0, 0] - fp.x[0, 0] ** 3 / 3 + I, atol=1e-10)


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_stuart_landau_limit_cycle(x64):
    # dx = mu x - w y - x r^2, dy = w x + mu y - y r^2: a circle of radius sqrt(mu),
    # period 2 pi / w.
    def field(y, p):
        mu, w = p
        r2 = y[0] ** 2 + y[1] ** 2
        return jnp.array([mu * y[0] - w * y[1] - y[0] * r2, w * y[0] + mu * y[1] - y[1] * r2])

    F = dx.analysis.flat_system(field, params={"mu": 0.25, "w": 2.0}, y0=jnp.zeros(2))
    pp = dx.analysis.PhasePlane2D(F, (-1.0, 1.0), (-1.0, 1.0))
    cycle = pp.limit_cycle([0.1, 0.0], 20.0, transient=60.0, dt=0.005)
    np.testing.assert_allclose(cycle.period, np.pi, rtol=1e-4)
    np.testing.assert_allclose(cycle.amplitude, 2 * np.sqrt(0.25), rtol=1e-4)
    np.testing.assert_allclose(np.hypot(*np.asarray(cycle.x).T), 0.5, rtol=1e-6)
    assert pp.fixed_points().labels == ("unstable focus",)
    # below the Hopf point the trajectory settles: no cycle
    pp = dx.analysis.PhasePlane2D(F, (-1.0, 1.0), (-1.0, 1.0), p=jnp.array([-0.25, 2.0]))
    assert np.isnan(pp.limit_cycle([0.1, 0.0], 20.0, transient=60.0, dt=0.01).period)


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_phase_line_and_held_variables(x64):
    F = dx.analysis.flat_system(lambda y, p: p[0] + y**2, params={"r": -1.0}, y0=jnp.zeros(1))
    pp = dx.analysis.PhasePlane1D(F, (-2.0, 2.0))
    fp = pp.fixed_points()
    np.testing.assert_allclose(fp.x[:, 0], [-1.0, 1.0], atol=1e-12)
    assert fp.labels == ("stable node", "unstable node")
    xs, dxdt = pp.field(5)
    np.testing.assert_allclose(dxdt, np.asarray(xs) ** 2 - 1)
    tr = pp.trajectories([0.0], 2.0, dt=1e-3)
    np.testing.assert_allclose(tr.x[0, -1, 0], -np.tanh(2.0), atol=1e-10)  # x = -tanh t
    # Hindmarsh-Rose's (x, y) plane at a fixed z: the third variable held
    hr = dx.neurons.HindmarshRose(1)
    G = dx.analysis.flat_system(hr, y0=(0.0, 0.0, 0.0), names=("x", "y", "z"))
    pp2 = dx.analysis.PhasePlane2D(G, (-2.0, 2.0), (-10.0, 2.0), values=jnp.array([0.0, 0.0, 0.3]))
    X, Y, U, V = pp2.field(4)
    a, b, c, d = (float(np.asarray(getattr(hr, k)).ravel()[0]) for k in "abcd")
    I = float(np.asarray(hr.I_bias).ravel()[0])
    np.testing.assert_allclose(U, Y - a * X**3 + b * X**2 - 0.3 + I, atol=1e-12)
    np.testing.assert_allclose(V, c - d * X**2 - Y, atol=1e-12)
    with pytest.raises(ValueError, match="no free variable"):
        dx.analysis.PhasePlane2D(G, (-1, 1), (-1, 1), x="q")


@pytest.mark.slow  # 6-14 s on the 2-core machine: the quick suite has a 4-minute budget
def test_phase_portrait_plot(x64):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = dx.neurons.SpikingFHN(1, I_bias=0.5)
    F = dx.analysis.flat_system(model, y0=(0.0, 0.0), names=("v", "w"))
    pp = dx.analysis.PhasePlane2D(F, (-2.5, 2.5), (-1.0, 2.5))
    fp = pp.fixed_points()
    ax = dx.plot.phase_portrait(pp, x0=[[0.0, 0.0]], duration=10.0, num=15, fixed_points=fp)
    labels = {line.get_label(): line for line in ax.lines}
    assert {"dv/dt = 0", "dw/dt = 0", "unstable focus"} <= set(labels)
    v, w = labels["dv/dt = 0"].get_xdata(), labels["dv/dt = 0"].get_ydata()
    np.testing.assert_allclose(w, v - v**3 / 3 + 0.5, atol=1e-9)
    np.testing.assert_allclose(
        [labels["unstable focus"].get_xdata()[0], labels["unstable focus"].get_ydata()[0]],
        fp.x[0],
    )
    assert ax.get_xlabel() == "v" and ax.get_xlim() == (-2.5, 2.5)
    # the phase line
    line = dx.analysis.PhasePlane1D(
        dx.analysis.flat_system(lambda y, p: 1 - y**2, y0=jnp.zeros(1)), (-2.0, 2.0)
    )
    ax = dx.plot.phase_portrait(line)
    marks = [ln for ln in ax.lines if ln.get_label() in ("stable node", "unstable node")]
    assert {ln.get_label(): float(ln.get_xdata()[0]) for ln in marks} == {
        "unstable node": -1.0,
        "stable node": 1.0,
    }
    plt.close("all")
