"""JIT connectivity with and without column tiles (`dx.connect.JitProb(..., column_tile=T)`):
one JSON row per case.

    python benchmarks/jit_tiles.py [N] [--rounds R] [--density D] [--quick]

An N × N `JitProb` with fan-out 80 (p = 80 / N, default N = 4 000 000), events at
`density` (default 0.2 %: COBA's 21 Hz at dt = 0.1 ms), the default kernel (the compiled
CPU kernel on a CPU, Pallas on a GPU). Cases:

- `whole`: the whole matrix on one device, without tiles and with T = 2^20, N / 8 and
  2^17 (what tiles cost where nothing is split: a restart per tile of a row);
- `last_of_8`: the last of 8 blocks of N / 8 columns (`dx.connect.JitBlock`, what device
  8 of 8 computes under `dx.shard`), without tiles (it draws each active row whole) and
  with T = N / 8 (one tile).

`us` is the time per call inside a jitted `lax.scan` over 16 precomputed event vectors
(the median of `rounds` runs, the cases interleaved), `ratio` against the untiled case of
the same kind, `of_whole` against the untiled whole matrix (ideal for `last_of_8`: 1/8).
`--quick`: N = 40 000, 3 rounds.
"""

import argparse
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import dynax as dx


def cases(n: int) -> dict:
    p, m = 80 / n, n // 8
    out = {}
    for tile in (None, 2**20, n // 8, 2**17):
        if tile is None or tile < n:
            out[("whole", tile)] = dx.connect.JitProb(n, n, p, 3, column_tile=tile)
    for tile in (None, n // 8):
        whole = dx.connect.JitProb(n, n, p, 3, column_tile=tile)
        out[("last_of_8", tile)] = dx.connect.JitBlock(whole, 7 * m, m)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=None, help="neurons (N x N)")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--density", type=float, default=0.002, help="active rows per call")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("DYNAX_QUICK", "") not in ("", "0")
    rounds = args.rounds or (3 if quick else 11)
    n = args.n or (40_000 if quick else 4_000_000)
    density = args.density
    pool = jnp.asarray(np.random.default_rng(0).random((16, n)) < density)
    steps = 16 if jax.default_backend() == "cpu" else 400

    @jax.jit
    def run(conn, pool):
        def body(acc, i):
            return acc + conn.event_matvec(pool[i % 16], 1.0), None

        return jax.lax.scan(body, jnp.zeros(conn.n_post), jnp.arange(steps))[0]

    all_cases = cases(n)
    for conn in all_cases.values():
        jax.block_until_ready(run(conn, pool))
    times: dict = {key: [] for key in all_cases}
    for r in range(rounds):
        for key in list(all_cases) if r % 2 else list(all_cases)[::-1]:
            start = time.perf_counter()
            jax.block_until_ready(run(all_cases[key], pool))
            times[key].append((time.perf_counter() - start) / steps * 1e6)
    untiled = {kind: np.asarray(times[(kind, None)]) for kind in ("whole", "last_of_8")}
    for (kind, tile), t in times.items():
        t = np.asarray(t)
        row = {
            "benchmark": "jit_tiles",
            "case": kind,
            "n": n,
            "column_tile": tile,
            "density": density,
            "backend": jax.default_backend(),
            "device": str(jax.devices()[0].device_kind),
            "rounds": rounds,
            "us": round(float(np.median(t)), 2),
            # Each round's pair ran back to back: their ratio cancels slow drifts of load.
            "ratio": round(float(np.median(t / untiled[kind])), 3),
            "of_whole": round(float(np.median(t / untiled["whole"])), 3),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
