"""Leaky integrator: a non-spiking readout population."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, ExpEuler
from ._base import AbstractPopulation
from ._spiking import initial_potential, input_current, leaky_step, set_common


class LeakyIntegratorState(eqx.Module):
    """State of a `LeakyIntegrator`: the potential `v` (mV), `(n,)`."""

    v: Float[Array, " n"]


class LeakyIntegrator(AbstractPopulation):
    r"""Leaky integrators that never spike: the readout units of trained spiking networks
    (the output neurons of e-prop and of surrogate-gradient classifiers).

    $$\tau \frac{dv}{dt} = -(v - v_\text{rest}) + R\,\big(I(v) + I_\text{bias}\big).$$

    It is a population, not a neuron: it sits in a `dx.Network` and receives projections
    (its input is a current or a `dx.AbstractCurrent`, as a neuron's), but its state has
    no `spike` field and `spikes(state)` is always all `False`, so a projection *from* it
    transmits nothing. Read its output as `state.v` (e.g. the monitor `"out.v"`, or a
    loss on the final state). The update is the exact exponential step for the step's
    input (`ExpEuler()`, as in [`dynax.neurons.LIF`][]).

    **Arguments:**

    - `n`: number of units.
    - `tau`: time constant (ms), > 0.
    - `v_rest`: resting value (mV).
    - `R`: resistance (MΩ; with `R = 1` the input is in mV), > 0.
    - `I_bias`: constant input (nA).
    - `v_init`: initial value (number, `(n,)` array or initialiser); default `v_rest`.
    - `method`: integration method (default `ExpEuler()`).
    """

    n: int = eqx.field(static=True)
    tau: Array
    v_rest: Array
    R: Array
    I_bias: Array
    v_init: object
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 10.0,
        v_rest: ArrayLike = 0.0,
        R: ArrayLike = 1.0,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = ExpEuler(),
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        set_common(self, v_init, self.v_rest, method)

    def init(self, key: PRNGKeyArray | None = None) -> LeakyIntegratorState:
        return LeakyIntegratorState(initial_potential(self, key, self.tau.dtype))

    def spikes(self, state: LeakyIntegratorState) -> Bool[Array, " n"]:
        """All `False`: a leaky integrator never fires."""
        return jnp.zeros(self.n, bool)

    def vector_field(self, t, v, args):
        """$dv/dt$ (mV/ms) for the input `args` (a current or a `dx.AbstractCurrent`)."""
        return (-(v - self.v_rest) + self.R * input_current(args, v, self.I_bias)) / self.tau

    def step(self, state: LeakyIntegratorState, input, ctx: Context) -> LeakyIntegratorState:
        return LeakyIntegratorState(leaky_step(self, state.v, input, ctx))
