"""`AffineCurrent`: the input a point neuron receives, linear in its membrane potential."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from ._custom_types import Array


class AffineCurrent(eqx.Module):
    r"""An input current that is affine in the membrane potential $v$:

    $$I(v) = \text{current} - \text{conductance}\cdot v.$$

    Conductance-based synapses give $\sum_k g_k (E_k - v)$, i.e.
    `AffineCurrent(sum(g_k * E_k), sum(g_k))`; current-based synapses and external
    currents have zero conductance. Such inputs add (`a + b`), and a neuron integrates
    them exactly over a step with exponential Euler, whatever the size of $g$.

    **Arguments:**

    - `current`: the $v$-independent part (nA, or mV when the neuron's resistance is 1).
    - `conductance`: the total conductance (μS, or in units of the leak conductance).
    """

    current: Array
    conductance: Array

    def __add__(self, other: Any) -> "AffineCurrent":
        other = as_affine(other)
        return AffineCurrent(self.current + other.current, self.conductance + other.conductance)

    __radd__ = __add__


def as_affine(input: Any) -> AffineCurrent:
    """`input` (None, a number, an array or an `AffineCurrent`) as an `AffineCurrent`.

    A neuron's `step` calls this on its `input`, so it accepts plain currents and
    conductance-based synaptic input alike."""
    if isinstance(input, AffineCurrent):
        return input
    if input is None:
        return AffineCurrent(jnp.zeros(()), jnp.zeros(()))
    current = jnp.asarray(input)
    return AffineCurrent(current, jnp.zeros((), current.dtype))
