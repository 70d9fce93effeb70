"""Training throughput: one recurrent LIF network trained with BPTT and surrogate
gradients in dynax and, side by side, in snnTorch, Spyx and BrainPy. One JSON row per
run, then one summary row.

    python benchmarks/train_throughput.py [--repeats R] [--steps S] [--warmup W]
        [--libraries dynax,dynax-xla,dynax-tau_ref0,snntorch,spyx,brainpy] [--device cpu|gpu]
        [--no-peers]
    python benchmarks/train_throughput.py --worker dynax DATA.npz [--steps S] [--warmup W]
        [--device cpu|gpu] [--variant dynax|dynax-xla|dynax-tau_ref0]

**The task and the network** (the same in every library; the numbers are in `SPEC`).
Ten classes of Bernoulli spike trains on 100 input channels, 100 steps of dt = 1 ms:
a sample of class c fires with probability 0.02 per step on every channel and 0.05 on
channels 10c to 10c + 9 (`make_data`, NumPy, seed 0); 8 training batches of 64 samples,
used in turn, and one held-out batch of 64. The network, in discrete time
(row vectors, $z^0 = 0$, $v^0 = 0$, $y^0 = 0$):

$$\\begin{aligned}
v^t &= \\beta\\,v^{t-1} + x^t W_\\text{in} + z^{t-1} W_\\text{rec} - \\vartheta\\,z^{t-1},
\\qquad z^t = H(v^t - \\vartheta), \\\\
y^t &= \\kappa\\,y^{t-1} + z^t W_\\text{out}, \\qquad
\\text{loss} = \\operatorname{CE}\\Big(\\frac{1}{T}\\sum_{t=1}^{T} y^t,\\ \\text{label}\\Big),
\\end{aligned}$$

256 LIF neurons ($\\beta = e^{-dt/\\tau}$, $\\tau$ = 20 ms, threshold $\\vartheta = 1$,
reset by subtraction), a zero diagonal of $W_\\text{rec}$ (kept at zero: dynax masks it in
the step, the peers zero its gradient), 10 leaky readout units
($\\kappa = e^{-dt/\\tau_\\text{out}}$, $\\tau_\\text{out}$ = 20 ms, no bias), the cross-
entropy of the time-averaged readout. The surrogate derivative of $H$ is SuperSpike's
fast sigmoid $1/(1 + k|x|)^2$ with $k = 10$ in all four: `dx.surrogate.InvSquareGrad(10)`,
snnTorch's `surrogate.fast_sigmoid(slope=10)`, Spyx's `axn.superspike(10)`, BrainPy's
`bm.surrogate.InvSquareGrad(alpha=10)`. Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8) on
W_in, W_rec and W_out only; float32. Every library starts from the same weights
(drawn here, written with the data to one `.npz`) and sees the same batches, so the
first loss is the same everywhere and the losses after training can be compared.

**How each library writes it** (the mapping; the peers' docstrings give the details):

- dynax: `dx.networks.SpikingRNN` of `dx.neurons.LIF(256, tau=20, v_th=1,
  reset="soft", R=1/(1 - beta), v_reset=1 - 1/beta, spike_fn=InvSquareGrad(10))` with
  `input_spikes=True` (the inputs are 0/1 spike trains), run
  by `dx.train.rollout` (a `jax.vmap` over the batch of `dx.simulate`'s `lax.scan`),
  trained by `dx.train.make_step` with `optax.adam`. On a CPU its input and recurrent
  products are event products (`dx.connect.Dense` on the compiled kernels: the rows of
  the active inputs and neurons only, forward and in the weight gradients). LIF's exact
  exponential step is
  $v \\leftarrow \\beta v + (1 - \\beta) R I$, so $R = 1/(1 - \\beta)$ gives $\\beta v + I$;
  its soft reset subtracts $\\vartheta - v_\\text{reset}$ right after the spike, before the
  next decay, so $\\vartheta - v_\\text{reset} = \\vartheta/\\beta$ subtracts $\\vartheta$
  after it, as the equation above (snnTorch's and Spyx's convention) does.
- snnTorch (`peers/snntorch_train.py`): `snn.RLeaky` (its recurrent `nn.Linear` without
  bias) and `snn.Leaky(reset_mechanism="none")` as the readout, a Python loop over time,
  eager PyTorch on the CPU. snnTorch detaches the reset from the graph (its
  `mem_reset`), dynax, Spyx and BrainPy do not: the same forward pass, slightly
  different gradients.
- Spyx (`peers/spyx_train.py`): `spyx.nn.Sequential(nnx.Linear, spyx.nn.RLIF,
  nnx.Linear, spyx.nn.LI)` run by `spyx.nn.run` (`lax.scan`), `nnx.Optimizer`. Spyx's
  RLIF emits $z^{t-1}$ at step t (it fires on the potential it starts the step with),
  so its readout lags one step: it runs T + 1 steps (a zero input last) and drops the
  first readout (1 % more steps than the others).
- BrainPy (`peers/brainpy_train.py`): `bp.dyn.Lif` (exponential Euler, soft reset,
  mapped as dynax's LIF) with `bp.dnn.Linear` layers and a leaky readout variable,
  `bm.for_loop`, `bm.grad`, `bp.optim.Adam`, `bm.jit`.

**Rows.** Each run is a fresh process that builds the model, takes one step (tracing
and compiling) and `--warmup` more, then times `--steps` steps one by one (each waits
for its result): `step_s` is their median wall time, `cpu_s` the median CPU time of
the process (all its threads; less sensitive than wall time to other processes on a
shared machine, though it counts a thread pool's spinning), `compile_s` the first step
minus `step_s`.
`loss_first` is the loss of the first step (the initial weights on batch 0),
`loss_last` that of the last, `test_loss_init` / `test_loss` / `test_acc` the loss and
accuracy on the held-out batch before and after training, `rate_Hz_init` the hidden
neurons' mean rate on it before training. Runs are interleaved (`--repeats` rounds, the
order rotated each round): the machine is shared, and its speed drifts. The summary row
gives each library's median `step_s` and `cpu_s` over the rounds and `step_s_ratio`,
`cpu_s_ratio` dynax / peer (the median of the ratios within each round; below 1: dynax
is faster), the losses, and each peer's largest difference from dynax's loss over the
steps (`max_loss_diff_vs_dynax`).

`dynax-xla` is dynax with `SpikingRNN(kernel="xla")`: every product a matrix product
(dynax's step before the event products); `dynax-tau_ref0` is dynax with
`LIF(tau_ref=0.0)`: the same values with the refractory counter that `tau_ref=None` (the
default) leaves out. Both are timed in the same rounds when named in `--libraries`.

**Environments.** dynax runs in this interpreter (or `DYNAX_PYTHON`, importing dynax
from this checkout); the peers in `.venv-snntorch`,
`.venv-spyx`, `.venv-brainpy` at the repository root (benchmarks/README.md says how to
make them); `DYNAX_SNNTORCH_PYTHON`, `DYNAX_SPYX_PYTHON`, `DYNAX_BRAINPY_PYTHON` name
other interpreters. `--device gpu` runs everything on the first GPU (JAX's CUDA
backend, PyTorch's `cuda`): each environment then needs its GPU build.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PEERS = Path(__file__).resolve().parent / "peers"

SPEC = {
    "n_in": 100,
    "n_rec": 256,
    "n_out": 10,
    "n_steps": 100,
    "batch": 64,
    "n_batches": 8,
    "dt": 1.0,
    "tau": 20.0,
    "tau_out": 20.0,
    "threshold": 1.0,
    "slope": 10.0,
    "lr": 1e-3,
    "p_base": 0.02,
    "p_class": 0.05,
    "scale_in": 2.0,
    "scale_rec": 1.0,
    "scale_out": 0.3,
}

# dynax's rows, each a `--variant` of the model: the default step; the step with matrix
# products instead of event products; the step with LIF's refractory counter kept
# (tau_ref=0: the same values, three more kernels a time step).
DYNAX_VARIANTS = {
    "dynax": {},
    "dynax-xla": {"kernel": "xla"},
    "dynax-tau_ref0": {"tau_ref": 0.0},
}

PEER_SCRIPTS = {
    "snntorch": ("DYNAX_SNNTORCH_PYTHON", ".venv-snntorch", "snntorch_train.py"),
    "spyx": ("DYNAX_SPYX_PYTHON", ".venv-spyx", "spyx_train.py"),
    "brainpy": ("DYNAX_BRAINPY_PYTHON", ".venv-brainpy", "brainpy_train.py"),
}


def make_data(path: str | os.PathLike, seed: int = 0) -> None:
    """Write the batches, the held-out batch and the initial weights to `path` (`.npz`):
    `x (n_batches, batch, n_steps, n_in)` float32 0/1, `y (n_batches, batch)` int32,
    `x_test`, `y_test`, `W_in`, `W_rec` (zero diagonal), `W_out`, and the constants of
    `SPEC` with `beta` and `kappa`."""
    s = SPEC
    rng = np.random.default_rng(seed)
    n_in, n_rec, n_out = s["n_in"], s["n_rec"], s["n_out"]
    rates = np.full((n_out, n_in), s["p_base"])
    for c in range(n_out):
        rates[c, c * (n_in // n_out) : (c + 1) * (n_in // n_out)] = s["p_class"]

    def batch(size: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, n_out, size)
        p = rates[labels][:, None, :]  # (batch, 1, n_in)
        x = rng.random((size, s["n_steps"], n_in)) < p
        return x.astype(np.float32), labels.astype(np.int32)

    xs, ys = zip(*(batch(s["batch"]) for _ in range(s["n_batches"])), strict=True)
    x_test, y_test = batch(s["batch"])
    w_in = rng.standard_normal((n_in, n_rec)) * s["scale_in"] / math.sqrt(n_in)
    w_rec = rng.standard_normal((n_rec, n_rec)) * s["scale_rec"] / math.sqrt(n_rec)
    np.fill_diagonal(w_rec, 0.0)
    w_out = rng.standard_normal((n_rec, n_out)) * s["scale_out"] / math.sqrt(n_rec)
    consts = {k: np.asarray(v) for k, v in SPEC.items()}
    np.savez(
        path,
        x=np.stack(xs),
        y=np.stack(ys),
        x_test=x_test,
        y_test=y_test,
        W_in=w_in.astype(np.float32),
        W_rec=w_rec.astype(np.float32),
        W_out=w_out.astype(np.float32),
        beta=np.asarray(math.exp(-s["dt"] / s["tau"])),
        kappa=np.asarray(math.exp(-s["dt"] / s["tau_out"])),
        **consts,
    )


def peak_rss_gb() -> float:
    """This process's peak RSS (GB), from VmHWM (not inherited from the parent)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e6
    return float("nan")


def summarise_times(times: list[float], cpu: list[float], warmup: int) -> dict:
    """`step_s` (median wall time of the timed steps), `cpu_s` (median CPU time of this
    process, all threads), `compile_s` (first step minus the median) and the spread."""
    timed = times[1 + warmup :]
    med = statistics.median(timed)
    return {
        "step_s": round(med, 5),
        "cpu_s": round(statistics.median(cpu[1 + warmup :]), 5),
        "step_s_min": round(min(timed), 5),
        "step_s_max": round(max(timed), 5),
        "compile_s": round(times[0] - med, 3),
        "first_step_s": round(times[0], 3),
    }


# ----------------------------------------------------------------------------- dynax


def dynax_run(data_path: str, steps: int, warmup: int, device: str, variant: str = "dynax") -> dict:
    os.environ.setdefault("JAX_PLATFORMS", "cuda" if device == "gpu" else "cpu")
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import optax

    import dynax as dx

    d = dict(np.load(data_path))
    beta, theta = float(d["beta"]), float(d["threshold"])
    dt = float(d["dt"])
    options = DYNAX_VARIANTS[variant]
    start = time.perf_counter()
    neuron = dx.neurons.LIF(
        int(d["n_rec"]),
        tau=float(d["tau"]),
        v_th=theta,
        v_reset=theta - theta / beta,  # subtract theta after the next decay
        R=1.0 / (1.0 - beta),  # beta * v + I
        reset="soft",
        spike_fn=dx.surrogate.InvSquareGrad(float(d["slope"])),
        tau_ref=options.get("tau_ref"),
    )
    model = dx.networks.SpikingRNN(
        neuron, d["W_in"], d["W_rec"], d["W_out"], b_out=None, tau_out=float(d["tau_out"]),
        input_spikes=True, kernel=options.get("kernel", "auto"),
    )  # fmt: skip
    trainable = lambda m: (m.W_in, m.W_rec, m.W_out)  # noqa: E731
    optimiser = optax.adam(float(d["lr"]))
    xs, ys = jnp.asarray(d["x"]), jnp.asarray(d["y"])
    x_test, y_test = jnp.asarray(d["x_test"]), jnp.asarray(d["y_test"])

    def forward(model, x):
        rec = dx.train.rollout(model, x, dt=dt, monitors={"out": "out"})
        return rec["out"].mean(axis=1)

    def loss_fn(model, batch, key):
        x, y = batch
        return dx.train.cross_entropy(forward(model, x), y)

    @eqx.filter_jit
    def evaluate(model, x, y):
        rec = dx.train.rollout(model, x, dt=dt, monitors={"out": "out", "spike": "neuron.spike"})
        logits = rec["out"].mean(axis=1)
        rate = rec["spike"].mean() * 1000.0 / dt
        return dx.train.cross_entropy(logits, y), dx.train.accuracy(logits, y), rate

    step = dx.train.make_step(loss_fn, optimiser, trainable)
    opt_state = dx.train.init_optimiser(optimiser, model, trainable)
    jax.block_until_ready(opt_state)
    build = time.perf_counter() - start
    loss0, _, rate0 = evaluate(model, x_test, y_test)
    key = jax.random.key(0)
    times, cpu, losses = [], [], []
    for i in range(1 + warmup + steps):
        b = i % xs.shape[0]
        t, c = time.perf_counter(), time.process_time()
        model, opt_state, loss, _ = step(model, opt_state, (xs[b], ys[b]), key)
        loss = float(loss)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        losses.append(loss)
    loss1, acc1, _ = evaluate(model, x_test, y_test)
    return {
        "library": variant,
        "version": dx.__version__ if hasattr(dx, "__version__") else "dev",
        "backend": f"jax {jax.__version__} {jax.default_backend()}",
        "build_s": round(build, 3),
        **summarise_times(times, cpu, warmup),
        **loss_fields(losses, float(loss0), float(loss1), float(acc1), float(rate0)),
        "peak_rss_GB": round(peak_rss_gb(), 3),
    }


def loss_fields(losses, test_loss_init, test_loss, test_acc, rate_init) -> dict:
    return {
        "loss_first": round(losses[0], 5),
        "loss_last": round(losses[-1], 5),
        "test_loss_init": round(test_loss_init, 5),
        "test_loss": round(test_loss, 5),
        "test_acc": round(test_acc, 4),
        "rate_Hz_init": round(rate_init, 3),
        "losses": [round(v, 5) for v in losses],
    }


# ----------------------------------------------------------------------------- harness


def peer_python(name: str) -> str:
    env, venv, _ = PEER_SCRIPTS[name]
    return os.environ.get(env) or str(ROOT / venv / "bin" / "python")


def have(name: str) -> bool:
    if name in DYNAX_VARIANTS:
        return True
    python = peer_python(name)
    return os.path.isfile(python) and os.access(python, os.X_OK)


def run_one(name: str, data: str, args: argparse.Namespace) -> dict:
    """One run of `name` in its own process; its row, or a row with `error`."""
    common = [data, "--steps", str(args.steps), "--warmup", str(args.warmup)]
    common += ["--device", args.device]
    env = None
    if name in DYNAX_VARIANTS:
        python = os.environ.get("DYNAX_PYTHON") or sys.executable
        cmd = [python, __file__, "--worker", "dynax", *common, "--variant", name]
        # another interpreter (DYNAX_PYTHON) imports dynax from this checkout
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path}
    else:
        cmd = [peer_python(name), str(PEERS / PEER_SCRIPTS[name][2]), *common]
    timeout = float(os.environ.get("DYNAX_PEER_TIMEOUT", 1800))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode or not lines:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"exit {done.returncode}: {' | '.join(tail)}")
        return json.loads(lines[-1])
    except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
        return {"library": name, "error": str(e)[-500:]}


def summary(rows: list[dict], names: list[str]) -> dict:
    ok = [r for r in rows if "error" not in r]
    out: dict = {"summary": f"median over {len({r['round'] for r in ok})} rounds"}
    for key in ("step_s", "cpu_s", "compile_s"):
        out[key] = {}
        for name in names:
            mine = [r[key] for r in ok if r["library"] == name and r.get(key) is not None]
            if mine:
                out[key][name] = round(statistics.median(mine), 5)
    out["ratio"] = "dynax/peer"
    for key in ("step_s", "cpu_s"):
        ratios: dict[str, list[float]] = {}
        for r in sorted({row["round"] for row in ok}):
            by = {row["library"]: row for row in ok if row["round"] == r}
            if "dynax" not in by:
                continue
            for name, row in by.items():
                if name != "dynax" and row.get(key):
                    ratios.setdefault(name, []).append(by["dynax"][key] / row[key])
        out[f"{key}_ratio"] = {k: round(statistics.median(v), 3) for k, v in ratios.items()}
    last = {row["library"]: row for row in ok}
    for key in ("loss_first", "loss_last", "test_loss", "test_acc", "rate_Hz_init"):
        out[key] = {k: v[key] for k, v in last.items()}
    if "dynax" in last:
        ref = np.asarray(last["dynax"]["losses"])
        out["max_loss_diff_vs_dynax"] = {
            k: round(float(np.max(np.abs(np.asarray(v["losses"]) - ref))), 5)
            for k, v in last.items()
            if k != "dynax" and len(v["losses"]) == len(ref)
        }
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--worker", choices=["dynax"], help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--libraries", default="dynax,snntorch,spyx,brainpy")
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument(
        "--variant", choices=list(DYNAX_VARIANTS), default="dynax", help=argparse.SUPPRESS
    )
    args = p.parse_args()
    if args.worker:
        row = dynax_run(args.data, args.steps, args.warmup, args.device, args.variant)
        print(json.dumps(row), flush=True)
        return
    names = [n for n in args.libraries.split(",") if n]
    if args.no_peers:
        names = [n for n in names if n in DYNAX_VARIANTS]
    for n in names:
        if n not in DYNAX_VARIANTS and n not in PEER_SCRIPTS:
            known = ", ".join((*DYNAX_VARIANTS, *PEER_SCRIPTS))
            sys.exit(f"unknown library {n!r}; choose among {known}")
    missing = [n for n in names if not have(n)]
    if missing:
        print(json.dumps({"skipped": missing, "why": "no environment"}), flush=True)
    names = [n for n in names if n not in missing]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "train_throughput.npz")
        make_data(data)
        for r in range(args.repeats):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                row = {"round": r, **run_one(name, data, args)}
                row.setdefault("library", name)
                print(json.dumps(row), flush=True)
                rows.append(row)
    print(json.dumps(summary(rows, names)), flush=True)


if __name__ == "__main__":
    main()
