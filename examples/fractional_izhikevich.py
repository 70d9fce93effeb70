"""A fractional-order Izhikevich neuron (Teka, Upadhyay & Mondal 2018).

Replacing the time derivatives of the Izhikevich model by Caputo derivatives of order
alpha < 1 gives the membrane a power-law memory of its own past (Teka, Marinov &
Santamaria 2014 found such memory behind the spike-frequency adaptation of cortical
neurons). This script drives three regular-spiking Izhikevich neurons with the same
step current, one per order alpha = 1.0, 0.9 and 0.7 (one run: alpha is a per-neuron
array), integrated with `dx.integrate.fdeint(..., method=dx.integrate.CaputoL1(L))`
(the L1 scheme) and a memory of L steps, as long as the run. At alpha = 1 the model is
the ordinary Izhikevich neuron (explicit Euler, regular spiking); at alpha = 0.9 the
inter-spike intervals keep lengthening over ten spikes (slow spike-frequency
adaptation) and at alpha = 0.7 the neuron fires in bursts, as Teka et al. (2018)
report. The reset after a spike keeps the memory:
`stepper.reset` replaces the newest value, so the jump v -> c, u -> u + d becomes part
of the remembered trajectory (the Caputo derivative sees v as it was). The script
prints spike counts and inter-spike intervals and writes v(t) to
`examples/fractional_izhikevich.png`.

`DYNAX_QUICK=1` (or `--quick`) simulates 150 ms instead of 500 (a few spikes per order)
and writes `examples/fractional_izhikevich.quick.png`, as CI does.
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


class FractionalIzhikevichState(eqx.Module):
    fde: dx.integrate.FDEState  # y = {"v": mV, "u": mV} and the memory
    spike: jax.Array


class FractionalIzhikevich(dx.DynamicalSystem):
    """$D^\\alpha v = 0.04v^2 + 5v + 140 - u + I$, $D^\\alpha u = a(bv - u)$ (t in ms);
    when $v \\ge 30$ mV: $v \\leftarrow c$, $u \\leftarrow u + d$."""

    n: int = eqx.field(static=True)
    num_memory: int = eqx.field(static=True)
    alpha: jax.Array
    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    v_peak: float = 30.0

    def vector_field(self, t, y, current):
        v, u = y["v"], y["u"]
        return {"v": 0.04 * v**2 + 5 * v + 140 - u + current, "u": self.a * (self.b * v - u)}

    def stepper(self):
        method = dx.integrate.CaputoL1(num_memory=self.num_memory)
        return dx.integrate.fdeint(self.vector_field, self.alpha, method=method)

    def init(self, key=None):
        v = jnp.full(self.n, self.c)
        fde = self.stepper().init({"v": v, "u": self.b * v})
        return FractionalIzhikevichState(fde, jnp.zeros(self.n, bool))

    def step(self, state, input, ctx):
        stepper = self.stepper()
        fde = stepper(state.fde, ctx.t, ctx.dt, input)
        v, u = fde.y["v"], fde.y["u"]
        spike = v >= self.v_peak
        reset = {"v": jnp.where(spike, self.c, v), "u": jnp.where(spike, u + self.d, u)}
        return FractionalIzhikevichState(stepper.reset(fde, reset), spike)


def main(
    seed: int = 0,
    duration: float = 500.0,
    dt: float = 0.1,
    current: float = 10.0,
    quick: bool = False,
):
    del seed  # deterministic model: kept for the examples' common signature
    if quick:
        duration = 150.0
    alphas = (1.0, 0.9, 0.7)
    n_steps = round(duration / dt)
    model = FractionalIzhikevich(len(alphas), n_steps, jnp.asarray(alphas))
    onset = 50.0  # ms of rest before the step current
    start = time.perf_counter()
    _, rec = dx.simulate(
        model,
        model.init(),
        dt=dt,
        n_steps=n_steps,
        inputs=lambda ctx: jnp.where(ctx.t >= onset, current, 0.0),
        monitors={"v": lambda s: s.fde.y["v"], "spike": "spike"},
    )
    jax.block_until_ready(rec)
    print(
        f"{duration:g} ms at dt = {dt} ms, memory {n_steps} steps (the whole run), "
        f"compile + run {time.perf_counter() - start:.2f} s"
    )
    t, v, spikes = np.asarray(rec["t"]), np.asarray(rec["v"]), np.asarray(rec["spike"])

    fig, axes = plt.subplots(len(alphas), 1, figsize=(9, 7), sharex=True)
    for k, (alpha, ax) in enumerate(zip(alphas, axes)):
        times = t[spikes[:, k]]
        isi = np.diff(times)
        print(f"alpha = {alpha}: {len(times)} spikes; ISIs (ms): {np.round(isi, 1).tolist()}")
        # Spikes are reset within the step; draw them up to the peak for readability.
        trace = np.where(spikes[:, k], model.v_peak, v[:, k])
        ax.plot(t, trace, lw=0.8)
        ax.set_ylabel("v (mV)")
        ax.set_title(f"alpha = {alpha}: {len(times)} spikes", fontsize=10)
    axes[-1].set_xlabel("time (ms)")
    fig.suptitle(f"Fractional-order Izhikevich neuron (regular spiking, I = {current:g})")
    fig.tight_layout()
    out = pathlib.Path(__file__).with_suffix(".quick.png" if quick else ".png")
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:] or os.environ.get("DYNAX_QUICK") == "1"
    main(quick=quick)
