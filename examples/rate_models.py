"""Rate models of `dx.rates`: the Wilson–Cowan oscillation, the Jansen–Rit alpha rhythm
and the Kuramoto synchronisation transition.

Three classic results, each from one stacked simulation. (1) Wilson & Cowan's 1972
limit-cycle parameters: a time course and the phase portrait at P = 1.25, and the
amplitude of the oscillation against the excitatory drive P, one node per P simulated
together; the oscillation starts at the saddle-node point P = 1.087 and ends at the
Hopf point P = 1.879 computed from the Jacobian (tests/rates/test_wilson_cowan.py).
(2) Jansen & Rit's 1995 column with a noisy input rate of 220 ± 58 Hz: the EEG and its
spectrum, which peaks in the alpha band. (3) Kuramoto oscillators with Lorentzian
frequencies of half-width Δ: the time-averaged order parameter r against the coupling
K, beside the exact curve r = √(1 − 2Δ/K) for K > 2Δ. The figure goes to
`examples/rate_models.png`.

`DYNAX_QUICK=1` (or `--quick`) uses fewer nodes and shorter runs and writes
`examples/rate_models.quick.png`, as CI does.
"""

import os
import pathlib
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

P_SADDLE_NODE, P_HOPF = 1.0873, 1.8793  # from the Jacobian (see the test)


def wilson_cowan(quick):
    """A time course at P = 1.25 and the cycle's amplitude against P."""
    model = dx.rates.WilsonCowan(1, P=1.25, E0=0.0, I0=0.0)
    _, trace = dx.simulate(
        model, model.init(), dt=0.5, duration=400.0, monitors={"E": "E", "I": "I"}
    )
    P = np.linspace(0.8, 2.3, 31 if quick else 121)
    sweep = dx.rates.WilsonCowan(len(P), P=P, E0=0.0, I0=0.0)
    duration = 3000.0 if quick else 10000.0
    _, rec = dx.simulate(
        sweep, sweep.init(), dt=0.5, duration=duration, monitors={"E": "E"}, every=4
    )
    amplitude = np.ptp(np.asarray(rec["E"])[-500:], axis=0)
    return trace, P, amplitude


def jansen_rit(seed, quick):
    """The EEG of noisy columns and its spectrum (averaged over the columns)."""
    n = 4 if quick else 16
    noise = dx.inputs.OUProcess(n, 0.0, 0.0577, 1.0)  # 58 Hz around p = 220 Hz
    model = dx.rates.JansenRit(n, noise=noise)
    duration = 5000.0 if quick else 20000.0
    _, rec = dx.simulate(
        model,
        model.init(jax.random.key(seed)),
        dt=1.0,
        duration=duration,
        key=jax.random.key(seed + 1),
        monitors={"eeg": model.output},
    )
    eeg = np.asarray(rec["eeg"])[1000:]
    freqs, psd = dx.measure.power_spectrum(eeg, 1.0, segment=2000.0, overlap=0.5)
    return np.asarray(rec["t"])[1000:], eeg[:, 0], np.asarray(freqs), np.asarray(psd).mean(1)


def kuramoto(seed, quick):
    """The time-averaged order parameter against K (one stacked run for all K)."""
    n, delta = (500, 0.5) if quick else (4000, 0.5)
    Ks = np.linspace(0.2, 4.0, 12 if quick else 39)
    omega = dx.rates.lorentzian_frequencies(n, delta)
    theta0 = jax.random.uniform(jax.random.key(seed), (n,), maxval=2 * np.pi)
    models = eqx.filter_vmap(lambda K: dx.rates.Kuramoto(n, omega=omega, K=K, theta0=theta0))(
        jnp.asarray(Ks)
    )

    def run(model):
        order = lambda s: jnp.hypot(jnp.cos(s.theta).mean(), jnp.sin(s.theta).mean())  # noqa: E731
        _, rec = dx.simulate(
            model, model.init(), dt=0.05, duration=100.0, monitors={"r": order}, every=10
        )
        return rec["r"]

    r = np.asarray(eqx.filter_jit(eqx.filter_vmap(run))(models))
    return Ks, r[:, r.shape[1] // 2 :].mean(axis=1), delta, n


def main(seed: int = 0, quick: bool = False):
    start = time.perf_counter()
    trace, P, amplitude = wilson_cowan(quick)
    t_jr, eeg, freqs, psd = jansen_rit(seed, quick)
    Ks, r, delta, n = kuramoto(seed, quick)
    band = freqs > 2.0
    peak = float(freqs[band][np.argmax(psd[band])])
    oscillating = P[amplitude > 0.01]
    print(f"Wilson-Cowan: oscillates from rest for P in [{oscillating.min():.3f}, "
          f"{oscillating.max():.3f}] (saddle-node {P_SADDLE_NODE}, Hopf {P_HOPF})")  # fmt: skip
    print(f"Jansen-Rit: spectral peak at {peak:.1f} Hz")
    above = Ks > 2 * delta
    err = np.max(np.abs(r[above] - np.sqrt(1 - 2 * delta / Ks[above])))
    print(f"Kuramoto (n = {n}): largest |r - sqrt(1 - 2 delta / K)| above K_c: {err:.3f}")
    print(f"wall time {time.perf_counter() - start:.1f} s")

    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    ax = axes[0, 0]
    ax.plot(trace["t"], trace["E"][:, 0], label="E")
    ax.plot(trace["t"], trace["I"][:, 0], label="I")
    ax.set(xlabel="time (ms)", ylabel="activity", title="Wilson–Cowan, P = 1.25")
    ax.legend()
    ax = axes[0, 1]
    ax.plot(trace["E"][:, 0], trace["I"][:, 0], lw=1)
    ax.set(xlabel="E", ylabel="I", title="phase portrait (from rest)")
    ax = axes[0, 2]
    ax.plot(P, amplitude, ".-")
    for p, name in ((P_SADDLE_NODE, "saddle-node"), (P_HOPF, "Hopf")):
        ax.axvline(p, color="gray", ls="--", lw=1)
        ax.text(p + 0.02, 0.5 * amplitude.max(), name, rotation=90, va="center", fontsize=8)
    ax.set(xlabel="excitatory drive P", ylabel="amplitude of E", title="oscillation vs P")
    ax = axes[1, 0]
    keep = t_jr < t_jr[0] + 2000.0
    ax.plot(t_jr[keep] / 1000, eeg[keep], lw=0.8)
    ax.set(xlabel="time (s)", ylabel="y1 - y2 (mV)", title="Jansen–Rit, noisy p")
    ax = axes[1, 1]
    ax.semilogy(freqs[band & (freqs < 40)], psd[band & (freqs < 40)])
    ax.axvspan(8, 12, color="gold", alpha=0.3, label="8–12 Hz")
    ax.set(xlabel="frequency (Hz)", ylabel="PSD (mV²/Hz)", title=f"spectrum: peak {peak:.1f} Hz")
    ax.legend()
    ax = axes[1, 2]
    Kf = np.linspace(Ks.min(), Ks.max(), 400)
    theory = np.sqrt(np.clip(1 - 2 * delta / Kf, 0, None))
    ax.plot(Kf, theory, "k-", label=r"$\sqrt{1 - 2\Delta/K}$")
    ax.plot(Ks, r, "o", label=f"simulated, n = {n}")
    ax.set(xlabel="coupling K (rad/ms)", ylabel="order parameter r",
           title=f"Kuramoto, Lorentzian Δ = {delta}")  # fmt: skip
    ax.legend()
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return peak, err


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
