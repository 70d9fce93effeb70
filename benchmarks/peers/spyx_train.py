"""The training benchmark of `benchmarks/train_throughput.py`, in Spyx (JAX + Flax NNX; a
peer, not a dynax dependency).

    .venv-spyx/bin/python benchmarks/peers/spyx_train.py DATA.npz [--steps S]
        [--warmup W] [--device cpu|gpu]

One JSON row with the fields of `train_throughput.py`'s rows and "library": "spyx".

The network, as Spyx users write it: `spyx.nn.Sequential(nnx.Linear(100, 256,
use_bias=False), spyx.nn.RLIF((256,), beta, threshold=1,
activation=spyx.axn.superspike(10)), nnx.Linear(256, 10, use_bias=False),
spyx.nn.LI((10,), kappa))`, run over time by `spyx.nn.run` (a `lax.scan`, time-major
input), the cross-entropy of the time-averaged readout, `nnx.value_and_grad` and an
`nnx.Optimizer` with `optax.adam` in one `nnx.jit` step (the pattern of
`spyx.optimize.make_train_step`). The betas are `nnx.Param`s in Spyx; the optimiser and
the gradient are restricted to the weights (`wrt` excludes paths containing "beta"),
as in dynax, where the time constants are not trained.

The mapping to `train_throughput.py`'s equations: RLIF's call is
`s = H(V - threshold); V = beta * V + x + s @ W_rec - s * threshold; return s`, i.e.
$v^t = \\beta v^{t-1} + x^t W_\\text{in} + z^{t-1} W_\\text{rec} - \\vartheta z^{t-1}$ with
$z^{t-1} = H(v^{t-1} - \\vartheta)$, the same recurrence as dynax and snnTorch, the
surrogate's gradient flowing through the reset as in dynax (Spyx's `>` where dynax has
`>=`). But the spikes it returns at step t are $z^{t-1}$, those of the potential it
started the step with, so the readout LI ($y = \\kappa y + s W_\\text{out}$) lags by
one step: the run has T + 1 steps (a zero input appended) and the first readout is
dropped, which makes the readout exactly $y^1 \\dots y^T$ (one more step than the
others compute: 1 %). The diagonal of W_rec is kept at zero by zeroing its gradient.
Float32, JAX on the CPU (`JAX_PLATFORMS=cpu`) with XLA's default threading.
"""

import argparse
import json
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
ARGS = parser.parse_args(sys.argv[1:])
os.environ.setdefault("JAX_PLATFORMS", "cuda" if ARGS.device == "gpu" else "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import spyx  # noqa: E402
from flax import nnx  # noqa: E402


def peak_rss_gb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e6
    return float("nan")


def build(d: dict) -> nnx.Module:
    n_in, n_rec, n_out = int(d["n_in"]), int(d["n_rec"]), int(d["n_out"])
    rngs = nnx.Rngs(0)
    model = spyx.nn.Sequential(
        nnx.Linear(n_in, n_rec, use_bias=False, rngs=rngs),
        spyx.nn.RLIF(
            (n_rec,),
            beta=float(d["beta"]),
            threshold=float(d["threshold"]),
            activation=spyx.axn.superspike(float(d["slope"])),
            rngs=rngs,
        ),
        nnx.Linear(n_rec, n_out, use_bias=False, rngs=rngs),
        spyx.nn.LI((n_out,), beta=float(d["kappa"]), rngs=rngs),
    )
    model.layers[0].kernel.value = jnp.asarray(d["W_in"])
    model.layers[1].recurrent_w.value = jnp.asarray(d["W_rec"])
    model.layers[2].kernel.value = jnp.asarray(d["W_out"])
    return model


def logits_of(model, x):
    """x: (T + 1, batch, n_in), the last step zero -> time-averaged readout y^1..y^T."""
    out, _ = spyx.nn.run(model, x)
    return out[1:].mean(axis=0)


def main() -> None:
    d = dict(np.load(ARGS.data))
    start = time.perf_counter()
    model = build(d)
    wrt = nnx.All(nnx.Param, nnx.Not(nnx.PathContains("beta")))
    optimizer = nnx.Optimizer(model, optax.adam(float(d["lr"])), wrt=wrt)
    off_diag = 1.0 - jnp.eye(int(d["n_rec"]), dtype=jnp.float32)

    def time_major(x):  # (..., batch, T, n_in) -> (..., T + 1, batch, n_in), a zero step last
        x = np.swapaxes(x, -3, -2)
        pad = [(0, 0)] * x.ndim
        pad[-3] = (0, 1)
        return jnp.asarray(np.pad(x, pad))

    xs, ys = time_major(d["x"]), jnp.asarray(d["y"])
    x_test, y_test = time_major(d["x_test"]), jnp.asarray(d["y_test"])

    def loss_fn(model, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(logits_of(model, x), y).mean()

    def mask_diagonal(path, g):
        keys = [getattr(k, "key", getattr(k, "idx", None)) for k in path]
        return g * off_diag if "recurrent_w" in keys else g

    @nnx.jit
    def train_step(model, optimizer, x, y):
        grad_fn = nnx.value_and_grad(loss_fn, argnums=nnx.DiffState(0, wrt))
        loss, grads = grad_fn(model, x, y)
        grads = jax.tree_util.tree_map_with_path(mask_diagonal, grads)
        optimizer.update(model, grads)
        return loss

    @nnx.jit
    def evaluate(model, x, y):
        logits = logits_of(model, x)
        lin, lif = model.layers[0], model.layers[1]

        def hidden(v, x_t):
            s, v = lif(lin(x_t), v)
            return v, s.sum()

        _, counts = jax.lax.scan(hidden, lif.initial_state(x.shape[1]), x)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        acc = (logits.argmax(-1) == y).mean()
        return loss, acc, counts.sum()

    jax.block_until_ready(nnx.state(optimizer))
    build_s = time.perf_counter() - start
    n_steps, batch, n_rec = int(d["n_steps"]), int(d["batch"]), int(d["n_rec"])
    loss0, _, spikes0 = evaluate(model, x_test, y_test)
    rate0 = float(spikes0) / (n_steps * batch * n_rec) * 1000.0 / float(d["dt"])
    times, cpu, losses = [], [], []
    for i in range(1 + ARGS.warmup + ARGS.steps):
        b = i % xs.shape[0]
        t, c = time.perf_counter(), time.process_time()
        loss = float(train_step(model, optimizer, xs[b], ys[b]))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        losses.append(loss)
    loss1, acc1, _ = evaluate(model, x_test, y_test)
    timed = times[1 + ARGS.warmup :]
    med = statistics.median(timed)
    row = {
        "library": "spyx",
        "version": spyx.__version__,
        "backend": f"jax {jax.__version__} {jax.default_backend()}",
        "build_s": round(build_s, 3),
        "step_s": round(med, 5),
        "cpu_s": round(statistics.median(cpu[1 + ARGS.warmup :]), 5),
        "step_s_min": round(min(timed), 5),
        "step_s_max": round(max(timed), 5),
        "compile_s": round(times[0] - med, 3),
        "first_step_s": round(times[0], 3),
        "loss_first": round(losses[0], 5),
        "loss_last": round(losses[-1], 5),
        "test_loss_init": round(float(loss0), 5),
        "test_loss": round(float(loss1), 5),
        "test_acc": round(float(acc1), 4),
        "rate_Hz_init": round(rate0, 3),
        "losses": [round(v, 5) for v in losses],
        "peak_rss_GB": round(peak_rss_gb(), 3),
    }
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
