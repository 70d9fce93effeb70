"""Exponential integrate-and-fire neuron (Fourcaud-Trocmé et al. 2003)."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

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


def upswing(model: Any, v: Array) -> Array:
    r"""The spike-initiation current $\Delta_T \exp((v - v_T)/\Delta_T)$ (mV) of `model`'s
    `delta_T`, `v_T` at `v`, with $v$ capped at `v_peak`: above it the neuron has spiked,
    and the cap keeps the upswing finite (an intermediate stage of a Runge-Kutta step may
    get there)."""
    return model.delta_T * jnp.exp((jnp.minimum(v, model.v_peak) - model.v_T) / model.delta_T)


class ExpIFState(eqx.Module):
    """State of an `ExpIF` population: `v` (mV), `spike` (bool, or 0/1 floats with a
    surrogate) and `refractory` (steps left; `None` when `tau_ref` is), each `(n,)`."""

    v: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class ExpIF(AbstractNeuron):
    r"""Exponential integrate-and-fire neurons: a leaky integrator whose spike initiation
    is an exponential current.

    $$\tau \frac{dv}{dt} = -(v - v_\text{rest})
        + \Delta_T \exp\!\Big(\frac{v - v_T}{\Delta_T}\Big) + R\,\big(I(v) + I_\text{bias}\big).$$

    Below $v_T$ the exponential is negligible; above it the potential runs away and
    reaches $v_\text{peak}$ in finite time, where the neuron spikes, is reset to
    $v_\text{reset}$ and held there for `tau_ref`. The rheobase (the smallest constant
    current that makes it fire) is $R I_\text{rh} = v_T - v_\text{rest} - \Delta_T$.
    The defaults are Fourcaud-Trocmé et al.'s fit to the Wang–Buzsáki interneuron.

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: membrane time constant (ms), > 0.
    - `v_rest`, `v_reset`: resting and reset potentials (mV).
    - `v_T`: the threshold of the exponential (mV), where $dv/dt$ is smallest.
    - `delta_T`: slope factor $\Delta_T$ (mV), > 0: the sharpness of spike initiation.
    - `v_peak`: the potential at which a spike is registered (mV), above `v_T` and
      `v_reset`. Keep $(v_\text{peak} - v_T)/\Delta_T$ below about 80 in float32 (the
      exponential of it must be finite).
    - `R`: membrane resistance (MΩ; currents in nA), > 0.
    - `tau_ref`: absolute refractory period (ms), ≥ 0, or `None` for none and no counter
      in the state (as for [`dynax.neurons.LIF`][]).
    - `I_bias`: constant current added to the input (nA).
    - `v_init`: initial potential (number, `(n,)` array or initialiser); default
      `v_rest`.
    - `method`: integration method (default `Euler()`, at the simulation's `dt`; take
      `dt` ≤ 0.1 ms, or `RK4()`, for accurate spike times). Explicit methods are stable
      for $dt\,(1 + R g)/\tau < 2$ with conductance input $g$.
    - `spike_fn`: spike function of $v - v_\text{peak}$ (default `Heaviside()`).

    ??? cite "Reference"

        Fourcaud-Trocmé, N., Hansel, D., van Vreeswijk, C., & Brunel, N. (2003). How
        spike generation mechanisms determine the neuronal response to fluctuating
        inputs. *Journal of Neuroscience*, 23(37), 11628–11640.
    """

    n: int = eqx.field(static=True)
    tau: Array
    v_rest: Array
    v_reset: Array
    v_T: Array
    delta_T: Array
    v_peak: Array
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
        v_reset: ArrayLike = -68.0,
        v_T: ArrayLike = -59.9,
        delta_T: ArrayLike = 3.48,
        v_peak: ArrayLike = -30.0,
        R: ArrayLike = 1.0,
        tau_ref: ArrayLike | None = 1.7,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = Euler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.v_T = param(v_T, "v_T", n=n)
        self.delta_T = param(delta_T, "delta_T", positive=True, n=n)
        self.v_peak = param(v_peak, "v_peak", n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.v_reset, "v_reset", self.v_peak, "v_peak", "the reset must end the spike")
        check_below(self.v_T, "v_T", self.v_peak, "v_peak", "spikes start above v_T")
        set_common(self, v_init, self.v_rest, method, spike_fn)

    def init(self, key: PRNGKeyArray | None = None) -> ExpIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return ExpIFState(v, spike, initial_refractory(self))

    def vector_field(self, t, v, args):
        """$dv/dt$ (mV/ms) for the input `args` (a current or a `dx.AbstractCurrent`)."""
        current = input_current(args, v, self.I_bias)
        return (-(v - self.v_rest) + upswing(self, v) + self.R * current) / self.tau

    def step(self, state: ExpIFState, input, ctx: Context) -> ExpIFState:
        v = ode_step(self, input, ctx, state.v)
        return ExpIFState(*fire(self, state, v, self.v_peak, ctx.dt))
