"""Soak test: the COBA network (4 000 neurons) for an hour of biological time.

    python benchmarks/soak.py [--minutes M] [--call-minutes C] [--chunk STEPS] [--n N]
    python benchmarks/soak.py --quick        (CI-sized: 0.5 min in calls of 0.1 min)

One `dx.simulate` call per `C` minutes of biological time (default 1), each split into
scans of `STEPS` steps (`chunk=`, default 100 000 = 10 s), resumed with `t0=` the time
reached (a whole number of steps), at dt = 0.1 ms: 60 minutes are 3.6·10⁷ steps. The
monitor is the number of excitatory spikes per step. After every call the script prints
a JSON row (minute reached, E rate over that call, resident memory from
/proc/self/status, wall time) and at the end one summary row: RSS after the first call,
the largest and last RSS and the growth between them, the E rate per call (mean, spread,
linear drift per hour of biological time), the last time in the records (exactly
`M · 60 000` ms when nothing drifts) and the wall time. Every call after the first must
reuse the compiled scans (`recompiled` counts the calls that took more than twice the
median of the others).
"""

import argparse
import json
import platform
import resource
import time

import jax
import numpy as np

import dynax as dx

DT = 0.1  # ms
MINUTE_STEPS = 600_000  # steps per minute at DT


def rss_mb() -> float:
    """Resident memory now (MB), from /proc/self/status (ru_maxrss where there is none)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def soak(n: int, minutes: float, call_minutes: float, chunk: int, seed: int = 0):
    """Yield one row per simulate call, then the summary row."""
    call_steps = round(call_minutes * MINUTE_STEPS)
    total_steps = round(minutes * MINUTE_STEPS)
    if call_steps <= 0 or total_steps % call_steps:
        raise SystemExit(f"--minutes {minutes} must be a whole number of --call-minutes.")
    chunk = min(chunk, call_steps)
    if call_steps % chunk:
        raise SystemExit(f"--chunk {chunk} must divide the {call_steps} steps of a call.")
    start = time.perf_counter()
    n_exc = int(0.8 * n)
    net = dx.networks.coba_network(n_exc, n - n_exc, key=jax.random.key(seed))
    state = net.init(jax.random.key(seed + 1))
    monitors = {"spikes": lambda s: s["E"].spike.sum(dtype="int32")}
    rss0 = rss_mb()
    steps, rows, last_t = 0, [], None
    while steps < total_steps:
        t0 = steps * DT  # a whole number of steps: simulate rounds t0 / dt
        tick = time.perf_counter()
        state, rec = dx.simulate(
            net, state, dt=DT, n_steps=call_steps, t0=t0, chunk=chunk, monitors=monitors
        )
        spikes = np.asarray(rec["spikes"])
        wall = time.perf_counter() - tick
        t = np.asarray(rec["t"])
        expected_end = (steps + call_steps) * DT
        if t[-1] != expected_end or t.dtype != np.float64:
            print(json.dumps({"warning": "record times", "t_end": t[-1], "expected": expected_end}))
        steps += call_steps
        last_t = t[-1]
        row = {
            "call": len(rows),
            "minute": round(steps / MINUTE_STEPS, 4),
            "rate_Hz": round(int(spikes.sum(dtype=np.int64)) / n_exc / (call_steps * DT / 1e3), 3),
            "rss_MB": round(rss_mb(), 1),
            "wall_s": round(wall, 3),
        }
        rows.append(row)
        yield row
        del rec, spikes, t
    rates = np.array([r["rate_Hz"] for r in rows])
    rss = np.array([r["rss_MB"] for r in rows])
    walls = np.array([r["wall_s"] for r in rows])
    minute = np.array([r["minute"] for r in rows])
    drift = float(np.polyfit(minute, rates, 1)[0] * 60) if len(rows) > 2 else 0.0
    typical = float(np.median(walls[1:])) if len(rows) > 1 else float(walls[0])
    yield {
        "model": "COBA",
        "N": n,
        "backend": jax.default_backend(),
        "host": platform.processor() or platform.machine(),
        "minutes": minutes,
        "steps": steps,
        "calls": len(rows),
        "chunk": chunk,
        "t_end_ms": float(last_t),
        "t_end_exact": bool(last_t == total_steps * DT),
        "rss_before_MB": round(rss0, 1),
        "rss_first_call_MB": float(rss[0]),
        "rss_max_MB": float(rss.max()),
        "rss_last_MB": float(rss[-1]),
        "rss_growth_MB": round(float(rss[-1] - rss[0]), 1),
        "rate_mean_Hz": round(float(rates.mean()), 3),
        "rate_min_Hz": float(rates.min()),
        "rate_max_Hz": float(rates.max()),
        "rate_std_Hz": round(float(rates.std()), 3),
        "rate_drift_Hz_per_hour": round(drift, 3),
        "first_call_s": float(walls[0]),
        "call_median_s": round(typical, 3),
        "recompiled": int(np.sum(walls[1:] > 2 * typical)),
        "wall_s": round(time.perf_counter() - start, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="biological time (min)")
    parser.add_argument("--call-minutes", type=float, default=1.0, help="per simulate call")
    parser.add_argument("--chunk", type=int, default=100_000, help="steps per scan")
    parser.add_argument("--n", type=int, default=4000, help="neurons (80 %% excitatory)")
    parser.add_argument("--quick", action="store_true", help="0.5 min in calls of 0.1 min")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.call_minutes, args.chunk = 0.5, 0.1, 20_000
    for row in soak(args.n, args.minutes, args.call_minutes, args.chunk):
        print(json.dumps(row), flush=True)
