"""COBA network with pair STDP on its E→E synapses, beside the same network without
plasticity: one JSON row per size and variant, then one row of ratios per STDP variant.

    python benchmarks/coba_stdp.py [N ...] [--repeats R]  (default N: 4000, R: 3)
    python benchmarks/coba_stdp.py --projection [--repeats R]

All variants are built from the same key (the same synapses, the same initial state):
`dx.networks.coba_network` and `dx.networks.coba_stdp_network` (whose `"E2E"` is a
`dx.plasticity.PlasticProjection` with `PairSTDP`, event-driven), the latter twice: its
plastic projection with `kernel="xla"` (the `while_loop` over chunks of spiking neurons)
and `kernel="native"` (one compiled CPU kernel call per step; on a CPU in float32 it is
what `"auto"`, the default, runs). 1 s of biological time at dt = 0.1 ms. build_s:
connectivity + model construction + initial state; compile_s: first call minus the
median of the others; run_s: the median of R already compiled calls, the variants
interleaved (the machine's load varies); best_s: the best of them; rate_Hz: mean
excitatory rate; dw_mean / dw_max: mean and largest |Δw| of the E→E weights over the
run (a check that the weights learn). The ratio rows are run_s and first_result_s of
each COBA+STDP variant over COBA, and the median of the R ratios of calls made one after
the other (the issue's target: run_s within 2×).

`--projection` times the plastic projection alone instead (3 200 → 3 200, fan-out 64,
`PairSTDP`, 10 000 steps of a `lax.scan` over its `step`, random spikes: none, or about 7
per step on each side), both kernels interleaved: one row per case, µs per step (median
and best of R).

No peer (Brian2, BrainPy) runs here yet: see benchmarks/README.md.
"""

import json
import platform
import sys
import time

import equinox as eqx
import jax
import numpy as np

import dynax as dx

VARIANTS = {"COBA": None, "COBA+STDP xla": "xla", "COBA+STDP native": "native"}


def build(n: int, kernel: str | None):
    start = time.perf_counter()
    n_exc = int(0.8 * n)
    if kernel is None:
        net = dx.networks.coba_network(n_exc, n - n_exc, key=jax.random.key(0))
    else:
        net = dx.networks.coba_stdp_network(n_exc, n - n_exc, key=jax.random.key(0))
        p = net.projections["E2E"]
        assert isinstance(p, dx.plasticity.PlasticProjection)
        plastic = dx.plasticity.PlasticProjection(
            p.pre,
            p.post,
            p.conn,
            p.weight,
            p.rule,
            p.synapse,
            p.output,
            w_min=p.w_min,
            w_max=p.w_max,
            delay=p.delay,
            kernel=kernel,
        )
        net = eqx.tree_at(lambda net: net.projections["E2E"], net, plastic)
    state = net.init(jax.random.key(1))
    jax.block_until_ready(state)
    return net, state, time.perf_counter() - start


def timed_run(net, state, duration, dt):
    monitors = {"spikes": lambda s: s["E"].spike.sum(dtype="int32")}
    t = time.perf_counter()
    final, rec = dx.simulate(net, state, dt=dt, duration=duration, monitors=monitors)
    jax.block_until_ready((final, rec))
    return time.perf_counter() - t, final, rec


def bench(n: int, repeats: int = 3, duration: float = 1000.0, dt: float = 0.1) -> list[dict]:
    variants = {}
    for name, kernel in VARIANTS.items():
        net, state, build_s = build(n, kernel)
        first, final, rec = timed_run(net, state, duration, dt)
        variants[name] = dict(net=net, state=state, build=build_s, first=first, runs=[])
        variants[name].update(final=final, rec=rec)
    for _ in range(repeats):  # interleaved
        for v in variants.values():
            v["runs"].append(timed_run(v["net"], v["state"], duration, dt)[0])
    rows = []
    n_exc = int(0.8 * n)
    for name, v in variants.items():
        run_s = float(np.median(v["runs"]))
        row = {
            "model": name,
            "N": n,
            "backend": jax.default_backend(),
            "device": str(jax.devices()[0].device_kind),
            "host": platform.processor() or platform.machine(),
            "build_s": round(v["build"], 3),
            "compile_s": round(v["first"] - run_s, 3),
            "run_s": round(run_s, 3),
            "best_s": round(min(v["runs"]), 3),
            "runs_s": [round(r, 3) for r in v["runs"]],
            "first_result_s": round(v["build"] + v["first"], 3),
            "rate_Hz": round(float(v["rec"]["spikes"].sum()) / n_exc / (duration / 1000.0), 2),
        }
        if VARIANTS[name] is not None:
            w0 = np.asarray(v["state"]["E2E"].w)
            dw = np.abs(np.asarray(v["final"]["E2E"].w) - w0)
            row["dw_mean"], row["dw_max"] = float(dw.mean()), float(dw.max())
        rows.append(row)
    base = rows[0]
    for row, v in zip(rows[1:], list(variants.values())[1:]):
        paired = np.median(np.array(v["runs"]) / np.array(variants["COBA"]["runs"]))
        rows.append(
            {
                "model": row["model"],
                "N": n,
                "ratio": "stdp/no-stdp",
                "run_s": round(row["run_s"] / base["run_s"], 3),
                "paired_run_s": round(float(paired), 3),
                "first_result_s": round(row["first_result_s"] / base["first_result_s"], 3),
            }
        )
    return rows


def projection_alone(repeats: int = 3, n: int = 3200, steps: int = 10_000) -> list[dict]:
    conn = dx.connect.FixedProb(0.02)(n, n, jax.random.key(0))
    rng = np.random.default_rng(0)
    cases = {}
    for spikes in (0, 7):
        pre = jax.numpy.asarray(rng.random((steps, n)) < spikes / n)
        post = jax.numpy.asarray(rng.random((steps, n)) < spikes / n)
        for kernel in ("xla", "native"):
            proj = dx.plasticity.PlasticProjection(
                "E",
                "E",
                conn,
                0.6,
                dx.plasticity.PairSTDP(0.006, 0.0063),
                dx.synapses.Exponential(n, 5.0),
                dx.synapses.COBA(E=0.0),
                w_max=1.2,
                kernel=kernel,
            )

            @jax.jit
            def run(pre, post, proj=proj):
                def body(state, x):
                    i, a, b = x
                    return proj.step(state, (a, b), dx.Context(i * 0.1, 0.1, i)), None

                xs = (jax.numpy.arange(pre.shape[0]), pre, post)
                return jax.lax.scan(body, proj.init(), xs)[0]

            jax.block_until_ready(run(pre, post))
            cases[(spikes, kernel)] = (run, pre, post, [])
    for _ in range(repeats):  # interleaved
        for run, pre, post, times in cases.values():
            t = time.perf_counter()
            jax.block_until_ready(run(pre, post))
            times.append((time.perf_counter() - t) / steps * 1e6)
    return [
        {
            "model": "PlasticProjection",
            "kernel": kernel,
            "spikes_per_step": spikes,
            "us_per_step": round(float(np.median(times)), 2),
            "best_us_per_step": round(min(times), 2),
        }
        for (spikes, kernel), (_, _, _, times) in cases.items()
    ]


if __name__ == "__main__":
    args = sys.argv[1:]
    repeats = 3
    if "--repeats" in args:
        k = args.index("--repeats")
        repeats = int(args[k + 1])
        del args[k : k + 2]
    alone = "--projection" in args
    args = [a for a in args if a != "--projection"]
    unknown = [a for a in args if a.startswith("--")]
    if unknown:
        sys.exit(f"unknown option(s): {unknown}; options are ['--repeats', '--projection']")
    if alone:
        for row in projection_alone(repeats):
            print(json.dumps(row), flush=True)
        sys.exit()
    for n in [int(a) for a in args] or [4000]:
        for row in bench(n, repeats):
            print(json.dumps(row), flush=True)
