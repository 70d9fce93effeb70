"""Continuation against grid search: the same bifurcation diagram of equilibria, at the
same resolution, two ways. One JSON row per method and system, then rows of ratios.

    python benchmarks/continuation.py [--values M] [--guesses K ...] [--repeats R]
        [--systems S,...] [--n N] [--eps E]

Systems (float64):

- `hr_fast`: the Hindmarsh–Rose fast subsystem with the slow z as the parameter,
  z in [1, 3.5] (`dx.neurons.HindmarshRose`, I = 2, through `dx.analysis.flat_system`):
  a Z-shaped curve, up to three equilibria per z, two folds and a Hopf point.
- `fhn`: FitzHugh–Nagumo (a = 0.7, b = 0.8, tau = 12.5) in I in [-0.5, 2]: one
  equilibrium per I, two Hopf points.
- `rate_net`: `--n` rate units (default 100), $\\dot x_i = -x_i + \\tanh(w\\,\\bar x + I +
  h_i)$ with $w = 2$, $\\bar x$ the mean activity and a fixed heterogeneity
  $h_i \\sim \\mathcal{N}(0, 0.1^2)$, in I in [-1.5, 1.5]: a bistable network (a low and
  a high state between two folds), where each Jacobian and eigendecomposition costs
  $O(n^3)$.

The same resolution, as the benchmark defines it (the grid is never asked for more than
the continuation gives):

- **the diagram**: the grid has M parameter values, spacing h; continuation's arclength
  step in $(x, p)$ is at most h (`ds_max = h`), so that it samples every branch at least
  as finely as the grid does everywhere (its parameter steps are at most h too, and
  where the branch is steep in x it has more points than the grid);
- **the special points**: continuation locates its folds and Hopf points (test functions,
  regula falsi; below 1e-12 in float64); the grid brackets them between two values
  where the number of equilibria or of stable equilibria changes, to h, and is then
  refined by bisection of each bracket, each trial a vmapped Newton solve from the K
  guesses at the midpoint, until the bracket is below `--eps` (default 1e-10): the
  accuracy both reach.

Methods:

- `continuation`: `dx.analysis.equilibrium_branch` from one equilibrium, both directions,
  `ds = 0.01`, `ds_max = h`, the eigenvalues at every point and the folds and Hopf
  points located (one compiled `lax.while_loop`, then the branch cut to NumPy rows).
- `continuation (arrays)`: `dx.analysis.continue_equilibria` jitted: the same branch as
  fixed-size arrays, its folds and Hopf points also corrected on their augmented systems
  (differentiable), no Python after the call.
- `grid`: `dx.analysis.grid_equilibria`, Newton's method from K guesses (x evenly spread
  over the state's range, the other variables at 0) at each of M parameter values, one
  vmapped call, the eigenvalues at every converged point; special points to h/2.
- `grid + bisection`: the grid, then the bisection of every bracket (all brackets in
  one jitted loop) to `--eps`.

Fields: `first_s` (first call: compilation included), `run_s` and `cpu_s` (the medians
of R further calls' wall and CPU time), `jacobians` (Jacobian evaluations:
continuation's corrector, tangents, eigenvalues and location; the grid's vmapped loop
runs every guess as long as the slowest), `jacobians_needed` (grid only: each guess
stopping when it converges), `points` (equilibria on the diagram: the branch's points;
the grid's distinct converged points), `max_dp` (continuation: the largest parameter
step between points), `max_error` (the largest residual against the closed-form
equilibrium curve; for `rate_net` the largest $|F(x, p)|$), `special` (the located folds
and Hopf points), `special_error` (`error`: the largest distance from a closed-form fold
or Hopf point, or for `rate_net` one of continuation's corrected ones, to the nearest
located point; the plain grid's is its bound h/2; `spurious`: located points farther
than 1e-6 from all of them). The ratio rows divide grid by continuation (above 1:
continuation is cheaper).
"""

import argparse
import json
import math
import statistics
import time

import equinox as eqx
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

    # folds where dz/dx = 0 (x = 0, -4/3); the Hopf point where the trace -3x^2 + 6x - 1
    # vanishes with a positive determinant (x = 1 - sqrt(2/3))
    xs = np.array([-4 / 3, 1 - np.sqrt(2 / 3), 0.0])
    special = 1 + CURRENT - xs**3 - 2 * xs**2
    return F, start, "z", (1.0, 3.5), (-2.5, 2.0), error, special


def fhn():
    model = dx.neurons.SpikingFHN(1)
    y0 = (jnp.zeros(1), jnp.zeros(1))
    F = dx.analysis.flat_system(model, params=("I_bias",), y0=y0, names=("v", "w"))
    roots = np.roots([-1 / 3, 0.0, 1 - 1 / 0.8, -0.7 / 0.8])
    v = roots[np.argmin(np.abs(roots.imag))].real

    def error(x, current):  # from w = (v + a)/b and the cubic
        v, w = x[..., 0], x[..., 1]
        return np.maximum(np.abs(w - (v + 0.7) / 0.8), np.abs(v - v**3 / 3 - w + current))

    vh = np.array([-1.0, 1.0]) * np.sqrt(1 - 0.8 / 12.5)  # the trace vanishes
    special = vh**3 / 3 - vh + (vh + 0.7) / 0.8
    start = (np.array([v, (v + 0.7) / 0.8]), np.array([0.0]))
    return F, start, "I_bias", (-0.5, 2.0), (-2.5, 2.5), error, special


def rate_net(n=100, w=2.0):
    h = np.random.default_rng(0).normal(0.0, 0.1, n)

    def f(x, p):
        return -x + jnp.tanh(w * jnp.mean(x) + p[0] + h)

    F = dx.analysis.flat_system(f, params={"I": -1.5}, y0=jnp.zeros(n))
    x0 = np.asarray(dx.analysis.fixed_point(F, jnp.full(n, -1.0), jnp.array([-1.5])))

    def error(x, current):
        fx = jax.vmap(F)(x.reshape(-1, n), jnp.broadcast_to(current, x.shape[:-1]).reshape(-1, 1))
        return np.max(np.abs(np.asarray(fx)), axis=-1).reshape(x.shape[:-1])

    return F, (x0, np.array([-1.5])), "I", (-1.5, 1.5), (-1.0, 1.0), error, None


def timed(fn, repeats):
    """The result, the first call's wall time (compilation included), and the medians of
    `repeats` further calls' wall and CPU time (the CPU time counts the work, whatever
    else runs on the machine: both methods run on one core, OpenBLAS single-threaded)."""
    start = time.perf_counter()
    out = fn()
    jax.block_until_ready(jax.tree.leaves(out))
    first = time.perf_counter() - start
    runs, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        jax.block_until_ready(jax.tree.leaves(fn()))
        runs.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return out, first, statistics.median(runs), statistics.median(cpus)


@eqx.filter_jit
def _census(F, values, guesses, tol, unique_tol):
    """At each parameter value: the number of distinct equilibria and of stable ones that
    Newton's method reaches from the guesses, and the Jacobians it spent (every guess as
    long as the slowest, as a vmapped loop runs)."""

    def one(value, x0):
        p = jnp.atleast_1d(value)

        def body(c):
            x, it, _ = c
            J = jax.jacfwd(F)(x, p)
            dx_ = jnp.linalg.solve(J, -F(x, p))
            done = jnp.max(jnp.abs(dx_)) <= tol * (1 + jnp.max(jnp.abs(x)))
            return x + dx_, it + 1, done | ~jnp.all(jnp.isfinite(x + dx_))

        x, its, _ = jax.lax.while_loop(
            lambda c: (c[1] < 50) & ~c[2], body, (x0, 0, jnp.array(False))
        )
        ok = jnp.all(jnp.isfinite(x)) & (jnp.max(jnp.abs(F(x, p))) <= jnp.sqrt(tol))
        stable = jnp.all(jnp.real(jnp.linalg.eigvals(jax.jacfwd(F)(x, p))) < 0)
        return x, ok, stable, its

    def count(value):
        x, ok, stable, its = jax.vmap(lambda x0: one(value, x0))(guesses)
        close = jnp.linalg.norm(x[:, None] - x[None], axis=-1) < unique_tol
        earlier = jnp.tril(close & ok[None, :] & ok[:, None], -1).any(axis=1)
        first = ok & ~earlier
        return jnp.sum(first), jnp.sum(first & stable), (jnp.max(its) + 1) * guesses.shape[0]

    return jax.vmap(count)(values)


@eqx.filter_jit
def _bisect(F, lo, hi, lo_counts, guesses, tol, steps):
    """Bisect each bracket `[lo, hi]` (the counts of equilibria and of stable ones
    `lo_counts` at `lo` differ from those at `hi`) `steps` times."""

    def body(_, c):
        lo, hi, n_jac = c
        mid = 0.5 * (lo + hi)
        count, stable, jac = _census(F, mid, guesses, tol, 1e-6)
        same = (count == lo_counts[0]) & (stable == lo_counts[1])
        return jnp.where(same, mid, lo), jnp.where(same, hi, mid), n_jac + jnp.sum(jac)

    return jax.lax.fori_loop(0, steps, body, (lo, hi, jnp.array(0)))


def grid_special(F, values, guesses, eps):
    """The grid's special points: brackets where the counts change, then bisection."""
    tol = float(np.finfo(np.float64).eps) ** 0.65
    count, stable, jac = _census(F, jnp.asarray(values), jnp.asarray(guesses), tol, 1e-6)
    count, stable = np.asarray(count), np.asarray(stable)
    at = np.flatnonzero((count[1:] != count[:-1]) | (stable[1:] != stable[:-1]))
    steps = max(0, math.ceil(math.log2((values[1] - values[0]) / eps)))
    if len(at) == 0:
        return np.zeros(0), int(np.sum(jac)), steps
    lo, hi, n_jac = _bisect(
        F, jnp.asarray(values[at]), jnp.asarray(values[at + 1]),
        jnp.stack([jnp.asarray(count[at]), jnp.asarray(stable[at])]), jnp.asarray(guesses),
        tol, steps,
    )  # fmt: skip
    return np.asarray(0.5 * (lo + hi)), int(np.sum(jac)) + int(n_jac), steps


def special_error(found, reference):
    """The largest distance from a reference point to the nearest found one, and the
    number of found points farther than 1e-6 from every reference point (spurious)."""
    if reference is None or len(reference) == 0:
        return None
    found, reference = np.asarray(found, float), np.asarray(reference, float)
    if len(found) == 0:
        return {"error": None, "spurious": 0}
    dist = np.abs(found[:, None] - reference[None, :])
    spurious = int(np.sum(dist.min(axis=1) > 1e-6))
    return {"error": float(dist.min(axis=0).max()), "spurious": spurious}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=101, help="parameter values M")
    parser.add_argument("--guesses", type=int, nargs="+", default=[16, 64], help="K")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--systems", default="hr_fast,fhn,rate_net")
    parser.add_argument("--n", type=int, default=100, help="units of rate_net")
    parser.add_argument("--eps", type=float, default=1e-10, help="special points' accuracy")
    args = parser.parse_args()
    systems = {"hr_fast": hr_fast, "fhn": fhn, "rate_net": lambda: rate_net(args.n)}
    for name in args.systems.split(","):
        F, (x0, p0), param, bounds, x_range, error, reference = systems[name]()
        spacing = (bounds[1] - bounds[0]) / (args.values - 1)
        options = dict(param=param, bounds=bounds, ds=0.01, ds_max=spacing, max_points=2000)
        branch, first, run, cpu = timed(
            lambda: dx.analysis.equilibrium_branch(F, x0, p0, **options), args.repeats
        )
        found = [float(q.p[q.param[0]]) for q in branch.points if q.kind in ("LP", "H")]
        compiled = jax.jit(lambda x0, p0: dx.analysis.continue_equilibria(F, x0, p0, **options))
        arrays, first_arrays, run_arrays, cpu_arrays = timed(lambda: compiled(x0, p0), args.repeats)
        refined = np.asarray(arrays.p)[np.isin(np.asarray(arrays.kind), (0, 1))]
        if reference is None:  # the refined points are the reference
            reference = refined
        p = np.asarray(branch.p)
        inside = (p >= bounds[0]) & (p <= bounds[1])
        cont = {
            "system": name,
            "n": int(x0.shape[0]),
            "method": "continuation",
            "first_s": round(first, 4),
            "run_s": round(run, 5),
            "cpu_s": round(cpu, 5),
            "jacobians": branch.n_jacobians,
            "points": int(inside.sum()),
            "max_dp": float(np.max(np.abs(np.diff(p)))),
            "max_error": float(np.max(error(np.asarray(branch.x), p))),
            "special": [f"{q.kind} {float(q.p[q.param[0]]):.12f}" for q in branch.points],
            "special_error": special_error(found, reference),
            "backend": jax.default_backend(),
        }
        print(json.dumps(cont), flush=True)
        row_arrays = {
            "system": name,
            "method": "continuation (arrays)",
            "first_s": round(first_arrays, 4),
            "run_s": round(run_arrays, 5),
            "cpu_s": round(cpu_arrays, 5),
            "jacobians": int(arrays.n_jacobians),
            "points": int(arrays.size),
            "special_error": special_error(refined, reference),
        }
        print(json.dumps(row_arrays), flush=True)
        values = np.linspace(*bounds, args.values)
        for K in args.guesses:
            guesses = np.zeros((K, x0.shape[0]))
            if name == "rate_net":  # uniform states
                guesses[:] = np.linspace(*x_range, K)[:, None]
            else:
                guesses[:, 0] = np.linspace(*x_range, K)
            grid, first, run, cpu = timed(
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
                "cpu_s": round(cpu, 5),
                "jacobians": grid.n_jacobians,
                "jacobians_needed": grid.n_needed,
                "points": int(ok.sum()),
                "max_error": float(np.max(error(x, values[:, None])[ok])),
                "special_error": {"error": round(spacing / 2, 6), "spurious": 0},
                "backend": jax.default_backend(),
            }
            print(json.dumps(row), flush=True)
            (special, jac_bisect, steps), first_b, run_b, cpu_b = timed(
                lambda guesses=guesses: grid_special(F, values, guesses, args.eps),
                args.repeats,
            )
            bisect = {
                "system": name,
                "method": "grid + bisection",
                "guesses": K,
                "steps": steps,
                "first_s": round(first + first_b, 4),
                "run_s": round(run + run_b, 5),
                "cpu_s": round(cpu + cpu_b, 5),
                "jacobians": grid.n_jacobians + jac_bisect,
                "special": [f"{v:.12f}" for v in special],
                "special_error": special_error(special, reference),
            }
            print(json.dumps(bisect), flush=True)
            for label, base, other in (("grid", row, cont), ("grid + bisection", bisect, cont)):
                ratio = {
                    "ratio": f"{label}/continuation",
                    "system": name,
                    "guesses": K,
                    "run_s": round(base["run_s"] / other["run_s"], 2),
                    "cpu_s": round(base["cpu_s"] / other["cpu_s"], 2),
                    "run_s_arrays": round(base["run_s"] / row_arrays["run_s"], 2),
                    "cpu_s_arrays": round(base["cpu_s"] / row_arrays["cpu_s"], 2),
                    "jacobians": round(base["jacobians"] / other["jacobians"], 1),
                }
                print(json.dumps(ratio), flush=True)


if __name__ == "__main__":
    main()
