"""Probabilistic decision making by slow reverberation (Wang 2002).

Two populations of 240 pyramidal cells, each selective for one of two choices, compete
through shared inhibition in a network of 2000 leaky integrate-and-fire neurons with
AMPA, NMDA and GABA_A synapses and Poisson background (`dx.networks.decision_network`).
A stimulus of coherence c drives population A at 40 (1 + c/100) Hz and B at
40 (1 - c/100) Hz on average (redrawn every 50 ms with a 4 Hz standard deviation); the
slow NMDA reverberation integrates the difference until one population wins and keeps
firing. This script runs every trial of every coherence level (0 to 51.2 %) in one
`jax.vmap`, compiled once, and plots the population rates of A and B over time, the
psychometric curve (fraction of trials won by A, the correct choice for c > 0) and the
decision times: the first time a population's rate (50 ms window) reaches 15 Hz after
stimulus onset, as in Wang's figures. It writes `examples/decision_making.png`.

`DYNAX_QUICK=1` (or `--quick`) runs a fifth of the network (400 neurons, the structure
kept), one trial per coherence and a 500 ms stimulus, and writes
`examples/decision_making.quick.png` instead, as CI does.
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

COHERENCES = (0.0, 3.2, 6.4, 12.8, 25.6, 51.2)
POPULATIONS = ("A", "B", "NS", "I")
THRESHOLD = 15.0  # Hz: a population's rate at the decision (Wang 2002)


def counts(state):
    """Spikes of each population during the step."""
    return jnp.stack([jnp.sum(state[p].spike, dtype=jnp.int32) for p in POPULATIONS])


def main(seed: int = 0, n_trials: int = 20, scale: float = 1.0, quick: bool = False):
    dt, t_on, stimulus, after = 0.1, 200.0, 1000.0, 300.0
    if quick:
        n_trials, scale, t_on, stimulus, after = 1, 0.2, 100.0, 500.0, 100.0
    t_off = t_on + stimulus
    duration = t_off + after  # the winner keeps firing after the stimulus

    def trial(coherence, key):
        net = dx.networks.decision_network(coherence, key=key, scale=scale, t_on=t_on, t_off=t_off)
        state = net.init(jax.random.fold_in(key, 1))
        _, records = dx.simulate(
            net, state, dt=dt, duration=duration, key=key, monitors={"n": counts}
        )
        return records["n"]

    cs = jnp.repeat(jnp.asarray(COHERENCES), n_trials)
    keys = jax.random.split(jax.random.key(seed), cs.size)
    start = time.perf_counter()
    n = np.asarray(jax.jit(jax.vmap(trial))(cs, keys))  # (trials, steps, populations)
    elapsed = time.perf_counter() - start

    net = dx.networks.decision_network(key=jax.random.key(seed), scale=scale)
    sizes = np.array([net.populations[p].n for p in POPULATIONS])
    # Rates in 10 ms bins, then a 50 ms running mean.
    per_bin = round(10.0 / dt)
    binned = n.reshape(n.shape[0], -1, per_bin, 4).sum(2) / sizes / 0.010
    kernel = np.ones(5)
    covered = np.convolve(np.ones(binned.shape[1]), kernel, mode="same")  # fewer at the ends
    rates = np.apply_along_axis(np.convolve, 1, binned, kernel, mode="same") / covered[:, None]
    t = (np.arange(rates.shape[1]) + 0.5) * 10.0

    during = (t >= t_on) & (t < t_off)
    crossed = (rates[:, :, :2] >= THRESHOLD) & during[None, :, None]
    first = np.where(crossed.any(1), crossed.argmax(1), rates.shape[1])  # (trials, 2)
    decided = first.min(1) < rates.shape[1]
    late = (t >= t_off - 200.0) & (t < t_off)
    a_wins = np.where(
        decided, first[:, 0] < first[:, 1], rates[:, late, 0].mean(1) > rates[:, late, 1].mean(1)
    )
    decision_time = np.where(decided, t[np.minimum(first.min(1), len(t) - 1)] - t_on, np.nan)

    levels = np.asarray(COHERENCES)
    wins = a_wins.reshape(len(COHERENCES), n_trials)
    times = decision_time.reshape(len(COHERENCES), n_trials)
    print(
        f"{cs.size} trials of {duration:g} ms ({sizes.sum()} neurons, scale {scale:g}) "
        f"in one vmap: {elapsed:.1f} s on {jax.default_backend()} (compile included)"
    )
    for c, w, dtimes in zip(levels, wins, times):
        mean_time = np.nanmean(dtimes) if np.isfinite(dtimes).any() else np.nan
        print(
            f"c = {c:4.1f} %: A chosen in {w.mean():.0%} of trials, "
            f"{np.isfinite(dtimes).mean():.0%} decided, mean decision time {mean_time:.0f} ms"
        )

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(COHERENCES)))
    for k, (c, color) in enumerate(zip(levels, colors)):
        i = k * n_trials  # the first trial of each level
        axes[0].plot(t, rates[i, :, 0], color=color, lw=1.2, label=f"{c:g} %")
        axes[0].plot(t, rates[i, :, 1], color=color, lw=1.2, ls="--")
    axes[0].axvspan(t_on, t_off, color="0.92", zorder=0)
    axes[0].axhline(THRESHOLD, color="0.5", lw=0.6, ls=":")
    axes[0].set(
        xlabel="time (ms)",
        ylabel="rate (Hz)",
        title="A (solid) and B (dashed), stimulus shaded",
    )
    axes[0].legend(title="coherence", fontsize=7, title_fontsize=8)

    positive = levels > 0
    p = wins.mean(1)
    err = np.sqrt(p * (1 - p) / n_trials)
    axes[1].errorbar(levels[positive], 100 * p[positive], 100 * err[positive], marker="o")
    axes[1].axhline(50, color="0.5", lw=0.6, ls=":")
    axes[1].set_xscale("log")
    axes[1].set_xticks(levels[positive], [f"{c:g}" for c in levels[positive]])
    axes[1].minorticks_off()
    axes[1].set(
        xlabel="coherence (%)",
        ylabel="% correct (A chosen)",
        title=f"psychometric curve ({n_trials} trials per level)",
        ylim=(40, 102),
    )

    for c, dtimes, color in zip(levels, times, colors):
        finite = dtimes[np.isfinite(dtimes)]
        if finite.size:
            axes[2].scatter(np.full(finite.size, max(c, 1.6)), finite, color=color, s=10)
            axes[2].errorbar(max(c, 1.6), finite.mean(), finite.std(), color="k", marker="_")
    axes[2].set_xscale("log")
    axes[2].set_xticks(np.maximum(levels, 1.6), [f"{c:g}" for c in levels])
    axes[2].minorticks_off()
    axes[2].set(
        xlabel="coherence (%)",
        ylabel="decision time (ms)",
        title="decision times (mean ± s.d.)",
    )
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return wins, times


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
