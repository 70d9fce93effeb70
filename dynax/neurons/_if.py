"""Perfect (non-leaky) integrate-and-fire neuron (Lapicque 1907)."""

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
    ode_step,
    refractory_period,
    set_common,
)


class IFState(eqx.Module):
    """State of an `IF` population: `v` (mV), `spike` (bool, or 0/1 floats with a
    surrogate) and `refractory` (steps left; `None` when `tau_ref` is), each `(n,)`."""

    v: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class IF(AbstractNeuron):
    r"""Perfect integrate-and-fire neurons: no leak, the input is integrated until
    threshold.

    $$\tau \frac{dv}{dt} = R\,\big(I(v) + I_\text{bias}\big),$$

    i.e. $C\,dv/dt = I$ with $C = \tau / R$. When $v \ge v_\text{th}$ the neuron spikes and
    is reset, to $v_\text{reset}$ (`reset="hard"`) or by subtracting
    $v_\text{th} - v_\text{reset}$ (`reset="soft"`); for `tau_ref` after a spike the
    potential is held. With a constant current and no refractory period it fires at the
    rate $R I / (\tau (v_\text{th} - v_\text{reset}))$, and with the soft reset the spike
    count after $t$ ms is exactly
    $\lfloor (v_0 - v_\text{th} + R I t/\tau) / (v_\text{th} - v_\text{reset}) \rfloor + 1$.

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: time constant (ms), > 0; with `R`, the capacitance $C = \tau / R$ (nF).
    - `v_reset`, `v_th`: reset and threshold potentials (mV), `v_reset < v_th`.
    - `R`: resistance (MΩ; with currents in nA, `R * I` is in mV), > 0.
    - `tau_ref`: absolute refractory period (ms), ≥ 0, or `None` (the default) for none
      and no counter in the state (as for [`dynax.neurons.LIF`][]).
    - `reset`: `"hard"` (default) or `"soft"`.
    - `I_bias`: constant current added to the input (nA).
    - `v_init`: initial potential (a number, an `(n,)` array or an initialiser
      `v_init(key, (n,))`); default `v_reset`.
    - `method`: the integration method ([`dynax.integrate.AbstractODEMethod`][] or its
      name). The default `ExpEuler()` is exact for the step's input, conductances
      included (a conductance $g$ makes the equation $\tau\,dv/dt = R(I - g v)$).
    - `spike_fn`: the spike function of $v - v_\text{th}$ (default `Heaviside()`; a
      [`dynax.surrogate.AbstractSurrogate`][] for training).

    ??? cite "Reference"

        Lapicque, L. (1907). Recherches quantitatives sur l'excitation électrique des
        nerfs traitée comme une polarisation. *Journal de Physiologie et de Pathologie
        Générale*, 9, 620–635.
    """

    n: int = eqx.field(static=True)
    tau: Array
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
        v_reset: ArrayLike = 0.0,
        v_th: ArrayLike = 20.0,
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
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.v_th = param(v_th, "v_th", n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.v_reset, "v_reset", self.v_th, "v_th", "the reset must end the spike")
        set_common(self, v_init, self.v_reset, method, spike_fn, reset)

    def init(self, key: PRNGKeyArray | None = None) -> IFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return IFState(v, spike, initial_refractory(self))

    def vector_field(self, t, v, args):
        """$dv/dt$ (mV/ms) for the input `args` (a current or a `dx.AbstractCurrent`)."""
        return self.R * input_current(args, v, self.I_bias) / self.tau

    def step(self, state: IFState, input, ctx: Context) -> IFState:
        v = ode_step(self, input, ctx, state.v)
        return IFState(*fire(self, state, v, self.v_th, ctx.dt, self.reset))
