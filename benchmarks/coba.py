"""COBA network benchmark (Brette et al. 2007, benchmark 1): one JSON row per size.

    python benchmarks/coba.py [N ...]        (default: 4000)

build_s: connectivity + model construction; compile_s: first call minus the second;
run_s: a second, already compiled call (the simulation loop alone); rate_Hz: mean
excitatory rate, about 21 Hz when fan-in is 80 (a correctness check).
"""

import json
import platform
import resource
import sys
import time

import jax

import dynax as dx


def bench(n: int, duration: float = 1000.0, dt: float = 0.1) -> dict:
    start = time.perf_counter()
    net = dx.networks.COBA(int(0.8 * n), n - int(0.8 * n), key=jax.random.key(0))
    state = net.init(jax.random.key(1))
    jax.block_until_ready(state)
    build = time.perf_counter() - start
    monitors = {"spikes": "E.spike"}

    def run():
        t = time.perf_counter()
        _, rec = dx.simulate(net, state, dt=dt, duration=duration, monitors=monitors)
        jax.block_until_ready(rec)
        return time.perf_counter() - t, rec

    first, _ = run()
    run_s, rec = run()
    return {
        "model": "COBA",
        "N": n,
        "backend": jax.default_backend(),
        "device": str(jax.devices()[0].device_kind),
        "host": platform.processor() or platform.machine(),
        "build_s": round(build, 3),
        "compile_s": round(first - run_s, 3),
        "run_s": round(run_s, 3),
        "first_result_s": round(build + first, 3),
        "rate_Hz": round(float(dx.measure.firing_rate(rec["spikes"], dt=dt)), 2),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
    }


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [4000]:
        print(json.dumps(bench(n)), flush=True)
