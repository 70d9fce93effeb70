"""Continuation against grid search: the same bifurcation diagram of equilibria two ways.
One JSON row per method and system, then a row of ratios.

    python benchmarks/continuation.py [--values M] [--guesses K ...] [--repeats R]

Systems (float64):

- `hr_fast`: the Hindmarsh–Rose fast subsystem with the slow z as the parameter,
  z in [1, 3.5] (`dx.neurons.HindmarshRose`, I = 2, through `dx.analysis.flat_system`):
  a Z-shaped curve, up to three equilibria per z, two folds and a Hopf point.
- `fhn`: FitzHugh–Nagumo (a = 0.7, b = 0.8, tau = 12.5) in I in [-0.5, 2]: one
  equilibrium per I, two Hopf points.
- `rate_net`: `--n` rate units (default 100), $\dot x_i = -x_i + \tanh(w\,\bar x + I +
  h_i)$ with $w = 2$, $\bar x$ the mean activity and a fixed heterogeneity
  $h_i \sim \mathcal{N}(0, 0.1^2)$, in I in [-1.5, 1.5]: a bistable network (a low and
  a high state between two folds), where each Jacobian and eigendecomposition costs
  $O(n^3)$.

Methods:

- `continuation`: `dx.analysis.equilibrium_branch` from one equilibrium, both directions,
  `ds = 0.01`, `ds_max` = the grid's parameter spacing (so that no step in the parameter
  is longer than the grid's: the same resolution), with the eigenvalues at every point
  and the special points located (folds, Hopf points).
- `grid`: `dx.analysis.grid_equilibria`, Newton's method from K guesses (x evenly spread
  over the state's range, the other variables at 0) at each of M parameter values, one
  vmapped call, the eigenvalues at every converged point.

Fields: `first_s` (first call: compilation included), `run_s` (the median of R further
calls), `jacobians` (Jacobian evaluations: continuation's corrector, tangents,
eigenvalues and location; the grid's vmapped loop runs every guess as long as the
slowest), `jacobians_needed` (grid only: each guess stopping when it converges),
`points` (equilibria on the diagram: the branch's points; the grid's distinct converged
points), `max_dp` (continuation: the largest parameter step between points),
`max_error` (the largest residual against the closed-form equilibrium curve; for
`rate_net` the largest $|F(x, p)|$). The ratio row divides grid by continuation (above 1:
continuation is cheaper).
"""

import argparse
import json
import statistics
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import dynax as dx  # noqa: E402

CURRENT = 2.0


def hr_fast():
    hr = dx.neurons.HindmarshRose(1, I_bias=CURRENT)
    y0 = (jnp.zeros(1), jnp.zeros(1), jnp.zeros(1))
    F = dx.analysis.flat_system(hr, params=("z",), y0=y0, names=("x", "y", "z"))
    x0 = -1.6
    start = (np.array([x0, 1 - 5 * x0**2]), np.array([1 + CURRENT - x0**3 - 2 * x0**2]))

    def error(x, z):  # from z = 1 + I - x^3 - 2 x^2 and y = 1 - 5 x^2
        return np.maximum(
            np.abs(z - (1 + CURRENT - x[..., 0] ** 3 - 2 * x[..., 0] ** 2)),
            np.abs(x[..., 1] - (1 - 5 * x[..., 0] ** 2)),
        )

    return F, start, "z", (1.0, 3.5), (-2.5, 2.0), error


def fhn():
    model = dx.neurons.SpikingFHN(1)
    y0 = (jnp.zeros(1), jnp.zeros(1))
    F = dx.analysis.flat_system(model, params=("I_bias",), y0=y0, names=("v", "w"))
    roots = np.roots([-1 / 3, 0.0, 1 - 1 / 0.8, -0.7 / 0.8])
    v = roots[np.argmin(np.abs(roots.imag))].real

    def error(x, current):  # from w = (v + a)/b and the cubic
        v, w = x[..., 0], x[..., 1]
        return np.maximum(np.abs(w - (v + 0.7) / 0.8), np.abs(v - v**3 / 3 - w + current))

    start = (np.array([v, (v + 0.7) / 0.8]), np.array([0.0]))
    return F, start, "I_bias", (-0.5, 2.0), (-2.5, 2.5), error


def rate_net(n=100, w=2.0):
    h = np.random.default_rng(0).normal(0.0, 0.1, n)

    def f(x, p):
        return -x + jnp.tanh(w * jnp.mean(x) + p[0] + h)

    F = dx.analysis.flat_system(f, params={"I": -1.5}, y0=jnp.zeros(n))
    x0 = np.asarray(dx.analysis.fixed_point(F, jnp.full(n, -1.0), jnp.array([-1.5])))

    def error(x, current):
        fx = jax.vmap(F)(x.reshape(-1, n), jnp.broadcast_to(current, x.shape[:-1]).reshape(-1, 1))
        return np.max(np.abs(np.asarray(fx)), axis=-1).reshape(x.shape[:-1])

    return F, (x0, np.array([-1.5])), "I", (-1.5, 1.5), (-1.0, 1.0), error


def timed(fn, repeats):
    start = time.perf_counter()
    out = fn()
    jax.block_until_ready(jax.tree.leaves(out))
    first = time.perf_counter() - start
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(jax.tree.leaves(fn()))
        runs.append(time.perf_counter() - start)
    return out, first, statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=101, help="parameter values M")
    parser.add_argument("--guesses", type=int, nargs="+", default=[16, 64], help="K")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--systems", default="hr_fast,fhn,rate_net")
    parser.add_argument("--n", type=int, default=100, help="units of rate_net")
    args = parser.parse_args()
    systems = {"hr_fast": hr_fast, "fhn": fhn, "rate_net": lambda: rate_net(args.n)}
    for name in args.systems.split(","):
        F, (x0, p0), param, bounds, x_range, error = systems[name]()
        spacing = (bounds[1] - bounds[0]) / (args.values - 1)
        branch, first, run = timed(
            lambda: dx.analysis.equilibrium_branch(
                F, x0, p0, param=param, bounds=bounds, ds=0.01, ds_max=spacing, max_points=5000
            ),
            args.repeats,
        )
        p = np.asarray(branch.p)
        inside = (p >= bounds[0]) & (p <= bounds[1])
        cont = {
            "system": name,
            "n": int(x0.shape[0]),
            "method": "continuation",
            "first_s": round(first, 4),
            "run_s": round(run, 5),
            "jacobians": branch.n_jacobians,
            "points": int(inside.sum()),
            "max_dp": float(np.max(np.abs(np.diff(p)))),
            "max_error": float(np.max(error(np.asarray(branch.x), p))),
            "special": [f"{q.kind} {float(q.p[q.param[0]]):.10f}" for q in branch.points],
            "backend": jax.default_backend(),
        }
        print(json.dumps(cont), flush=True)
        values = np.linspace(*bounds, args.values)
        for K in args.guesses:
            guesses = np.zeros((K, x0.shape[0]))
            if name == "rate_net":  # uniform states
                guesses[:] = np.linspace(*x_range, K)[:, None]
            else:
                guesses[:, 0] = np.linspace(*x_range, K)
            grid, first, run = timed(
                lambda guesses=guesses: dx.analysis.grid_equilibria(
                    F, values, guesses, param=param
                ),
                args.repeats,
            )
            x, ok = np.asarray(grid.x), np.asarray(grid.valid)
            row = {
                "system": name,
                "method": "grid",
                "values": args.values,
                "guesses": K,
                "first_s": round(first, 4),
                "run_s": round(run, 5),
                "jacobians": grid.n_jacobians,
                "jacobians_needed": grid.n_needed,
                "points": int(ok.sum()),
                "max_error": float(np.max(error(x, values[:, None])[ok])),
                "backend": jax.default_backend(),
            }
            print(json.dumps(row), flush=True)
            ratio = {
                "ratio": "grid/continuation",
                "system": name,
                "guesses": K,
                "run_s": round(row["run_s"] / cont["run_s"], 2),
                "jacobians": round(row["jacobians"] / cont["jacobians"], 1),
                "jacobians_needed": round(row["jacobians_needed"] / cont["jacobians"], 1),
                "points": f"{cont['points']} vs {row['points']}",
            }
            print(json.dumps(ratio), flush=True)


if __name__ == "__main__":
    main()
