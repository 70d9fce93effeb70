"""The COBAHH network (Brette et al. 2007, benchmark 3): Hodgkin–Huxley neurons with
conductance synapses.

4 000 Traub–Miles neurons (3 200 excitatory, 800 inhibitory) of 20 000 µm², randomly
connected with probability 0.02 through exponential conductances (6 nS excitatory, 67 nS
inhibitory), with no external input: started from random potentials, the network sustains
its own asynchronous firing at about 35 Hz. It is the benchmark in which the cost of a step
is the neurons' (three gates, six rate functions) rather than the spikes', and each
neuron is a `dx.neurons.ConductanceBased` built from `dx.channels` objects, so the same
network runs any other channels. This script simulates 1 s at dt = 0.1 ms, prints the
rates and the wall time, and writes a raster, the population rate and a few membrane
potentials to `examples/cobahh.png`.

`DYNAX_QUICK=1` (or `--quick`) runs 1 000 neurons for 200 ms and writes
`examples/cobahh.quick.png` instead, as CI does.
"""

import os
import pathlib
import sys
import time

import jax
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx


def main(seed: int = 0, n_exc: int = 3200, n_inh: int = 800, duration: float = 1000.0, quick=False):
    dt = 0.1
    if quick:
        n_exc, n_inh, duration = 800, 200, 200.0
    start = time.perf_counter()
    net = dx.networks.cobahh_network(n_exc, n_inh, key=jax.random.key(seed))
    state = net.init(jax.random.key(seed + 1))
    monitors = {
        "E": "E.spike",
        "I": "I.spike",
        "count": lambda s: s["E"].spike.sum(dtype=jnp.int32) + s["I"].spike.sum(dtype=jnp.int32),
        "v": lambda s: s["E"].v[:3],
    }
    state, rec = dx.simulate(net, state, dt=dt, duration=duration, monitors=monitors)
    jax.block_until_ready(rec)
    wall = time.perf_counter() - start

    n = n_exc + n_inh
    rate_e = float(dx.measure.firing_rate(rec["E"], dt=dt))
    rate_i = float(dx.measure.firing_rate(rec["I"], dt=dt))
    print(f"N = {n}, {duration:g} ms at dt = {dt} ms: E {rate_e:.1f} Hz, I {rate_i:.1f} Hz")
    print(f"wall time (build, compile and run): {wall:.2f} s")

    # Population rate in 2 ms bins.
    bin_steps = int(round(2.0 / dt))
    counts = rec["count"][: len(rec["count"]) // bin_steps * bin_steps]
    pop_rate = counts.reshape(-1, bin_steps).sum(axis=1) / n / (bin_steps * dt / 1000.0)
    t_bins = (jnp.arange(pop_rate.shape[0]) + 0.5) * bin_steps * dt

    fig, (ax_raster, ax_rate, ax_v) = plt.subplots(
        3, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1, 1]}
    )
    shown_e, shown_i = min(n_exc, 400), min(n_inh, 100)
    shown = jnp.concatenate([rec["E"][:, :shown_e], rec["I"][:, :shown_i]], axis=1)
    dx.plot.raster(shown, rec["t"], ax=ax_raster, markersize=1.0)
    ax_raster.axhline(shown_e - 0.5, color="C3", lw=0.8)
    ax_raster.set_ylabel("neuron (I above the line)")
    ax_raster.set_xlabel("")
    ax_raster.set_title(
        f"COBAHH, N = {n}: E {rate_e:.1f} Hz, I {rate_i:.1f} Hz "
        f"({shown_e} E and {shown_i} I neurons shown)"
    )
    ax_rate.plot(t_bins, pop_rate, lw=0.8, color="k")
    ax_rate.set_ylabel("rate (Hz)")
    ax_v.plot(rec["t"], rec["v"], lw=0.6)
    ax_v.set_ylabel("v (mV)")
    ax_v.set_xlabel("time (ms)")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return rate_e, rate_i


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
