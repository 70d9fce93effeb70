"""Rebound burst of a thalamic relay neuron (Huguenard & McCormick 1992).

A thalamocortical relay neuron at rest fires single spikes; hyperpolarised, it becomes a
burster. The low-threshold T-type calcium current is inactivated at rest; a
hyperpolarising step removes the inactivation (slowly, τ_h ≈ 80 ms near −90 mV at
36 °C), and on release the current activates before it can inactivate again: a
low-threshold calcium spike carries the membrane past the sodium threshold and fires a
burst of fast spikes, while calcium floods the submembrane shell. This script builds the
cell from channels — `dx.channels.HuguenardMcCormickCalciumT` with a
`CalciumFirstOrder` pool, the hyperpolarisation-activated `HuguenardMcCormickIh` (the
sag during the step), Traub–Miles sodium and potassium with the thalamic threshold
shift — as one `dx.neurons.ConductanceBased` population of four neurons that receive
hyperpolarising steps of four amplitudes, plus the same cells without the T current,
and plots the membrane potential, the T current's inactivation gate and [Ca]ᵢ. It
prints the spikes of each rebound.

`DYNAX_QUICK=1` (or `--quick`) runs a shorter protocol and writes
`examples/thalamic_rebound.quick.png` instead of `examples/thalamic_rebound.png`.
"""

import os
import pathlib
import sys
import time

import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

C = dx.channels


def relay_neurons(g_T, g_h=0.01):
    """Thalamic relay neurons, one per entry of `g_T` (mS/cm²)."""
    return dx.neurons.ConductanceBased(
        len(g_T),
        {
            "L": C.Leak(g=0.05, E=-70.0),
            "KL": C.Leak(g=0.01, E=-95.0),
            "Na": C.TraubMilesSodium(g=90.0, E=50.0, V_T=-50.0),
            "K": C.TraubMilesPotassium(g=10.0, E=-95.0, V_T=-50.0),
            "T": C.HuguenardMcCormickCalciumT(jnp.asarray(g_T)),
            "h": C.HuguenardMcCormickIh(g=g_h),
        },
        {"Ca": C.CalciumFirstOrder(tau=5.0, depth=1.0)},
        v_init=-70.0,
    )


def main(seed: int = 0, quick: bool = False):
    del seed  # deterministic: no randomness in this model
    dt = 0.05
    t_on, t_off, duration = (100.0, 350.0, 500.0) if quick else (100.0, 600.0, 900.0)
    amplitudes = np.array([-0.25, -0.5, -1.0, -1.5])  # µA/cm²
    # Four cells with the T current, then the same four without it.
    g_T = np.concatenate([np.full(4, 2.0), np.zeros(4)])
    amp = jnp.asarray(np.concatenate([amplitudes, amplitudes]))
    neuron = relay_neurons(g_T)

    def step(ctx):
        return jnp.where((ctx.t >= t_on) & (ctx.t < t_off), amp, 0.0)

    start = time.perf_counter()
    _, rec = dx.simulate(
        neuron,
        neuron.init(),
        dt=dt,
        duration=duration,
        inputs=step,
        monitors={
            "v": "v",
            "spike": "spike",
            "h_T": lambda s: s.channels["T"].h,
            "ca": lambda s: s.ions["Ca"].c,
        },
    )
    t = np.asarray(rec["t"])
    spike = np.asarray(rec["spike"])
    print(f"{duration:g} ms at dt = {dt} ms in {time.perf_counter() - start:.2f} s")
    rebound = {}
    for k, a in enumerate(amplitudes):
        with_t = t[spike[:, k] & (t >= t_off)]
        without = int(spike[:, 4 + k][t >= t_off].sum())
        rebound[float(a)] = len(with_t)
        print(
            f"step {a:+.2f} µA/cm²: rebound of {len(with_t)} spikes "
            f"({', '.join(f'{x:.1f}' for x in with_t)} ms); without I_T: {without}"
        )

    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, 4))
    for k, a in enumerate(amplitudes):
        axes[0].plot(t, rec["v"][:, k], color=colors[k], lw=0.8, label=f"{a:+.2f} µA/cm²")
        axes[1].plot(t, rec["h_T"][:, k], color=colors[k], lw=1.0)
        axes[2].plot(t, 1e3 * np.asarray(rec["ca"][:, k]), color=colors[k], lw=1.0)
    control = f"{amplitudes[3]:+.2f}, no $I_T$"
    axes[0].plot(t, rec["v"][:, 7], color="0.5", lw=0.8, ls="--", label=control)
    axes[0].set_ylabel("v (mV)")
    axes[0].legend(loc="upper right", fontsize=8, ncol=2)
    axes[0].set_title("Thalamic relay neuron: rebound burst after hyperpolarising steps")
    axes[1].set_ylabel("$h_T$")
    axes[2].set_ylabel("[Ca]$_i$ (µM)")
    axes[2].set_xlabel("time (ms)")
    for ax in axes:
        ax.axvspan(t_on, t_off, color="0.92", zorder=0)
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return rebound


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
