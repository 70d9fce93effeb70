"""A current drive inside a `Network`: a signal or a stateful source feeding one
population, its state part of the network's."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ._current import AbstractCurrent, as_affine
from ._custom_types import Array, PRNGKeyArray
from ._projection import AbstractProjection
from ._system import Context
from .inputs import AbstractSignal, AbstractSource
from .inputs._base import step_input


class DriveState(eqx.Module):
    """`value`: the current delivered during the last step; `source`: the state of a
    stateful source (None for a signal)."""

    value: Array
    source: Any


class CurrentDrive(AbstractProjection):
    """An input current inside a `Network`: a signal or a source driving population `post`.

    Unlike `inputs=` of `dx.simulate`, the source's state (an OU process, say) is part of
    the network's state, so it is saved with it and a resumed run continues it exactly.

    **Arguments:**

    - `post`: the driven population.
    - `source`: a `dx.inputs.AbstractSignal` or `dx.inputs.AbstractSource` giving a
      current (nA, or mV with resistance 1), a scalar or one value per neuron.
    """

    post: str = eqx.field(static=True)
    source: AbstractSignal | AbstractSource
    pre: None = eqx.field(static=True, default=None, kw_only=True)

    def __check_init__(self):
        if not isinstance(self.source, AbstractSignal | AbstractSource):
            raise TypeError(
                "source must be a dx.inputs.AbstractSignal or AbstractSource, got "
                f"{type(self.source).__name__}."
            )

    def sizes(self) -> tuple[None, int | None]:
        shape = jax.eval_shape(self._value).shape  # no computation: shapes only
        return None, (shape[0] if len(shape) == 1 else None)

    def _value(self) -> Array:
        """The source's value at t = 0 (of a fresh state, for a source)."""
        if isinstance(self.source, AbstractSource):
            return self.source.output(self.source.init(jax.random.key(0)))
        return self.source(Context(jnp.zeros(()), 1.0, jnp.zeros((), jnp.int32)))

    def init(self, key: PRNGKeyArray | None = None) -> DriveState:
        if isinstance(self.source, AbstractSource):
            source = self.source.init(key)
            value = self.source.output(source)
        else:  # the signal's value at t = 0, for its shape
            source = None
            value = self._value()
        return DriveState(value=jnp.zeros_like(jnp.asarray(value, float)), source=source)

    def step(self, state: DriveState, input: None, ctx: Context) -> DriveState:
        source, value = step_input(self.source, state.source, ctx)
        return DriveState(value=jnp.asarray(value, state.value.dtype), source=source)

    def current(self, state: DriveState) -> AbstractCurrent:
        return as_affine(state.value)

    def shard(self, mesh: Any, axis: str) -> "CurrentDrive":
        """Itself: nothing is stored per connection (its source runs on the whole
        population, split like it)."""
        return self
