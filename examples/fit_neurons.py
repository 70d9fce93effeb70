"""Fitting neuron models to voltage recordings by gradient descent through the simulation
(`dx.train.fit_neuron`).

A recording is a membrane potential under an injected current, a step protocol or an
Ornstein-Uhlenbeck noise current. `fit_neuron` simulates the model under that current,
compares its trace with the recording (`dx.train.SpikeVoltageLoss`: the van Rossum
distance of the spike trains plus the voltage error away from spikes), differentiates
through the whole `lax.scan` and updates the chosen parameters with Optax; a batch of
recordings is fitted in one `vmap`, each neuron with its own parameters. Spike times are
discontinuous in the parameters, so the fits use teacher forcing: an integrate-and-fire
model is reset at the recorded spikes (its voltage is then smooth in the subthreshold
parameters), and an HH model has the recorded voltage written into its state every 1
ms (one-step predictions, an almost linear least-squares problem in the conductances).

- (a) Hidden parameters. A GIF (`dx.neurons.GIF`, Mihalas & Niebur 2009) under a step
  protocol and a noisy current, its parameters started 15 % (2 mV for the threshold)
  away, fitted in two stages: the subthreshold parameters `tau`, `R`, `A2` from the
  voltage (spikes imposed), then the threshold `theta_inf`, `a` from the spikes (van
  Rossum), both with Adam. An HH neuron (`dx.neurons.HH`) under the same two kinds of
  current, `g_Na`, `g_K`, `g_L` started 10-17 % away (L-BFGS). Printed: true and fitted
  values, relative errors.
- (b) Other models. A GIF fitted to a recording of an AdEx neuron (`dx.neurons.AdExIF`,
  Naud et al.'s "adapting" set) and to one of an HH neuron (spikes detected at 0 mV),
  both under noisy currents, in one vmap: `tau`, `R`, `v_rest`, `v_reset`, `A2`, `k2`,
  then `theta_inf`, `a`. The fitted GIFs run freely on the training current and on a
  held-out one; printed: the subthreshold RMSE (with the recorded spikes imposed, and
  free), the van Rossum distance per spike and the coincidence factor Gamma of Kistler
  et al. (1997) (precision 4 ms; 1 for identical trains, 0 for chance).
- (c) Many neurons: 64 GIFs with random hidden parameters (within Mihalas & Niebur's
  ranges), each with its own noisy current and its own perturbed start, fitted in one
  `vmap` per stage; printed: the wall time and the median and largest relative errors.

The figure (`examples/fit_neurons.png`) shows the GIF and HH traces before and after
the fits, the GIFs fitted to AdEx and HH, and the recovery of the 64 neurons' parameters.

`DYNAX_QUICK=1` (or `--quick`) uses shorter recordings, 4 neurons in (c), fewer
updates and Adam instead of L-BFGS for HH, and writes `examples/fit_neurons.quick.png`.
"""

import math
import os
import pathlib
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

GIF_SUB = lambda m: (m.tau, m.R, m.A2)  # noqa: E731
GIF_SUB_CONSTRAINTS = (dx.train.Positive(), dx.train.Positive(), dx.train.Unbounded(0.1))
GIF_THRESHOLD = lambda m: (m.theta_inf, m.a)  # noqa: E731
GIF_THRESHOLD_CONSTRAINTS = (dx.train.Unbounded(1.0), dx.train.Unbounded(0.001))
GIF_ALL = lambda m: (m.tau, m.R, m.A2, m.theta_inf, m.a)  # noqa: E731
GIF_NAMES = ("tau", "R", "A2", "theta_inf", "a")
# The hidden parameters of (c) are drawn uniformly from these ranges: tau (ms), R (MOhm),
# A2 (nA), theta_inf (mV), a (1/ms).
RANGES = ((10.0, 25.0), (18.0, 30.0), (-0.5, -0.1), (-55.0, -48.0), (0.0, 0.008))
HH_G = lambda m: (m.channels["Na"].g, m.channels["K"].g, m.channels["L"].g)  # noqa: E731
HH_NAMES = ("g_Na", "g_K", "g_L")
VOLTAGE_ONLY = dx.train.SpikeVoltageLoss(spike_weight=0.0)
SPIKES_ONLY = dx.train.SpikeVoltageLoss(tau=5.0, voltage_weight=0.0)


def ou_current(n_steps, dt, mean, sd, seed, batch=None, tau=5.0):
    """An Ornstein-Uhlenbeck current: mean, standard deviation, correlation time (ms)."""
    rng = np.random.default_rng(seed)
    shape = (n_steps,) if batch is None else (batch, n_steps)
    x, decay = np.zeros(shape), math.exp(-dt / tau)
    for k in range(1, n_steps):
        x[..., k] = decay * x[..., k - 1] + math.sqrt(1 - decay**2) * rng.normal(size=shape[:-1])
    return (mean + sd * x).astype(np.float32)


def step_current(n_steps, levels):
    """Equal steps at the given levels, one after the other."""
    return np.repeat(np.asarray(levels, np.float32), -(-n_steps // len(levels)))[:n_steps]


def record(model, current, dt):
    """The free run of a one-neuron model: potential (mV) and spikes, `(n_steps,)`."""
    _, rec = dx.simulate(
        model,
        model.init(),
        dt=dt,
        n_steps=current.shape[-1],
        inputs=jnp.asarray(current)[:, None],
        monitors={"v": "v", "s": "spike"},
    )
    return rec["v"][:, 0], rec["s"][:, 0]


record_batch = eqx.filter_jit(eqx.filter_vmap(record, in_axes=(0, 0, None)))  # stacked
record_shared = eqx.filter_jit(eqx.filter_vmap(record, in_axes=(None, 0, None)))  # one model


def gif(values, **kw):
    """A one-neuron GIF with (tau, R, A2, theta_inf, a) = values."""
    return eqx.tree_at(GIF_ALL, dx.neurons.GIF(1, **kw), tuple(jnp.asarray(v) for v in values))


def fit_gif(start, current, v, s, dt, n_updates, n_sub):
    """The two stages: subthreshold from the voltage, threshold from spikes (Adam)."""
    stage1, _ = dx.train.fit_neuron(
        start,
        GIF_SUB,
        current,
        v,
        spikes=s,
        dt=dt,
        optimiser=optax.adam(optax.cosine_decay_schedule(0.1, n_sub)),
        n_updates=n_sub,
        constraints=GIF_SUB_CONSTRAINTS,
        loss=VOLTAGE_ONLY,
    )
    stage2, _ = dx.train.fit_neuron(
        stage1,
        GIF_THRESHOLD,
        current,
        v,
        spikes=s,
        dt=dt,
        optimiser=optax.adam(optax.cosine_decay_schedule(0.03, n_updates)),
        n_updates=n_updates,
        constraints=GIF_THRESHOLD_CONSTRAINTS,
        loss=SPIKES_ONLY,
    )
    return stage2


def coincidence_factor(model_spikes, data_spikes, dt, precision=4.0):
    """Kistler et al.'s Gamma: coincidences within `precision` ms beyond chance, scaled
    to 1 for identical trains (0 for a Poisson train of the model's rate)."""
    t_model = np.flatnonzero(np.asarray(model_spikes)) * dt
    t_data = np.flatnonzero(np.asarray(data_spikes)) * dt
    n_model, n_data = len(t_model), len(t_data)
    if n_model == 0 or n_data == 0:
        return 0.0
    coincident = sum(np.any(np.abs(t_model - t) <= precision) for t in t_data)
    rate = n_model / (len(model_spikes) * dt)  # per ms
    expected = 2 * rate * precision * n_data
    norm = 1 - 2 * rate * precision
    return float((coincident - expected) / (0.5 * (n_model + n_data)) / norm)


def upward_crossings(v, v_th):
    v = np.asarray(v)
    return jnp.asarray(np.concatenate([[False], (v[1:] >= v_th) & (v[:-1] < v_th)]))


def subthreshold_rmse(v, v_rec, spikes, spikes_rec, dt):
    mse = dx.train.SpikeVoltageLoss(mask_before=1.0, mask_after=4.0)(
        v, jnp.asarray(spikes, float), v_rec, jnp.asarray(spikes_rec, bool), dt
    )[1]["voltage_mse"]
    return float(jnp.sqrt(mse))


def report(names, true, got):
    for name, t, g in zip(names, true, got):
        print(
            f"    {name:>9}: true {t:9.4g}  fitted {g:9.4g}  error {100 * (g - t) / abs(t):+7.3f} %"
        )


def part_a(cfg):
    print("(a) hidden parameters")
    dt, n = 0.25, cfg["n_gif"]
    currents = np.stack([step_current(n, [0.0, 1.3, 1.8, 1.5]), ou_current(n, dt, 1.5, 0.6, 0)])
    true = (15.0, 25.0, -0.3, -52.0, 0.004)
    v, s = record_shared(gif(true), currents, dt)
    start = gif((17.25, 21.25, -0.345, -50.0, 0.002))
    t0 = time.perf_counter()
    fitted = fit_gif(start, currents, v, s, dt, cfg["updates"], cfg["sub"])
    gif_s = time.perf_counter() - t0
    got = np.stack([np.asarray(p) for p in GIF_ALL(fitted)])  # (5, 2)
    for b, kind in enumerate(("step", "noisy")):
        print(f"  GIF, {kind} current ({n * dt:.0f} ms, {int(s[b].sum())} spikes):")
        report(GIF_NAMES, true, got[:, b])
    print(f"  (both GIF fits in one vmap, two stages: {gif_s:.1f} s)")

    dt_hh, n_hh = 0.05, cfg["n_hh"]
    hh_currents = np.stack(
        [step_current(n_hh, [0.0, 4.0, 10.0, 7.0]), ou_current(n_hh, dt_hh, 8.0, 5.0, 1, tau=2.0)]
    )
    hh = dx.neurons.HH(1)
    v_hh, s_hh = record_shared(hh, hh_currents, dt_hh)
    hh_start = dx.neurons.HH(1, g_Na=100.0, g_K=40.0, g_L=0.35)
    t0 = time.perf_counter()
    hh_fit, _ = dx.train.fit_neuron(
        hh_start,
        HH_G,
        hh_currents,
        v_hh,
        dt=dt_hh,
        # L-BFGS's line search puts several copies of the HH simulation and its gradient
        # into one program (about 18 CPU s to compile); the quick mode takes Adam.
        optimiser=optax.adam(0.05) if cfg["quick"] else optax.lbfgs(),
        n_updates=cfg["lbfgs"],
        force_spikes=False,
        force_voltage=1.0,
        loss=dx.train.SpikeVoltageLoss(mask_before=0.0, mask_after=0.0),
    )
    hh_s = time.perf_counter() - t0
    got_hh = np.stack([np.asarray(g) for g in HH_G(hh_fit)])
    for b, kind in enumerate(("step", "noisy")):
        print(f"  HH, {kind} current ({n_hh * dt_hh:.0f} ms, {int(s_hh[b].sum())} spikes):")
        report(HH_NAMES, (120.0, 36.0, 0.3), got_hh[:, b])
    print(f"  (both HH fits in one vmap: {hh_s:.1f} s)")
    before = record_shared(start, currents, dt)[0]
    after = record_batch(fitted, currents, dt)[0]
    hh_before = record_shared(hh_start, hh_currents, dt_hh)[0]
    hh_after = record_batch(hh_fit, hh_currents, dt_hh)[0]
    return {
        "gif": (dt, v[1], before[1], after[1]),
        "hh": (dt_hh, v_hh[1], hh_before[1], hh_after[1]),
    }


def part_b(cfg):
    print("(b) a GIF fitted to recordings of other models: AdEx and HH")
    dt, n = 0.1, cfg["n_cross"]
    # Column 0: AdEx, Naud et al.'s "adapting" set (currents in nA); column 1: HH
    # (uA/cm^2). The GIF's R converts either unit to mV.
    others = (dx.neurons.AdExIF(1, **dx.neurons.AdExIF.PATTERNS["adapting"]), dx.neurons.HH(1))
    labels = ("AdEx", "HH")
    stats = ((0.5, 0.3, 10.0), (8.0, 3.0, 5.0))  # mean, sd, correlation time (ms)
    currents, held_out = (
        np.stack([ou_current(n, dt, m, sd, seed, tau=tc) for m, sd, tc in stats]) for seed in (5, 6)
    )
    recs = [record(m, c, dt) for m, c in zip(others, currents)]
    v = jnp.stack([r[0] for r in recs])
    # AdEx records its spikes (its potential is reset in the step); HH's cross 0 mV.
    s = jnp.stack([recs[0][1], upward_crossings(recs[1][0], 0.0)])
    start = dx.neurons.GIF(1, v_reset=-65.0, theta_inf=-50.0, theta_reset=-55.0, k2=0.01)
    where = lambda m: (m.tau, m.R, m.v_rest, m.v_reset, m.A2, m.k2)  # noqa: E731
    start_values = ([20.0, 5.0], [80.0, 1.0], [-70.0, -65.0], [-60.0, -70.0], [0.0, 0.0])
    start_values += ([0.01, 0.01],)
    unb, pos = dx.train.Unbounded, dx.train.Positive()
    mask = dict(mask_before=1.5, mask_after=4.0)
    t0 = time.perf_counter()
    stage1, h1 = dx.train.fit_neuron(
        start,
        where,
        currents,
        v,
        spikes=s,
        start=tuple(jnp.asarray(x, jnp.float32) for x in start_values),
        dt=dt,
        optimiser=optax.adam(optax.cosine_decay_schedule(0.1, cfg["sub"])),
        n_updates=cfg["sub"],
        constraints=(pos, pos, unb(1.0), unb(1.0), unb(0.1), pos),
        loss=dx.train.SpikeVoltageLoss(spike_weight=0.0, **mask),
    )
    fitted, _ = dx.train.fit_neuron(
        stage1,
        GIF_THRESHOLD,
        currents,
        v,
        spikes=s,
        dt=dt,
        optimiser=optax.adam(optax.cosine_decay_schedule(0.05, cfg["updates"])),
        n_updates=cfg["updates"],
        constraints=GIF_THRESHOLD_CONSTRAINTS,
        loss=dx.train.SpikeVoltageLoss(tau=5.0, voltage_weight=0.0, **mask),
    )
    print(f"  (both fits in one vmap, two stages: {time.perf_counter() - t0:.1f} s)")
    names = ("tau", "R", "v_rest", "v_reset", "A2", "k2", "theta_inf", "a")
    values = np.stack([np.asarray(x) for x in (*where(fitted), *GIF_THRESHOLD(fitted))])
    out = {}
    for b, label in enumerate(labels):
        print(
            f"  GIF fitted to {label}: "
            + ", ".join(f"{k} = {x:.4g}" for k, x in zip(names, values[:, b]))
        )
        forced = math.sqrt(h1["voltage_mse"][-1, b])
        print(f"    subthreshold RMSE with the recorded spikes imposed: {forced:.2f} mV")
        one = jax.tree.map(lambda x: x[b], fitted)
        for kind, c in (("training", currents[b]), ("held-out", held_out[b])):
            v_ref, s_ref = record(others[b], c, dt)
            if label == "HH":
                s_ref = upward_crossings(v_ref, 0.0)
            v_gif, s_gif = record(one, c, dt)
            d2 = float(dx.measure.van_rossum_distance(s_gif, s_ref, dt, tau=5.0, squared=True))
            gamma = coincidence_factor(s_gif, s_ref, dt)
            rmse = subthreshold_rmse(v_gif, v_ref, s_gif, s_ref, dt)
            print(
                f"    {kind} current: {label} {int(s_ref.sum())} spikes, GIF {int(s_gif.sum())}; "
                f"Gamma(4 ms) = {gamma:.2f}; van Rossum D^2 (5 ms) per spike = "
                f"{d2 / max(int(s_ref.sum()), 1):.3f}; subthreshold RMSE = {rmse:.2f} mV"
            )
            out[label, kind] = (dt, v_ref, v_gif, gamma)
    return out


def part_c(cfg, seed):
    batch, dt, n = cfg["batch"], 0.25, cfg["n_gif"]
    print(f"(c) {batch} GIF neurons fitted in one vmap")
    rng = np.random.default_rng(seed)
    true = np.stack([rng.uniform(lo, hi, batch) for lo, hi in RANGES]).astype(np.float32)
    currents = ou_current(n, dt, 1.5, 0.6, seed + 1, batch=batch)
    v, s = record_batch(jax.vmap(gif)(true.T), currents, dt)
    sign = rng.choice([-1.0, 1.0], size=true.shape)
    start = true * (1 + 0.15 * sign)
    start[3], start[4] = true[3] + 2.0 * sign[3], true[4] + 0.002 * sign[4]
    t0 = time.perf_counter()
    starts = jax.vmap(gif)(start.T.astype(np.float32))
    fitted = fit_gif(starts, currents, v, s, dt, cfg["updates"], cfg["sub"])
    wall = time.perf_counter() - t0
    got = np.stack([np.asarray(p) for p in GIF_ALL(fitted)])
    err = (got - true) / np.abs(true)
    print(f"  wall time {wall:.1f} s ({jax.devices()[0].platform}), {n * dt:.0f} ms per neuron")
    for k, name in enumerate(GIF_NAMES):
        if name == "a":  # drawn from [0, 0.008]: relative errors near a = 0 mean little
            e = np.abs(got[k] - true[k])
            print(f"    {name:>9}: median error {np.median(e):.2e} /ms, largest {e.max():.2e} /ms")
        else:
            e = np.abs(err[k]) * 100
            print(f"    {name:>9}: median error {np.median(e):6.3f} %, largest {e.max():6.3f} %")
    return true, got, wall


def main(seed: int = 0, quick: bool = False):
    cfg = (
        dict(n_gif=800, n_hh=600, n_cross=1000, sub=100, updates=80, lbfgs=20, batch=4)
        if quick
        else dict(n_gif=4000, n_hh=4000, n_cross=10000, sub=400, updates=300, lbfgs=30, batch=64)
    )
    cfg["quick"] = quick
    a = part_a(cfg)
    b = part_b(cfg)
    true, got, wall = part_c(cfg, seed)

    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, key, title in ((axes[0, 0], "gif", "GIF, noisy current"), (axes[0, 1], "hh", "HH")):
        dt, v, before, after = a[key]
        t = np.arange(len(v)) * dt
        keep = t < 300.0
        ax.plot(t[keep], v[keep], "k", lw=1.2, label="recording (hidden parameters)")
        ax.plot(t[keep], before[keep], color="tab:orange", lw=0.8, label="start")
        ax.plot(t[keep], after[keep], "--", color="tab:blue", lw=1.0, label="fitted")
        ax.set(title=f"(a) {title}", xlabel="time (ms)", ylabel="v (mV)")
        ax.legend(fontsize=7, loc="lower right")
    for ax, model in ((axes[0, 2], "AdEx"), (axes[1, 0], "HH")):
        dt, v_ref, v_gif, gamma = b[model, "held-out"]
        t = np.arange(len(v_ref)) * dt
        keep = t < 300.0
        ax.plot(t[keep], v_ref[keep], "k", lw=1.0, label=model)
        ax.plot(t[keep], v_gif[keep], color="tab:red", lw=0.9, label="fitted GIF")
        ax.set(
            title=f"(b) GIF fitted to {model}, held-out current: Gamma = {gamma:.2f}",
            xlabel="time (ms)",
            ylabel="v (mV)",
        )
        ax.legend(fontsize=7, loc="lower right")
    for k, (ax, idx) in enumerate(zip((axes[1, 1], axes[1, 2]), ((0, 1, 2), (3, 4)))):
        for i in idx:
            lo, hi = RANGES[i]
            ax.plot(
                (true[i] - lo) / (hi - lo), (got[i] - lo) / (hi - lo), "o", ms=3, label=GIF_NAMES[i]
            )
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        ax.set(
            xlabel="true value (0 to 1: the range it was drawn from)",
            ylabel="fitted value (same scale)",
            title=f"(c) {true.shape[1]} GIFs in one vmap ({wall:.0f} s)"
            + (": subthreshold" if k == 0 else ": threshold"),
        )
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return true, got


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
