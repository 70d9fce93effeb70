"""A rate RNN with Dale's law trained by BPTT on perceptual decision making (Song, Yang &
Wang 2016).

The task (`dx.tasks.perceptual_decision_making`) is random-dot motion discrimination in
the three-input form of Song et al. (here with a fixed stimulus duration): a fixation
cue, then 800 ms of two noisy evidence channels
whose means differ by the signed coherence c/100 (c from Britten et al.'s 0, ±3.2, ±6.4,
±12.8, ±25.6, ±51.2 %), then 300 ms in which the fixation cue is off and the network
reports which channel was stronger. The network (`dx.networks.rate_rnn`) is 100 ReLU
units with τ = 100 ms, 80 % excitatory and 20 % inhibitory (Dale's law: every unit's
outgoing weights keep its sign, only the excitatory units are read out), recurrent
noise σ_rec = 0.05, Euler steps of dt = 20 ms. BPTT through the 60 steps of a trial
trains every weight and bias with Adam (`dx.train.make_step`, a fresh batch of 64
trials per step) on the cross-entropy of the two readouts in the decision period, plus
a small penalty on the rates. The choice of a trial is the readout with the larger sum
over the decision period.

It prints the accuracy by coherence on 400 held-out trials per coherence, and writes
`examples/decision_rnn.png`: the training loss, the psychometric curve (percent choice
of channel 1 against signed coherence, with the logistic fit
P = 1 / (1 + exp(-(c - μ)/s))), and the mean readout difference over the trial per
coherence (the evidence being integrated).

With seed 0 (full mode: 1500 steps, 72 s of training on the shared, busy 2-core CPU)
the held-out accuracy is 48.8, 70.2, 90.8, 99.5, 100 and 100 % at 0, 3.2, 6.4, 12.8,
25.6 and 51.2 % coherence, beside 50, 73.9, 90.0, 99.5, 100 and 100 % for an ideal
observer of the same inputs (the task's noise, not the network, limits the low
coherences); the logistic fit gives mu = 0.31 %, s = 2.91 %, and Dale's law still holds
after training. Quick mode (`DYNAX_QUICK=1` or `--quick`: 50 units, 300 steps, about
20 s of CPU time) gives 49.2, 70.8, 89.5, 99.5, 100 and 100 % and writes
`examples/decision_rnn.quick.png`.
"""

import math
import os
import pathlib
import sys
import time

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

DT = 20.0  # ms


def readouts(model, inputs, key):
    """The readout `(batch, n_steps, 2)` and rates `(batch, n_steps, n_rec)` of a batch."""
    rec = dx.train.rollout(model, inputs, dt=DT, monitors={"out": "out", "r": "r"}, key=key)
    return rec["out"], rec["r"]


def choices(out, mask):
    """The readout with the larger sum over the decision period."""
    return jnp.argmax(jnp.sum(out * mask[..., None], axis=1), axis=-1)


def loss_fn(model, batch, key):
    """Cross-entropy of the readout at every step of the decision period, plus a rate
    penalty (Song et al. regularise the rates likewise)."""
    out, r = readouts(model, batch.inputs, key)
    logp = jax.nn.log_softmax(out, axis=-1)
    picked = jnp.take_along_axis(logp, batch.labels[:, None, None], axis=-1)[..., 0]
    ce = -jnp.sum(picked * batch.mask) / jnp.sum(batch.mask)
    accuracy = jnp.mean(choices(out, batch.mask) == batch.labels)
    return ce + 1e-3 * jnp.mean(r**2), {"cross_entropy": ce, "accuracy": accuracy}


def train(seed=0, n_rec=100, n_steps=1500, batch_size=64, lr=1e-2, progress=True):
    """Train a Dale's-law rate RNN; returns the model and the per-step losses."""
    key = jax.random.key(seed)
    k_model, k_train = jax.random.split(key)
    model = dx.networks.rate_rnn(3, n_rec, 2, key=k_model, excitatory=0.8, sigma_rec=0.05)
    optimiser = optax.adam(optax.cosine_decay_schedule(lr, n_steps, alpha=0.1))
    step = dx.train.make_step(loss_fn, optimiser)
    opt_state = dx.train.init_optimiser(optimiser, model)
    losses = np.empty(n_steps)
    start = time.perf_counter()
    for i in range(n_steps):
        k_task, k_run = jax.random.split(jax.random.fold_in(k_train, i))
        batch = dx.tasks.perceptual_decision_making(k_task, batch_size, DT)
        model, opt_state, loss, aux = step(model, opt_state, batch, k_run)
        losses[i] = float(loss)
        if progress and (i % 100 == 0 or i == n_steps - 1):
            print(
                f"step {i:5d}  loss {losses[i]:.3f}  batch accuracy "
                f"{float(aux['accuracy']):.2f}  ({time.perf_counter() - start:.0f} s)"
            )
    return model, losses


def evaluate(model, key, n_per_level=400):
    """Choices on held-out trials: `(signed coherence, chose channel 1, correct)` arrays
    and the mean readout difference over time per signed coherence."""
    run = jax.jit(readouts)
    cohs, chose_1, correct, traces = [], [], [], {}
    for j, level in enumerate(dx.tasks.COHERENCES):
        k_task, k_run = jax.random.split(jax.random.fold_in(key, j))
        trials = dx.tasks.perceptual_decision_making(k_task, n_per_level, DT, coherences=(level,))
        out, _ = run(model, trials.inputs, k_run)
        choice = np.asarray(choices(out, trials.mask))
        c = np.asarray(trials.conditions["coherence"])
        cohs.append(c)
        chose_1.append(choice == 0)
        correct.append(choice == np.asarray(trials.labels))
        diff = np.asarray(out[..., 0] - out[..., 1])
        for sign in (1, -1):
            pick = np.sign(c) == sign if level > 0 else np.ones_like(c, bool)
            traces[sign * level] = diff[pick].mean(axis=0)
    return np.concatenate(cohs), np.concatenate(chose_1), np.concatenate(correct), traces


def fit_logistic(c, y, n_iter=50):
    """Maximum-likelihood P(y = 1) = 1 / (1 + exp(-(c - mu) / s)) by Newton's method
    (iteratively reweighted least squares) on the trials; returns (mu, s)."""
    X = np.stack([np.ones_like(c), c], axis=1)
    w = np.zeros(2)
    for _ in range(n_iter):
        p = 1 / (1 + np.exp(-X @ w))
        H = X.T @ (X * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        w = w + np.linalg.solve(H, X.T @ (y - p))
    return -w[0] / w[1], 1 / w[1]


def ideal_accuracy(coherence, sigma=1.0, stimulus=800.0):
    """The accuracy of an ideal observer that compares the two channels' means over the
    whole stimulus: their difference is c/100 with standard deviation sigma sqrt(2/T)."""
    z = coherence / 100 / (sigma * math.sqrt(2 / stimulus))
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def main(seed: int = 0, quick: bool = False):
    n_rec, n_steps = (50, 300) if quick else (100, 1500)
    start = time.perf_counter()
    model, losses = train(seed, n_rec=n_rec, n_steps=n_steps)
    train_s = time.perf_counter() - start
    c, chose_1, correct, traces = evaluate(model, jax.random.key(seed + 1000))
    print(f"trained {n_steps} steps in {train_s:.0f} s; held-out accuracy by coherence:")
    accuracy = {}
    for level in dx.tasks.COHERENCES:
        pick = np.isclose(np.abs(c), level)
        accuracy[level] = correct[pick].mean()
        print(
            f"  {level:5.1f} %: {100 * accuracy[level]:5.1f} % correct ({pick.sum()} trials; "
            f"ideal observer {100 * ideal_accuracy(level):5.1f} %)"
        )
    mu, s = fit_logistic(c, chose_1.astype(float))
    print(f"psychometric fit: mu = {mu:.2f} %, s = {s:.2f} %")
    W_in, W_rec, W_out = (np.asarray(w) for w in model.weights())
    sign = np.asarray(model.sign)
    dale = bool(np.all(W_rec[sign > 0] >= 0) and np.all(W_rec[sign < 0] <= 0))
    print(f"Dale's law holds after training: {dale}")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].plot(losses, lw=0.4, color="0.7")
    smooth = np.convolve(losses, np.ones(50) / 50, mode="valid")
    axes[0].plot(np.arange(len(smooth)) + 25, smooth, lw=1.2, label="mean of 50 steps")
    axes[0].legend()
    axes[0].set(xlabel="training step", ylabel="loss", yscale="log", title="BPTT with Adam")
    levels = np.unique(np.round(c, 1))
    frac = [100 * chose_1[np.isclose(c, v)].mean() for v in levels]
    grid = np.linspace(levels.min(), levels.max(), 400)
    axes[1].plot(levels, frac, "o", label="network")
    axes[1].plot(grid, 100 / (1 + np.exp(-(grid - mu) / s)), "k-", lw=1, label="logistic fit")
    ideal = [100 * ideal_accuracy(v) for v in grid]
    axes[1].plot(grid, ideal, "k:", lw=1, label="ideal observer")
    axes[1].set(
        xlabel="signed coherence (%)",
        ylabel="choice of channel 1 (%)",
        title=f"psychometric curve (s = {s:.1f} %)",
    )
    axes[1].legend(loc="upper left")
    t = (np.arange(next(iter(traces.values())).shape[0]) + 1) * DT
    cmap = plt.get_cmap("coolwarm")
    for level in sorted(traces):
        axes[2].plot(t, traces[level], color=cmap(0.5 + level / 110), lw=1, label=f"{level:g}")
    axes[2].axvspan(100, 900, color="0.9", zorder=0)
    axes[2].set(xlabel="time (ms)", ylabel="readout 1 - readout 2", title="stimulus (grey)")
    axes[2].legend(fontsize=6, ncol=2, title="coherence (%)", title_fontsize=7)
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")
    return accuracy, (mu, s)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
