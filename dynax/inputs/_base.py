"""The two kinds of input: signals (functions of time) and sources (with a state)."""

import abc

import equinox as eqx

from .._custom_types import Array, State
from .._system import Context, DynamicalSystem
from ..neurons._base import AbstractPopulation


class AbstractSignal(eqx.Module):
    """An input that is a pure function of time: `signal(ctx)` is its value during the
    step that starts at `ctx.t` (ms).

    Usable directly as `inputs=` of `dx.simulate` (or as one leaf of an inputs dict).
    """

    @abc.abstractmethod
    def __call__(self, ctx: Context) -> Array:
        """The value during the step `[ctx.t, ctx.t + ctx.dt)`."""


class AbstractSource(DynamicalSystem):
    """An input with a state of its own (noise processes, spike sources).

    `init`/`step` advance it like any model (`step` ignores its `input`), and
    `output(state)` is what it delivers: a current, or `state.spike` for spike sources.
    `dx.simulate` carries the state of every source in `inputs=` alongside the model's.
    """

    @abc.abstractmethod
    def output(self, state: State) -> Array:
        """What this source delivers in `state`."""


class AbstractSpikeSource(AbstractSource, AbstractPopulation):
    """A source whose output is spikes: a population of `n` units that fire by
    themselves and take no input (Poisson trains, spikes at given times). A `dx.Network`
    accepts it in `populations=`; `spikes(state)` is its `output(state)`, a `(n,)` bool
    vector."""

    n: eqx.AbstractVar[int]

    def spikes(self, state: State) -> Array:
        return self.output(state)


def step_input(
    input: AbstractSignal | AbstractSource, state: State, ctx: Context
) -> tuple[State, Array]:
    """One step of a signal (whose `state` is None) or a source: `(new state, value)`."""
    if isinstance(input, AbstractSource):
        state = input.step(state, None, ctx)
        return state, input.output(state)
    return state, input(ctx)
