"""A multi-area model of macaque cortex (Joglekar, Mejias, Yang & Wang 2018), as a rate
model of 29 areas and as a spiking system built from ion channels up.

Top: Joglekar et al.'s threshold-linear rate model on the 29-area macaque connectome
(`dx.networks.multi_area_rate`; fractions of labelled neurons and hierarchy from
`dx.datasets.load_macaque29`). A 250 ms pulse to V1 raises its rate by 100 Hz; in the
regime of weak global balanced amplification (GBA) the response fades by four orders of
magnitude on its way up the hierarchy, in strong GBA, where stronger long-range
excitation is balanced by stronger local inhibition, it still reaches the prefrontal
areas (the paper's Fig. 2). Bottom: the same anatomy as one `dx.Network` of area
networks (`dx.networks.multi_area_spiking`): each area is an E/I network of
Hodgkin–Huxley-type neurons assembled from Traub–Miles sodium and potassium channels and
a leak, and the areas are joined by projections weighted by the connectome and delayed by
the wiring distance at 3.5 m/s. A current step to V1 sends a volley up V1 → V2 → V4 →
TEO → TEpd, each area later than the one before by at least the conduction delay:
channel → neuron → network → system in one pytree, simulated by one `dx.simulate`.

`DYNAX_QUICK=1` (or `--quick`) runs shorter, with two small spiking areas, and writes
`examples/multi_area.quick.png` instead of `examples/multi_area.png`.
"""

import os
import pathlib
import sys
import time

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

SHOWN = ("V1", "V4", "TEO", "7A", "9/46d", "24c")


def rate_model(duration: float, dt: float = 0.5):
    """Peak rise of every area's E rate, and the traces of `SHOWN`, for each regime."""
    data = dx.datasets.load_macaque29()
    out = {}
    for gba in ("weak", "strong"):
        model = dx.networks.multi_area_rate(gba, data=data)
        v1 = jnp.zeros(model.n).at[data.index("V1")].set(dx.networks.pulse_amplitude(gba))
        pulse = dx.inputs.Section([0 * v1, v1, 0 * v1], [100.0, 250.0, duration - 350.0])
        _, rec = dx.simulate(
            model, model.init(), dt=dt, duration=duration, inputs=pulse, monitors={"E": "E"}
        )
        rise = np.asarray(rec["E"]) - np.asarray(model.rest_e)
        out[gba] = rise, np.asarray(rec["t"])
    return data, out


def spiking(areas, n_exc, seed):
    dt, onset, width, duration = 0.05, 20.0, 20.0, 80.0
    net = dx.networks.multi_area_spiking(
        areas, key=jax.random.key(seed), n_exc=n_exc, n_inh=n_exc // 4
    )
    stim = dx.inputs.Section([0.0, 3.0, 0.0], [onset, width, duration - onset - width])
    monitors = {a: f"{a}.E.spike" for a in areas} | {"v": "V1.E.v"}
    _, rec = dx.simulate(
        net,
        net.init(jax.random.key(seed + 1)),
        dt=dt,
        duration=duration,
        inputs={"V1": {"E": stim}},
        monitors=monitors,
    )
    first = {}
    for a in areas:
        steps = np.nonzero(np.asarray(rec[a]).any(axis=1))[0]
        first[a] = steps[0] * dt - onset if len(steps) else np.nan
    # the mean conduction delay along the chain, V1 -> V2 -> ...
    chain = [0.0]
    for src, dst in zip(areas, areas[1:]):
        chain.append(chain[-1] + float(np.mean(net.projections[f"{src}to{dst}_E"].delay)))
    return rec, first, np.array(chain), onset, width


def main(seed: int = 0, quick: bool = False):
    start = time.perf_counter()
    data, rates = rate_model(1200.0 if quick else 2500.0)
    areas = ("V1", "V2") if quick else ("V1", "V2", "V4", "TEO", "TEpd")
    rec, first, chain, onset, width = spiking(areas, 40 if quick else 160, seed)
    print(f"simulated in {time.perf_counter() - start:.1f} s")

    peaks = {gba: rise.max(axis=0) for gba, (rise, _) in rates.items()}
    for gba, p in peaks.items():
        print(
            f"{gba:>6} GBA: peak rise V1 {p[0]:.1f} Hz, 24c {p[-1]:.3g} Hz, "
            f"24c / V1 = {p[-1] / p[0]:.2g}"
        )
    for a, c in zip(areas, chain):
        print(
            f"{a:>5}: first spike {first[a]:5.2f} ms after the stimulus "
            f"(mean conduction delay from V1 along the chain {c:.2f} ms)"
        )

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    ax = axes[0, 0]
    colors = {"weak": "tab:green", "strong": "tab:purple"}
    for gba, p in peaks.items():
        ax.semilogy(range(len(p)), p, "o-", ms=3, color=colors[gba], label=f"{gba} GBA")
    ax.set_xticks(range(len(data.areas)), data.areas, rotation=90, fontsize=7)
    ax.set_ylabel("peak rise of E rate (Hz)")
    ax.set_title("rate model, 29 areas: pulse to V1")
    ax.legend()
    ax = axes[0, 1]
    for gba, (rise, t) in rates.items():
        for k, a in enumerate(SHOWN):
            i = data.index(a)
            ax.semilogy(
                t,
                np.maximum(rise[:, i], 1e-6),
                color=colors[gba],
                alpha=1 - 0.13 * k,
                lw=1,
                label=f"{gba}" if k == 0 else None,
            )
            if gba == "strong":
                ax.annotate(a, (t[np.argmax(rise[:, i])], rise[:, i].max()), fontsize=7)
    ax.axvspan(100, 350, color="0.9")
    ax.set_ylim(1e-4, 300)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("E rate above rest (Hz)")
    ax.set_title("V1 → 24c: attenuated (weak) vs propagated (strong)")
    ax.legend()

    ax = axes[1, 0]
    n = np.asarray(rec[areas[0]]).shape[1]
    for k, a in enumerate(areas):
        step, neuron = np.nonzero(np.asarray(rec[a]))
        ax.plot(rec["t"][step], neuron + k * (n + 10), ".", ms=1.5)
    ax.set_yticks([k * (n + 10) + n / 2 for k in range(len(areas))], areas)
    ax.axvspan(onset, onset + width, color="0.9")
    ax.set_xlim(onset - 5, onset + 25)
    ax.set_xlabel("time (ms)")
    ax.set_title("spiking areas of channel-built neurons: E spikes")
    ax = axes[1, 1]
    ax.plot(chain, [first[a] for a in areas], "o-", label="first spike")
    ax.plot(
        chain,
        chain + first[areas[0]],
        "--",
        color="0.5",
        label="V1's first spike + conduction delay",
    )
    for a, c in zip(areas, chain):
        ax.annotate(a, (c, first[a]), textcoords="offset points", xytext=(5, -10))
    ax.set_xlabel("mean conduction delay from V1 along the chain (ms)")
    ax.set_ylabel("latency after stimulus onset (ms)")
    ax.set_title("latency grows up the hierarchy")
    ax.legend()
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return peaks, first


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
