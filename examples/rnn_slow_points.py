"""Slow points of a decision RNN (`dx.analysis.slow_points`, Sussillo & Barak 2013).

A small continuous-time rate RNN, τ dx/dt = −x + W tanh(x) + w_in u(t) + b with
τ = 10 ms and 32 units, is trained here in seconds (Adam, Optax; BPTT through Euler
steps of 2 ms) on a two-choice integration task: a noisy input of mean ±c (c drawn
from 0.02–0.2, noise σ = 0.5) for 200 ms, then 100 ms without input in which the
readout y = w_out·tanh(x) must report the sign of the mean (target ±1). To solve it the
network must accumulate evidence and hold the answer, and reverse engineering it shows
how: with the input held at zero, the script samples states from trajectories of test
trials, minimises q(x) = ½‖F(x)‖² from all of them at once (Adam, vmapped), keeps the
slow points below the tolerance and confirms each by a Newton solve from it. It prints
the accuracy, the slow points with their stability (two stable decision states at the
ends of the choice axis, a saddle between them, which the evidence tips one way or the
other: a line of slow points along the choice axis when trained longer), the leading
eigenvalues, the Newton check and the time of each step, and writes
`examples/rnn_slow_points.png`: the loss, the trajectories and slow points on the first
two principal components (coloured by choice, the leading mode drawn through each
point), the spectrum at the points, and the readout over time.

`DYNAX_QUICK=1` (or `--quick`) trains for fewer steps and writes
`examples/rnn_slow_points.quick.png` instead, as CI does.
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
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import dynax as dx

N, TAU, DT = 32, 10.0, 2.0
T_STIM, T_RESP = 100, 50  # steps of DT: 200 ms of evidence, 100 ms of report
SIGMA = 0.5


class RNN(eqx.Module):
    W: jax.Array
    w_in: jax.Array
    b: jax.Array
    w_out: jax.Array

    def field(self, x, u):
        """dx/dt (per ms) for the input u."""
        return (-x + self.W @ jnp.tanh(x) + self.w_in * u + self.b) / TAU

    def run(self, inputs):
        def step(x, u):
            x = x + DT * self.field(x, u)
            return x, x

        _, xs = jax.lax.scan(step, jnp.zeros(N), inputs)
        return xs

    def readout(self, xs):
        return jnp.tanh(xs) @ self.w_out


def trials(key, batch):
    k1, k2, k3 = jax.random.split(key, 3)
    sign = jnp.where(jax.random.bernoulli(k1, 0.5, (batch,)), 1.0, -1.0)
    c = sign * jax.random.uniform(k2, (batch,), minval=0.02, maxval=0.2)
    noise = SIGMA * jax.random.normal(k3, (batch, T_STIM))
    stim = c[:, None] + noise
    inputs = jnp.concatenate([stim, jnp.zeros((batch, T_RESP))], axis=1)
    return inputs, sign, c


def init(key):
    k = jax.random.split(key, 3)
    return RNN(
        W=1.2 * jax.random.normal(k[0], (N, N)) / np.sqrt(N),
        w_in=jax.random.normal(k[1], (N,)),
        b=jnp.zeros(N),
        w_out=jax.random.normal(k[2], (N,)) / np.sqrt(N),
    )


def loss_fn(model, inputs, sign):
    xs = jax.vmap(model.run)(inputs)
    y = jax.vmap(model.readout)(xs)[:, T_STIM:]
    return jnp.mean((y - sign[:, None]) ** 2)


def main(seed: int = 0, quick: bool = False):
    n_steps = 150 if quick else 600
    key = jax.random.PRNGKey(seed)
    key, k_init = jax.random.split(key)
    model = init(k_init)
    optimiser = optax.adam(3e-3)
    state = optimiser.init(model)

    @eqx.filter_jit
    def make_step(model, state, key):
        inputs, sign, _ = trials(key, 64)
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model, inputs, sign)
        updates, state = optimiser.update(grads, state, model)
        return eqx.apply_updates(model, updates), state, loss

    t0 = time.perf_counter()
    losses = []
    for _ in range(n_steps):
        key, sub = jax.random.split(key)
        model, state, loss = make_step(model, state, sub)
        losses.append(float(loss))
    t_train = time.perf_counter() - t0

    inputs, sign, c = trials(jax.random.PRNGKey(seed + 1), 200)
    xs = jax.vmap(model.run)(inputs)
    y = jax.vmap(model.readout)(xs)
    accuracy = float(jnp.mean(jnp.sign(y[:, -1]) == sign))
    print(
        f"training: {n_steps} steps, {t_train:.1f} s, loss {losses[0]:.3f} -> "
        f"{np.mean(losses[-10:]):.3f}; held-out accuracy {accuracy:.3f}"
    )

    # The autonomous system with the input held at 0, as a System F(x, p), p = (u,).
    system = dx.analysis.flat_system(
        lambda x, p: model.field(x, p[0]), params={"u": 0.0}, y0=jnp.zeros(N)
    )
    candidates = dx.analysis.sample_states(xs, 256, jax.random.PRNGKey(seed + 2), noise=0.05)
    t0 = time.perf_counter()
    sp = dx.analysis.slow_points(
        system, candidates, steps=3000, learning_rate=0.02, tol=1e-8, unique=0.05
    )
    t_slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    newton = dx.analysis.fixed_points(system, sp.x)
    t_newton = time.perf_counter() - t0
    print(
        f"slow points (Adam, 3000 steps, 256 candidates): {len(sp)} kept, {t_slow:.2f} s; "
        f"Newton check {t_newton:.2f} s"
    )
    nx = np.asarray(newton.x)
    for x, q, label, lam in zip(
        np.asarray(sp.x), np.asarray(sp.q), sp.labels, np.asarray(sp.eigenvalues)
    ):
        readout = float(jnp.tanh(x) @ model.w_out)
        dist = np.min(np.max(np.abs(nx - x), axis=1)) if len(nx) else np.inf
        print(
            f"  q = {q:.1e}, readout {readout:+.3f}, {label:14s} leading eigenvalues "
            f"{lam[0].real:+.4f}, {lam[1].real:+.4f} /ms; Newton's root {dist:.1e} away"
        )

    fig, axes = plt.subplots(1, 4, figsize=(18, 4))
    axes[0].semilogy(losses)
    axes[0].set_xlabel("training step")
    axes[0].set_ylabel("loss")
    axes[0].set_title(f"training (accuracy {accuracy:.2f})")
    # Noise-free trials (the mean input alone) show the flow without the input's noise.
    levels = jnp.array([-0.2, -0.1, -0.05, -0.02, 0.02, 0.05, 0.1, 0.2])
    clean = jnp.concatenate(
        [jnp.broadcast_to(levels[:, None], (8, T_STIM)), jnp.zeros((8, T_RESP))], axis=1
    )
    clean_xs = np.asarray(jax.vmap(model.run)(clean))
    ax = dx.plot.fixed_point_projection(sp, clean_xs, ax=axes[1])
    mean, basis = ax.pca_basis
    for run, level in zip(clean_xs, np.asarray(levels)):
        proj = (run - mean) @ basis.T
        colour = plt.get_cmap("coolwarm_r")(0.5 + 2.5 * level)
        ax.plot(proj[:, 0], proj[:, 1], color=colour, lw=1.2, zorder=2)
    axes[1].set_title("slow points (u = 0), mean-input trials")
    dx.plot.eigenvalues(sp, ax=axes[2], s=8)
    axes[2].set_title("eigenvalues at the slow points")
    t = DT * np.arange(1, T_STIM + T_RESP + 1)
    for yy, s in zip(np.asarray(y[:40]), np.asarray(sign[:40])):
        axes[3].plot(t, yy, color="tab:blue" if s > 0 else "tab:red", lw=0.6, alpha=0.6)
    axes[3].axvline(DT * T_STIM, color="0.5", ls="--")
    axes[3].set_xlabel("time (ms)")
    axes[3].set_ylabel("readout")
    axes[3].set_title("readout (blue: mean > 0)")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return sp, accuracy


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
