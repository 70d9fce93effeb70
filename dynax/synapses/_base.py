"""The synapse families: the dynamics of a projection's synaptic variables, on the
postsynaptic side (one variable per postsynaptic neuron) or the presynaptic side (one per
presynaptic neuron, shared by all its synapses)."""

import abc

import equinox as eqx

from .._custom_types import Array, State
from .._system import Context, DynamicalSystem


class AbstractSynapse(DynamicalSystem):
    """The synaptic dynamics of a `dx.Projection` onto `n` postsynaptic neurons.

    `step(state, x, ctx)` advances the state by one step, `x` being the weights that
    arrive this step at each postsynaptic neuron, `(n,)`. The state has a field `g`,
    `(n,)`: the synaptic variable that the projection's output (`dx.synapses.COBA`,
    `dx.synapses.CUBA`, ...) turns into the neurons' input.
    """

    n: eqx.AbstractVar[int]


class AbstractLinearSynapse(AbstractSynapse):
    """A synapse that is linear in the arriving weights: `step(state, x, ctx)` is
    `decay(state, ctx)` with `x` added to one of its variables, `inbox(state)` (`g`
    itself for `Exponential`; the rise variable of `DualExponential`).

    This is what lets a `dx.Network` propagate spikes straight into the decayed variable
    (one in-place event-driven operator for all projections from a population) instead
    of into a fresh array that `step` then adds.
    """

    @abc.abstractmethod
    def decay(self, state: State, ctx: Context) -> State:
        """The state after one step without arriving spikes."""

    @abc.abstractmethod
    def inbox(self, state: State) -> Array:
        """The variable, `(n,)`, to which arriving weights are added."""

    @abc.abstractmethod
    def with_inbox(self, state: State, value: Array) -> State:
        """`state` with `inbox(state)` replaced by `value`."""

    def step(self, state: State, input: Array, ctx: Context) -> State:
        decayed = self.decay(state, ctx)
        return self.with_inbox(decayed, self.inbox(decayed) + input)


class AbstractPresynaptic(DynamicalSystem):
    """Dynamics on the presynaptic side of a `dx.Projection`: one state per presynaptic
    neuron, shared by all the synapses it makes (Tsodyks–Markram resources, the
    transmitter-gated fraction of open receptors of a kinetic synapse).

    `step(state, x, ctx)` advances it under `x`, `(n,)`: the spikes of the presynaptic
    neurons arriving this step (bool, or floats: spikes already scaled by an earlier
    presynaptic stage); `transmitted(state)` is what each presynaptic neuron sends over
    its connections now, `(n,)` floats, which the projection multiplies by the weights
    and sums per postsynaptic neuron. A stage whose `transmitted` is zero except at
    spikes (short-term plasticity) keeps the propagation event-driven; a kinetic
    synapse sends a value every step, costing one pass over the connections.
    """

    n: eqx.AbstractVar[int]

    @abc.abstractmethod
    def transmitted(self, state: State) -> Array:
        """What each presynaptic neuron sends now, `(n,)` floats."""
