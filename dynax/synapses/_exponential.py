"""Single-exponential synaptic variable."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._system import Context
from ._base import AbstractLinearSynapse


class ExponentialState(eqx.Module):
    """`g`: the synaptic variable of each postsynaptic neuron, `(n,)`, as seen by the
    neuron during the current step (after this step's arriving spikes were added)."""

    g: Float[Array, " n"]


class Exponential(AbstractLinearSynapse):
    r"""A synaptic variable that jumps by the arriving weight and decays exponentially:

    $$\frac{dg}{dt} = -\frac{g}{\tau} + \sum_k w_k\,\delta(t - t_k).$$

    Being linear, all synapses onto a neuron share one variable, so the state is `(n,)`
    per postsynaptic population. `step(state, x, ctx)` decays `g` over the previous step
    exactly ($g e^{-dt/\tau}$) and adds the weights `x` arriving now.

    **Arguments:**

    - `n`: number of postsynaptic neurons.
    - `tau`: decay time constant (ms), finite and > 0; a scalar or `(n,)`.
    """

    n: int = eqx.field(static=True)
    tau: Array

    def __init__(self, n: int, tau: ArrayLike = 5.0):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)

    def init(self, key: PRNGKeyArray | None = None) -> ExponentialState:
        return ExponentialState(g=jnp.zeros(self.n, self.tau.dtype))

    def decay(self, state: ExponentialState, ctx: Context) -> ExponentialState:
        return ExponentialState(g=state.g * jnp.exp(-ctx.dt / self.tau))

    def inbox(self, state: ExponentialState) -> Array:
        return state.g

    def with_inbox(self, state: ExponentialState, value: Array) -> ExponentialState:
        return ExponentialState(g=value)
