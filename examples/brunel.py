"""The four states of Brunel's (2000) sparse E/I network (model A, his Fig. 8).

12 500 leaky integrate-and-fire neurons (10 000 excitatory, 2 500 inhibitory), each
receiving exactly 1 000 excitatory and 250 inhibitory delta synapses (J = 0.2 mV,
inhibition −gJ, delay 1.5 ms) and external Poisson input at η times the threshold
rate. Two numbers, the relative inhibition g and the drive η, move the network between
synchronous regular firing (SR, g = 3, η = 2), the asynchronous irregular state (AI,
g = 5, η = 2), and synchronous irregular states with a fast (g = 6, η = 4) or slow
(g = 4.5, η = 0.9) global oscillation. For each state the script draws the raster of
50 neurons and the population rate (0.1 ms bins) over the last part of the run, and
prints the rate beside Brunel's mean-field value, the CV of the interspike intervals
and the frequency of the population rate's spectral peak. The network is rebuilt for
each state; the four share one compilation (same shapes, other numbers).

`DYNAX_QUICK=1` (or `--quick`) runs N_E = 2 000 neurons with epsilon = 0.5 (the same
in-degrees, so the same states) for 250 ms each and writes `examples/brunel.quick.png`.
"""

import math
import os
import pathlib
import sys
import time

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

# (label, g, eta, run length in ms, window shown in ms)
STATES = [
    ("A: SR (g = 3, η = 2)", 3.0, 2.0, 400.0, 50.0),
    ("B: SI fast (g = 6, η = 4)", 6.0, 4.0, 400.0, 50.0),
    ("C: AI (g = 5, η = 2)", 5.0, 2.0, 400.0, 50.0),
    ("D: SI slow (g = 4.5, η = 0.9)", 4.5, 0.9, 1_000.0, 300.0),
]


def mean_field_rate(g, eta, *, C_E=1000, J=0.2, gamma=0.25, tau=20.0, theta=20.0,
                    V_r=10.0, tau_rp=2.0):  # fmt: skip
    """Brunel's stationary rate (Hz), eqs. 21-22, by bisection on a plain quadrature."""
    nu_ext = eta * theta / (J * C_E * tau)

    def gap(nu):
        mu = C_E * J * tau * (nu_ext + nu * (1 - g * gamma))
        sigma = J * math.sqrt(C_E * tau * (nu_ext + nu * (1 + g * g * gamma)))
        u = np.linspace((V_r - mu) / sigma, (theta - mu) / sigma, 2001)
        # e^{u^2} (1 + erf u) = e^{u^2} erfc(-u), stable for the negative u used here.
        f = np.array([math.exp(x * x) * math.erfc(-x) for x in u])
        area = np.sum((f[1:] + f[:-1]) / 2) * (u[1] - u[0])
        return 1.0 / (tau_rp + tau * math.sqrt(math.pi) * area) - nu

    lo, hi = 1e-9, 1.0 / tau_rp - 1e-9
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return 1000.0 * lo


def main(seed: int = 0, quick: bool = False):
    dt, J = 0.1, 0.2
    n_exc, epsilon = (2_000, 0.5) if quick else (10_000, 0.1)
    fig, axes = plt.subplots(
        4, 2, figsize=(11, 9), gridspec_kw={"height_ratios": [1, 1, 1, 1]}, squeeze=False
    )
    results = []
    start = time.perf_counter()
    for k, (label, g, eta, duration, window) in enumerate(STATES):
        if quick:
            duration, window = 250.0, min(window, 150.0)
        net = dx.networks.brunel_network(
            n_exc, g=g, eta=eta, J=J, epsilon=epsilon, key=jax.random.key(seed)
        )
        t0 = time.perf_counter()
        _, rec = dx.simulate(
            net,
            net.init(jax.random.key(seed + 1)),
            dt=dt,
            duration=duration,
            monitors={"E": "E.spike"},
            key=jax.random.key(seed + 2),
        )
        spikes = np.asarray(rec["E"])
        elapsed = time.perf_counter() - t0
        steady = spikes[int(100.0 / dt) :]
        rate = float(dx.measure.firing_rate(steady, dt))
        cv = float(dx.measure.cv_isi(steady, dt))
        pop = np.asarray(dx.measure.population_rate(steady, dt))
        freqs, psd = (np.asarray(a) for a in dx.measure.power_spectrum(pop, dt, segment=100.0))
        band = (freqs >= 10) & (freqs <= 500)
        peak = float(freqs[band][np.argmax(psd[band])])
        theory = mean_field_rate(g, eta, C_E=round(epsilon * n_exc), J=J)
        results.append((label, rate, theory, cv, peak))
        print(
            f"{label:32s} rate {rate:6.1f} Hz (mean field {theory:6.1f} Hz)  CV {cv:4.2f}  "
            f"spectral peak {peak:5.0f} Hz   [{elapsed:.1f} s]"
        )

        shown = slice(spikes.shape[0] - int(window / dt), spikes.shape[0])
        t = np.asarray(rec["t"])[shown]
        ax_raster, ax_rate = axes[k]
        dx.plot.raster(spikes[shown, :50], t, ax=ax_raster, markersize=1.5)
        ax_raster.set_title(f"{label}: {rate:.0f} Hz, CV {cv:.2f}", fontsize=9)
        ax_raster.set_ylabel("neuron")
        ax_rate.plot(t, np.asarray(dx.measure.population_rate(spikes[shown], dt)), lw=0.5)
        ax_rate.axhline(rate, color="k", ls="--", lw=0.8)
        ax_rate.set_title(f"population rate (0.1 ms bins), peak at {peak:.0f} Hz", fontsize=9)
        ax_rate.set_ylabel("Hz")
        for ax in (ax_raster, ax_rate):
            ax.set_xlim(t[0], t[-1])
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)")
    n = n_exc + n_exc // 4
    fig.suptitle(f"Brunel (2000) model A, N = {n}, C_E = {round(epsilon * n_exc)}, J = {J} mV")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"total wall time {time.perf_counter() - start:.1f} s; figure written to {out}")
    return results


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
