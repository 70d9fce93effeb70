"""COBAHH network benchmark (Brette et al. 2007, benchmark 3): one JSON row per size.

    python benchmarks/cobahh.py [N ...] [--no-peers | --peers] [--jit]  (default N: 4000)

The network of `dx.networks.cobahh_network`: N Hodgkin–Huxley (Traub–Miles) neurons, 80 %
excitatory, exponential conductances, fan-in 80, no external input; 1 s of biological time
at dt = 0.1 ms. build_s: connectivity + model construction + initial state; compile_s: first
call minus the second; run_s: a second, already compiled call (the simulation loop alone);
rate_Hz: mean rate of all neurons, 33–40 Hz at N = 4 000 in every simulator (a correctness
check; it depends on the network drawn).

Peers, each in a subprocess after dynax, when their environments exist (see
benchmarks/README.md): Brian2 C++ standalone on one thread (`brian2-cpp`) and with OpenMP on
every core this process may use (`brian2-cpp-omp`), from `.venv-brian2` (or
DYNAX_BRIAN2_PYTHON); BrainPy (`brainpy`) from `.venv-brainpy` (or DYNAX_BRAINPY_PYTHON);
and a plain float32 JAX script without dynax (`jax`, `peers/jax_cobahh.py`) run by this
interpreter. Then one row of ratios dynax / peer. `--no-peers` skips them; `--peers` fails
when no peer environment is found. `--jit` uses just-in-time connectivity
(`dx.connect.JitProb`) instead of CSR.
"""

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import jax

import dynax as dx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coba import _cores, _peer_python  # noqa: E402


def bench(n: int, duration: float = 1000.0, dt: float = 0.1, connectivity: str = "csr") -> dict:
    start = time.perf_counter()
    n_exc = int(0.8 * n)
    net = dx.networks.cobahh_network(
        n_exc, n - n_exc, key=jax.random.key(0), connectivity=connectivity
    )
    state = net.init(jax.random.key(1))
    jax.block_until_ready(state)
    build = time.perf_counter() - start
    # Spikes per step of both populations: the rate without a raster, as the peers count.
    monitors = {
        "spikes": lambda s: s["E"].spike.sum(dtype="int32") + s["I"].spike.sum(dtype="int32")
    }

    def run():
        t = time.perf_counter()
        _, rec = dx.simulate(net, state, dt=dt, duration=duration, monitors=monitors)
        jax.block_until_ready(rec)
        return time.perf_counter() - t, rec

    first, _ = run()
    run_s, rec = run()
    row = {
        "model": "COBAHH",
        "N": n,
        "connectivity": connectivity,
        "backend": jax.default_backend(),
        "device": str(jax.devices()[0].device_kind),
        "host": platform.processor() or platform.machine(),
        "build_s": round(build, 3),
        "compile_s": round(first - run_s, 3),
        "run_s": round(run_s, 3),
        "first_result_s": round(build + first, 3),
        "rate_Hz": round(float(rec["spikes"].sum()) / n / (duration / 1000.0), 2),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
    }
    stats = jax.devices()[0].memory_stats() if jax.default_backend() == "gpu" else None
    if stats and "peak_bytes_in_use" in stats:
        row["peak_device_GB"] = round(stats["peak_bytes_in_use"] / 1e9, 3)
    return row


# Peers: (environment variable, default interpreter, script, runs as (label, arguments)).
# Arguments are formatted with n and cores. The plain JAX script needs nothing but JAX, so
# it runs with this interpreter (its own process: nothing of dynax is imported there).
_ROOT = Path(__file__).resolve().parent.parent
_PEER_DIR = Path(__file__).resolve().parent / "peers"
_PEERS = (
    (
        "DYNAX_BRIAN2_PYTHON",
        _ROOT / ".venv-brian2" / "bin" / "python",
        "brian2_cobahh.py",
        (
            ("brian2-cpp", ["{n}"]),
            ("brian2-cpp-omp", ["{n}", "--threads", "{cores}"]),
        ),
    ),
    (
        "DYNAX_BRAINPY_PYTHON",
        _ROOT / ".venv-brainpy" / "bin" / "python",
        "brainpy_cobahh.py",
        (("brainpy", ["{n}"]),),
    ),
    ("DYNAX_JAX_PEER_PYTHON", Path(sys.executable), "jax_cobahh.py", (("jax", ["{n}"]),)),
)


def available_peers() -> list[str]:
    return [script for variable, default, script, _ in _PEERS if _peer_python(variable, default)]


def run_peers(n: int, timeout: float | None = None) -> list[dict]:
    """Every available peer at size `n`, one subprocess after another; a failing peer gives
    a row with "error" instead of timings."""
    timeout = float(os.environ.get("DYNAX_PEER_TIMEOUT", 1800)) if timeout is None else timeout
    rows = []
    for variable, default, script, runs in _PEERS:
        python = _peer_python(variable, default)
        if python is None:
            continue
        for label, args in runs:
            args = [a.format(n=n, cores=_cores()) for a in args]
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
                row = {"model": "COBAHH", "N": n, "peer": label, "error": str(e)[-500:]}
            rows.append(row)
    return rows


def peer_ratios(row: dict, peers: list[dict]) -> dict:
    """dynax / peer for run_s and first_result_s (below 1: dynax is faster)."""
    ratios = {"model": "COBAHH", "N": row["N"], "ratio": "dynax/peer"}
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
