"""The training benchmark of `benchmarks/train_throughput.py`, in snnTorch (a peer, not a
dynax dependency).

    .venv-snntorch/bin/python benchmarks/peers/snntorch_train.py DATA.npz [--steps S]
        [--warmup W] [--device cpu|gpu]

One JSON row with the fields of `train_throughput.py`'s rows and "library": "snntorch".

The network, as snnTorch users write it: `nn.Linear(100, 256, bias=False)` into
`snn.RLeaky(beta, linear_features=256, all_to_all=True, threshold=1,
reset_mechanism="subtract", spike_grad=surrogate.fast_sigmoid(slope=10))`, whose
recurrent `nn.Linear` is replaced by one without bias (the model has none), then
`nn.Linear(256, 10, bias=False)` into `snn.Leaky(beta=kappa, reset_mechanism="none")`,
whose membrane is the readout. A Python loop over the 100 steps, time-major input
`(T, batch, n_in)`, the cross-entropy of the time-averaged readout, `loss.backward()`,
`torch.optim.Adam` (lr, betas, eps as dynax's optax.adam) on the three weight matrices.

The mapping to `train_throughput.py`'s equations: RLeaky's update is
`mem = beta * mem + input + recurrent(spk) - reset * threshold` with `reset` the
Heaviside of the previous `mem` and `spk` the previous step's spikes: exactly
$v^t = \\beta v^{t-1} + x^t W_\\text{in} + z^{t-1} W_\\text{rec} - \\vartheta z^{t-1}$, then
$z^t = H(v^t - \\vartheta)$ (snnTorch's `>` where dynax has `>=`, which differs only on
exact equality). Leaky without reset is $y^t = \\kappa y^{t-1} + z^t W_\\text{out}$.
Differences: snnTorch detaches the reset from the graph (`mem_reset` returns a detached
tensor), so no gradient flows through $-\\vartheta z^{t-1}$ (dynax, Spyx and BrainPy
pass it); the diagonal of W_rec is kept at zero by zeroing its gradient (dynax masks it
in the step). Weights are copied in from the `.npz` (PyTorch's `Linear` stores
`(out, in)`: the transposes). Eager PyTorch, float32, `torch.get_num_threads()`
intra-op threads (both cores here), `OMP_WAIT_POLICY=PASSIVE` unless the environment
sets it (see the imports).
"""

import argparse
import json
import os
import statistics
import time

# PyTorch's OpenMP threads spin while they wait for work; on a loaded 2-core machine
# that took a step from 0.2 s to 3 s (they spin against each other and the other
# processes). Passive waiting is snnTorch's best setting there; OMP_WAIT_POLICY=ACTIVE
# in the environment restores the default.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import snntorch as snn  # noqa: E402
import torch  # noqa: E402
from snntorch import surrogate  # noqa: E402
from torch import nn  # noqa: E402


def peak_rss_gb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e6
    return float("nan")


class Net(nn.Module):
    def __init__(self, d: dict):
        super().__init__()
        n_in, n_rec, n_out = int(d["n_in"]), int(d["n_rec"]), int(d["n_out"])
        grad = surrogate.fast_sigmoid(slope=float(d["slope"]))
        self.fc_in = nn.Linear(n_in, n_rec, bias=False)
        self.lif = snn.RLeaky(
            beta=float(d["beta"]),
            linear_features=n_rec,
            all_to_all=True,
            threshold=float(d["threshold"]),
            reset_mechanism="subtract",
            spike_grad=grad,
        )
        self.lif.recurrent = nn.Linear(n_rec, n_rec, bias=False)
        self.fc_out = nn.Linear(n_rec, n_out, bias=False)
        self.readout = snn.Leaky(beta=float(d["kappa"]), reset_mechanism="none")
        with torch.no_grad():
            self.fc_in.weight.copy_(torch.from_numpy(d["W_in"].T.copy()))
            self.lif.recurrent.weight.copy_(torch.from_numpy(d["W_rec"].T.copy()))
            self.fc_out.weight.copy_(torch.from_numpy(d["W_out"].T.copy()))

    def forward(self, x):
        """x: (T, batch, n_in) -> time-averaged readout (batch, n_out), hidden spikes."""
        spk, mem = self.lif.reset_mem()
        y = self.readout.reset_mem()
        total, spikes = 0, 0
        for t in range(x.shape[0]):
            spk, mem = self.lif(self.fc_in(x[t]), spk, mem)
            _, y = self.readout(self.fc_out(spk), y)
            total = total + y
            spikes = spikes + spk.detach().sum()
        return total / x.shape[0], spikes


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    args = p.parse_args()
    dev = torch.device("cuda" if args.device == "gpu" else "cpu")
    d = dict(np.load(args.data))
    start = time.perf_counter()
    net = Net(d).to(dev)
    params = [net.fc_in.weight, net.lif.recurrent.weight, net.fc_out.weight]
    opt = torch.optim.Adam(params, lr=float(d["lr"]), betas=(0.9, 0.999), eps=1e-8)
    off_diag = 1.0 - torch.eye(int(d["n_rec"]), device=dev)
    # time-major, as snnTorch's tutorials keep their data
    xs = torch.from_numpy(d["x"]).transpose(1, 2).contiguous().to(dev)
    ys = torch.from_numpy(d["y"]).long().to(dev)
    x_test = torch.from_numpy(d["x_test"]).transpose(0, 1).contiguous().to(dev)
    y_test = torch.from_numpy(d["y_test"]).long().to(dev)
    loss_fn = nn.CrossEntropyLoss()
    build = time.perf_counter() - start

    def evaluate():
        with torch.no_grad():
            logits, spikes = net(x_test)
            loss = loss_fn(logits, y_test).item()
            acc = (logits.argmax(-1) == y_test).float().mean().item()
        rate = spikes.item() / x_test.shape[0] / x_test.shape[1] / int(d["n_rec"])
        return loss, acc, rate * 1000.0 / float(d["dt"])

    loss0, _, rate0 = evaluate()
    times, cpu, losses = [], [], []
    for i in range(1 + args.warmup + args.steps):
        b = i % xs.shape[0]
        t, c = time.perf_counter(), time.process_time()
        logits, _ = net(xs[b])
        loss = loss_fn(logits, ys[b])
        opt.zero_grad()
        loss.backward()
        net.lif.recurrent.weight.grad.mul_(off_diag)
        opt.step()
        loss = loss.item()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        losses.append(loss)
    loss1, acc1, _ = evaluate()
    timed = times[1 + args.warmup :]
    med = statistics.median(timed)
    row = {
        "library": "snntorch",
        "version": snn.__version__,
        "backend": f"torch {torch.__version__} {dev.type} threads={torch.get_num_threads()} "
        f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}",
        "build_s": round(build, 3),
        "step_s": round(med, 5),
        "cpu_s": round(statistics.median(cpu[1 + args.warmup :]), 5),
        "step_s_min": round(min(timed), 5),
        "step_s_max": round(max(timed), 5),
        "compile_s": round(times[0] - med, 3),
        "first_step_s": round(times[0], 3),
        "loss_first": round(losses[0], 5),
        "loss_last": round(losses[-1], 5),
        "test_loss_init": round(loss0, 5),
        "test_loss": round(loss1, 5),
        "test_acc": round(acc1, 4),
        "rate_Hz_init": round(rate0, 3),
        "losses": [round(v, 5) for v in losses],
        "peak_rss_GB": round(peak_rss_gb(), 3),
    }
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
