"""How a synaptic variable acts on the postsynaptic neuron."""

import abc

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AbstractCurrent, AffineCurrent
from .._custom_types import Array, ArrayLike


class AbstractOutput(eqx.Module):
    """Turns the synaptic variable `g` into the neuron's input, a `dx.AbstractCurrent`
    (an `AffineCurrent` for `COBA`, `CUBA` and `Jump`; one that depends on the membrane
    potential for `MgBlock`)."""

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


class Jump(AbstractOutput):
    r"""The synaptic variable is an instantaneous jump of the membrane potential (mV),
    applied at the start of the step: with `dx.synapses.Delta`, each arriving weight
    $J$ moves $v$ by $J$ (Brunel 2000)."""

    def __call__(self, g):
        zero = jnp.zeros((), g.dtype)
        return AffineCurrent(zero, zero, g)


class MgBlock(AbstractOutput):
    r"""Conductance-based output with the magnesium block of NMDA receptors (Jahr &
    Stevens 1990):

    $$I = g\,B(v)\,(E - v), \qquad
      B(v) = \frac{1}{1 + \frac{[\mathrm{Mg}^{2+}]}{\beta}\,e^{-\alpha v}}.$$

    The current depends on the postsynaptic potential beyond $(E - v)$, so it is a
    `dx.AbstractCurrent` that the neuron linearises at its potential: a neuron
    integrating over a step holds $B$ at the step's starting potential; one that
    evaluates its vector field at several stages evaluates $B$ at each.

    **Arguments:**

    - `E`: reversal potential (mV), 0 for NMDA.
    - `mg`: extracellular magnesium concentration (mM), ≥ 0; 1 mM in Wang (2002).
    - `alpha`: voltage sensitivity (1/mV), 0.062 in Jahr & Stevens (1990).
    - `beta`: the concentration scale (mM), 3.57 in Jahr & Stevens (1990).

    ??? cite "Reference"

        Jahr, C. E., & Stevens, C. F. (1990). Voltage dependence of NMDA-activated
        macroscopic conductances predicted by single-channel kinetics. *Journal of
        Neuroscience*, 10(9), 3178–3182.
    """

    E: Array
    mg: Array
    alpha: Array
    beta: Array

    def __init__(
        self,
        E: ArrayLike = 0.0,
        mg: ArrayLike = 1.0,
        alpha: ArrayLike = 0.062,
        beta: ArrayLike = 3.57,
    ):
        self.E = param(E, "E")
        self.mg = param(mg, "mg", nonnegative=True)
        self.alpha = param(alpha, "alpha")
        self.beta = param(beta, "beta", positive=True)

    def block(self, v: Array) -> Array:
        """The unblocked fraction $B(v)$ at potential `v` (mV)."""
        return 1 / (1 + self.mg / self.beta * jnp.exp(-self.alpha * v))

    def __call__(self, g):
        return BlockedCurrent(g, self)


class BlockedCurrent(AbstractCurrent):
    """The current $g\\,B(v)\\,(E - v)$ of an `MgBlock` output, as a function of the
    postsynaptic potential $v$."""

    g: Array
    output: MgBlock

    def at(self, v: Array) -> AffineCurrent:
        conductance = self.g * self.output.block(v)
        return AffineCurrent(conductance * self.output.E, conductance)
