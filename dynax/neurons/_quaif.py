"""Quadratic integrate-and-fire neurons, without and with adaptation (Latham et al. 2000;
Izhikevich 2007)."""

import equinox as eqx

from .._checks import check_below, check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, Euler
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

_REFERENCE = """
    ??? cite "References"

        Latham, P. E., Richmond, B. J., Nelson, P. G., & Nirenberg, S. (2000). Intrinsic
        dynamics in neuronal networks. I. Theory. *Journal of Neurophysiology*, 83(2),
        808–827.

        Izhikevich, E. M. (2007). *Dynamical Systems in Neuroscience: The Geometry of
        Excitability and Bursting*, chapter 8. MIT Press.
"""


class QuaIFState(eqx.Module):
    """State of a `QuaIF` population: `v` (mV), `spike` (bool, or 0/1 floats with a
    surrogate) and `refractory` (steps left; `None` when `tau_ref` is), each `(n,)`."""

    v: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class QuaIF(AbstractNeuron):
    __doc__ = (
        r"""Quadratic integrate-and-fire neurons, the normal form of a saddle-node on
    invariant circle (class 1 excitability).

    $$\tau \frac{dv}{dt} = a_0\,(v - v_\text{rest})(v - v_c) + R\,\big(I(v) + I_\text{bias}\big).$$

    $v_\text{rest}$ is the stable and $v_c > v_\text{rest}$ the unstable fixed point of
    the unforced neuron; above $v_c$ the potential blows up and reaches $v_\text{peak}$,
    where the neuron spikes, is reset to $v_\text{reset}$ and held for `tau_ref`. The
    rheobase is $R I_\text{rh} = a_0 (v_c - v_\text{rest})^2 / 4$; above it, with
    $k = \sqrt{R (I - I_\text{rh}) / a_0}$ and $m = (v_\text{rest} + v_c)/2$, the period is
    $$T = \tau_\text{ref} + \frac{\tau}{a_0 k}\Big[\arctan\frac{v_\text{peak} - m}{k}
        - \arctan\frac{v_\text{reset} - m}{k}\Big],$$
    which tends to $\pi\tau / \sqrt{a_0 R (I - I_\text{rh})}$ for a reset and peak far
    from $m$.

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: membrane time constant (ms), > 0.
    - `v_rest`, `v_c`: the stable and unstable fixed points (mV), `v_rest < v_c`.
    - `v_reset`, `v_peak`: reset potential and the potential at which a spike is
      registered (mV), `v_reset < v_peak`.
    - `a_0`: curvature $a_0$ (1/mV), > 0.
    - `R`: membrane resistance (MΩ; currents in nA), > 0.
    - `tau_ref`: absolute refractory period (ms), ≥ 0, or `None` (the default) for none
      and no counter in the state (as for [`dynax.neurons.LIF`][]).
    - `I_bias`: constant current added to the input (nA).
    - `v_init`: initial potential (number, `(n,)` array or initialiser); default
      `v_rest`.
    - `method`: integration method (default `Euler()`; take dt ≤ 0.1 ms or `RK4()` for
      accurate periods).
    - `spike_fn`: spike function of $v - v_\text{peak}$ (default `Heaviside()`).
"""
        + _REFERENCE
    )

    n: int = eqx.field(static=True)
    tau: Array
    v_rest: Array
    v_c: Array
    v_reset: Array
    v_peak: Array
    a_0: Array
    R: Array
    tau_ref: Array | None
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 10.0,
        v_rest: ArrayLike = -65.0,
        v_c: ArrayLike = -50.0,
        v_reset: ArrayLike = -68.0,
        v_peak: ArrayLike = -30.0,
        a_0: ArrayLike = 0.07,
        R: ArrayLike = 1.0,
        tau_ref: ArrayLike | None = None,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = Euler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.v_c = param(v_c, "v_c", n=n)
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.v_peak = param(v_peak, "v_peak", n=n)
        self.a_0 = param(a_0, "a_0", positive=True, n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.v_rest, "v_rest", self.v_c, "v_c", "rest is the stable fixed point")
        check_below(self.v_reset, "v_reset", self.v_peak, "v_peak", "the reset must end the spike")
        set_common(self, v_init, self.v_rest, method, spike_fn)

    def init(self, key: PRNGKeyArray | None = None) -> QuaIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return QuaIFState(v, spike, initial_refractory(self))

    def vector_field(self, t, v, args):
        """$dv/dt$ (mV/ms) for the input `args` (a current or a `dx.AbstractCurrent`)."""
        current = input_current(args, v, self.I_bias)
        return (self.a_0 * (v - self.v_rest) * (v - self.v_c) + self.R * current) / self.tau

    def step(self, state: QuaIFState, input, ctx: Context) -> QuaIFState:
        v = ode_step(self, input, ctx, state.v)
        return QuaIFState(*fire(self, state, v, self.v_peak, ctx.dt))
