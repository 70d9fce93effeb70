"""How a synaptic variable acts on the postsynaptic neuron."""

import abc

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AbstractCurrent, AffineCurrent
from .._custom_types import Array, ArrayLike


class AbstractOutput(eqx.Module):
    """Turns the synaptic variable `g` into the neuron's input, a `dx.AbstractCurrent`
    (an `AffineCurrent` for COBA and CUBA; voltage-dependent for `MgBlock`)."""

    @abc.abstractmethod
    def __call__(self, g: Array) -> AbstractCurrent:
        """The input to the postsynaptic neurons."""


class COBA(AbstractOutput):
    r"""Conductance-based output $I = g\,(E - v)$.

    **Arguments:**

    - `E`: reversal potential (mV), finite, e.g. 0 mV for AMPA, −80 mV for GABA-A; a
      scalar or one per postsynaptic neuron.
    """

    E: Array

    def __init__(self, E: ArrayLike):
        self.E = param(E, "E")

    def __call__(self, g):
        return AffineCurrent(g * self.E, g)


class CUBA(AbstractOutput):
    r"""Current-based output $I = g$: the synaptic variable is a current (nA, or mV
    when the neuron's resistance is 1)."""

    def __call__(self, g):
        return AffineCurrent(g, jnp.zeros((), g.dtype))
