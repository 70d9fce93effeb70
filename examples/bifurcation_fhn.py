"""Bifurcations of the FitzHugh–Nagumo neuron by continuation: equilibria, limit cycles,
and Hopf and fold curves in two parameters.

$$\\dot v = v - v^3/3 - w + I, \\qquad \\tau\\dot w = v + a - b w,$$

with $a = 0.7$, $b = 0.8$, $\\tau = 12.5$ (`dx.neurons.SpikingFHN`, turned into a flat
$F(x, p)$ by `dx.analysis.flat_system` with the parameters `I_bias`, `a`, `b` by name).

1. **Equilibria in $I$** (`dx.analysis.equilibrium_branch`, pseudo-arclength
   continuation): the rest state loses stability in a Hopf point at $I \\approx 0.331$
   and regains it at $I \\approx 1.419$. Both are checked against the trace condition:
   at the equilibrium $1 - v^{*2} - b/\\tau = 0$, so $v^* = \\pm\\sqrt{1 - b/\\tau}$ and
   $I = v^{*3}/3 - v^* + (v^* + a)/b$. Both are subcritical ($\\ell_1 > 0$).
2. **Limit cycles** from each Hopf point (`dx.analysis.limit_cycle_branch`, orthogonal
   collocation): small unstable cycles grow through a canard explosion into the large
   relaxation oscillation, turning at a fold of cycles (LPC) just below the Hopf point:
   between the LPC and the Hopf point a stable rest state and a stable spiking cycle
   coexist (bistability). The period at birth is $2\\pi/\\omega$ of the linearisation.
3. **Codimension 2** (`dx.analysis.codim2_curve` from a Hopf point or a fold): in
   $(I, a)$ the Hopf points move on two straight lines (the analytic ones drawn dashed
   below the computed ones); in $(I, b)$, for $b > 1$ the cubic gets three equilibria:
   a cusp at $b = 1$, two fold curves, and the Hopf curves end on them at
   Bogdanov–Takens points where $b^2 = \\tau$ (trace and determinant both vanish).

The script prints the Hopf points, their errors against the analytic values and the time
of each analysis, and writes `examples/bifurcation_fhn.png`. FitzHugh–Nagumo units are
dimensionless. `DYNAX_QUICK=1` (or `--quick`) uses coarser steps and meshes and writes
`examples/bifurcation_fhn.quick.png`, as CI does.
"""

import os
import pathlib
import sys
import time

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

A, B, TAU = 0.7, 0.8, 12.5


def hopf_analytic(a=A, b=B, tau=TAU):
    """The two Hopf points in I: (v*, I) with 1 - v*^2 = b/tau."""
    v = np.array([-1.0, 1.0]) * np.sqrt(1 - b / tau)
    return v, v**3 / 3 - v + (v + a) / b


def rest_state(current, a=A, b=B):
    """The equilibrium (the real root of the cubic) at the input `current`."""
    roots = np.roots([-1 / 3, 0.0, 1 - 1 / b, current - a / b])
    v = roots[np.argmin(np.abs(roots.imag))].real
    return np.array([v, (v + a) / b])


def timed(label, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"{label:52s} {elapsed:6.2f} s")
    return out, elapsed


def main(quick: bool = False):
    with jax.enable_x64(True):  # bifurcation values to 1e-12; the caller's session stays as it was
        return _main(quick)


def _main(quick: bool):
    fhn = dx.neurons.SpikingFHN(1, a=A, b=B, tau=TAU)
    F = dx.analysis.flat_system(
        fhn, params=("I_bias", "a", "b"), y0=(jnp.zeros(1), jnp.zeros(1)), names=("v", "w")
    )
    n_intervals = 25 if quick else 40
    times = {}

    print("FitzHugh-Nagumo: a = 0.7, b = 0.8, tau = 12.5 (float64)")
    eq, times["equilibria"] = timed(
        "equilibria in I (both directions)",
        dx.analysis.equilibrium_branch,
        F, rest_state(0.0), param="I_bias", bounds=(-0.5, 2.0), ds=0.02, ds_max=0.05,
    )  # fmt: skip
    hopf = eq.special("H")
    v_an, i_an = hopf_analytic()
    print("\nHopf points (continuation, then the analytic value from the trace condition):")
    for h, v, i in zip(hopf, v_an, i_an):
        err = abs(float(h.p[0]) - i)
        print(
            f"  I = {float(h.p[0]):.12f}  (analytic {i:.12f}, error {err:.1e}),  "
            f"v* = {float(h.x[0]):+.9f} (error {abs(float(h.x[0]) - v):.1e}),  "
            f"omega = {float(h.omega):.6f}, period {float(h.period):.4f},  "
            f"l1 = {float(h.l1):+.4f} ({'sub' if float(h.l1) > 0 else 'super'}critical)"
        )
    print()

    cycles = []
    for h, bounds in zip(hopf, [(0.2, 1.0), (0.8, 1.6)]):
        branch, elapsed = timed(
            f"limit cycles from the Hopf point at I = {float(h.p[0]):.4f}",
            dx.analysis.limit_cycle_branch,
            F, h, bounds=bounds, n_intervals=n_intervals, ds=0.02, max_points=250,
        )  # fmt: skip
        times[f"cycles from H at {float(h.p[0]):.3f}"] = elapsed
        cycles.append(branch)
        for q in branch.points:
            print(f"    {q.kind} at I = {float(q.p[0]):.9f}, period {float(q.period):.4f}")
        print(f"    {len(branch.p)} cycles, {branch.n_jacobians} Jacobians, stop: {branch.status}")
    omega = float(hopf[0].omega)
    first = cycles[0]
    print(
        f"    period at birth {float(first.period[0]):.6f} = 2 pi / omega "
        f"{2 * np.pi / omega:.6f}; next cycle (amplitude "
        f"{float(first.x_max[1, 0] - first.x_min[1, 0]) / 2:.3f}): {float(first.period[1]):.6f}"
    )

    box_a = ((-1.0, 3.0), (0.0, 1.5))
    curves_a = []
    for h in hopf:
        curve, elapsed = timed(
            f"Hopf curve in (I, a) from I = {float(h.p[0]):.4f}",
            dx.analysis.codim2_curve,
            F, h, "a", bounds=box_a, ds=0.05, ds_max=0.1,
        )  # fmt: skip
        times[f"Hopf curve (I, a) from {float(h.p[0]):.3f}"] = elapsed
        curves_a.append(curve)
        v = np.sign(float(h.x[0])) * np.sqrt(1 - B / TAU)
        a = np.asarray(curve.p[:, 1])
        err = np.max(np.abs(np.asarray(curve.p[:, 0]) - (v**3 / 3 - v + (v + a) / B)))
        print(f"    {len(a)} points; largest error against the analytic line {err:.1e}")

    # (I, b): three equilibria for b > 1; start on the branch at b = 2
    p_b2 = np.array([0.0, A, 2.0])
    eq_b2, times["equilibria at b = 2"] = timed(
        "equilibria in I at b = 2",
        dx.analysis.equilibrium_branch,
        F, rest_state(0.0, b=2.0), p_b2, param="I_bias", bounds=(-1.5, 2.5), ds=0.02,
    )  # fmt: skip
    box_b = ((-1.5, 2.5), (0.5, 4.0))
    curves_b = []
    # one fold curve: it passes through the cusp onto the other fold
    for q in eq_b2.special("LP")[:1] + eq_b2.special("H")[:2]:
        curve, elapsed = timed(
            f"{'fold' if q.kind == 'LP' else 'Hopf'} curve in (I, b) from I = {float(q.p[0]):.4f}",
            dx.analysis.codim2_curve,
            F, q, "b", bounds=box_b, ds=0.05, ds_max=0.1,
        )  # fmt: skip
        times[f"{q.kind} curve (I, b) from {float(q.p[0]):.3f}"] = elapsed
        curves_b.append(curve)
        for s in curve.points:
            print(f"    {s.kind} at (I, b) = ({float(s.p[0]):.6f}, {float(s.p[2]):.6f})")
    print(f"    (Bogdanov-Takens analytic: b = sqrt(tau) = {np.sqrt(TAU):.6f}; cusp: b = 1, I = a)")
    print(f"\ntotal analysis time {sum(times.values()):.1f} s")

    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    ax = axes[0, 0]
    dx.plot.bifurcation(eq, *cycles, var="v", ax=ax, colors=["k", "C0", "C0"])
    ax.set_title("equilibria and limit cycles (max/min of v)", fontsize=10, loc="left")
    ax.set_xlabel("I")

    ax = axes[0, 1]
    for branch in cycles:
        per = np.asarray(branch.period)
        stable = np.asarray(branch.stable)
        ax.plot(np.where(stable, branch.p, np.nan), np.where(stable, per, np.nan), "C0-")
        ax.plot(np.where(~stable, branch.p, np.nan), np.where(~stable, per, np.nan), "C0--")
    for h in hopf:
        ax.plot(float(h.p[0]), float(h.period), "o", color="tab:red", mec="k", ms=7)
    for q in cycles[0].special("LPC") + cycles[1].special("LPC"):
        ax.plot(float(q.p[0]), float(q.period), "s", color="tab:green", mec="k", ms=6)
    ax.set(xlabel="I", ylabel="period", title="period of the cycles (2π/ω at the Hopf points)")
    ax.title.set_fontsize(10)

    ax = axes[1, 0]
    dx.plot.bifurcation(*curves_a, ax=ax, colors=["tab:red", "tab:red"], legend=False)
    a = np.linspace(0, 1.5, 50)
    for sign in (-1, 1):
        v = sign * np.sqrt(1 - B / TAU)
        ax.plot(v**3 / 3 - v + (v + a) / B, a, "k:", lw=2.5, label="analytic" if sign < 0 else None)
    ax.axhline(A, color="0.6", lw=0.8)
    ax.legend(fontsize="small")
    ax.set(xlabel="I", ylabel="a", xlim=(-1.0, 3.0), ylim=(0.0, 1.5))
    ax.set_title("Hopf curves in (I, a): computed (red), analytic (dotted)")
    ax.title.set_fontsize(10)

    ax = axes[1, 1]
    colors = ["k" if c.kind == "LP" else "tab:red" for c in curves_b]
    dx.plot.bifurcation(*curves_b, ax=ax, colors=colors)
    ax.set(xlabel="I", ylabel="b", xlim=(-1.5, 2.5), ylim=(0.5, 4.0))
    ax.set_title(
        "fold (black) and Hopf (red) curves in (I, b); dashed: neutral saddles", fontsize=10,
        loc="left",
    )  # fmt: skip
    fig.suptitle("FitzHugh–Nagumo by continuation (dynax.analysis)")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return hopf, times


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
