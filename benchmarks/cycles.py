"""Limit-cycle continuation from a Hopf point: wall and CPU time of a branch of cycles,
first call (compilation included, each case in a fresh process) and warm calls. One JSON
row per case.

    python benchmarks/cycles.py [--repeats R] [--cases C,...]

Cases (float64, the settings of `tests/analysis/test_cycles.py`):

- `fhn`: FitzHugh–Nagumo (a = 0.7, b = 0.8, tau = 12.5) from its first Hopf point in I,
  I in [0.2, 0.6], 30 intervals of degree 4, `ds = 0.02`, 150 cycles, a target at
  I = 0.5: `dx.analysis.limit_cycle_branch` (the branch cut to rows, special points
  filtered by their multipliers).
- `fhn_arrays`: the same branch by `dx.analysis.continue_cycles` under `jax.jit`
  (fixed-size arrays, no Python after the call).
- `fhn_vmap`: `continue_cycles` for a in (0.65, 0.7, 0.75), each from its own Hopf point,
  under `jax.vmap` (one call), against the three one after another (`*_serial` fields).
- `rossler`: Rössler (a = b = 0.2) in c from its Hopf point, c in [0.3, 3.2], 25
  intervals, `ds = 0.05`: through the first period doubling (c = 2.832).

Fields: `first_s` (the first call's wall time, compilation included), `run_s`, `cpu_s`
(medians of R further calls' wall and CPU time: CPU time counts the process's own work
whatever else runs on the shared machine), `points` (cycles), `jacobians`, and what the
branch found (`special`).
"""

import argparse
import json
import subprocess
import sys

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from continuation import timed  # noqa: E402  (first call, medians of wall and CPU)

import dynax as dx  # noqa: E402

B, TAU = 0.8, 12.5


def fhn(x, p):
    v, w = x
    return jnp.stack([v - v**3 / 3 - w + p[0], (v + p[1] - B * w) / TAU])


def rossler(x, p):
    a, b, c = p
    return jnp.stack([-x[1] - x[2], x[0] + a * x[1], b + x[2] * (x[0] - c)])


def fhn_hopf(a=0.7):
    branch = dx.analysis.equilibrium_branch(
        fhn, jnp.array([-1.2, -0.6]), jnp.array([0.0, a]), bounds=(-1.0, 2.5), ds=0.05
    )
    return branch.special("H")[0]


FHN = dict(bounds=(0.2, 0.6), n_intervals=30, ds=0.02, max_points=150, targets=(0.5,))


def special(branch):
    return [f"{q.kind} {float(q.p[branch.param]):.9f}" for q in branch.points]


def case(name, repeats):
    row = {"case": name}
    if name in ("fhn", "rossler"):
        if name == "fhn":
            system, h, options = fhn, fhn_hopf(), FHN
        else:
            a = b = 0.2
            x0 = (1.0 - np.sqrt(1.0 - 4 * a * b)) / 2
            branch = dx.analysis.equilibrium_branch(
                rossler, jnp.array([x0, -x0 / a, x0 / a]), jnp.array([a, b, 1.0]), param=2,
                bounds=(0.3, 6.0), ds=0.02,
            )  # fmt: skip
            system, h = rossler, branch.special("H")[0]
            options = dict(bounds=(0.3, 3.2), n_intervals=25, ds=0.05)
        cycles, first, run, cpu = timed(
            lambda: dx.analysis.limit_cycle_branch(system, h, **options), repeats
        )
        row.update(points=len(cycles.p), jacobians=cycles.n_jacobians, special=special(cycles))
        row.update(status=cycles.status)
    elif name == "fhn_arrays":
        h = fhn_hopf()
        compiled = jax.jit(lambda x, p: dx.analysis.continue_cycles(fhn, x, p, param=0, **FHN))
        arrays, first, run, cpu = timed(lambda: compiled(h.x, h.p), repeats)
        row.update(points=int(arrays.size), jacobians=int(arrays.n_jacobians))
        row.update(special=special(arrays.to_branch()))
    elif name == "fhn_vmap":
        hs = [fhn_hopf(a) for a in (0.65, 0.7, 0.75)]
        xs, ps = jnp.stack([h.x for h in hs]), jnp.stack([h.p for h in hs])
        one = jax.jit(lambda x, p: dx.analysis.continue_cycles(fhn, x, p, param=0, **FHN))
        batch = jax.jit(jax.vmap(one))
        arrays, first, run, cpu = timed(lambda: batch(xs, ps), repeats)
        _, first_s, run_s, cpu_s = timed(lambda: [one(x, p) for x, p in zip(xs, ps)], repeats)
        row.update(first_serial_s=round(first_s, 3), run_serial_s=round(run_s, 4))
        row.update(cpu_serial_s=round(cpu_s, 4))
        row.update(points=[int(s) for s in arrays.size])
    else:
        raise ValueError(f"unknown case {name!r}; valid: fhn, fhn_arrays, fhn_vmap, rossler.")
    row.update(first_s=round(first, 3), run_s=round(run, 4), cpu_s=round(cpu, 4))
    row.update(backend=jax.default_backend())
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", default="fhn,fhn_arrays,fhn_vmap,rossler")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a case in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(case(args.one, args.repeats)), flush=True)
        return
    for name in args.cases.split(","):  # each in a fresh process: the first call compiles
        command = [sys.executable, __file__, "--one", name, "--repeats", str(args.repeats)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
