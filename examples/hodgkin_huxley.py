"""The Hodgkin–Huxley neuron (1952): an action potential, its gates, and the onset of
repetitive firing.

`dx.neurons.HH` is a conductance-based neuron built from the channels
`dx.channels.HHSodium`, `HHPotassium` and `Leak`. This script (1) kicks it with a 1 ms
pulse and plots the action potential with its gating variables m, h and n: sodium
activation m rises first, inactivation h and potassium activation n follow and end the
spike; (2) computes the f-I curve for step currents from 0 to 15 µA/cm², with a
population of neurons, one per current, in a single run: repetitive firing starts
abruptly near 6.3 µA/cm² at about 50 Hz (class-2 excitability, between 6 and
7 µA/cm²). It writes `examples/hodgkin_huxley.png`.

`DYNAX_QUICK=1` (or `--quick`) uses fewer currents and a shorter run and writes
`examples/hodgkin_huxley.quick.png` instead, as CI does.
"""

import os
import pathlib
import sys

import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx


def main(seed: int = 0, quick: bool = False):
    # Deterministic model; `seed` is kept for the examples' common signature.
    dt = 0.01

    # 1. One action potential from a brief pulse, with its gates.
    hh = dx.neurons.HH(1)
    _, spike = dx.simulate(
        hh,
        hh.init(),
        dt=dt,
        duration=20.0,
        inputs=lambda ctx: jnp.where(ctx.t < 1.0, 10.0, 0.0),
        monitors={
            "v": "v",
            "m": "channels.Na.m",
            "h": "channels.Na.h",
            "n": "channels.K.n",
        },
    )
    v = spike["v"][:, 0]
    half = 0.5 * (v.max() - 65.0)
    print(
        f"action potential: peak {v.max():.1f} mV, width at half amplitude "
        f"{(v > half).sum() * dt:.2f} ms"
    )

    # 2. The f-I curve: one neuron per current, counted after the transient.
    currents = np.linspace(0.0, 15.0, 16 if quick else 61)
    duration, transient = (200.0, 100.0) if quick else (600.0, 200.0)
    pop = dx.neurons.HH(len(currents), I_bias=jnp.asarray(currents))
    _, rec = dx.simulate(pop, pop.init(), dt=dt, duration=duration, monitors={"s": "spike"})
    late = rec["s"][int(transient / dt) :]
    rate = late.sum(0) / ((duration - transient) / 1000.0)
    onset = currents[np.argmax(rate > 0)]
    print(f"repetitive firing from I = {onset:.2f} µA/cm² at {rate[rate > 0][0]:.0f} Hz")

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    axes[0].plot(spike["t"], v, color="k")
    axes[0].set_xlabel("time (ms)")
    axes[0].set_ylabel("v (mV)")
    axes[0].set_title("action potential (1 ms pulse of 10 µA/cm²)")
    for name, color in (("m", "C3"), ("h", "C0"), ("n", "C2")):
        axes[1].plot(spike["t"], spike[name][:, 0], color=color, label=name)
    axes[1].set_xlabel("time (ms)")
    axes[1].set_ylabel("gate")
    axes[1].set_title("gating variables")
    axes[1].legend()
    axes[2].plot(currents, rate, "o-", color="k", ms=3)
    axes[2].axvspan(6.0, 7.0, color="C1", alpha=0.2, label="6–7 µA/cm²")
    axes[2].set_xlabel("I (µA/cm²)")
    axes[2].set_ylabel("rate (Hz)")
    axes[2].set_title("f-I curve")
    axes[2].legend()
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return onset, rate


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
