"""The population family: what a `dx.Network` needs of the groups it connects."""

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._current import AbstractCurrent, current_shapes
from .._custom_types import Array, Bool, Float, State
from .._system import DynamicalSystem


class AbstractPopulation(DynamicalSystem):
    """A group of `n` units that can sit in a `dx.Network`.

    Other models read its spikes through `spikes(state)`, and its `step` takes an input
    current: `None`, a number, an array of shape `()` or `(n,)`, or a `dx.AffineCurrent`
    of such arrays (conductance-based synapses). Neuron models subclass the narrower
    [`dynax.neurons.AbstractNeuron`][].
    """

    n: eqx.AbstractVar[int]

    @abc.abstractmethod
    def spikes(self, state: State) -> Bool[Array, " n"] | Float[Array, " n"]:
        """Which of the `n` units fired during the last step (bool, or 0/1 floats)."""


class AbstractNeuron(AbstractPopulation):
    """A population of `n` neurons whose state has a field `spike` (`(n,)`): which
    neurons fired during the last step, bool with the default `dx.surrogate.Heaviside`
    spike function, 0/1 floats with a surrogate. `spikes(state)` is that field.

    A new neuron model subclasses this, declares `n` (a static int) and keeps `spike` and
    its membrane potential `v` in its state; a `dx.Network` then accepts it as a population.
    """

    n: eqx.AbstractVar[int]

    def spikes(self, state: State) -> Bool[Array, " n"] | Float[Array, " n"]:
        return state.spike

    def potential(self, state: State) -> Float[Array, " n"]:
        """The membrane potential (mV) of the `n` neurons, the state's field `v` (what
        gap junctions, `dx.GapJunction`, read)."""
        return state.v


def check_input(input: Any, n: int, who: str) -> None:
    """Raise a clear error unless `input` is a valid input current for `n` units: `None`,
    a number, an array of shape `()` or `(n,)`, or a `dx.AbstractCurrent` whose parts
    are such arrays.

    Shapes are known while tracing, so under `jit` this costs nothing at run time. `who`
    names the input in the message (e.g. `"the input of population 'E'"`).
    """
    if input is None:
        return
    if isinstance(input, AbstractCurrent):
        parts = [(f" (its {k})", shape) for k, shape in current_shapes(input, n).items()]
    elif eqx.is_array_like(input):
        parts = [("", jnp.shape(input))]
    else:
        raise TypeError(
            f"{who} must be None, a number, an array of shape () or ({n},), or a "
            f"dx.AbstractCurrent; got a {type(input).__name__}."
        )
    for part, shape in parts:
        if shape not in ((), (n,)):
            raise ValueError(f"{who} has shape {shape}{part}; expected a scalar or shape ({n},).")
