"""Input currents: what a neuron receives, affine in its membrane potential or a function
of it that is linearised at the step's potential."""

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ._custom_types import Array


class AbstractCurrent(eqx.Module):
    r"""An input current to a population, a function $I(v)$ of the membrane potential.

    Neurons ask for its affine form at their potential, `at(v)`, and integrate that over
    the step. A current whose conductance depends on $v$ (NMDA's magnesium block,
    `dx.synapses.MgBlock`) gives the affine form with that dependence frozen at `v`;
    a neuron that evaluates its vector field several times per step (Runge–Kutta)
    evaluates it at each stage's potential. Currents add: `a + b`.
    """

    @abc.abstractmethod
    def at(self, v: Array) -> "AffineCurrent":
        """The current as `AffineCurrent` at membrane potential `v` (mV)."""

    def __add__(self, other: Any) -> "AbstractCurrent":
        other = as_current(other)
        if isinstance(self, AffineCurrent) and isinstance(other, AffineCurrent):
            return AffineCurrent(
                self.current + other.current,
                self.conductance + other.conductance,
                self.jump + other.jump,
            )
        return CurrentSum((self, other))

    __radd__ = __add__


class AffineCurrent(AbstractCurrent):
    r"""An input current that is affine in the membrane potential $v$:

    $$I(v) = \text{current} - \text{conductance}\cdot v,$$

    plus an instantaneous `jump` of the potential at the start of the step.

    Conductance-based synapses give $\sum_k g_k (E_k - v)$, i.e.
    `AffineCurrent(sum(g_k * E_k), sum(g_k))`; current-based synapses and external
    currents have zero conductance; delta synapses (`dx.synapses.Delta`) give a jump.
    Such inputs add (`a + b`), and a neuron integrates them exactly over a step with
    exponential Euler, whatever the size of $g$.

    **Arguments:**

    - `current`: the $v$-independent part (nA, µA/cm² for conductance-based neurons, or
      mV when a point neuron's resistance is 1).
    - `conductance`: the total conductance (μS, mS/cm², or in units of the leak
      conductance), ≥ 0.
    - `jump`: an instantaneous change of the membrane potential (mV), added before the
      step is integrated (a delta synapse's postsynaptic potential); default 0.
    """

    current: Array
    conductance: Array
    # A weakly typed zero: it adds to a float32 potential without promoting it under x64.
    jump: Array = eqx.field(default_factory=lambda: jnp.asarray(0.0))

    def at(self, v: Array) -> "AffineCurrent":
        return self


class CurrentSum(AbstractCurrent):
    """The sum of currents of which at least one is not affine in $v$ (what `a + b`
    gives for those); `at(v)` adds their affine forms at `v`."""

    parts: tuple[AbstractCurrent, ...]

    def at(self, v: Array) -> AffineCurrent:
        total = self.parts[0].at(v)
        for part in self.parts[1:]:
            form = part.at(v)
            total = AffineCurrent(
                total.current + form.current,
                total.conductance + form.conductance,
                total.jump + form.jump,
            )
        return total


def as_current(input: Any) -> AbstractCurrent:
    """`input` (None, a number, an array or an `AbstractCurrent`) as an `AbstractCurrent`."""
    if isinstance(input, AbstractCurrent):
        return input
    if input is None:
        return AffineCurrent(jnp.asarray(0.0), jnp.asarray(0.0))
    current = jnp.asarray(input)
    return AffineCurrent(current, jnp.zeros((), current.dtype))


def as_affine(input: Any, v: Array | None = None) -> AffineCurrent:
    """`input` (None, a number, an array or an `AbstractCurrent`) as an `AffineCurrent`
    at membrane potential `v` (mV).

    A neuron's `step` (and `vector_field`) calls this on its `input` with its potential,
    so it accepts plain currents, conductance-based and voltage-dependent synaptic input
    alike. `v` may be omitted only when the input is affine (it then does not matter)."""
    input = as_current(input)
    if isinstance(input, AffineCurrent):
        return input
    if v is None:
        raise ValueError(
            f"this input ({type(input).__name__}) depends on the membrane potential: "
            "call as_affine(input, v) with the neuron's potential."
        )
    return input.at(v)


def current_shapes(input: AbstractCurrent, n: int) -> dict[str, tuple[int, ...]]:
    """The shapes of the parts of `input`'s affine form for `n` neurons (no computation)."""
    out = jax.eval_shape(lambda: input.at(jnp.zeros(n)))
    return {k: getattr(out, k).shape for k in ("current", "conductance", "jump")}
