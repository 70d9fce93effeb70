"""Fast–slow analysis of a Morris–Lecar square-wave burster (examples/fast_slow_morris_lecar.py):
the fast subsystem's folds and Hopf point against Newton solves on the closed-form curve of
equilibria, and the simulated bursts against the diagram."""

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

import dynax as dx

matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

_PATH = pathlib.Path(__file__).parents[2] / "examples" / "fast_slow_morris_lecar.py"


def _example():
    spec = importlib.util.spec_from_file_location("fast_slow_morris_lecar", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # 10-30 s on the 2-core machine
def test_morris_lecar_square_wave_bursting(x64):
    ml = _example()
    fs = ml.diagram(n_intervals=30, cycle_ds=0.05)
    eq = fs.equilibria
    # the equilibria lie on z = (I - I_ss(V)) / (g_KCa (V - V_K)) with w = w_inf(V)
    v, z = np.asarray(eq.x[:, 0]), np.asarray(eq.p)
    np.testing.assert_allclose(z, ml.z_of_v(jnp.asarray(v)), atol=1e-10)
    np.testing.assert_allclose(eq.x[:, 1], ml.w_inf(jnp.asarray(v)), atol=1e-10)
    # folds where dz/dV = 0 (Newton), a lower one (end of rest) and an upper one
    folds = sorted(eq.special("LP"), key=lambda q: float(q.p[0]))
    assert len(folds) == 2
    for q in folds:
        vn = ml.newton(jax.grad(ml.z_of_v), jnp.array(float(q.x[0]) + 1.0))
        assert abs(float(q.x[0]) - float(vn)) < 1e-7
        assert abs(float(q.p[0]) - float(ml.z_of_v(vn))) < 1e-10
    z_fold = float(folds[0].p[0])
    assert 0.36 < z_fold < 0.375 and float(folds[0].x[0]) < -25
    # one Hopf point, on the upper branch, where the trace vanishes (Newton)
    (hopf,) = eq.special("H")
    vn = ml.newton(ml.trace_on_curve, jnp.array(float(hopf.x[0]) + 1.0))
    assert abs(float(hopf.x[0]) - float(vn)) < 1e-7
    assert abs(float(hopf.p[0]) - float(ml.z_of_v(vn))) < 1e-10
    jac = jax.jacfwd(ml.fast)(hopf.x, hopf.p)
    np.testing.assert_allclose(float(hopf.omega), np.sqrt(np.linalg.det(jac)), rtol=1e-8)
    # the cycles: from the Hopf point through a fold of cycles to stable spiking cycles that
    # end in a homoclinic orbit (the period grows without bound)
    (spikes,) = fs.cycles
    p = np.asarray(spikes.p)
    turn = int(np.argmin(p))
    assert p[turn] < z_fold < p[-1] and float(spikes.period[-1]) > 300
    assert np.all(np.asarray(spikes.stable)[turn + 1 :]) and np.all(np.diff(p[turn:]) > -1e-5)
    top = int(np.argmax(p))  # p creeps back by < 1e-6 as the period diverges
    z_hom = float(p[top])

    # the bursts: the jump from rest comes past the lower fold (slow passage), every spike
    # fires inside the range of the stable cycles, the last one near their homoclinic end
    t, vs, zs = ml.simulate(6000.0)
    late = t > 2000.0
    assert z_fold - 0.03 < zs[late].min() < z_fold
    peak = np.flatnonzero((vs[1:-1] > vs[:-2]) & (vs[1:-1] >= vs[2:]) & (vs[1:-1] > 0)) + 1
    peak = peak[late[peak]]
    assert len(peak) >= 12
    assert np.all(zs[peak] > p[turn]) and np.all(zs[peak] < z_hom)
    assert z_hom - zs[peak].max() < 0.03
    vmax = np.interp(zs[peak], p[turn : top + 1], np.asarray(spikes.x_max)[turn : top + 1, 0])
    np.testing.assert_allclose(vs[peak], vmax, atol=0.5)  # 0.19 mV measured

    ax = dx.plot.fast_slow(fs, zs[late], vs[late], var=0)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), zs[late])
    plt.close("all")
