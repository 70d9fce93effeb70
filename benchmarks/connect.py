"""Connectivity generation benchmark: one JSON row per connector and size.

    python benchmarks/connect.py [N ...]        (default N: 4000 40000 400000)

Each row: the connector, N (pre = post = N, mean fan-in 80), nnz, and build_s, the best
of `repeats` wall times of `connector(N, N, key)` (host NumPy, arrays handed to JAX),
with fan_in_mean as a correctness check (about 80).
"""

import json
import os
import platform
import sys
import time

import jax

import dynax as dx


def bench(name, connector, n: int, repeats: int = 3) -> dict:
    times = []
    for r in range(repeats):
        key = jax.random.key(r)
        start = time.perf_counter()
        conn = connector(n, n, key)
        jax.block_until_ready(conn)
        times.append(time.perf_counter() - start)
    return {
        "name": f"connect.{name}",
        "N": n,
        "nnz": conn.nnz,
        "fan_in_mean": conn.nnz / n,
        "build_s": round(min(times), 4),
        "backend": jax.default_backend(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }


def main(sizes: list[int]) -> None:
    for n in sizes:
        rows = [
            ("FixedProb", dx.connect.FixedProb(80 / n, include_self=False), 3),
            ("FixedPostNum", dx.connect.FixedPostNum(80), 3),
            ("FixedPreNum", dx.connect.FixedPreNum(80), 1),
            ("FixedTotalNum", dx.connect.FixedTotalNum(80 * n), 1),
        ]
        for name, connector, repeats in rows:
            print(json.dumps(bench(name, connector, n, repeats)), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [4000, 40000, 400000])
