"""COBA network with pair STDP on its E→E synapses, beside the same network without
plasticity: one JSON row per size and variant, then one row of ratios.

    python benchmarks/coba_stdp.py [N ...] [--repeats R]  (default N: 4000, R: 3)

Both variants are built from the same key (the same synapses, the same initial state):
`dx.networks.coba_network` and `dx.networks.coba_stdp_network` (whose `"E2E"` is a
`dx.plasticity.PlasticProjection` with `PairSTDP`, event-driven). 1 s of biological time
at dt = 0.1 ms. build_s: connectivity + model construction + initial state; compile_s:
first call minus the best of the others; run_s: the best of R already compiled calls,
the variants interleaved (the machine's load varies); rate_Hz: mean excitatory rate;
dw_mean / dw_max: mean and largest |Δw| of the E→E weights over the run (a check that
the weights learn). The last row is run_s and first_result_s of COBA+STDP over COBA
(the issue's target: run_s within 2×).

No peer (Brian2, BrainPy) runs here yet: see benchmarks/README.md.
"""

import json
import platform
import sys
import time

import jax
import numpy as np

import dynax as dx


def build(n: int, stdp: bool):
    start = time.perf_counter()
    n_exc = int(0.8 * n)
    make = dx.networks.coba_stdp_network if stdp else dx.networks.coba_network
    net = make(n_exc, n - n_exc, key=jax.random.key(0))
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
    for stdp in (False, True):
        net, state, build_s = build(n, stdp)
        first, final, rec = timed_run(net, state, duration, dt)
        variants[stdp] = dict(net=net, state=state, build=build_s, first=first, runs=[])
        variants[stdp].update(final=final, rec=rec)
    for _ in range(repeats):  # interleaved
        for stdp, v in variants.items():
            v["runs"].append(timed_run(v["net"], v["state"], duration, dt)[0])
    rows = []
    for stdp, v in variants.items():
        run_s = min(v["runs"])
        n_exc = int(0.8 * n)
        row = {
            "model": "COBA+STDP" if stdp else "COBA",
            "N": n,
            "backend": jax.default_backend(),
            "device": str(jax.devices()[0].device_kind),
            "host": platform.processor() or platform.machine(),
            "build_s": round(v["build"], 3),
            "compile_s": round(v["first"] - run_s, 3),
            "run_s": round(run_s, 3),
            "runs_s": [round(r, 3) for r in v["runs"]],
            "first_result_s": round(v["build"] + v["first"], 3),
            "rate_Hz": round(float(v["rec"]["spikes"].sum()) / n_exc / (duration / 1000.0), 2),
        }
        if stdp:
            w0 = np.asarray(v["state"]["E2E"].w)
            dw = np.abs(np.asarray(v["final"]["E2E"].w) - w0)
            row["dw_mean"], row["dw_max"] = float(dw.mean()), float(dw.max())
        rows.append(row)
    base, plastic = rows
    rows.append(
        {
            "model": "COBA+STDP",
            "N": n,
            "ratio": "stdp/no-stdp",
            "run_s": round(plastic["run_s"] / base["run_s"], 3),
            "first_result_s": round(plastic["first_result_s"] / base["first_result_s"], 3),
        }
    )
    return rows


if __name__ == "__main__":
    args = sys.argv[1:]
    repeats = 3
    if "--repeats" in args:
        k = args.index("--repeats")
        repeats = int(args[k + 1])
        del args[k : k + 2]
    unknown = [a for a in args if a.startswith("--")]
    if unknown:
        sys.exit(f"unknown option(s): {unknown}; options are ['--repeats']")
    for n in [int(a) for a in args] or [4000]:
        for row in bench(n, repeats):
            print(json.dumps(row), flush=True)
