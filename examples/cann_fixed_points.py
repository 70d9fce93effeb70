"""Fixed points and linearisation of a continuous attractor network
(`dx.analysis.slow_points`, `dx.analysis.linearise`).

A CANN on a ring (`dx.networks.CANN1D`, Wu, Hamaguchi & Amari 2008) stores a continuous
variable: for every position z on the ring there is a stationary bump, so its fixed
points form a line (a ring) in the n-dimensional state space, each neutrally stable
along the ring (one zero eigenvalue: the bump can be moved for free) and stable across
it. This script finds that line without being told where it is, as Sussillo & Barak
(2013) do for trained RNNs: it simulates the network from random, noisy, partial bumps
at random positions, samples candidate states from the trajectories, minimises
q(x) = ½‖F(x)‖² from all of them at once (Levenberg–Marquardt, 64 steps, vmapped), keeps the
unique points below the tolerance, and linearises there. It prints the number of fixed
points, how well they cover the ring, their heights against the closed form
U0 = J0 (1 + √(1 − k/k_c)) / (4√π a k), the eigenvalues at each (the zero one and the
next) and the time of each step, and writes `examples/cann_fixed_points.png`: the fixed
points and trajectories on their first two principal components (a ring), the bump
profiles, the eigenvalue spectrum at one bump, and the zero mode against the bump's
derivative (the direction along the attractor) — the CANN panels of the BrainPy
paper's Fig. 5.

`DYNAX_QUICK=1` (or `--quick`) uses 64 neurons and fewer candidates and writes
`examples/cann_fixed_points.quick.png` instead, as CI does.
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


def main(seed: int = 0, quick: bool = False):
    n, n_runs, n_candidates = (64, 24, 48) if quick else (128, 48, 96)
    cann = dx.networks.CANN1D(n)
    system = dx.analysis.flat_system(cann, y0=cann.init().u)
    U0, _ = cann.bump_height()
    keys = jax.random.split(jax.random.PRNGKey(seed), 4)

    # Random starting states: partial bumps of random height at positions spread over
    # the ring, plus noise.
    spacing = 2 * np.pi / n_runs
    z0 = jnp.linspace(-np.pi, np.pi, n_runs, endpoint=False)
    z0 = z0 + jax.random.uniform(keys[0], (n_runs,), maxval=spacing)
    height = jax.random.uniform(keys[1], (n_runs, 1), minval=0.4, maxval=1.5)
    starts = height * jax.vmap(lambda z: cann.stimulus(z, U0))(z0)
    starts = starts + 0.1 * U0 * jax.random.normal(keys[2], starts.shape)
    t0 = time.perf_counter()
    runs = dx.analysis.trajectories(system, starts, 10.0, dt=0.05, every=5)
    t_sim = time.perf_counter() - t0

    candidates = dx.analysis.sample_states(runs.x[:, 2:], n_candidates, keys[3], noise=0.02)
    t0 = time.perf_counter()
    sp = dx.analysis.slow_points(system, candidates, solver="levenberg-marquardt", steps=64)
    t_slow = time.perf_counter() - t0

    x = np.asarray(sp.x)
    z = np.asarray(jax.vmap(cann.decode)(jnp.square(jnp.maximum(sp.x, 0))))
    bump = x.max(axis=1) > 0.1 * float(U0)
    lam = np.asarray(sp.eigenvalues)
    stable = bump & (lam[:, 1].real < 0) & (np.abs(lam[:, 0]) < 1e-3)
    zs = np.sort(z[stable])
    gaps = np.diff(np.concatenate([zs, zs[:1] + 2 * np.pi]))
    # every bump has a zero eigenvalue (the shift along the ring); it is stable when all
    # the others are negative, unstable (the smaller bump of the same width) otherwise
    print(
        f"CANN1D(n={n}): {len(sp)} fixed points from {n_candidates} candidates "
        f"({int(stable.sum())} stable bumps, {int((bump & ~stable).sum())} unstable "
        f"bumps, {int((~bump).sum())} silent)"
    )
    print(f"  simulation {t_sim:.2f} s, slow points (LM, incl. linearisation) {t_slow:.2f} s")
    print(
        f"  q: max {float(np.max(sp.q)):.2e}; largest gap between stable bumps "
        f"{gaps.max():.3f} rad (ring 6.283)"
    )
    err = max(
        np.abs(x[j] - np.asarray(cann.bump(float(z[j])).u)).max() for j in np.where(stable)[0]
    )
    print(
        f"  stable bumps vs the closed form cann.bump(z) at their decoded z: max |du| "
        f"{err:.2e} (U0 = {float(U0):.4f})"
    )
    print(
        f"  at the stable bumps: |lambda_1| <= {np.abs(lam[stable, 0]).max():.2e} /ms, "
        f"lambda_2 in [{lam[stable, 1].real.min():.4f}, {lam[stable, 1].real.max():.4f}] /ms"
    )
    print(f"  stability classes: {dict(zip(*np.unique(sp.labels, return_counts=True)))}")

    i = int(np.argmax(stable))
    lin = dx.analysis.linearise(system, sp.x[i])
    mode = np.real(np.asarray(lin.right[:, 0]))
    du = np.gradient(x[i])
    cos = abs(mode @ du) / np.linalg.norm(mode) / np.linalg.norm(du)
    print(f"  zero mode vs the bump's derivative: |cos| = {cos:.5f}")

    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
    dx.plot.fixed_point_projection(sp, np.asarray(runs.x), ax=axes[0])
    axes[0].set_title("fixed points on the first two PCs")
    order = np.argsort(z)
    xs = np.asarray(cann.x)
    for j in order[stable[order]][:: max(1, int(stable.sum()) // 12)]:
        axes[1].plot(xs, x[j], lw=1)
    axes[1].set_xlabel("preferred position (rad)")
    axes[1].set_ylabel("u")
    axes[1].set_title("a line of bumps")
    dx.plot.eigenvalues(lin, ax=axes[2])
    axes[2].set_title(f"spectrum at z = {z[i]:.2f}")
    axes[3].plot(xs, mode / np.abs(mode).max(), label="zero mode")
    axes[3].plot(xs, du / np.abs(du).max() * np.sign(mode @ du), "--", label="du/dx")
    axes[3].set_xlabel("preferred position (rad)")
    axes[3].legend(fontsize="small")
    axes[3].set_title("the neutral direction")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return sp


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
