"""Fast–slow analysis of the Hindmarsh–Rose burster: the fast subsystem's bifurcation
diagram in the slow variable against closed forms and against a simulated burst."""

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

import dynax as dx

matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

CURRENT = 2.0


def hindmarsh_rose(params=()):
    hr = dx.neurons.HindmarshRose(1, I_bias=CURRENT)
    y0 = (jnp.zeros(1), jnp.zeros(1), jnp.zeros(1))
    return dx.analysis.flat_system(hr, params=params, y0=y0, names=("x", "y", "z"))


def simulate(duration=2500.0, dt=0.05):
    """The full model by RK4 from the resting state."""
    full = hindmarsh_rose()

    def step(y, _):
        k1 = full(y)
        k2 = full(y + dt / 2 * k1)
        k3 = full(y + dt / 2 * k2)
        k4 = full(y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y, y

    y0 = jnp.array([-1.6, 1 - 5 * 1.6**2, 1.9])
    _, ys = jax.lax.scan(step, y0, None, length=int(duration / dt))
    ys = np.asarray(ys)
    return ys[len(ys) // 3 :]  # past the first burst


@pytest.mark.slow  # 10-30 s on the 2-core machine: the quick suite has a 4-minute budget
def test_hindmarsh_rose_bursting(x64):
    fast = hindmarsh_rose(("z",))
    x0 = -1.6
    diagram = dx.analysis.fast_slow(
        fast, jnp.array([x0, 1 - 5 * x0**2]), jnp.array([1 + CURRENT - x0**3 - 2 * x0**2]),
        slow="z", bounds=(-10.0, 3.5), ds=0.05, ds_max=0.5, n_intervals=40, cycle_ds=0.05,
        period_max=60.0,
    )  # fmt: skip
    eq = diagram.equilibria
    assert diagram.slow == "z" and eq.names == ("x", "y")
    # equilibria: y = 1 - 5 x^2 and z = 1 + I - x^3 - 2 x^2, a Z-shaped curve
    x, z = np.asarray(eq.x[:, 0]), np.asarray(eq.p)
    np.testing.assert_allclose(z, 1 + CURRENT - x**3 - 2 * x**2, atol=1e-10)
    np.testing.assert_allclose(eq.x[:, 1], 1 - 5 * x**2, atol=1e-10)
    folds = sorted(float(q.p[0]) for q in eq.special("LP"))
    np.testing.assert_allclose(folds, [1 + CURRENT - 32 / 27, 1 + CURRENT], atol=1e-10)
    # Hopf points where the trace -3x^2 + 6x - 1 vanishes: x = 1 -+ sqrt(2/3)
    xh = 1 + np.array([1, -1]) * np.sqrt(2 / 3)
    hopf = eq.special("H")
    np.testing.assert_allclose([float(h.x[0]) for h in hopf], xh, atol=1e-9)
    np.testing.assert_allclose([float(h.p[0]) for h in hopf], 1 + CURRENT - xh**3 - 2 * xh**2)
    # the spiking cycles, born at the left Hopf point, stable, ending at a homoclinic orbit
    spikes = diagram.cycles[0]
    p = np.asarray(spikes.p)
    assert np.all(np.diff(p) > 0) and np.all(np.asarray(spikes.stable)[1:])
    assert float(spikes.period[-1]) > 50 and 2.07 < p[-1] < 2.09

    # the burst: it starts past the lower fold (a delayed jump), each spike reaches the
    # cycle's maximum at the z where it fires, and the last one is at the homoclinic end
    ys = simulate()
    xs, zs = ys[:, 0], ys[:, 2]
    assert folds[0] - 0.1 < zs.min() < folds[0]
    peak = np.flatnonzero((xs[1:-1] > xs[:-2]) & (xs[1:-1] >= xs[2:]) & (xs[1:-1] > 1)) + 1
    assert len(peak) > 20
    np.testing.assert_allclose(xs[peak], np.interp(zs[peak], p, spikes.x_max[:, 0]), atol=0.01)
    assert abs(zs[peak].max() - p[-1]) < 0.01
    # z while the neuron spikes stays inside the range of the stable cycles
    assert zs[peak].min() > p[0]

    # the overlay: the trajectory first (grey, underneath), then the diagram
    ax = dx.plot.fast_slow(diagram, zs, xs, var="x")
    np.testing.assert_allclose(ax.lines[0].get_xdata(), zs)
    assert ax.get_xlabel() == "z" and ax.get_ylabel() == "x"
    kinds = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"trajectory", "stable", "unstable", "H", "LP"} <= kinds
    plt.close("all")
