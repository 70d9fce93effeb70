"""Delta synapses: the arriving weights act within the step they arrive, then vanish."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size
from .._custom_types import Array, PRNGKeyArray
from .._system import Context
from ._base import AbstractLinearSynapse


class DeltaState(eqx.Module):
    """`g`: the weights that arrived at each postsynaptic neuron this step, `(n,)`."""

    g: Array


class Delta(AbstractLinearSynapse):
    r"""A synapse without memory: $g(t) = \sum_k w_k\,\delta(t - t_k)$, i.e. `g` is the
    sum of the weights that arrive this step, and 0 in the next.

    With the output `dx.synapses.Jump()` each arriving weight is an instantaneous jump of
    the postsynaptic potential (mV), the synapse of Brunel (2000)'s networks; with `CUBA`
    or `COBA` it is a current or conductance that lasts one step.

    **Arguments:**

    - `n`: number of postsynaptic neurons.
    """

    n: int = eqx.field(static=True)

    def __init__(self, n: int):
        self.n = check_size(n)

    def init(self, key: PRNGKeyArray | None = None) -> DeltaState:
        return DeltaState(g=jnp.zeros(self.n, jnp.result_type(float)))

    def decay(self, state: DeltaState, ctx: Context) -> DeltaState:
        return DeltaState(g=jnp.zeros_like(state.g))

    def inbox(self, state: DeltaState) -> Array:
        return state.g

    def with_inbox(self, state: DeltaState, value: Array) -> DeltaState:
        return DeltaState(g=value)
