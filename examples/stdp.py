"""Spike-timing-dependent plasticity measured with `dx.plasticity`.

Three panels. (a) The pair-STDP window: one synapse per spike-time difference
Δt = t_post − t_pre, each seeing one pre/post pair, the weight change read from the
projection's state after the run and drawn over the closed form A₊e^{−Δt/τ₊} /
−A₋e^{Δt/τ₋}. (b) The frequency dependence of the triplet rule of Pfister & Gerstner
(2006, visual-cortex minimal all-to-all set): 60 pairings at Δt = +10 and −10 ms repeated
at 0.1–50 Hz, the protocol of Sjöström et al. (2001), beside their measurements: pair
rules cannot give LTP for post-before-pre pairs at high frequency, the triplet term
does. (c) The COBA network (Vogels & Abbott 2005) with pair STDP on its E→E synapses
(`dx.networks.coba_stdp_network`): the distribution of the E→E weights after the run.

Every projection is stepped by `dx.simulate`; the spike trains of (a) and (b) are
given as inputs, the pair `(pre_spikes, post_spikes)` a plastic projection receives.
`DYNAX_QUICK=1` (or `--quick`) runs a coarser window and a 500-neuron network for
200 ms, and writes `examples/stdp.quick.png`.
"""

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

FREQS = np.array([0.1, 10.0, 20.0, 40.0, 50.0])  # Hz
# Sjöström et al. (2001), as tabulated by Pfister & Gerstner (2006): mean and s.e.m.
DATA = {
    10.0: ([-0.04, 0.14, 0.29, 0.53, 0.56], [0.05, 0.10, 0.14, 0.11, 0.26]),
    -10.0: ([-0.29, -0.41, -0.34, 0.56, 0.75], [0.08, 0.11, 0.10, 0.32, 0.19]),
}


def one_to_one(rule, n, w0):
    """`n` independent synapses, pre neuron k onto post neuron k."""
    conn = dx.connect.CSR(np.arange(n + 1), np.arange(n), n)
    syn = dx.synapses.Exponential(n, 5.0)
    return dx.plasticity.PlasticProjection(
        "pre", "post", conn, w0, rule, syn, dx.synapses.CUBA(), w_min=-10.0, w_max=10.0
    )


def weight_change(rule, pre_times, post_times, dt):
    """The change of each synapse's weight for spike trains `pre_times[k]`,
    `post_times[k]` (ms, on the grid of `dt`)."""
    n = len(pre_times)
    n_steps = int(round(max(max(t) for t in [*pre_times, *post_times]) / dt)) + 2
    pre, post = np.zeros((n_steps, n), bool), np.zeros((n_steps, n), bool)
    for k in range(n):
        pre[np.round(np.asarray(pre_times[k]) / dt).astype(int), k] = True
        post[np.round(np.asarray(post_times[k]) / dt).astype(int), k] = True
    proj = one_to_one(rule, n, 1.0)
    final, _ = dx.simulate(proj, proj.init(), dt=dt, n_steps=n_steps, inputs=(pre, post))
    return np.asarray(final.w) - 1.0


def main(seed: int = 0, quick: bool = False):
    start = time.perf_counter()
    # (a) the pair window
    lags = np.arange(-80.0, 81.0, 5.0 if quick else 1.0)
    lags = lags[lags != 0]
    pair = dx.plasticity.PairSTDP(A_plus=0.01, A_minus=0.0105, tau_plus=16.8, tau_minus=33.7)
    t_pre = np.full(lags.size, 100.0)
    dw_pair = weight_change(pair, t_pre[:, None], (t_pre + lags)[:, None], 0.1)
    closed = np.where(lags > 0, 0.01 * np.exp(-lags / 16.8), -0.0105 * np.exp(lags / 33.7))
    print(
        f"pair window: largest deviation from the closed form {np.abs(dw_pair - closed).max():.1e}"
    )

    # (b) the triplet rule on the Sjöström protocol
    triplet = dx.plasticity.TripletSTDP.visual_cortex("all_to_all", minimal=True)
    trains = []
    for lag in (10.0, -10.0):
        for f in FREQS:
            first = 10.0 + max(0.0, -lag)
            times = first + np.arange(60) * 1000.0 / f
            trains.append((times, times + lag))
    dw_triplet = weight_change(triplet, [p for p, _ in trains], [q for _, q in trains], 5.0)
    dw_triplet = dw_triplet.reshape(2, FREQS.size)
    for lag, row in zip((10.0, -10.0), dw_triplet):
        print(f"triplet, dt = {lag:+.0f} ms, 0.1-50 Hz: " + " ".join(f"{x:+.3f}" for x in row))

    # (c) COBA with E->E STDP
    n_exc, n_inh, duration = (400, 100, 200.0) if quick else (3200, 800, 1000.0)
    net = dx.networks.coba_stdp_network(n_exc, n_inh, key=jax.random.key(seed))
    state = net.init(jax.random.key(seed + 1))
    monitors = {"E": lambda s: s["E"].spike.sum(dtype="int32")}
    final, rec = dx.simulate(net, state, dt=0.1, duration=duration, monitors=monitors)
    w0, w1 = np.asarray(state["E2E"].w), np.asarray(final["E2E"].w)
    rate = float(np.sum(rec["E"])) / n_exc / (duration / 1000.0)
    print(
        f"COBA+STDP, N = {n_exc + n_inh}, {duration:g} ms: E rate {rate:.1f} Hz, E->E weights "
        f"{w0.mean():.3f} -> {w1.mean():.3f} (mean), {w1.min():.3f}-{w1.max():.3f}"
    )
    print(f"wall time {time.perf_counter() - start:.1f} s")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    for side, label in ((lags < 0, "closed form"), (lags > 0, None)):
        ax.plot(lags[side], closed[side], color="0.7", lw=3, label=label)
    ax.plot(lags, dw_pair, ".", ms=3, label="dx.plasticity.PairSTDP")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(xlabel="Δt = t_post − t_pre (ms)", ylabel="Δw", title="(a) pair STDP window")
    ax.legend(frameon=False)
    ax = axes[1]
    for lag, row, color in zip((10.0, -10.0), dw_triplet, ("C3", "C0")):
        mean, sem = DATA[lag]
        ax.errorbar(FREQS, mean, sem, fmt="o", color=color, mfc="none", capsize=3)
        ax.plot(FREQS, row, "-", color=color, label=f"Δt = {lag:+.0f} ms")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(
        xlabel="pairing frequency (Hz)",
        ylabel="Δw (60 pairings)",
        title="(b) triplet STDP; circles: Sjöström et al. 2001",
    )
    ax.legend(frameon=False)
    ax = axes[2]
    bins = np.linspace(0.0, 1.2, 49)
    ax.hist(w1, bins=bins, color="C2", alpha=0.8, label=f"after {duration:g} ms")
    ax.axvline(float(w0.mean()), color="k", lw=1, label="initial (all equal)")
    ax.set(xlabel="E→E weight", ylabel="synapses", title=f"(c) COBA + E→E STDP, E {rate:.1f} Hz")
    ax.legend(frameon=False)
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return dw_pair, dw_triplet


if __name__ == "__main__":
    main(quick=os.environ.get("DYNAX_QUICK") == "1" or "--quick" in sys.argv)
