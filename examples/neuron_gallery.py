"""A gallery of firing patterns from two-variable spiking neurons under a step current.

Top two rows: Izhikevich's simple model (`dx.neurons.Izhikevich.from_pattern(name)`),
the cortical classes of Izhikevich (2003) — regular spiking, intrinsically bursting,
chattering, fast spiking, low-threshold spiking — and three features of Izhikevich
(2004) with their published inputs. Bottom two rows: the adaptive exponential
integrate-and-fire model (`dx.neurons.AdExIF.from_pattern(name)`) with the parameter sets of
Naud et al. (2008, Table 1): tonic, adapting, initial burst, regular bursting, irregular,
transient, delayed accelerating and delayed regular bursting. The point: one model
class, its firing pattern chosen by parameters only, and each family simulated in one
compiled, vectorised run (`dx.sweep` over a stacked model). Writes
`examples/neuron_gallery.png`.

`DYNAX_QUICK=1` (or `--quick`) runs shorter traces at a coarser step and writes
`examples/neuron_gallery.quick.png` instead, as CI does.
"""

import os
import pathlib
import sys

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

# name, pattern of Izhikevich.PATTERNS, step current (model units)
IZHIKEVICH = [
    ("regular spiking (RS)", "regular_spiking", 10.0),
    ("intrinsically bursting (IB)", "intrinsically_bursting", 10.0),
    ("chattering (CH)", "chattering", 10.0),
    ("fast spiking (FS)", "fast_spiking", 10.0),
    ("low-threshold spiking (LTS)", "low_threshold_spiking", 10.0),
    ("phasic spiking", "phasic_spiking", 0.5),
    ("phasic bursting", "phasic_bursting", 0.6),
    ("spike-frequency adaptation", "spike_frequency_adaptation", 30.0),
]

# The parameter sets of Naud et al. (2008), Table 1, in AdExIF.PATTERNS.
ADEX = [
    "tonic",
    "adapting",
    "initial_burst",
    "regular_bursting",
    "irregular",
    "transient",
    "delayed_accelerating",
    "delayed_regular_bursting",
]


def run_family(models, currents, *, dt, duration, onset):
    """Voltage traces (spikes drawn up to `peak`) of a list of same-class models, each
    under its step current switched on at `onset` ms, in one compilation."""
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *models)

    def run(pair):
        model, amplitude = pair
        _, rec = dx.simulate(
            model,
            model.init(),
            dt=dt,
            duration=duration,
            inputs=lambda ctx: jnp.where(ctx.t >= onset, amplitude, 0.0),
            monitors={"v": "v", "spike": "spike"},
        )
        return rec["v"][:, 0], rec["spike"][:, 0]

    v, spikes = dx.sweep(run, (stacked, jnp.asarray(currents)))
    return np.array(v), np.asarray(spikes), dt * np.arange(1, v.shape[1] + 1)


def main(seed: int = 0, quick: bool = False):
    # Deterministic models: `seed` is kept for the common signature of the examples.
    dt = 0.1 if quick else 0.05
    izh_duration, adex_duration = (150.0, 300.0) if quick else (300.0, 600.0)

    izh_models = [dx.neurons.Izhikevich.from_pattern(p) for _, p, _ in IZHIKEVICH]
    izh_v, izh_s, izh_t = run_family(
        izh_models, [i for _, _, i in IZHIKEVICH], dt=dt, duration=izh_duration, onset=10.0
    )
    izh_v[izh_s] = 30.0  # the spike cut-off, drawn where the reset already happened

    adex_models = [dx.neurons.AdExIF.from_pattern(name) for name in ADEX]
    adex_currents = [dx.neurons.AdExIF.PATTERN_CURRENTS[name] for name in ADEX]
    adex_v, adex_s, adex_t = run_family(
        adex_models, adex_currents, dt=dt, duration=adex_duration, onset=20.0
    )
    adex_v[adex_s] = 0.0

    fig, axes = plt.subplots(4, 4, figsize=(14, 9), sharey="row")
    panels = [(izh_t, v, name) for v, (name, _, _) in zip(izh_v, IZHIKEVICH)]
    panels += [(adex_t, v, "AdEx: " + name.replace("_", " ")) for v, name in zip(adex_v, ADEX)]
    for ax, (t, v, name) in zip(axes.flat, panels):
        ax.plot(t, v, lw=0.7, color="k")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for row in axes:
        row[0].set_ylabel("v (mV)", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)", fontsize=8)
    fig.suptitle("Izhikevich (2003, 2004) cell classes and AdEx firing patterns (Naud et al. 2008)")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    counts = {name: int(s.sum()) for (name, _, _), s in zip(IZHIKEVICH, izh_s)}
    counts.update({f"AdEx {name}": int(s.sum()) for name, s in zip(ADEX, adex_s)})
    print("spikes per trace:", counts)
    print(f"figure written to {out}")
    return counts


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
