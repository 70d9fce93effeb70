"""Fast–slow dissection of a Morris–Lecar square-wave burster.

The Morris–Lecar neuron with a slow calcium-dependent potassium current
(Rinzel & Ermentrout 1989; Ermentrout & Terman 2010, ch. 5):

$$C\\frac{dV}{dt} = I - g_L(V - V_L) - g_\\text{Ca} m_\\infty(V)(V - V_\\text{Ca})
- g_\\text{K} w (V - V_\\text{K})
- g_\\text{KCa}\\frac{[\\text{Ca}]}{[\\text{Ca}] + 1}(V - V_\\text{K}),$$

$$\\frac{dw}{dt} = \\phi\\cosh\\frac{V - V_3}{2V_4}\\,(w_\\infty(V) - w),\\qquad
\\frac{d[\\text{Ca}]}{dt} = \\varepsilon\\,(-\\mu I_\\text{Ca} - [\\text{Ca}]),$$

with $m_\\infty = \\frac12(1 + \\tanh\\frac{V - V_1}{V_2})$,
$w_\\infty = \\frac12(1 + \\tanh\\frac{V - V_3}{V_4})$ and
$I_\\text{Ca} = g_\\text{Ca} m_\\infty(V)(V - V_\\text{Ca})$. Parameters: the
"homoclinic" Morris–Lecar set of Ermentrout & Terman (2010, Table 3.1; Rinzel &
Ermentrout 1989): $C = 20$ µF/cm², $g_L = 2$, $g_\\text{Ca} = 4$, $g_\\text{K} = 8$
mS/cm², $V_L = -60$, $V_\\text{Ca} = 120$, $V_\\text{K} = -84$, $V_1 = -1.2$, $V_2 = 18$,
$V_3 = 12$, $V_4 = 17.4$ mV, $\\phi = 0.23$ /ms; and the square-wave burster's slow
current as in Ermentrout & Terman (2010, §5.2): $g_\\text{KCa} = 0.25$ mS/cm²,
$\\varepsilon = 0.005$ /ms, $\\mu = 0.02$, $I = 45$ µA/cm². Time in ms, $V$ in mV.

The calcium enters the fast subsystem $(V, w)$ only through the open fraction
$z = [\\text{Ca}]/([\\text{Ca}] + 1)$ of the KCa channels, so $z$ is the slow variable
held as the parameter (written as a plain function `fast(x, p)`, which
`dx.analysis.fast_slow` takes). The fast subsystem's equilibria lie on
$z = (I - I_\\text{ss}(V))/(g_\\text{KCa}(V - V_\\text{K}))$, a Z with a lower fold (the
end of the resting branch) and a Hopf point on the upper branch; the stable spiking
cycles (past a fold of cycles) end in a homoclinic orbit to the middle, saddle branch.
The simulated trajectory (RK4, `jax.lax.scan`) drawn over the diagram
(`dx.plot.fast_slow`) rests on the lower branch while $z$ falls, jumps near the fold,
spikes on the cycles while $z$ rises and stops where they end: a fold/homoclinic
("square-wave") burster (Izhikevich 2000). The script checks the folds against a
Newton solve of $dz/dV = 0$ on the closed-form curve and the Hopf point against a
Newton solve of the Jacobian's trace along it.

`DYNAX_QUICK=1` (or `--quick`) uses a coarser mesh and a shorter simulation and writes
`examples/fast_slow_morris_lecar.quick.png`; full mode writes
`examples/fast_slow_morris_lecar.png`.

References: Rinzel, J., & Ermentrout, G. B. (1989). Analysis of neural excitability
and oscillations. In *Methods in Neuronal Modeling*, 135–169. MIT Press.
Ermentrout, G. B., & Terman, D. H. (2010). *Mathematical Foundations of
Neuroscience*, ch. 3 and 5. Springer. Izhikevich, E. M. (2000). Neural excitability,
spiking and bursting. *Int. J. Bifurcation and Chaos*, 10(6), 1171–1266.
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

# the homoclinic Morris-Lecar set with the slow KCa current (see the docstring)
C, G_L, G_CA, G_K, V_L, V_CA, V_K = 20.0, 2.0, 4.0, 8.0, -60.0, 120.0, -84.0
V1, V2, V3, V4, PHI = -1.2, 18.0, 12.0, 17.4, 0.23
G_KCA, EPS, MU, CURRENT = 0.25, 0.005, 0.02, 45.0


def m_inf(v):
    return 0.5 * (1 + jnp.tanh((v - V1) / V2))


def w_inf(v):
    return 0.5 * (1 + jnp.tanh((v - V3) / V4))


def fast(x, p):
    """The fast subsystem (V, w) with z = [Ca]/([Ca] + 1) as the parameter p[0]."""
    v, w = x[0], x[1]
    dv = (CURRENT - G_L * (v - V_L) - G_CA * m_inf(v) * (v - V_CA) - G_K * w * (v - V_K)
          - G_KCA * p[0] * (v - V_K)) / C  # fmt: skip
    dw = PHI * jnp.cosh((v - V3) / (2 * V4)) * (w_inf(v) - w)
    return jnp.stack([dv, dw])


def full(y):
    """The whole model (V, w, [Ca])."""
    v, ca = y[0], y[2]
    dca = EPS * (-MU * G_CA * m_inf(v) * (v - V_CA) - ca)
    return jnp.concatenate([fast(y[:2], (ca / (ca + 1))[None]), dca[None]])


def z_of_v(v):
    """The fast subsystem's equilibria: the z at which V is at rest (w = w_inf(V))."""
    i_ss = G_L * (v - V_L) + G_CA * m_inf(v) * (v - V_CA) + G_K * w_inf(v) * (v - V_K)
    return (CURRENT - i_ss) / (G_KCA * (v - V_K))


def trace_on_curve(v):
    """The trace of the fast subsystem's Jacobian at its equilibrium with this V."""
    x, p = jnp.stack([v, w_inf(v)]), z_of_v(v)[None]
    return jnp.trace(jax.jacfwd(fast)(x, p))


def newton(f, v, steps=50):
    for _ in range(steps):
        v = v - f(v) / jax.grad(f)(v)
    return v


def simulate(duration, dt=0.05, y0=(-40.0, 0.0, 1.0)):
    """RK4 with jax.lax.scan; returns V and z = [Ca]/([Ca] + 1) every step."""

    def step(y, _):
        k1 = full(y)
        k2 = full(y + dt / 2 * k1)
        k3 = full(y + dt / 2 * k2)
        k4 = full(y + dt * k3)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y, y

    _, ys = jax.lax.scan(step, jnp.array(y0), None, length=int(duration / dt))
    ys = np.asarray(ys)
    return dt * np.arange(1, len(ys) + 1), ys[:, 0], ys[:, 2] / (ys[:, 2] + 1)


def diagram(n_intervals=40, cycle_ds=0.02):
    v0 = -35.0  # on the resting branch
    return dx.analysis.fast_slow(
        fast, jnp.array([v0, w_inf(v0)]), z_of_v(jnp.array(v0))[None], slow=0,
        bounds=(-0.5, 3.5), ds=0.02, ds_max=0.3, max_points=1000,
        n_intervals=n_intervals, cycle_ds=cycle_ds, period_max=500.0,
    )  # fmt: skip


def main(quick: bool = False):
    with jax.enable_x64(True):  # the caller's session stays as it was
        return _main(quick)


def _main(quick: bool):
    print(f"Morris-Lecar square-wave burster, I = {CURRENT} uA/cm2 (float64)")
    start = time.perf_counter()
    fs = diagram(*((30, 0.05) if quick else (60, 0.02)))
    t_diagram = time.perf_counter() - start
    eq = fs.equilibria
    dz = jax.grad(z_of_v)
    print("fast subsystem (V, w) with z = [Ca]/([Ca]+1) as a parameter:")
    for q in eq.points:
        z, v = float(q.p[0]), float(q.x[0])
        if q.kind == "LP":
            vn = float(newton(dz, jnp.array(v + 1.0)))
            zn = float(z_of_v(vn))
            print(f"  fold at z = {z:.10f}, V = {v:.6f} mV (Newton on dz/dV = 0: z = {zn:.10f}, "
                  f"error {abs(z - zn):.1e})")  # fmt: skip
        else:
            vn = float(newton(trace_on_curve, jnp.array(v + 1.0)))
            zn = float(z_of_v(vn))
            print(f"  Hopf at z = {z:.10f}, V = {v:.6f} mV (Newton on the trace: z = {zn:.10f}, "
                  f"error {abs(z - zn):.1e}), omega = {float(q.omega):.5f} /ms, "
                  f"l1 = {float(q.l1):+.2e}")  # fmt: skip
    spiking = fs.cycles[0]
    p = np.asarray(spiking.p)
    z_lpc, z_hom = float(p.min()), float(p[-1])
    print(f"  cycles from the Hopf point: {len(p)} cycles, a fold of cycles at z = {z_lpc:.6f}, "
          f"the branch ends at z = {z_hom:.6f} (period {float(spiking.period[-1]):.1f} ms: "
          f"a homoclinic orbit)")  # fmt: skip
    print(f"diagram: {t_diagram:.2f} s")

    duration = 6000.0 if quick else 12000.0
    start = time.perf_counter()
    t, v, z = simulate(duration)
    t_sim = time.perf_counter() - start
    late = t > 2000.0
    peak = np.flatnonzero((v[1:-1] > v[:-2]) & (v[1:-1] >= v[2:]) & (v[1:-1] > 0.0)) + 1
    peak = peak[late[peak]]
    fold_z = min(float(q.p[0]) for q in eq.special("LP"))
    print(f"simulation: {duration:g} ms in {t_sim:.2f} s, {len(peak)} spikes after 2 s")
    print(f"  lowest z {z[late].min():.4f}: the jump comes {fold_z - z[late].min():.4f} past "
          f"the lower fold z = {fold_z:.4f} (slow passage)")  # fmt: skip
    print(f"  last spike of a burst at z = {z[peak].max():.4f}; the cycles end at "
          f"z = {z_hom:.4f} (difference {abs(z[peak].max() - z_hom):.4f})")  # fmt: skip

    fig = plt.figure(figsize=(12, 8))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.6])
    ax = fig.add_subplot(grid[0, :])
    ax.plot(t, v, lw=0.6, color="0.35")
    title = f"bursts of the full model (I = {CURRENT} µA/cm²)"
    ax.set(xlabel="time (ms)", ylabel="V (mV)", title=title)
    ax2 = ax.twinx()
    ax2.plot(t, z, color="tab:blue", lw=1.2)
    ax2.set_ylabel("z = [Ca]/([Ca]+1) (slow)", color="tab:blue")

    ax = fig.add_subplot(grid[1, 0])
    dx.plot.fast_slow(fs, z[late], v[late], var=0, ax=ax)
    ax.set(xlim=(0.2, 0.8), ylim=(-45.0, 25.0), xlabel="z", ylabel="V (mV)",
           title="fast subsystem in z, trajectory over it")  # fmt: skip
    ax.title.set_fontsize(10)

    ax = fig.add_subplot(grid[1, 1])
    dx.plot.bifurcation(*fs.branches, var=0, ax=ax, legend=False)
    ax.set(xlabel="z", ylabel="V (mV)")
    ax.set_title("the whole Z-shaped diagram (z > 1 is not reached by [Ca] ≥ 0)", fontsize=10)
    fig.suptitle("Morris–Lecar with a slow KCa current: a fold/homoclinic burster")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return fs, (t_diagram, t_sim)


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
