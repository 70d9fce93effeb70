"""The training benchmark of `benchmarks/train_throughput.py`, in BrainPy 2.x (a peer, not a
dynax dependency).

    .venv-brainpy/bin/python benchmarks/peers/brainpy_train.py DATA.npz [--steps S]
        [--warmup W] [--device cpu|gpu]

One JSON row with the fields of `train_throughput.py`'s rows and "library": "brainpy".

The network, as BrainPy's training examples write it (training mode, `bm.set_dt(1.0)`):
`bp.dnn.Linear(100, 256)` and `bp.dnn.Linear(256, 256)` (no bias) into
`bp.dyn.Lif(256, tau=20, V_th=1, V_reset=1 - 1/beta, R=1/(1 - beta),
spk_fun=bm.surrogate.InvSquareGrad(alpha=10), spk_reset="soft")`, the recurrent layer
fed with the population's spikes of the previous step, `bp.dnn.Linear(256, 10)` (no
bias) into a leaky readout variable `y = kappa * y + z W_out` (BrainPy has no ready
leaky readout in `bp.dnn`; three lines of a `bp.DynamicalSystem`). The time loop is
`bm.for_loop(net.step_run, ...)` after `net.reset(batch)`, the gradient
`bm.grad(loss, grad_vars=opt.vars_to_train, return_value=True)`, the optimiser
`bp.optim.Adam(lr)` on the three weight matrices, the step one `bm.jit` function.

The mapping to `train_throughput.py`'s equations is dynax's: `bp.dyn.Lif` integrates
`tau dV/dt = -(V - V_rest) + R I` by exponential Euler (`method="exp_auto"`, exact for
the step's input), $V \\leftarrow \\beta V + (1 - \\beta) R I$, so $R = 1/(1 - \\beta)$
gives $\\beta V + I$, and its soft reset subtracts `V_th - V_reset` right after the
spike, so `V_reset = 1 - 1/beta` subtracts $\\vartheta = 1$ after the next decay. Spikes
are `spk_fun(V - V_th)` (`>=`, as dynax), the surrogate gradient flowing through the
reset (`detach_spk=False`, the default), as in dynax and Spyx. The diagonal of W_rec is
kept at zero by zeroing its gradient. BrainPy's Adam folds the bias corrections into
the learning rate (`lr * sqrt(1 - b2^t) / (1 - b1^t)`, eps added to sqrt(v) rather than
sqrt(v_hat)): the same within eps. Float32, JAX on the CPU (`JAX_PLATFORMS=cpu`) with
XLA's default threading.
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

import brainpy as bp  # noqa: E402
import brainpy.math as bm  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def peak_rss_gb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e6
    return float("nan")


class SNN(bp.DynamicalSystem):
    def __init__(self, d: dict):
        super().__init__()
        n_in, n_rec, n_out = int(d["n_in"]), int(d["n_rec"]), int(d["n_out"])
        beta, theta = float(d["beta"]), float(d["threshold"])
        self.n_out, self.kappa = n_out, float(d["kappa"])
        w = {k: bm.asarray(d[k]) for k in ("W_in", "W_rec", "W_out")}
        self.i2r = bp.dnn.Linear(n_in, n_rec, W_initializer=w["W_in"], b_initializer=None)
        self.r2r = bp.dnn.Linear(n_rec, n_rec, W_initializer=w["W_rec"], b_initializer=None)
        self.r = bp.dyn.Lif(
            n_rec,
            V_rest=0.0,
            V_th=theta,
            V_reset=theta - theta / beta,
            R=1.0 / (1.0 - beta),
            tau=float(d["tau"]),
            spk_fun=bm.surrogate.InvSquareGrad(alpha=float(d["slope"])),
            spk_reset="soft",
        )
        self.r2o = bp.dnn.Linear(n_rec, n_out, W_initializer=w["W_out"], b_initializer=None)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.y = bp.init.variable_(bm.zeros, (self.n_out,), batch_or_mode)

    def update(self, x):
        spk = self.r(self.i2r(x) + self.r2r(self.r.spike.value))
        self.y.value = self.kappa * self.y.value + self.r2o(spk)
        return self.y.value, spk


def main() -> None:
    d = dict(np.load(ARGS.data))
    bm.set_dt(float(d["dt"]))
    bm.set_mode(bm.training_mode)
    n_steps, batch, n_rec = int(d["n_steps"]), int(d["batch"]), int(d["n_rec"])
    start = time.perf_counter()
    net = SNN(d)
    opt = bp.optim.Adam(lr=float(d["lr"]), train_vars=net.train_vars().unique())
    off_diag = 1.0 - jnp.eye(n_rec, dtype=jnp.float32)
    w_rec_key = [k for k, v in opt.vars_to_train.items() if v is net.r2r.W]

    # time-major, as bm.for_loop iterates over the leading axis
    xs = jnp.asarray(np.swapaxes(d["x"], 1, 2))
    ys = jnp.asarray(d["y"])
    x_test, y_test = jnp.asarray(np.swapaxes(d["x_test"], 0, 1)), jnp.asarray(d["y_test"])

    def run(x):
        net.reset(x.shape[1])
        indices = np.arange(x.shape[0])
        return bm.for_loop(net.step_run, (indices, x))

    def loss_fn(x, y):
        out, _ = run(x)
        logits = out.mean(axis=0)
        return bp.losses.cross_entropy_loss(logits, y)

    grad_fn = bm.grad(loss_fn, grad_vars=opt.vars_to_train, return_value=True)

    @bm.jit
    def train_step(x, y):
        grads, loss = grad_fn(x, y)
        for k in w_rec_key:
            grads[k] = grads[k] * off_diag
        opt.update(grads)
        return loss

    @bm.jit
    def evaluate(x, y):
        out, spikes = run(x)
        logits = out.mean(axis=0)
        loss = bp.losses.cross_entropy_loss(logits, y)
        return loss, (logits.argmax(-1) == y).mean(), spikes.sum()

    build_s = time.perf_counter() - start
    loss0, _, spikes0 = evaluate(x_test, y_test)
    rate0 = float(spikes0) / (n_steps * batch * n_rec) * 1000.0 / float(d["dt"])
    times, cpu, losses = [], [], []
    for i in range(1 + ARGS.warmup + ARGS.steps):
        b = i % xs.shape[0]
        t, c = time.perf_counter(), time.process_time()
        loss = float(train_step(xs[b], ys[b]))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        losses.append(loss)
    loss1, acc1, _ = evaluate(x_test, y_test)
    timed = times[1 + ARGS.warmup :]
    med = statistics.median(timed)
    row = {
        "library": "brainpy",
        "version": bp.__version__,
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
