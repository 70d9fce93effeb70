"""Adaptive quadratic integrate-and-fire neuron (Izhikevich 2007)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_below, check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, Euler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._quaif import _REFERENCE
from ._spiking import (
    fire,
    initial_refractory,
    initial_v_spike,
    input_current,
    jump_on_spike,
    ode_step,
    refractory_period,
    set_common,
)


class AdQuaIFState(eqx.Module):
    """State of an `AdQuaIF` population, each `(n,)`: `v` (mV), the adaptation current `w`
    (nA), `spike` (bool, or 0/1 floats with a surrogate) and `refractory` (steps left;
    `None` when `tau_ref` is)."""

    v: Float[Array, " n"]
    w: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class AdQuaIF(AbstractNeuron):
    __doc__ = (
        r"""Adaptive quadratic integrate-and-fire neurons: `QuaIF` with an adaptation
    current, Izhikevich's simple model in the quadratic form.

    $$\begin{aligned}
    \tau \frac{dv}{dt} &= a_0\,(v - v_\text{rest})(v - v_c) - R\,w
        + R\,\big(I(v) + I_\text{bias}\big), \\
    \tau_w \frac{dw}{dt} &= a\,(v - v_\text{rest}) - w .
    \end{aligned}$$

    At $v \ge v_\text{peak}$ the neuron spikes: $v \leftarrow v_\text{reset}$,
    $w \leftarrow w + b$, and $v$ is held for `tau_ref`.

    **Arguments:**

    - `n`, `tau`, `v_rest`, `v_c`, `v_reset`, `v_peak`, `a_0`, `R`, `tau_ref`, `I_bias`,
      `v_init`, `method`, `spike_fn`: as for [`dynax.neurons.QuaIF`][].
    - `a`: subthreshold adaptation conductance (µS; with `R = 1`, in units of the leak
      conductance).
    - `b`: spike-triggered adaptation increment (nA).
    - `tau_w`: adaptation time constant (ms), > 0.
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
    a: Array
    b: Array
    tau_w: Array
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
        a: ArrayLike = 1.0,
        b: ArrayLike = 0.1,
        tau_w: ArrayLike = 10.0,
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
        self.a = param(a, "a", n=n)
        self.b = param(b, "b", n=n)
        self.tau_w = param(tau_w, "tau_w", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.v_rest, "v_rest", self.v_c, "v_c", "rest is the stable fixed point")
        check_below(self.v_reset, "v_reset", self.v_peak, "v_peak", "the reset must end the spike")
        set_common(self, v_init, self.v_rest, method, spike_fn)

    def init(self, key: PRNGKeyArray | None = None) -> AdQuaIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return AdQuaIFState(v, jnp.zeros_like(v), spike, initial_refractory(self))

    def vector_field(self, t, y, args):
        """$(dv/dt, dw/dt)$ for `y = (v, w)` and the input `args`."""
        v, w = y
        current = input_current(args, v, self.I_bias) - w
        dv = (self.a_0 * (v - self.v_rest) * (v - self.v_c) + self.R * current) / self.tau
        dw = (self.a * (v - self.v_rest) - w) / self.tau_w
        return dv, dw

    def step(self, state: AdQuaIFState, input, ctx: Context) -> AdQuaIFState:
        v, w = ode_step(self, input, ctx, state.v, state.w)
        v, spike, refractory = fire(self, state, v, self.v_peak, ctx.dt)
        return AdQuaIFState(v, jump_on_spike(spike, w, self.b), spike, refractory)
