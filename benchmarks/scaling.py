"""Strong and weak scaling of the COBA network with just-in-time connectivity over the
devices of one host (`dx.shard`): one JSON row per device count, then a summary row.

    python benchmarks/scaling.py [--strong N] [--weak N] [--devices 1,2,4,8]
                                 [--duration MS] [--delay MS --window MS]
                                 [--column-tile auto|none|T] [--quick]

- strong: `--strong N` neurons (default 4 000 000) on 1, 2, 4, 8 devices;
- weak: `--weak N` neurons per device (default 4 000 000: 32 000 000 on 8);
- `--devices`: the device counts (default: 1, 2, 4, 8, ... up to `len(jax.devices())`);
- `--delay`, `--window`: 1.5 ms synaptic delays on every projection and the min-delay
  window of the exchange (`dx.shard(..., window=)`), both in ms;
- `--column-tile`: the column tiles of every projection's `dx.connect.JitProb`
  (`column_tile`): `auto` (the default, below), `none` (no tiles: each device draws the
  active rows from their first column up to its block's last, the last device whole
  rows), or a number of columns for all.
- `--quick` (or `DYNAX_QUICK=1`): a CPU smoke run on 8 host devices (XLA's
  `--xla_force_host_platform_device_count`), 16 000 neurons strong, 4 000 per device
  weak, 20 ms.

The tiles (`auto`): a projection onto P neurons has tiles of P / D columns, D the most
devices its network is split over (strong: the largest device count; weak: the
network's own, so the one-device baseline has a single tile, which is the untiled
connectivity). Each device's block of columns is then exactly one tile at D devices
(several whole tiles at fewer): no tile straddles two devices, so nothing is drawn
twice, and a device restarts the skipping once per active row and tile, the fewest
restarts that let it skip the other devices' columns. The two costs that decide T: a
restart costs the tile's keys and a draw past its end (on a GPU, a chunk of draws for
the tile's usual count: more, smaller tiles cost more chunks), while a tile that
straddles a block's edge is drawn by both devices. A fixed T of 2^20 would leave both:
32 000 000 neurons on 8 devices give E blocks of 3 200 000 columns, 3.05 tiles of about
2.6 connections each, so 4 or 5 restarts per active row and device where one suffices
(with `auto`, one tile of about 8 connections onto E).
The price of `auto` is in the strong-scaling baseline: one device draws a row as 8
tiles of about 8 connections onto E (2 onto I) instead of one of 64 (16); `--column-tile
none` gives the untiled figures to compare (see `benchmarks/README.md`).

Each row: `devices`, `neurons`, `synapses` (expected: the fan-in, 80, times the
neurons), `compile_s` (first call minus the second), `run_s` (the second call: the
simulation alone), `step_ms` (run_s per step), `exchange_ms` (one step's spike exchange
alone: a compiled loop of the same bit-packed `all_gather` of E's and I's spikes, on the
same devices; with `--window`, one gather of the window's steps per window, divided by
its steps), `compute_ms` (`step_ms - exchange_ms`: the rest of the step, assuming
the two do not overlap), `rate_Hz` (mean excitatory rate, about 21 Hz at fan-in 80: a
correctness check). `devices = 1` also runs the unsharded network (`sharded: false`),
the baseline of the efficiencies in the summary: strong `speedup` (baseline run_s /
run_s) and `efficiency` (speedup / devices); weak `efficiency` (baseline run_s /
run_s).
"""

import os
import sys

QUICK = "--quick" in sys.argv or os.environ.get("DYNAX_QUICK", "") not in ("", "0")
if QUICK and "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    # Before JAX starts: 8 CPU devices (GPUs, if any, are unaffected).
    flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count=8".strip()

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from typing import cast  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P  # noqa: E402

import dynax as dx  # noqa: E402
from dynax._exchange import gather, unpack  # noqa: E402

FAN_IN = 80


def network(n: int, delay: float | None, tile: str, devices: int) -> dx.Network:
    """COBA with `n` neurons and JIT connectivity, with column tiles `tile` (`auto`: of
    n_post / `devices` columns, see above; `none`; or a number of columns)."""
    n_exc = int(0.8 * n)
    net = dx.networks.coba_network(n_exc, n - n_exc, key=jax.random.key(0), connectivity="jit")

    def tiled(conn: dx.connect.JitProb) -> dx.connect.JitProb:
        if tile == "none":
            return conn
        columns = conn.n_post // devices if tile == "auto" else int(tile)
        return dx.connect.JitProb(
            conn.n_pre, conn.n_post, conn.prob, conn.seed, column_tile=columns
        )

    projections = {
        name: dx.Projection(
            p.pre,
            p.post,
            tiled(cast(dx.connect.JitProb, p.conn)),
            p.weight,
            p.synapse,
            p.output,
            delay or 0,
            p.kernel,
        )
        for name, p in net.projections.items()
    }
    return dx.Network(net.populations, projections)


def timed(model, state, dt: float, n_steps: int) -> tuple[float, float, float]:
    """(first call, second call, excitatory rate): spikes counted per neuron over the
    run (no reduction across devices inside the loop)."""
    monitors = {"E": "E.spike"}

    def run():
        t = time.perf_counter()
        _, rec = dx.simulate(model, state, dt=dt, n_steps=n_steps, monitors=monitors, every=n_steps)
        jax.block_until_ready(rec)
        return time.perf_counter() - t, rec

    first, _ = run()
    second, rec = run()
    counts = np.asarray(rec["E"])
    rate = counts.sum() / counts.shape[-1] / (n_steps * dt / 1000.0)
    return first, second, float(rate)


def exchange_ms(model, mesh: Mesh, steps: int, window: int = 1) -> float:
    """One step's share of the exchange alone, in ms: a compiled loop of bit-packed
    all_gathers of E's and I's spike vectors (each depending on the last), one per step,
    or with a window of `window` steps one per window of `(window, n)` spikes, kept
    packed as the window's cache keeps them (`gather(..., packed=True)`)."""
    sizes = [model.network.populations[p].n for p in ("E", "I")]
    split = NamedSharding(mesh, P(None, "neurons"))
    spikes = [
        jax.device_put(jax.random.bernoulli(jax.random.key(k), 0.002, (window, n)), split)
        for k, n in enumerate(sizes)
    ]
    count = max(1, steps // window)

    @jax.jit
    def loop(xs):
        def body(xs, _):
            whole = gather(list(xs), mesh, "neurons", packed=window > 1)
            whole = [unpack(w, x.shape[-1]) for w, x in zip(whole, xs)]
            return tuple(jnp.logical_xor(x, w) for x, w in zip(xs, whole)), None

        return jax.lax.scan(body, tuple(xs), None, length=count)[0]

    jax.block_until_ready(loop(spikes))
    t = time.perf_counter()
    jax.block_until_ready(loop(spikes))
    return (time.perf_counter() - t) / (count * window) * 1e3


def row(mode: str, devices: int, n: int, args, tiles: int, sharded: bool = True) -> dict:
    """One run on `devices` devices of the network with tiles for `tiles` devices."""
    dt = 0.1
    n_steps = round(args.duration / dt)
    net = network(n, args.delay, args.column_tile, tiles)
    mesh = Mesh(np.array(jax.devices()[:devices]), ("neurons",))
    model = dx.shard(net, mesh, window=args.window) if sharded else net
    start = time.perf_counter()
    state = model.init(jax.random.key(1))
    jax.block_until_ready(state)
    build = time.perf_counter() - start
    first, second, rate = timed(model, state, dt, n_steps)
    out = {
        "benchmark": "scaling",
        "mode": mode,
        "model": "COBA",
        "connectivity": "jit",
        "sharded": sharded,
        "devices": devices,
        "neurons": n,
        "synapses": FAN_IN * n,
        "delay_ms": args.delay,
        "window_ms": args.window,
        "column_tiles": {
            p.post: cast(dx.connect.JitProb, p.conn).column_tile for p in net.projections.values()
        },
        "backend": jax.default_backend(),
        "device": str(jax.devices()[0].device_kind),
        "duration_ms": args.duration,
        "build_s": round(build, 3),
        "compile_s": round(first - second, 3),
        "run_s": round(second, 4),
        "step_ms": round(second / n_steps * 1e3, 4),
        "rate_Hz": round(rate, 2),
    }
    if sharded:
        window = round(args.window / dt) if args.window else 1
        ex = exchange_ms(model, mesh, min(n_steps, 1000), window)
        out["exchange_ms"] = round(ex, 4)
        out["compute_ms"] = round(out["step_ms"] - ex, 4)
    print(json.dumps(out), flush=True)
    return out


def counts(requested: str | None) -> list[int]:
    available = len(jax.devices())
    if requested:
        wanted = [int(d) for d in requested.split(",")]
    else:
        wanted = [2**k for k in range(8) if 2**k <= available]
    missing = [d for d in wanted if d > available]
    if missing:
        print(json.dumps({"skipped_devices": missing, "available": available}), flush=True)
    return [d for d in wanted if d <= available]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strong", type=int, default=None, help="neurons, strong scaling")
    parser.add_argument("--weak", type=int, default=None, help="neurons per device, weak")
    parser.add_argument("--devices", default=None, help="device counts, e.g. 1,2,4,8")
    parser.add_argument("--duration", type=float, default=None, help="ms of biological time")
    parser.add_argument("--delay", type=float, default=None, help="synaptic delay (ms)")
    parser.add_argument("--window", type=float, default=None, help="exchange window (ms)")
    parser.add_argument("--mode", choices=("strong", "weak", "both"), default="both")
    parser.add_argument("--column-tile", default="auto", help="auto, none or columns")
    parser.add_argument("--quick", action="store_true", help="CPU smoke run (host devices)")
    args = parser.parse_args()
    if args.strong is None:
        args.strong = 16_000 if QUICK else 4_000_000
    if args.weak is None:
        args.weak = 4_000 if QUICK else 4_000_000
    if args.duration is None:
        args.duration = 20.0 if QUICK else 1000.0
    devices = counts(args.devices)
    for mode in ("strong", "weak"):
        if args.mode not in (mode, "both"):
            continue
        size = args.strong if mode == "strong" else args.weak
        rows = []
        most = max(devices)  # strong: the tiles of the most devices, for every row
        if 1 in devices:
            base = row(mode, 1, size, args, most if mode == "strong" else 1, sharded=False)
        for d in devices:
            n, tiles = (size, most) if mode == "strong" else (size * d, d)
            rows.append(row(mode, d, n, args, tiles))
        if 1 not in devices:
            continue
        summary: dict = {"benchmark": "scaling", "mode": mode, "summary": True}
        for r in rows:
            ratio = base["run_s"] / r["run_s"]
            key = str(r["devices"])
            if mode == "strong":
                summary[f"speedup_{key}"] = round(ratio, 3)
                summary[f"efficiency_{key}"] = round(ratio / r["devices"], 3)
            else:
                summary[f"efficiency_{key}"] = round(ratio, 3)
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
