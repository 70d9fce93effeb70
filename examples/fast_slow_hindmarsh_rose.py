"""Fast–slow dissection of the Hindmarsh–Rose burster.

$$\\dot x = y - x^3 + 3x^2 - z + I,\\qquad \\dot y = 1 - 5x^2 - y,\\qquad
\\dot z = r\\,(4(x + 1.6) - z),$$

with $r = 0.001$ (`dx.neurons.HindmarshRose`, its defaults). The adaptation $z$ is a
thousand times slower than $(x, y)$, so the trajectory follows the attractors of the
*fast subsystem* $(x, y)$ with $z$ frozen as a parameter (`dx.analysis.flat_system(hr,
params=("z",))` holds the state variable $z$ at the parameter's value). Its bifurcation
diagram in $z$ (`dx.analysis.fast_slow`: equilibria by continuation, limit cycles from
each Hopf point by collocation) is a Z-shaped curve of equilibria with a lower fold,
and a branch of stable spiking cycles born in a Hopf point far to the left that ends
in a homoclinic orbit to the middle (saddle) branch. The simulated trajectory, drawn
over the diagram (`dx.plot.fast_slow`), shows the burst: at rest on the lower branch
$z$ decreases until the branch folds; the neuron jumps onto the spiking cycles, $z$
grows spike by spike, and the burst ends where the cycles meet the saddle in the
homoclinic orbit: a fold/homoclinic ("square-wave") burster in Izhikevich's
classification (Izhikevich 2000). Everything is checked against closed forms: the
equilibria lie on $z = 1 + I - x^3 - 2x^2$ with folds at $x = 0$ and $x = -4/3$, and
the Hopf points where the trace $-3x^2 + 6x - 1$ vanishes.

The script prints the special points (and their errors against the closed forms), the
burst's start and end against the fold and the homoclinic end of the cycles, and the time
of each analysis, and writes `examples/fast_slow_hindmarsh_rose.png`. Time and variables
are dimensionless. `DYNAX_QUICK=1` (or `--quick`) uses a coarser mesh and a shorter
simulation and writes `examples/fast_slow_hindmarsh_rose.quick.png`, as CI does.
"""

import os
import pathlib
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

CURRENT = 2.0  # bursts of 9 spikes


def main(quick: bool = False):
    with jax.enable_x64(True):  # bifurcation values to 1e-12; the caller's session stays as it was
        return _main(quick)


def _main(quick: bool):
    hr = dx.neurons.HindmarshRose(1, I_bias=CURRENT)
    y0 = (jnp.zeros(1), jnp.zeros(1), jnp.zeros(1))
    fast = dx.analysis.flat_system(hr, params=("z",), y0=y0, names=("x", "y", "z"))

    print(f"Hindmarsh-Rose, I = {CURRENT}, r = 0.001 (float64)")
    start = time.perf_counter()
    x0 = -1.6  # a rest state of the fast subsystem: y = 1 - 5 x^2, z = 1 + I - x^3 - 2 x^2
    diagram = dx.analysis.fast_slow(
        fast, jnp.array([x0, 1 - 5 * x0**2]), jnp.array([1 + CURRENT - x0**3 - 2 * x0**2]),
        slow="z", bounds=(-10.0, 3.5), ds=0.05, ds_max=0.5,
        n_intervals=30 if quick else 60, cycle_ds=0.05, period_max=60.0 if quick else 100.0,
    )  # fmt: skip
    t_diagram = time.perf_counter() - start
    eq = diagram.equilibria
    folds = {1 + CURRENT: 0.0, 1 + CURRENT - 32 / 27: -4 / 3}  # z: x at the two folds
    print("fast subsystem (x, y) with z as a parameter:")
    for q in eq.points:
        z, x = float(q.p[0]), float(q.x[0])
        if q.kind == "LP":
            zf = min(folds, key=lambda v: abs(v - z))
            print(f"  fold  at z = {z:.10f} (closed form {zf:.10f}, error {abs(z - zf):.1e})")
        else:
            xh = 1 + np.sign(x - 1) * np.sqrt(2 / 3)
            zh = 1 + CURRENT - xh**3 - 2 * xh**2
            print(
                f"  Hopf  at z = {z:.10f} (closed form {zh:.10f}, error {abs(z - zh):.1e}), "
                f"x = {x:.6f}, omega = {float(q.omega):.4f}, l1 = {float(q.l1):+.4f}"
            )
    for branch in diagram.cycles:
        p = np.asarray(branch.p)
        print(
            f"  cycles from z = {p[0]:.4f}: {len(p)} cycles up to z = {p[-1]:.6f}, where the "
            f"period reaches {float(branch.period[-1]):.1f} (a homoclinic orbit)"
        )
    spiking = diagram.cycles[0]
    z_hom = float(spiking.p[-1])
    print(f"diagram: {t_diagram:.2f} s ({eq.n_jacobians} + "
          f"{sum(c.n_jacobians for c in diagram.cycles)} Jacobians)")  # fmt: skip

    # the full model: dynax's own HindmarshRose step (RK4), from rest with z near its
    # range (from z = 0 it would take a thousand time units to get there)
    dt, duration = 0.05, 1500.0 if quick else 3000.0
    state = eqx.tree_at(lambda s: s.z, hr.init(), jnp.full(1, 1.9))
    start = time.perf_counter()
    _, records = dx.simulate(
        hr, state, dt=dt, duration=duration, monitors={"x": "v", "z": "z"}, every=2
    )
    x, z = np.asarray(records["x"])[:, 0], np.asarray(records["z"])[:, 0]
    t = dt * 2 * np.arange(1, len(x) + 1)
    t_sim = time.perf_counter() - start
    late = t > duration / 3
    peak = np.flatnonzero((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]) & (x[1:-1] > 1.0)) + 1
    peak = peak[late[peak]]
    fold_z = 1 + CURRENT - 32 / 27
    print(f"simulation: {duration:g} time units in {t_sim:.2f} s")
    print(f"  lowest z {z[late].min():.4f}: the jump comes {fold_z - z[late].min():.4f} past "
          f"the lower fold z = {fold_z:.4f} (slow passage)")  # fmt: skip
    print(f"  last spike of a burst at z = {z[peak].max():.4f}; the cycles end at "
          f"z = {z_hom:.4f} (difference {abs(z[peak].max() - z_hom):.4f})")  # fmt: skip
    xm = np.interp(z[peak], spiking.p, spiking.x_max[:, 0])
    print(f"  spike peaks against the cycles' maxima at the same z: largest difference "
          f"{np.max(np.abs(x[peak] - xm)):.4f} over {len(peak)} spikes")  # fmt: skip

    fig = plt.figure(figsize=(12, 8))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.6])
    ax = fig.add_subplot(grid[0, :])
    ax.plot(t, x, lw=0.6, color="0.35")
    ax.set(xlabel="time", ylabel="x", title=f"bursts of the full model (I = {CURRENT})")
    ax2 = ax.twinx()
    ax2.plot(t, z, color="tab:blue", lw=1.2)
    ax2.set_ylabel("z (slow)", color="tab:blue")

    ax = fig.add_subplot(grid[1, 0])
    zz = np.linspace(1.4, 3.4, 100)
    ax.plot(zz, zz / 4 - 1.6, color="tab:blue", lw=0.8, ls=":", label="z-nullcline")
    dx.plot.fast_slow(diagram, z[late], x[late], var="x", ax=ax)
    ax.set(xlim=(1.4, 3.3), ylim=(-2.0, 2.2), title="fast subsystem in z, trajectory over it")
    ax.title.set_fontsize(10)

    ax = fig.add_subplot(grid[1, 1])
    dx.plot.bifurcation(*diagram.branches, var="x", ax=ax, legend=False)
    ax.set_title("the whole diagram: the spiking cycles are born at a Hopf point", fontsize=10)
    fig.suptitle("Hindmarsh–Rose: a fold/homoclinic burster (dynax.analysis.fast_slow)")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return diagram, (t_diagram, t_sim)


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
