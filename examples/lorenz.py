"""The Lorenz attractor, solved adaptively with `dx.integrate.solve` (Lorenz 1963).

The Lorenz system (σ = 10, ρ = 28, β = 8/3; dimensionless time) is the classic test of
a solver on a chaotic flow: nearby trajectories separate at the rate of the largest
Lyapunov exponent, about 0.906, so only an accurate, error-controlled solver follows
a trajectory for long. This script solves it with Tsit5 at rtol = atol = 1e-10, plots
the butterfly, and estimates the Lyapunov exponent by pushing a tangent vector through
the differentiable solve with `jax.jvp`; the separation of two trajectories that start
1e-9 apart grows at that rate. It writes `examples/lorenz.png`.

`DYNAX_QUICK=1` (or `--quick`) estimates the exponent over 20 time units instead of 200
and plots 10 time units, writing `examples/lorenz.quick.png`, as CI does.
"""

import os
import pathlib
import sys

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from diffrax import ForwardMode

import dynax as dx


def lorenz(t, y, args):
    sigma, rho, beta = args
    x, v, z = y
    return jnp.stack([sigma * (v - x), x * (rho - z) - v, x * v - beta * z])


def flow(y0, args, duration):
    """The state after `duration`, solved with Tsit5 at rtol = atol = 1e-10."""
    _, ys = dx.integrate.solve(
        lorenz, y0, 0.0, duration, args=args, rtol=1e-10, atol=1e-10, adjoint=ForwardMode()
    )
    return ys[-1]


def lyapunov_exponent(y0, args, n_intervals=200):
    """Benettin's method: push a tangent vector through the flow with `jax.jvp` (solve is
    differentiable), renormalising it after every unit of time."""

    def interval(carry, _):
        y, v = carry
        y, v = jax.jvp(lambda y: flow(y, args, 1.0), (y,), (v,))
        growth = jnp.linalg.norm(v)
        return (y, v / growth), jnp.log(growth)

    _, logs = jax.lax.scan(interval, (y0, jnp.array([1.0, 0.0, 0.0])), None, length=n_intervals)
    return jnp.mean(logs)


def main(seed: int = 0, duration: float = 40.0, n_intervals: int = 200, quick: bool = False):
    if quick:
        duration, n_intervals = 10.0, 20
    jax.config.update("jax_enable_x64", True)  # a chaotic flow amplifies round-off
    args = (10.0, 28.0, 8.0 / 3.0)
    start = jnp.array([1.0, 1.0, 1.0]) + 0.1 * jax.random.normal(jax.random.key(seed), (3,))
    y0 = jax.jit(flow, static_argnums=2)(start, args, 20.0)  # settle onto the attractor
    rate = float(jax.jit(lyapunov_exponent, static_argnums=2)(y0, args, n_intervals))
    print(
        f"largest Lyapunov exponent (Benettin, {n_intervals} time units): {rate:.3f} "
        "(literature 0.906)"
    )

    ts = jnp.linspace(0.0, duration, round(200 * duration) + 1)

    def trajectory(y0):
        return dx.integrate.solve(
            lorenz, y0, 0.0, duration, args=args, rtol=1e-10, atol=1e-10, saveat=ts
        )[1]

    ys, ys_near = jax.jit(jax.vmap(trajectory))(jnp.stack([y0, y0 + jnp.array([1e-9, 0, 0])]))
    distance = np.linalg.norm(np.asarray(ys - ys_near), axis=1)

    fig = plt.figure(figsize=(11, 4.5))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    ax.plot(*np.asarray(ys).T, lw=0.3)
    ax.set(xlabel="x", ylabel="y", zlabel="z", title="Lorenz attractor (Tsit5, rtol 1e-10)")
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.semilogy(ts, distance, lw=0.8, label="separation")
    ax2.semilogy(ts, 1e-9 * np.exp(rate * np.asarray(ts)), "k--", label=f"exp({rate:.3f} t)")
    ax2.set_ylim(1e-11, 1e3)
    ax2.set(xlabel="time", ylabel="|y - y'|", title="two trajectories starting 1e-9 apart")
    ax2.legend()
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return rate


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
