"""A long run that survives being killed: checkpoints after every chunk, exact time.

Plasticity, sleep and development models run for hours of biological time, longer than a
job may live. This script runs the COBA network (Vogels & Abbott 2005) driven by a
slowly modulated Poisson input for `minutes` of biological time, one minute per call of
`dx.simulate`, and saves the state and the step reached after each minute with
`dx.save`, which writes to a temporary file and renames it, so a killed process never
leaves a damaged checkpoint. Run it again after killing it (Ctrl-C, or `kill -9`) and it
resumes from the last minute saved; the result is bit-identical to an uninterrupted run.

Time stays exact however long the run: the step index is an integer, `t0` is a whole
number of steps, and the 0.1 Hz modulation of the input takes its phase from the integer
step (a float32 time would be 0.25 ms coarse after one hour). It plots the excitatory
rate of every second and writes `examples/resumable_run.png`.

`DYNAX_QUICK=1` (or `--quick`) runs a small network for 3 s in chunks of 1 s and writes
`examples/resumable_run.quick.png`, as CI does.
"""

import os
import pathlib
import sys

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx


def build(seed: int, n_exc: int, n_inh: int, n_in: int) -> dx.Network:
    coba = dx.networks.coba_network(n_exc, n_inh, key=jax.random.key(seed))
    # An extra Poisson drive whose rate swings between 0 and 20 Hz every 10 s.
    rate = dx.inputs.Sinusoidal(10.0, 0.1, offset=10.0)
    conn = dx.connect.FixedProb(0.02)(n_in, n_exc, jax.random.key(seed + 1))
    syn, out = dx.synapses.Exponential(n_exc, tau=5.0), dx.synapses.COBA(E=0.0)
    drive = dx.Projection("P", "E", conn, 0.6, syn, out)
    return dx.Network(
        {**coba.populations, "P": dx.inputs.PoissonGroup(n_in, rate)},
        {**coba.projections, "P2E": drive},
    )


def main(seed: int = 0, minutes: float = 10.0, quick: bool = False, fresh: bool = False):
    dt = 0.1
    sizes = (400, 100, 100) if quick else (3200, 800, 1000)
    chunk_ms = 1000.0 if quick else 60_000.0
    total_ms = 3000.0 if quick else minutes * 60_000.0
    steps_per_chunk, total_steps = round(chunk_ms / dt), round(total_ms / dt)
    net = build(seed, *sizes)
    key = jax.random.key(seed + 2)
    path = pathlib.Path(__file__).with_suffix(".quick.ckpt" if quick else ".ckpt")

    # The checkpoint: the state, the step reached and the rate of every second so far.
    n_seconds = total_steps * dt // 1000
    like = {"state": net.init(key), "step": 0, "rates": np.zeros(int(n_seconds), np.float32)}
    if path.exists() and not fresh:
        saved = dx.load(path, like)
        print(f"resuming from {path} at t = {saved['step'] * dt / 1000:g} s")
    else:
        saved = like
    state, step, rates = saved["state"], saved["step"], np.array(saved["rates"])

    second = round(1000.0 / dt)
    monitors = {"E": lambda s: s["E"].spike.sum()}
    while step < total_steps:
        state, rec = dx.simulate(
            net,
            state,
            dt=dt,
            n_steps=steps_per_chunk,
            t0=step * dt,
            key=key,
            monitors=monitors,
            chunk=second,
        )
        first = step // second
        per_second = np.asarray(rec["E"]).reshape(-1, second).sum(axis=1)
        rates[first : first + len(per_second)] = per_second / sizes[0]  # spikes/neuron/s
        step += steps_per_chunk
        assert rec["t"][-1] == step * dt  # float64 from the integer step: exact
        dx.save(path, {"state": state, "step": step, "rates": rates})
        print(f"t = {step * dt / 1000:g} s: E rate {per_second.mean() / sizes[0]:.2f} Hz")

    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(np.arange(1, len(rates) + 1), rates, ".-", lw=0.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("E rate (Hz)")
    ax.set_title("COBA network under a 0.1 Hz modulated drive, run in resumable chunks")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"plot written to {out}")
    if quick:
        path.unlink()
    return rates


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick, fresh="--fresh" in sys.argv[1:])
