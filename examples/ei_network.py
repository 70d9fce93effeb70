"""The COBA E/I network (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1).

4000 leaky integrate-and-fire neurons (3200 excitatory, 800 inhibitory), randomly
connected with probability 0.02 through exponential conductance synapses, driven by a
constant 20 mV input. The network settles into asynchronous irregular firing at about
21 Hz. This script simulates 1 s of biological time at dt = 0.1 ms, prints the firing
rates and the wall time, and writes a raster plot to `examples/ei_network.png`.

Spikes are propagated by the event-driven operators of `dx.ops`: bucketed compaction of
the spiking neurons on CPU, Pallas kernels on GPU. `python examples/ei_network.py --jit`
uses just-in-time connectivity instead (`dx.connect.JitProb`: regenerated from a seed,
never stored), which is what lets millions of neurons fit on a GPU.

`DYNAX_QUICK=1` (or `--quick`) runs 500 neurons for 200 ms and writes
`examples/ei_network.quick.png` instead, as CI does.
"""

import importlib.util
import os
import pathlib
import sys
import time

import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx


def main(
    seed: int = 0,
    n_exc: int = 3200,
    n_inh: int = 800,
    duration: float = 1000.0,
    connectivity: str = "csr",
    quick: bool = False,
):
    dt = 0.1
    if quick:
        n_exc, n_inh, duration = 400, 100, 200.0
    start = time.perf_counter()
    net = dx.networks.coba_network(
        n_exc, n_inh, key=jax.random.key(seed), connectivity=connectivity
    )
    state = net.init(jax.random.key(seed + 1))
    built = time.perf_counter()
    monitors = {"E": "E.spike", "I": "I.spike", "v": lambda s: s["E"].v[:10]}
    show_bar = importlib.util.find_spec("tqdm") is not None  # dynax[progress]
    state, rec = dx.simulate(
        net, state, dt=dt, duration=duration, monitors=monitors, progress=show_bar
    )
    jax.block_until_ready(rec)
    done = time.perf_counter()

    rate_e = float(dx.measure.firing_rate(rec["E"], dt=dt))
    rate_i = float(dx.measure.firing_rate(rec["I"], dt=dt))
    print(
        f"N = {n_exc + n_inh} ({connectivity} connectivity), {duration:g} ms of biological "
        f"time at dt = {dt} ms"
    )
    print(f"excitatory rate: {rate_e:.2f} Hz   inhibitory rate: {rate_i:.2f} Hz")
    print(f"wall time: build {built - start:.2f} s, compile + run {done - built:.2f} s")

    fig, (ax_raster, ax_v) = plt.subplots(
        2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    dx.plot.raster(rec["E"][:, :400], rec["t"], ax=ax_raster, markersize=1.5)
    ax_raster.set_title(f"COBA network: E {rate_e:.1f} Hz, I {rate_i:.1f} Hz (400 E neurons)")
    ax_v.plot(rec["t"], rec["v"][:, :3], lw=0.7)
    ax_v.set_ylabel("v (mV)")
    ax_v.set_xlabel("time (ms)")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"raster written to {out}")
    return rate_e, rate_i


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(connectivity="jit" if "--jit" in sys.argv[1:] else "csr", quick=quick)
