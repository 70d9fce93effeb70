"""Leaky integrate-and-fire neuron (Lapicque 1907; Stein 1965)."""

import equinox as eqx

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
    leaky_step,
    refractory_period,
    set_common,
)


class LIFState(eqx.Module):
    """State of a `LIF` population.

    - `v`: membrane potential (mV), `(n,)`.
    - `spike`: whether each neuron fired during the last step, `(n,)`: bool with the
      default `Heaviside` spike function, 0/1 floats with a surrogate.
    - `refractory`: steps of refractoriness left (the potential is held); `None` when
      `tau_ref` is `None`.
    """

    v: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class LIF(AbstractNeuron):
    r"""Leaky integrate-and-fire neurons with an absolute refractory period.

    $$\tau \frac{dv}{dt} = -(v - v_\text{rest}) + R\,\big(I(v) + I_\text{bias}\big),$$

    where $I(v)$ is the step's input (a current, or a `dx.AffineCurrent`
    `current - conductance * v` from conductance-based synapses). When $v \ge v_\text{th}$
    the neuron spikes and is reset: to $v_\text{reset}$ (`reset="hard"`), or by
    subtraction, $v \leftarrow v - (v_\text{th} - v_\text{reset})$ (`reset="soft"`, which
    keeps the overshoot above threshold, as discrete-time spiking networks trained with
    surrogate gradients often do). For `tau_ref` after a spike (rounded to whole steps)
    the potential is held where the reset left it. Within a step the input is constant,
    and the update $v \leftarrow v_\infty + (v - v_\infty)e^{-dt/\tau_\text{eff}}$ is exact for it
    (`ExpEuler()`, the default `method`), whatever `dt` and the conductance.

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: membrane time constant (ms), > 0.
    - `v_rest`, `v_reset`, `v_th`: resting, reset and threshold potentials (mV).
    - `R`: membrane resistance (MΩ; with currents in nA, `R * I` is in mV). With `R = 1`
      currents are in mV and conductances in units of the leak conductance.
    - `tau_ref`: absolute refractory period (ms), ≥ 0, or `None` (the default) for none:
      the state then has no counter (`refractory` is `None`) and the step no
      refractory work. A number, even 0, keeps the counter, which models that are
      stacked, swept over `tau_ref` or changed by `eqx.tree_at` need.
    - `reset`: `"hard"` (default) or `"soft"`, as above.
    - `I_bias`: constant input current added to every step's input (nA).
    - `v_init`: initial potential: a number, an `(n,)` array, or an initialiser called as
      `v_init(key, (n,))` (e.g. `dx.init.Uniform(-60.0, -50.0)`); default `v_rest`.
    - `method`: how the membrane equation is integrated over a step, an
      [`dynax.integrate.AbstractODEMethod`][] (or a name of
      [`dynax.integrate.METHODS`][], a `ButcherTableau` or a Diffrax solver, for one).
      The step hands the method the equation in its affine form
      $\tau\,dv/dt = a - b\,v$, $a = v_\text{rest} + R\,(I + I_\text{bias})$,
      $b = 1 + R\,g$ (`method.affine_step`). The default `ExpEuler()` solves that
      exactly at any `dt` for one `exp` per neuron, so it is both the most accurate and
      the cheapest choice; other methods (`RK4()`, ...) are for comparison.
    - `spike_fn`: the spike function applied to $v - v_\text{th}$, a
      [`dynax.surrogate.AbstractSpikeFunction`][]. The default `Heaviside()` gives bool
      spikes and no gradient; a surrogate (`dx.surrogate.Sigmoid()`, ...) gives 0/1 floats
      whose gradient flows through the spike and the reset,
      $v - s\,(v - v_\text{reset})$ (hard) or $v - s\,(v_\text{th} - v_\text{reset})$
      (soft), so that the population trains by backpropagation through time.

    Every numeric argument is a finite scalar or an `(n,)` array (heterogeneous
    neurons), and `v_reset < v_th`; construction raises a `ValueError` naming the
    argument otherwise (where the values are concrete: a model built under `vmap` is
    not checked). `step` checks its input: `None`, a number, an array of shape `()` or
    `(n,)`, or a `dx.AffineCurrent` of those.

    ??? cite "Reference"

        Stein, R. B. (1965). A theoretical analysis of neuronal variability.
        *Biophysical Journal*, 5(2), 173–194.
    """

    n: int = eqx.field(static=True)
    tau: Array
    v_rest: Array
    v_reset: Array
    v_th: Array
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
        tau: ArrayLike = 10.0,
        v_rest: ArrayLike = 0.0,
        v_reset: ArrayLike = 0.0,
        v_th: ArrayLike = 20.0,
        R: ArrayLike = 1.0,
        tau_ref: ArrayLike | None = None,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = ExpEuler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
        reset: str = "hard",
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.v_th = param(v_th, "v_th", n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        # A neuron reset to or above threshold is still above it: with a refractory
        # period it would fire on every step, without one whenever the input holds it.
        check_below(self.v_reset, "v_reset", self.v_th, "v_th", "the reset must end the spike")
        set_common(self, v_init, self.v_rest, method, spike_fn, reset)

    def init(self, key: PRNGKeyArray | None = None) -> LIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return LIFState(v=v, spike=spike, refractory=initial_refractory(self))

    def vector_field(self, t, v, args):
        """$dv/dt$ (mV/ms) for the input `args` (a current or an `AffineCurrent`)."""
        return (-(v - self.v_rest) + self.R * input_current(args, v, self.I_bias)) / self.tau

    def step(self, state: LIFState, input, ctx: Context) -> LIFState:
        v = leaky_step(self, state.v, input, ctx)
        v, spike, refractory = fire(self, state, v, self.v_th, ctx.dt, self.reset)
        return LIFState(v=v, spike=spike, refractory=refractory)
