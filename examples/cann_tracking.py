"""A continuous attractor network tracking a moving stimulus (Wu, Hamaguchi & Amari
2008; Fung, Wong & Wu 2010).

`dx.networks.CANN1D` holds a bump of activity anywhere on a ring of neurons: the bumps
form a continuous family, neutrally stable along the ring, so a weak Gaussian input that
moves at a constant speed v drags the bump along at a constant lag s behind it. At the
lowest order of Fung et al.'s analysis (a Gaussian bump of height U and centre z) the lag
solves tau v = (A/U) s exp(-s^2 / 8a^2), with U raised by the stimulus
(`CANN1D.tracking_lag`); for small v, s = tau v U0 / A. This script starts a bump of the
network of 256 neurons at the stimulus, moves the stimulus round the ring, reads the
bump's position out with the population vector (`decode`), and compares the measured
lag with the analytic one, over time for one speed and at the end of the run for a
range of speeds (one vmapped simulation), past the largest speed that can be tracked.
It writes `examples/cann_tracking.png`: the firing rates over time with the stimulus'
path, the decoded position, the lag over time and the lag against speed.

`DYNAX_QUICK=1` (or `--quick`) runs 64 neurons for 300 ms and fewer speeds, and writes
`examples/cann_tracking.quick.png`, as CI does.
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


def _wrap(d):
    return (np.asarray(d) + np.pi) % (2 * np.pi) - np.pi


def main(seed: int = 0, n: int = 256, duration: float = 1000.0, quick: bool = False):
    # The network is deterministic; `seed` is kept for the examples' common signature.
    del seed
    dt = 0.1
    n_speeds = 13
    if quick:
        n, duration, n_speeds = 64, 300.0, 5
    model = dx.networks.CANN1D(n)  # tau = 1 ms, a = 0.5, J0 = 1, k = k_c / 2
    U0 = float(model.bump_height()[0])
    A = 0.05 * U0  # a weak stimulus: the bump's position relaxes in tau U0 / A = 20 ms
    z0 = -2.5

    def run(v):
        inputs = lambda ctx: model.stimulus(z0 + v * ctx.t, A)  # noqa: E731
        monitors = {"r": "r", "z": lambda s: model.decode(s.r)}
        _, rec = dx.simulate(
            model, model.bump(z0), dt=dt, duration=duration, inputs=inputs, monitors=monitors
        )
        return rec

    start = time.perf_counter()
    v = 0.005  # rad/ms
    rec = jax.block_until_ready(run(v))
    t = np.asarray(rec["t"])  # the end of each step
    stimulus = _wrap(z0 + v * t)
    decoded = np.asarray(rec["z"])
    lag = _wrap(stimulus - decoded)
    predicted = float(model.tracking_lag(v, A))
    leading = model.tau * v * U0 / A
    settled = t > duration / 2
    print(f"CANN1D(n={n}): U0 = {U0:.4f}, k = {float(model.k):.4f} = k_c / 2, A = 0.05 U0")
    print(
        f"v = {v} rad/ms: lag {lag[settled].mean():.5f} rad (spread "
        f"{np.ptp(lag[settled]):.1e}), analytic {predicted:.5f} "
        f"({lag[settled].mean() / predicted - 1:+.2%}), leading order tau v U0/A "
        f"{float(leading):.5f}"
    )

    # The lag against speed: one vmapped run over the speeds.
    unit = A / (float(model.tau) * U0)  # speeds in units of A / (tau U0)
    speeds = np.linspace(0.05, 0.65, n_speeds) * unit
    paths = np.asarray(jax.vmap(lambda v: run(v)["z"])(jnp.asarray(speeds)))
    lag_paths = _wrap(z0 + speeds[:, None] * t[None, :] - paths)
    lags = lag_paths[:, -1]
    # Tracked: the lag has settled over the last third of the run (a bump that lost the
    # stimulus is lapped by it, and its lag sweeps the ring).
    tracked = np.ptp(lag_paths[:, 2 * len(t) // 3 :], axis=1) < 0.05
    done = time.perf_counter()
    v_fine = np.linspace(0.0, speeds[-1], 300)
    analytic = np.asarray(jax.vmap(lambda v: model.tracking_lag(v, A))(jnp.asarray(v_fine)))
    print("speed (rad/ms)  lag  analytic")
    for s, m, ok in zip(speeds, lags, tracked):
        shown = f"{m:+.4f}" if ok else "lost   "
        print(f"  {s:.5f}  {shown}  {float(model.tracking_lag(s, A)):+.4f}")
    print(f"wall time {done - start:.1f} s")

    fig, axes = plt.subplots(2, 2, figsize=(12, 7))
    ax = dx.plot.bump(rec["r"], t, positions=np.asarray(model.x), ax=axes[0, 0], label="r")
    path = np.where(np.abs(np.diff(stimulus, prepend=stimulus[0])) > np.pi, np.nan, stimulus)
    ax.plot(t, path, "w--", lw=1.0, label="stimulus")
    ax.set_ylabel("preferred position (rad)")
    ax.legend(loc="upper left")
    ax.set_title(f"firing rates, stimulus at v = {v} rad/ms")

    ax = axes[0, 1]
    ax.plot(t, stimulus, "k", lw=1.0, label="stimulus")
    ax.plot(t, decoded, "C1--", lw=1.0, label="population vector")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("position (rad)")
    ax.legend()
    ax.set_title("decoded position")

    ax = axes[1, 0]
    ax.plot(t, lag, "C1", label="measured")
    ax.axhline(predicted, color="k", ls="--", lw=1.0, label="analytic")
    ax.axhline(float(leading), color="0.5", ls=":", lw=1.0, label=r"$\tau v U_0/A$")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("lag (rad)")
    ax.legend()
    ax.set_title("lag behind the stimulus")

    ax = axes[1, 1]
    ax.plot(v_fine, analytic, "k", lw=1.0, label="analytic")
    ax.plot(v_fine, model.tau * v_fine * U0 / A, color="0.5", ls=":", label=r"$\tau v U_0/A$")
    ax.plot(speeds[tracked], lags[tracked], "C1o", label="simulated")
    ax.plot(speeds[~tracked], np.full((~tracked).sum(), 1.4), "C3x", label="not tracked")
    ax.set_ylim(0, 1.5)
    ax.set_xlabel("stimulus speed (rad/ms)")
    ax.set_ylabel(f"lag after {duration:g} ms (rad)")
    ax.legend()
    ax.set_title("lag against speed, A = 0.05 $U_0$")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return lag[settled].mean(), predicted


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
