"""COBA network benchmark (Brette et al. 2007, benchmark 1): one JSON row per size.

    python benchmarks/coba.py [N ...] [--no-peers | --peers] [--jit]  (default N: 4000)

build_s: connectivity + model construction; compile_s: first call minus the second;
run_s: a second, already compiled call (the simulation loop alone); rate_Hz: mean
excitatory rate, about 21 Hz when fan-in is 80 (a correctness check).

Peers: when the virtual environments of benchmarks/README.md exist (`.venv-brian2`,
`.venv-brainpy` at the repository root, or the interpreters named by DYNAX_BRIAN2_PYTHON
and DYNAX_BRAINPY_PYTHON), each N also runs the same network in Brian2 (C++ standalone
on one thread, C++ standalone with OpenMP on every core this process may use, then the
Cython runtime with a cold and a warm cache) and BrainPy, each in a subprocess after
dynax, and prints their rows and one row of ratios dynax / peer. `--no-peers` skips
them; `--peers` fails when no peer environment is found. `--jit` uses just-in-time
connectivity (`dx.connect.JitProb`, never stored) instead of CSR. On a GPU, the row also
has the device's peak memory (peak_device_GB).
"""

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax

import dynax as dx


def bench(n: int, duration: float = 1000.0, dt: float = 0.1, connectivity: str = "csr") -> dict:
    start = time.perf_counter()
    n_exc = int(0.8 * n)
    net = dx.networks.coba_network(
        n_exc, n - n_exc, key=jax.random.key(0), connectivity=connectivity
    )
    state = net.init(jax.random.key(1))
    jax.block_until_ready(state)
    build = time.perf_counter() - start
    # The number of excitatory spikes per step: what the rate needs, without the memory
    # of a full raster (3.2 GB at N = 400 000), as the peers count spikes too.
    monitors = {"spikes": lambda s: s["E"].spike.sum(dtype="int32")}

    def run():
        t = time.perf_counter()
        _, rec = dx.simulate(net, state, dt=dt, duration=duration, monitors=monitors)
        jax.block_until_ready(rec)
        return time.perf_counter() - t, rec

    first, _ = run()
    run_s, rec = run()
    row = {
        "model": "COBA",
        "N": n,
        "connectivity": connectivity,
        "backend": jax.default_backend(),
        "device": str(jax.devices()[0].device_kind),
        "host": platform.processor() or platform.machine(),
        "build_s": round(build, 3),
        "compile_s": round(first - run_s, 3),
        "run_s": round(run_s, 3),
        "first_result_s": round(build + first, 3),
        "rate_Hz": round(float(rec["spikes"].sum()) / n_exc / (duration / 1000.0), 2),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
    }
    stats = jax.devices()[0].memory_stats() if jax.default_backend() == "gpu" else None
    if stats and "peak_bytes_in_use" in stats:
        row["peak_device_GB"] = round(stats["peak_bytes_in_use"] / 1e9, 3)
    return row


# Peers: the same network in Brian2 and BrainPy, each in its own virtual environment
# (never a dynax dependency). Self-contained: nothing above depends on it.

_ROOT = Path(__file__).resolve().parent.parent
_PEER_DIR = Path(__file__).resolve().parent / "peers"
# (environment variable, default interpreter, script, runs as (label, arguments)), in the
# order they run after dynax. Arguments are formatted with n (the size), cache (a fresh
# directory per peer, shared by its runs) and cores (the CPUs this process may use).
_PEERS = (
    (
        "DYNAX_BRIAN2_PYTHON",
        _ROOT / ".venv-brian2" / "bin" / "python",
        "brian2_coba.py",
        (
            ("brian2-cpp", ["cpp_standalone", "{n}"]),  # 1 thread, no OpenMP
            ("brian2-cpp-omp", ["cpp_standalone", "{n}", "--threads", "{cores}"]),
            ("brian2-cython-cold", ["runtime", "{n}", "--cache", "{cache}"]),
            ("brian2-cython-warm", ["runtime", "{n}", "--cache", "{cache}"]),
        ),
    ),
    (
        "DYNAX_BRAINPY_PYTHON",
        _ROOT / ".venv-brainpy" / "bin" / "python",
        "brainpy_coba.py",
        (("brainpy", ["{n}"]),),
    ),
)


def _peer_python(variable: str, default: Path) -> str | None:
    python = os.environ.get(variable) or str(default)
    return python if os.path.isfile(python) and os.access(python, os.X_OK) else None


def _cores() -> int:
    """The CPUs this process may run on (its affinity, else os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available_peers() -> list[str]:
    return [script for variable, default, script, _ in _PEERS if _peer_python(variable, default)]


def run_peers(n: int, timeout: float | None = None) -> list[dict]:
    """Run every available peer at size `n`, one subprocess after another; their rows.

    A peer that fails gives a row with "error" instead of timings.
    """
    timeout = float(os.environ.get("DYNAX_PEER_TIMEOUT", 1800)) if timeout is None else timeout
    rows = []
    for variable, default, script, runs in _PEERS:
        python = _peer_python(variable, default)
        if python is None:
            continue
        with tempfile.TemporaryDirectory(prefix="dynax_peer_") as cache:
            for label, args in runs:
                args = [a.format(n=n, cache=cache, cores=_cores()) for a in args]
                command = [python, str(_PEER_DIR / script), *args]
                try:
                    done = subprocess.run(
                        command, capture_output=True, text=True, timeout=timeout, check=False
                    )
                    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
                    if done.returncode or not lines:
                        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                        raise RuntimeError(f"exit {done.returncode}: {' | '.join(tail)}")
                    row = json.loads(lines[-1])
                    row["peer"] = label
                except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                    row = {"model": "COBA", "N": n, "peer": label, "error": str(e)[-500:]}
                rows.append(row)
    return rows


def peer_ratios(row: dict, peers: list[dict]) -> dict:
    """dynax / peer for run_s and first_result_s (below 1: dynax is faster)."""
    ratios = {"model": "COBA", "N": row["N"], "ratio": "dynax/peer"}
    for key in ("run_s", "first_result_s"):
        ratios[key] = {p["peer"]: round(row[key] / p[key], 3) for p in peers if p.get(key)}
    return ratios


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    known = {"--peers", "--no-peers", "--jit"}
    if flags - known:
        sys.exit(f"unknown option(s): {sorted(flags - known)}; options are {sorted(known)}")
    with_peers = "--no-peers" not in flags and bool(available_peers())
    if "--peers" in flags and not with_peers:
        sys.exit("--peers: no peer environment found (see benchmarks/README.md)")
    for n in [int(a) for a in sys.argv[1:] if not a.startswith("--")] or [4000]:
        row = bench(n, connectivity="jit" if "--jit" in flags else "csr")
        print(json.dumps(row), flush=True)
        if with_peers:
            peers = run_peers(n)
            for p in peers:
                print(json.dumps(p), flush=True)
            print(json.dumps(peer_ratios(row, peers)), flush=True)
