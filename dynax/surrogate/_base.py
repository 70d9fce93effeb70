"""The spike-function family: a Heaviside step forward, and (for surrogates) a smooth
pseudo-derivative backward."""

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array


class AbstractSpikeFunction(eqx.Module):
    """How a spiking model turns its distance to threshold into spikes.

    `spike_fn(x)` is 1 (or True) where `x >= 0`, else 0; a model calls it on, e.g.,
    `v - v_th`. Every spiking model takes one as its `spike_fn` field, so that the same
    model is simulated (`Heaviside()`, the default) or trained with surrogate gradients
    (any [`dynax.surrogate.AbstractSurrogate`][]) without a rewrite.
    """

    @abc.abstractmethod
    def __call__(self, x: Array) -> Array:
        """The spikes where `x >= 0`: bool for `Heaviside`, floats of `x`'s dtype for a
        surrogate."""


class Heaviside(AbstractSpikeFunction):
    """The plain step, $H(x) = [x \\ge 0]$, as a bool array: no gradient flows through it,
    and event-driven operators take its spikes as they are, so simulation pays nothing for
    the possibility of training."""

    def __call__(self, x: Array) -> Array:
        return x >= 0


class AbstractSurrogate(AbstractSpikeFunction):
    r"""A spike function with a surrogate gradient: forward $H(x)$ (floats of `x`'s
    dtype), backward $\partial H / \partial x := $ `derivative(x)`, a smooth bump around
    0 whose sharpness is set by the surrogate's parameters.

    A surrogate implements `derivative(x)` and `smooth(x)`, a smooth step whose
    derivative is `derivative(x)` (the function that the backward pass pretends was
    applied). Both the JVP and the VJP use `derivative`; the gradient with respect to
    the surrogate's own parameters is zero (the forward pass does not depend on them).

    `smooth` is the exact primitive of `derivative`: $\sigma(x) = \int_{-\infty}^x
    \sigma'(u)\,du$ where that integral converges (a step from 0 to the area under the
    bump, 1 for the normalised surrogates), else the primitive that the surrogate's
    documentation states. Where `derivative` is discontinuous (the edges of a
    piecewise surrogate), `jax.grad(smooth)` and `derivative` take the same side, the
    right one at $x = 0$ like the step itself.

    The sharpness parameters have the inverse unit of $x$ (1/mV when a model calls
    `spike_fn(v - v_th)` with potentials in mV): a surrogate tuned for a threshold of 1
    is about 20 times too narrow for one of 20 mV.
    """

    @abc.abstractmethod
    def derivative(self, x: Array) -> Array:
        """The surrogate gradient $\\sigma'(x)$."""

    @abc.abstractmethod
    def smooth(self, x: Array) -> Array:
        """The smooth step $\\sigma(x)$ whose derivative is `derivative`."""

    def __call__(self, x: Array) -> Array:
        x = jnp.asarray(x)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(float)
        return _heaviside(x, self)


@jax.custom_jvp
def _heaviside(x: Array, fn: AbstractSurrogate) -> Array:
    return (x >= 0).astype(x.dtype)


@_heaviside.defjvp
def _heaviside_jvp(primals, tangents):
    x, fn = primals
    x_dot, _ = tangents  # the step does not depend on fn's parameters
    out = _heaviside(x, fn)
    return out, (fn.derivative(x) * x_dot).astype(x.dtype)


def as_floats(x: Any, *params: Array) -> tuple[Array, ...]:
    """`x` as a float array (ints become the default float) and the parameters in its
    dtype, so that float32 stays float32 under x64."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(float)
    return (x, *(jnp.asarray(p, x.dtype) for p in params))


def abs_right(x: Array) -> Array:
    """$|x|$ with derivative $+1$ at 0 (`jnp.abs` has 0 there): `smooth` functions
    written with it differentiate at $x = 0$ like their $x \\ge 0$ branch."""
    return jnp.where(x < 0, -x, x)
