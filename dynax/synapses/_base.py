"""The synapse family: the dynamics of a projection's synaptic variable."""

import abc

import equinox as eqx

from .._custom_types import State
from .._system import Context, DynamicalSystem


class AbstractSynapse(DynamicalSystem):
    """The synaptic dynamics of a `dx.Projection` onto `n` postsynaptic neurons.

    `step(state, x, ctx)` advances the state by one step, `x` being the weights that
    arrive this step at each postsynaptic neuron, `(n,)`. The state has a field `g`,
    `(n,)`: the synaptic variable that the projection's output (`dx.synapses.COBA`,
    `dx.synapses.CUBA`) turns into the neurons' input.
    """

    n: eqx.AbstractVar[int]


class AbstractLinearSynapse(AbstractSynapse):
    """A synapse that is linear in the arriving weights: `step(state, x, ctx)` is
    `decay(state, ctx)` with `x` added to its `g`.

    This is what lets a `dx.Network` propagate spikes straight into the decayed synaptic
    variable (one in-place event-driven operator for all projections from a population)
    instead of into a fresh array that `step` then adds.
    """

    @abc.abstractmethod
    def decay(self, state: State, ctx: Context) -> State:
        """The state after one step without arriving spikes."""
