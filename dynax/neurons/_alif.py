"""Adaptive-threshold leaky integrate-and-fire neuron (Bellec et al. 2018, 2020)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_below, check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, ExpEuler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._spiking import (
    fire,
    initial_refractory,
    initial_v_spike,
    input_current,
    jump_on_spike,
    leaky_step,
    refractory_period,
    set_common,
)


class ALIFState(eqx.Module):
    """State of an `ALIF` population, each `(n,)`: `v` (mV), the threshold adaptation `a`
    (dimensionless: the threshold is `v_th + beta * a`), `spike` (bool, or 0/1 floats
    with a surrogate) and `refractory` (steps left; `None` when `tau_ref` is)."""

    v: Float[Array, " n"]
    a: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class ALIF(AbstractNeuron):
    r"""Leaky integrate-and-fire neurons with an adaptive threshold, the ALIF neurons of
    long short-term memory spiking networks and e-prop.

    $$\begin{aligned}
    \tau \frac{dv}{dt} &= -(v - v_\text{rest}) + R\,\big(I(v) + I_\text{bias}\big), \\
    \tau_a \frac{da}{dt} &= -a, \qquad A = v_\text{th} + \beta\,a ,
    \end{aligned}$$

    a neuron spikes when $v \ge A$; then $v$ is reset (to $v_\text{reset}$, or by
    subtracting $v_\text{th} - v_\text{reset}$ with `reset="soft"`) and $a$ jumps by 1:
    each spike raises the threshold by $\beta$, and the increment decays as
    $\beta\,e^{-t/\tau_a}$. Over a step of length $dt$, $a$ is multiplied by
    $\rho = e^{-dt/\tau_a}$ before the threshold is compared, so that in steps
    $a^{t+1} = \rho\,a^t + z^t$, Bellec et al.'s (2020) recursion. The membrane is
    integrated exactly as in [`dynax.neurons.LIF`][].

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: membrane time constant (ms), > 0.
    - `v_rest`, `v_reset`, `v_th`: resting, reset and baseline threshold potentials
      (mV), `v_reset < v_th`.
    - `beta`: threshold increment per spike (mV), ≥ 0.
    - `tau_a`: time constant of the threshold adaptation (ms), > 0 (hundreds of ms to
      seconds in Bellec et al.).
    - `R`: membrane resistance (MΩ), > 0.
    - `tau_ref`: absolute refractory period (ms), ≥ 0, or `None` (the default) for none
      and no counter in the state (as for [`dynax.neurons.LIF`][]).
    - `reset`: `"hard"` (default) or `"soft"`.
    - `I_bias`: constant input current (nA).
    - `v_init`: initial potential; default `v_rest`. `a` starts at 0.
    - `method`: as for `LIF` (default `ExpEuler()`, exact for the step's input).
    - `spike_fn`: spike function of $v - A$ (default `Heaviside()`); with a surrogate
      the gradient also flows through the threshold ($\partial z/\partial a = -\beta\,
      \sigma'$), which is what e-prop's eligibility traces follow.

    ??? cite "References"

        Bellec, G., Salaj, D., Subramoney, A., Legenstein, R., & Maass, W. (2018). Long
        short-term memory and learning-to-learn in networks of spiking neurons.
        *Advances in Neural Information Processing Systems*, 31.

        Bellec, G., Scherr, F., Subramoney, A., Hajek, E., Salaj, D., Legenstein, R., &
        Maass, W. (2020). A solution to the learning dilemma for recurrent networks of
        spiking neurons. *Nature Communications*, 11, 3625.
    """

    n: int = eqx.field(static=True)
    tau: Array
    v_rest: Array
    v_reset: Array
    v_th: Array
    beta: Array
    tau_a: Array
    R: Array
    tau_ref: Array | None
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction
    reset: str = eqx.field(static=True)

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 20.0,
        v_rest: ArrayLike = 0.0,
        v_reset: ArrayLike = 0.0,
        v_th: ArrayLike = 20.0,
        beta: ArrayLike = 1.0,
        tau_a: ArrayLike = 200.0,
        R: ArrayLike = 1.0,
        tau_ref: ArrayLike | None = None,
        reset: str = "hard",
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = ExpEuler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.v_th = param(v_th, "v_th", n=n)
        self.beta = param(beta, "beta", nonnegative=True, n=n)
        self.tau_a = param(tau_a, "tau_a", positive=True, n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.v_reset, "v_reset", self.v_th, "v_th", "the reset must end the spike")
        set_common(self, v_init, self.v_rest, method, spike_fn, reset)

    def init(self, key: PRNGKeyArray | None = None) -> ALIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return ALIFState(v, jnp.zeros_like(v), spike, initial_refractory(self))

    def threshold(self, state: ALIFState) -> Float[Array, " n"]:
        """The current threshold $A = v_\\text{th} + \\beta a$ (mV)."""
        return self.v_th + self.beta * state.a

    def vector_field(self, t, y, args):
        """$(dv/dt, da/dt)$ between spikes for `y = (v, a)` and the input `args`."""
        v, a = y
        current = input_current(args, v, self.I_bias)
        return (-(v - self.v_rest) + self.R * current) / self.tau, -a / self.tau_a

    def step(self, state: ALIFState, input, ctx: Context) -> ALIFState:
        v = leaky_step(self, state.v, input, ctx)
        a = state.a * jnp.exp(-ctx.dt / self.tau_a)
        threshold, drop = self.v_th + self.beta * a, self.v_th - self.v_reset
        v, spike, refractory = fire(self, state, v, threshold, ctx.dt, self.reset, drop)
        return ALIFState(v, jump_on_spike(spike, a, 1.0), spike, refractory)
