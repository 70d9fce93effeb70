"""The spiking decision-making network of Wang (2002)."""

import numbers

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .. import _random
from .._checks import concrete, param
from .._custom_types import Array, ArrayLike, PRNGKeyArray
from .._network import Network
from .._projection import AbstractProjection, Projection
from .._system import Context, name_key
from ..connect import CSR, Dense
from ..init import Uniform
from ..inputs import AbstractSignal, PoissonCounts
from ..neurons import LIF, AbstractPopulation
from ..synapses import COBA, Exponential, MgBlock, SecondOrderNMDA

# Wang (2002), Experimental Procedures: conductances (nS) onto pyramidal cells ("E") and
# interneurons ("I") of the network of 1600 + 400 neurons.
_G = {
    "E": {"ext": 2.1, "AMPA": 0.05, "NMDA": 0.165, "GABA": 1.3},
    "I": {"ext": 1.62, "AMPA": 0.04, "NMDA": 0.13, "GABA": 1.0},
}
# Membrane: capacitance (nF), leak conductance (nS), refractory period (ms).
_MEMBRANE = {"E": (0.5, 25.0, 2.0), "I": (0.2, 20.0, 1.0)}
_EXCITATORY = ("A", "B", "NS")


class _StimulusRate(AbstractSignal):
    """The total rate (Hz) of the Poisson input of each neuron: the background, plus
    during the stimulus $\\max(0, \\mu_0 (1 \\pm c/100) + \\sigma \\xi)$ (`sign`, one per
    neuron: +1 in A, −1 in B, 0 elsewhere), $\\xi$ standard normal, one for A and one for
    B, drawn anew every `period` ms from `key`."""

    background: Array
    mu0: Array
    sign: Array
    coherence: Array
    sigma: Array
    key: PRNGKeyArray
    t_on: float = eqx.field(static=True)
    t_off: float = eqx.field(static=True)
    period: float = eqx.field(static=True)

    def __call__(self, ctx: Context) -> Array:
        # The windows on the integer step index: exact at any time of a run.
        start, end = (min(round(t / ctx.dt), 2**31 - 1) for t in (self.t_on, self.t_off))
        on = (ctx.i >= start) & (ctx.i < end)
        window = (ctx.i - start) // max(1, round(self.period / ctx.dt))
        xi = _random.normal(_random.fold_in(self.key, window), (2,), self.mu0.dtype)
        noise = self.sigma * jnp.where(self.sign > 0, xi[0], xi[1])
        stimulus = jnp.maximum(self.mu0 * (1 + self.sign * self.coherence / 100) + noise, 0.0)
        return self.background + jnp.where(on & (self.sign != 0), stimulus, 0.0)


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
        raise ValueError(f"{name} must be a positive number, got {name}={value!r}.")


def decision_network(
    coherence: ArrayLike = 0.0,
    *,
    key: PRNGKeyArray,
    scale: float = 1.0,
    mu0: ArrayLike = 40.0,
    sigma: ArrayLike = 4.0,
    period: float = 50.0,
    t_on: float = 500.0,
    t_off: float = 1500.0,
    w_plus: float = 1.7,
    f: float = 0.15,
    background_rate: ArrayLike = 2400.0,
    delay: float = 0.0,
    kernel: str = "auto",
) -> Network:
    r"""The spiking network for two-choice decisions of Wang (2002): two selective
    excitatory populations compete through shared inhibition, and slow recurrent NMDA
    excitation integrates the evidence until one wins.

    Every neuron is a leaky integrate-and-fire cell (`dx.neurons.LIF`),

    $$C_m \frac{dV}{dt} = -g_L (V - V_L) - I_\text{syn},\qquad
    I_\text{syn} = g_\text{ext} s_\text{ext} (V - V_E)
      + g_\text{AMPA} \sum_j w_j s^\text{AMPA}_j (V - V_E)
      + \frac{g_\text{NMDA} \sum_j w_j s^\text{NMDA}_j (V - V_E)}
             {1 + [\mathrm{Mg}^{2+}] e^{-0.062 V} / 3.57}
      + g_\text{GABA} \sum_j s^\text{GABA}_j (V - V_I),$$

    pyramidal cells with $C_m = 0.5$ nF, $g_L = 25$ nS, $\tau_\text{ref} = 2$ ms,
    interneurons with $0.2$ nF, $20$ nS, $1$ ms; $V_L = -70$, threshold $-50$, reset
    $-55$ mV; $V_E = 0$, $V_I = -70$ mV. AMPA and GABA$_A$ gating jumps by 1 per spike and
    decays with 2 and 5 ms (`dx.synapses.Exponential`); NMDA gating is the saturating
    second-order kinetics with $\tau_\text{rise} = 2$ ms, $\tau_\text{decay} = 100$ ms,
    $\alpha = 0.5$ /ms (`dx.synapses.SecondOrderNMDA`) behind the Jahr–Stevens block at
    1 mM Mg²⁺ (`dx.synapses.MgBlock`). Conductances (nS), onto pyramidal cells / onto
    interneurons: external AMPA 2.1 / 1.62, recurrent AMPA 0.05 / 0.04, NMDA
    0.165 / 0.13, GABA$_A$ 1.3 / 1.0.

    **Units.** Potentials in mV, time in ms, conductances in µS and each population's
    `R` $= 1/g_L$ in MΩ (40 MΩ and 50 MΩ), so that `tau` $= C_m/g_L$ (20 and 10 ms) and
    every weight of a projection is a conductance in µS: $g\,R$ is the dimensionless
    ratio to the leak that `dx.neurons.LIF` needs.

    **Structure.** Of the $N_E = 1600$ pyramidal cells, two selective populations `"A"`
    and `"B"` hold $f N_E = 240$ each and `"NS"` the other 1120; `"I"` holds the
    $N_I = 400$ interneurons. Connections are all-to-all (a `dx.connect.Dense` with one
    weight per population pair: a sum broadcast, $O(N)$ per step), with the structured
    weights $w_+$ within a selective population, $w_- = 1 - f (w_+ - 1)/(1 - f)$ from the
    other selective population and from `"NS"` onto a selective one, and 1 otherwise, so
    that the mean weight onto every pyramidal cell stays 1 ($f$ taken as the rounded
    population size over $N_E$, so that this holds at every `scale`). One projection per
    population pair and receptor: `"A2B_AMPA"`, `"A2B_NMDA"` (from each of `"A"`,
    `"B"`, `"NS"` to all four populations) and `"I2A_GABA"` (from `"I"` to all four).

    **Inputs.** Every neuron receives 800 external synapses of 3 Hz Poisson background,
    one Poisson train of 2.4 kHz, drawn as exact Poisson counts per step by one
    `dx.inputs.PoissonCounts` of all neurons, population `"ext"` (its units in the order
    A, B, NS, I), through the external AMPA projections `"ext2A"`, `"ext2B"`,
    `"ext2NS"`, `"ext2I"` (one-to-one). From `t_on` to `t_off` each neuron of `"A"` also
    receives the stimulus at $\mu_A = \mu_0 (1 + c/100)$ and each of `"B"` at
    $\mu_B = \mu_0 (1 - c/100)$, through the same external synapses (added to the rate
    of its unit of `"ext"`); $c$ is the `coherence` (%). Wang also let $\mu_A$, $\mu_B$
    fluctuate (Gaussian, σ = 4 Hz, redrawn every 50 ms); that is left out here.

    `coherence` is an array leaf of the model, so the trials of several coherence
    levels and seeds run in one `jax.vmap`, compiled once: build the network inside the
    vmapped function (it holds no large arrays: every weight is a scalar), or replace
    `net.populations["ext"].rate.coherence` with `eqx.tree_at`.

    !!! example

        ```python
        def trial(coherence, key):
            net = dx.networks.decision_network(coherence, key=key)
            rate_a = lambda s: jnp.mean(s["A"].spike, dtype=float) * 1e4  # Hz, dt = 0.1
            rate_b = lambda s: jnp.mean(s["B"].spike, dtype=float) * 1e4
            _, rec = dx.simulate(net, net.init(key), dt=0.1, duration=2000.0, key=key,
                                 monitors={"A": rate_a, "B": rate_b})
            return rec["A"], rec["B"]

        cs = jnp.repeat(jnp.array([0.0, 6.4, 25.6, 51.2]), 10)  # 10 trials per level
        keys = jax.random.split(jax.random.key(0), cs.size)
        rate_a, rate_b = jax.jit(jax.vmap(trial))(cs, keys)  # (40, 20000) each
        ```

    **Arguments:**

    - `coherence`: the stimulus coherence $c$ (%), in [−100, 100] (negative favours B).
    - `key`: PRNG key of the stimulus fluctuations (the network is otherwise
      deterministic: initial potentials and Poisson inputs come from the keys of
      `init` and `dx.simulate`).
    - `scale`: size of the network relative to Wang's 2000 neurons (populations
      rounded, at least one neuron each). The recurrent conductances are divided by
      `scale`, so that the mean recurrent input of every neuron is kept; external inputs
      are unchanged. Smaller networks are noisier (finite-size fluctuations) but keep
      the structure: use them for quick runs.
    - `mu0`: the stimulus rate at zero coherence (Hz), ≥ 0; 40 Hz in Wang (2002).
    - `sigma`: the standard deviation of the stimulus rates (Hz), ≥ 0; 4 Hz in Wang
      (2002); 0 for a constant stimulus.
    - `period`: how often the stimulus rates are drawn anew (ms), > 0; 50 ms in Wang.
    - `t_on`, `t_off`: start and end of the stimulus (ms), `0 <= t_on <= t_off`.
    - `w_plus`: the potentiated weight within a selective population, $1 \le w_+ < 1/f$.
    - `f`: the fraction of pyramidal cells in each selective population, in (0, 0.5).
    - `background_rate`: total rate of the background input of each neuron (Hz), ≥ 0.
    - `delay`: transmission delay of every recurrent projection (ms), ≥ 0. With 0 (the
      default) the spikes of one step act from the next, as in every `dx.Network`; a
      delay adds a ring buffer to each of the 28 recurrent projections (about 1.7 times
      the cost per step on a CPU).
    - `kernel`: the propagation kernel of every projection (see `dx.Projection`).

    Initial potentials are uniform between reset and threshold; synapses start closed.
    Monitor the populations' spikes as `"A.spike"`, `"B.spike"`, ...

    ??? cite "Reference"

        Wang, X.-J. (2002). Probabilistic decision making by slow reverberation in
        cortical circuits. *Neuron*, 36(5), 955–968.
    """
    _positive("scale", scale)
    if isinstance(f, bool) or not isinstance(f, numbers.Real) or not 0 < f < 0.5:
        raise ValueError(f"f must be a number in (0, 0.5), got f={f!r}.")
    if isinstance(w_plus, bool) or not isinstance(w_plus, numbers.Real):
        raise ValueError(f"w_plus must be a number, got w_plus={w_plus!r}.")
    if not 1 <= w_plus < 1 / f:  # w_minus = (1 - f w_plus)/(1 - f) must stay positive
        raise ValueError(f"w_plus must lie in [1, 1/f) = [1, {1 / f:g}), got w_plus={w_plus!r}.")
    _positive("period", period)
    for name, value in (("t_on", t_on), ("t_off", t_off), ("delay", delay)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
            raise ValueError(f"{name} must be a non-negative number (ms), got {name}={value!r}.")
    if t_off < t_on:
        raise ValueError(f"t_off must not precede t_on, got t_on={t_on!r}, t_off={t_off!r}.")
    coherence = param(coherence, "coherence")
    if coherence.ndim:
        raise ValueError(
            f"coherence must be a scalar (batch with jax.vmap), got shape {coherence.shape}."
        )
    c = concrete(coherence)
    if c is not None and not abs(float(c)) <= 100:
        raise ValueError(f"coherence must lie in [-100, 100] (%), got coherence={float(c)!r}.")
    mu0 = param(mu0, "mu0", nonnegative=True)
    sigma = param(sigma, "sigma", nonnegative=True)
    background = param(background_rate, "background_rate", nonnegative=True)

    n_exc, n_inh = max(3, round(1600 * scale)), max(1, round(400 * scale))
    n_sel = max(1, round(f * n_exc))
    sizes = {"A": n_sel, "B": n_sel, "NS": n_exc - 2 * n_sel, "I": n_inh}
    if sizes["NS"] < 1:
        raise ValueError(f"scale={scale!r} leaves no non-selective neuron; use a larger one.")
    # w_minus from the rounded fraction, so that the mean weight onto a selective cell
    # is exactly 1 at every size.
    frac = n_sel / n_exc
    w_minus = 1 - frac * (w_plus - 1) / (1 - frac)

    def weight(pre: str, post: str) -> float:
        if post in ("A", "B"):
            return w_plus if pre == post else w_minus
        return 1.0

    populations: dict[str, AbstractPopulation | Network] = {}
    projections: dict[str, AbstractProjection] = {}
    n_total = sum(sizes.values())
    # One source for every neuron (one draw of Poisson counts per step for all): neuron
    # `offset + k` of "ext" drives neuron `k` of each population.
    sign, offset = np.zeros(n_total), 0
    for name, n in sizes.items():
        kind = "I" if name == "I" else "E"
        c_m, g_l, tau_ref = _MEMBRANE[kind]
        populations[name] = LIF(
            n,
            tau=1000.0 * c_m / g_l,  # nF / nS = s
            R=1000.0 / g_l,  # MΩ: 1 / (g_L in µS)
            v_rest=-70.0,
            v_reset=-55.0,
            v_th=-50.0,
            tau_ref=tau_ref,
            v_init=Uniform(-55.0, -50.0),
        )
        sign[offset : offset + n] = {"A": 1.0, "B": -1.0}.get(name, 0.0)
        rows = np.clip(np.arange(n_total + 1) - offset, 0, n)  # row offset + k -> column k
        g_ext = 1e-3 * _G[kind]["ext"]  # µS per input spike
        projections[f"ext2{name}"] = Projection(
            "ext", name, CSR(rows, np.arange(n), n), g_ext, Exponential(n, 2.0), COBA(0.0),
            kernel=kernel,
        )  # fmt: skip
        offset += n
    rate = _StimulusRate(
        background, mu0, jnp.asarray(sign, background.dtype), coherence, sigma,
        name_key(key, "stimulus"),  # apart from the keys that the same `key` gives a run
        t_on, t_off, period,
    )  # fmt: skip
    populations["ext"] = PoissonCounts(n_total, rate)
    for post, n_post in sizes.items():
        g = {r: 1e-3 * value / scale for r, value in _G["I" if post == "I" else "E"].items()}
        for pre in _EXCITATORY:
            conn = Dense(sizes[pre], n_post)
            w = weight(pre, post)
            projections[f"{pre}2{post}_AMPA"] = Projection(
                pre, post, conn, g["AMPA"] * w, Exponential(n_post, 2.0), COBA(0.0), delay,
                kernel=kernel,
            )  # fmt: skip
            projections[f"{pre}2{post}_NMDA"] = Projection(
                pre, post, conn, g["NMDA"] * w, SecondOrderNMDA(sizes[pre]), MgBlock(0.0, 1.0),
                delay, kernel=kernel,
            )  # fmt: skip
        projections[f"I2{post}_GABA"] = Projection(
            "I", post, Dense(sizes["I"], n_post), g["GABA"], Exponential(n_post, 5.0),
            COBA(-70.0), delay, kernel=kernel,
        )  # fmt: skip
    return Network(populations, projections)
