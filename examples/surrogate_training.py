"""Training a spiking network with surrogate gradients (`dx.surrogate`, `dx.encoding`).

Two classes of noisy 40-pixel patterns are rate-coded into Poisson spike trains
(`dx.encoding.PoissonEncoder`, 100 Hz at full intensity, 100 steps of 1 ms), fed to a
hidden layer of 64 leaky integrate-and-fire neurons (`dx.neurons.LIF`) and read out by
two output LIF neurons; the class is the output neuron that fires more. Spikes are a
Heaviside step, whose gradient is zero almost everywhere, so the LIFs use
`spike_fn=dx.surrogate.Sigmoid(alpha=5.0)`: the forward pass is unchanged (0/1 spikes),
the backward pass uses the sigmoid's derivative. The input and output weights are
trained with Adam (Optax) on the cross-entropy of the output spike counts. The script
prints the loss and the accuracy on held-out patterns, and writes the loss curve and
the spike rasters of one test pattern of each class before and after training to
`examples/surrogate_training.png`. The two classes are easy to separate (two random
prototypes, pixel noise of 0.25): the point is that the gradient reaches the weights
through the spikes. With seed 0, the held-out accuracy (a tie of the output counts
counts as wrong) goes from 0.16 to 1.00 in 300 steps (loss 0.65 -> 0.003), and to 0.97
in the 40 steps of the quick mode; without the surrogate (`Heaviside()`) the gradient
is zero and nothing is learnt.

`DYNAX_QUICK=1` (or `--quick`) trains for fewer steps and writes
`examples/surrogate_training.quick.png` instead, as CI does.
"""

import os
import pathlib
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

N_IN, N_HIDDEN, N_OUT, N_STEPS, DT = 40, 64, 2, 100, 1.0
SPIKE_FN = dx.surrogate.Sigmoid(alpha=5.0)  # sharpness per unit of v - v_th (v_th = 1)
HIDDEN = dx.neurons.LIF(N_HIDDEN, tau=10.0, v_th=1.0, spike_fn=SPIKE_FN)
OUTPUT = dx.neurons.LIF(N_OUT, tau=10.0, v_th=1.0, spike_fn=SPIKE_FN)
ENCODER = dx.encoding.PoissonEncoder(max_rate=100.0, dt=DT)


class Weights(eqx.Module):
    w_in: jax.Array
    w_out: jax.Array


def run(weights, spikes_in):
    """The hidden and output spikes, `(N_STEPS, n)` each, for one input spike train."""

    def step(states, inp):
        (i, x), (hidden, output) = inp, states
        ctx = dx.Context(t=i * DT, dt=DT, i=i)
        hidden = HIDDEN.step(hidden, x @ weights.w_in, ctx)
        output = OUTPUT.step(output, hidden.spike @ weights.w_out, ctx)
        return (hidden, output), (hidden.spike, output.spike)

    states = (HIDDEN.init(), OUTPUT.init())
    _, (h, o) = jax.lax.scan(step, states, (jnp.arange(N_STEPS), spikes_in.astype(float)))
    return h, o


def make_data(key, prototypes, n):
    """`n` noisy patterns per class and their labels."""
    k_noise, k_perm = jax.random.split(key)
    labels = jnp.repeat(jnp.arange(2), n)
    noise = 0.25 * jax.random.normal(k_noise, (2 * n, N_IN))
    images = jnp.clip(prototypes[labels] + noise, 0.0, 1.0)
    order = jax.random.permutation(k_perm, 2 * n)
    return images[order], labels[order]


def encode(key, images):
    keys = jax.random.split(key, images.shape[0])
    return jax.vmap(lambda k, x: ENCODER(x, N_STEPS, key=k))(keys, images)


def loss_and_accuracy(weights, spikes_in, labels):
    _, out = jax.vmap(run, (None, 0))(weights, spikes_in)
    counts = out.sum(axis=1)  # (batch, 2)
    loss = optax.softmax_cross_entropy_with_integer_labels(counts, labels).mean()
    correct = counts[jnp.arange(labels.size), labels] > counts[jnp.arange(labels.size), 1 - labels]
    return loss, correct.mean()  # a tie counts as wrong


def main(seed: int = 0, quick: bool = False):
    n_train_steps, batch = (40, 16) if quick else (300, 64)
    key = jax.random.key(seed)
    k_proto, k_w1, k_w2, k_test, k_test_enc, key = jax.random.split(key, 6)
    prototypes = jax.random.uniform(k_proto, (2, N_IN))
    weights = Weights(
        w_in=jax.random.normal(k_w1, (N_IN, N_HIDDEN)) * 10.0 / jnp.sqrt(N_IN),
        w_out=jax.random.normal(k_w2, (N_HIDDEN, N_OUT)) * 10.0 / jnp.sqrt(N_HIDDEN),
    )
    test_images, test_labels = make_data(k_test, prototypes, 100)
    test_spikes = encode(k_test_enc, test_images)
    optim = optax.adam(1e-2)
    opt_state = optim.init(eqx.filter(weights, eqx.is_inexact_array))

    @eqx.filter_jit
    def make_step(weights, opt_state, key):
        k_data, k_enc = jax.random.split(key)
        images, labels = make_data(k_data, prototypes, batch // 2)
        grad_fn = eqx.filter_value_and_grad(loss_and_accuracy, has_aux=True)
        (loss, acc), grads = grad_fn(weights, encode(k_enc, images), labels)
        updates, opt_state = optim.update(
            grads, opt_state, eqx.filter(weights, eqx.is_inexact_array)
        )
        return eqx.apply_updates(weights, updates), opt_state, loss, acc

    evaluate = eqx.filter_jit(loss_and_accuracy)
    before = weights
    loss0, acc0 = evaluate(weights, test_spikes, test_labels)
    start = time.perf_counter()
    losses = []
    for i, k in enumerate(jax.random.split(key, n_train_steps)):
        if i == 1:
            compiled = time.perf_counter()
        weights, opt_state, loss, _ = make_step(weights, opt_state, k)
        losses.append(float(loss))
    train_s = time.perf_counter() - start
    loss1, acc1 = evaluate(weights, test_spikes, test_labels)
    print(
        f"{n_train_steps} Adam steps of {batch} patterns in {train_s:.1f} s "
        f"(the first, with compilation, {compiled - start:.1f} s)"
    )
    print(
        f"test loss {float(loss0):.3f} -> {float(loss1):.3f}, "
        f"test accuracy {float(acc0):.3f} -> {float(acc1):.3f} (200 held-out patterns)"
    )

    fig = plt.figure(figsize=(11, 7))
    grid = fig.add_gridspec(3, 4, height_ratios=[1.2, 3, 1])
    ax_loss = fig.add_subplot(grid[0, :])
    ax_loss.plot(losses, lw=0.8)
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title(
        f"Surrogate-gradient training (Sigmoid, alpha = 5): test accuracy "
        f"{float(acc0):.2f} -> {float(acc1):.2f}"
    )
    examples = [int(jnp.argmax(test_labels == c)) for c in (0, 1)]
    run_one = eqx.filter_jit(run)
    for col, (w, when) in enumerate(
        [(before, "before"), (before, "before"), (weights, "after"), (weights, "after")]
    ):
        idx = examples[col % 2]
        h, o = run_one(w, test_spikes[idx])
        t = jnp.arange(N_STEPS) * DT
        ax_h = fig.add_subplot(grid[1, col])
        dx.plot.raster(h, t, ax=ax_h, markersize=1.5)
        ax_h.set_title(f"class {int(test_labels[idx])}, {when}", fontsize=9)
        ax_h.set_xlabel("")
        ax_h.set_xlim(0, N_STEPS * DT)
        ax_h.set_ylim(-0.5, N_HIDDEN - 0.5)
        ax_o = fig.add_subplot(grid[2, col], sharex=ax_h)
        dx.plot.raster(o, t, ax=ax_o, markersize=3)
        counts = o.sum(axis=0).astype(int).tolist()
        ax_o.set_ylim(-0.5, N_OUT - 0.5)
        ax_o.set_yticks(range(N_OUT))
        ax_o.set_ylabel("output")
        ax_o.set_title(f"output counts {counts}", fontsize=8)
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return float(loss1), float(acc1)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
