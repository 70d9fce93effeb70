"""Placing a Hopf bifurcation by gradient descent through an implicit fixed point
(`dx.analysis.fixed_point`).

The FitzHugh–Nagumo neuron (`dx.neurons.SpikingFHN`: dv/dt = v − v³/3 − w + I,
τ dw/dt = v + a − b w, with b = 0.8, τ = 12.5) rests at a stable equilibrium for small
input currents I and starts to oscillate where the equilibrium loses stability in a
Hopf bifurcation: where the trace of the Jacobian, 1 − v*² − b/τ, crosses zero. With
the classic a = 0.7 the lower Hopf point is at I ≈ 0.331. Here the parameter a is
trained so that the Hopf point sits at a chosen current, I* = 0.5, as one would fit a
model to the current at which a recorded neuron starts to fire: the loss is
(Tr J(x*(a), I*))², where the equilibrium x*(a) solves F(x*, a) = 0 by Newton's method
and is differentiated by the implicit function theorem (Optimistix's `ImplicitAdjoint`),
not through the iterations. Adam (Optax) minimises it. The answer is known in closed
form: v_H = −√(1 − b/τ) and a* = b (I* + v_H − v_H³/3) − v_H, which the script
compares with, along with the implicit gradient against a finite difference. It prints
the loss, a and the Hopf point found on a grid of currents before and after, and the
time of each part, and writes `examples/hopf_tuning.png`: the leading real part of the
equilibrium's eigenvalues against I before and after, the training curves, and v(t) at
a current between the old and the new Hopf point, oscillating before and at rest
after.

`DYNAX_QUICK=1` (or `--quick`) takes fewer steps and writes
`examples/hopf_tuning.quick.png` instead, as CI does.
"""

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

B, TAU, I_TARGET = 0.8, 12.5, 0.5


def main(seed: int = 0, quick: bool = False):
    model = dx.neurons.SpikingFHN(1, b=B, tau=TAU)
    system = dx.analysis.flat_system(
        model, params=("I_bias", "a"), y0=(-1.0, -0.5), names=("v", "w")
    )
    x0 = jnp.array([-1.0, -0.5])

    def trace(a, current):
        p = jnp.stack([current, a])
        x = dx.analysis.fixed_point(system, x0, p)
        return jnp.trace(system.jacobian(x, p))

    @jax.jit
    def leading(a, currents):
        """The largest real part of the equilibrium's eigenvalues at each current."""

        def one(current):
            p = jnp.stack([current, a])
            x = dx.analysis.fixed_point(system, x0, p)
            return jnp.max(jnp.linalg.eigvals(system.jacobian(x, p)).real)

        return jax.vmap(one)(currents)

    loss_and_grad = jax.jit(jax.value_and_grad(lambda a: trace(a, I_TARGET) ** 2))
    a = jnp.asarray(0.7)
    t0 = time.perf_counter()
    loss0, g0 = loss_and_grad(a)
    t_first = time.perf_counter() - t0
    h = 1e-3
    fd = (trace(a + h, I_TARGET) ** 2 - trace(a - h, I_TARGET) ** 2) / (2 * h)
    print(f"implicit gradient at a = 0.7: {float(g0):.6f}; central difference {float(fd):.6f}")

    optimiser = optax.adam(0.02)
    state = optimiser.init(a)
    n_steps = 150 if quick else 400
    history = []
    t0 = time.perf_counter()
    for _ in range(n_steps):
        loss, g = loss_and_grad(a)
        updates, state = optimiser.update(g, state, a)
        a = optax.apply_updates(a, updates)
        history.append((float(loss), float(a)))
    t_train = time.perf_counter() - t0

    v_h = -np.sqrt(1 - B / TAU)
    a_exact = B * (I_TARGET + v_h - v_h**3 / 3) - v_h
    currents = jnp.linspace(0.0, 1.6, 321 if quick else 1601)
    t0 = time.perf_counter()
    before = np.asarray(leading(jnp.asarray(0.7), currents))
    t_scan = time.perf_counter() - t0
    after = np.asarray(leading(a, currents))

    def hopf(growth):
        i = int(np.argmax(growth > 0))
        c = np.asarray(currents)
        return c[i - 1] - growth[i - 1] * (c[i] - c[i - 1]) / (growth[i] - growth[i - 1])

    print(
        f"compile + first loss and gradient {t_first:.2f} s; {n_steps} Adam steps "
        f"{t_train:.2f} s; {len(currents)} equilibria and spectra {t_scan:.3f} s"
    )
    print(
        f"loss {float(loss0):.3e} -> {history[-1][0]:.3e}; a 0.7 -> {float(a):.6f} "
        f"(closed form {a_exact:.6f}, error {abs(float(a) - a_exact):.1e})"
    )
    print(
        f"lower Hopf point on the grid: I = {hopf(before):.4f} before, "
        f"{hopf(after):.4f} after (target {I_TARGET})"
    )

    # v(t) between the old and the new Hopf point: oscillating before, at rest after
    current = 0.45
    sims = []
    for value in (0.7, float(a)):
        neuron = dx.neurons.SpikingFHN(1, a=value, b=B, tau=TAU, I_bias=current)
        sysm = dx.analysis.flat_system(neuron, y0=(-1.0, -0.5), names=("v", "w"))
        xeq = dx.analysis.fixed_point(sysm, x0)
        run = dx.analysis.trajectories(sysm, (xeq + jnp.array([0.1, 0.0]))[None], 300.0, dt=0.05)
        sims.append((value, np.asarray(run.t), np.asarray(run.x[0, :, 0])))

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    c = np.asarray(currents)
    axes[0].plot(c, before, label="a = 0.7")
    axes[0].plot(c, after, label=f"a = {float(a):.3f} (trained)")
    axes[0].axhline(0, color="0.5", lw=0.8)
    axes[0].axvline(I_TARGET, color="k", ls="--", lw=0.8, label="target I*")
    axes[0].set_xlabel("input current I")
    axes[0].set_ylabel("max Re λ at the equilibrium")
    axes[0].legend(fontsize="small")
    axes[0].set_title("the Hopf point moves to I*")
    losses, values = np.asarray(history).T
    axes[1].semilogy(losses, label="loss (Tr J)²")
    axes[1].set_xlabel("Adam step")
    twin = axes[1].twinx()
    twin.plot(values, color="tab:orange", label="a")
    twin.axhline(a_exact, color="tab:orange", ls=":", lw=1)
    twin.set_ylabel("a")
    axes[1].set_title("training through the implicit fixed point")
    for value, t, v in sims:
        axes[2].plot(t, v, label=f"a = {value:.3f}")
    axes[2].set_xlabel("time")
    axes[2].set_ylabel("v")
    axes[2].set_title(f"I = {current}: between the old and the new Hopf point")
    axes[2].legend(fontsize="small")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=110)
    print(f"figure written to {out}")
    return float(a), a_exact


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1")
