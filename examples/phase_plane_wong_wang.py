"""Phase plane of the Wong & Wang (2006) decision model (`dx.analysis.PhasePlane2D`).

The reduced two-variable model (`dx.rates.WongWang(2)`) describes a decision circuit by
the NMDA gating variables S1, S2 of two selective populations that excite themselves
and inhibit each other. Its phase plane explains the decision: without a stimulus the
symmetric spontaneous state is stable beside two decision states (multistability);
a stimulus (30 Hz here, `model.stimulus(c)`) makes the symmetric state a saddle, so the
state is pushed along its unstable manifold to one of the two attractors, and a
coherent stimulus (c > 0) tilts the landscape towards population 1. For each of three
conditions (no stimulus; c = 0 %; c = 25.6 %) the script computes the vector field,
the nullclines (refined onto dS1/dt = 0 and dS2/dt = 0 by Newton steps), the fixed
points (vmapped Newton from a grid of guesses, de-duplicated and classified by their
Jacobian's eigenvalues) and trajectories from a few initial states, prints the fixed
points with their stability and the time of each analysis, and writes
`examples/phase_plane_wong_wang.png` (the panels of Wong & Wang's Fig. 4, and of the
phase-plane panel of the BrainPy paper's Fig. 5).

`DYNAX_QUICK=1` (or `--quick`) uses coarser grids and writes
`examples/phase_plane_wong_wang.quick.png` instead, as CI does.
"""

import os
import pathlib
import sys
import time

import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

CONDITIONS = (("no stimulus", None), ("c = 0 %", 0.0), ("c = 25.6 %", 25.6))


def main(seed: int = 0, quick: bool = False):
    model = dx.rates.WongWang(2)
    num, num_guess = (15, 8) if quick else (30, 15)
    starts = jnp.array([[0.1, 0.1], [0.05, 0.3], [0.3, 0.05], [0.6, 0.65], [0.02, 0.02]])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.6))
    results = []
    for ax, (title, coherence) in zip(axes, CONDITIONS):
        stim = jnp.zeros(2) if coherence is None else model.stimulus(coherence)
        system = dx.analysis.flat_system(model, input=stim, names=("S1", "S2"))
        plane = dx.analysis.PhasePlane2D(system, (0.0, 0.8), (0.0, 0.8))
        times = {}
        t0 = time.perf_counter()
        fp = plane.fixed_points(num=num_guess)
        times["fixed points"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        nullclines = plane.nullclines(4 * num)
        times["nullclines"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        plane.trajectories(starts, 2000.0, dt=1.0)
        times["trajectories"] = time.perf_counter() - t0
        print(f"{title}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
        for x, label, lam in zip(np.asarray(fp.x), fp.labels, np.asarray(fp.eigenvalues)):
            print(
                f"  S = ({x[0]:.4f}, {x[1]:.4f})  {label:15s} eigenvalues "
                f"{lam[0].real:+.5f}, {lam[1].real:+.5f} /ms"
            )
        dx.plot.phase_portrait(
            plane,
            x0=starts,
            duration=2000.0,
            dt=1.0,
            num=num,
            fixed_points=fp,
            nullclines=nullclines,
            legend=ax is axes[0],
            ax=ax,
        )
        ax.set_title(title)
        results.append((title, fp))
    fig.suptitle("Wong & Wang (2006): the decision circuit's phase plane")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
