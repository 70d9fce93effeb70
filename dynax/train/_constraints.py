"""Constraints on fitted parameters, as reparametrisations: the optimiser moves an
unconstrained variable $u$, the model receives $p = \\text{forward}(u)$."""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_below, concrete, param
from .._custom_types import Array, ArrayLike


class AbstractConstraint(eqx.Module):
    """How a fitted parameter $p$ is written in terms of the unconstrained variable $u$
    that the optimiser changes: `forward(u) -> p` and its inverse `inverse(p) -> u`
    (where the fit starts).

    The unit of $u$ is also the unit of the optimiser's steps: with Adam, whose steps
    are about its learning rate in $u$, a `Positive` parameter changes by about that
    fraction of itself per step, an `Unbounded(scale)` one by that many `scale`s.
    """

    @abc.abstractmethod
    def forward(self, u: Array) -> Array:
        """The parameter for the unconstrained value `u`."""

    @abc.abstractmethod
    def inverse(self, p: Array) -> Array:
        """The unconstrained value of the parameter `p` (raises a `ValueError` for a
        concrete `p` outside the constraint)."""


class Positive(AbstractConstraint):
    r"""A positive parameter on a log scale: $p = e^u$, $u = \log p$.

    Steps in $u$ are relative changes of $p$ (a step of 0.01 is 1 %), so parameters of
    very different sizes (a conductance of 120 mS/cm², a rate of 0.01 ms⁻¹) move at the
    same pace; $p$ never reaches 0. The default constraint of
    [`dynax.train.fit_neuron`][].
    """

    def forward(self, u: Array) -> Array:
        return jnp.exp(u)

    def inverse(self, p: Array) -> Array:
        value = concrete(p)
        if value is not None and not np.all(value > 0):
            raise ValueError(
                f"Positive(): the starting value must be > 0, got {value}; use "
                "dx.train.Unbounded(scale) for a parameter of any sign (a threshold, a "
                "current) or dx.train.Bounded(low, high)."
            )
        return jnp.log(p)


class Bounded(AbstractConstraint):
    r"""A parameter between `low` and `high`: $p = \text{low} + (\text{high} -
    \text{low})\,\sigma(u)$ with the logistic $\sigma$; $p$ stays strictly inside.

    **Arguments:**

    - `low`, `high`: the bounds, in the unit of the parameter, `low < high`.
    """

    low: Array
    high: Array

    def __init__(self, low: ArrayLike, high: ArrayLike):
        self.low = param(low, "low")
        self.high = param(high, "high")
        check_below(self.low, "low", self.high, "high", "Bounded needs an interval")

    def forward(self, u: Array) -> Array:
        return self.low + (self.high - self.low) * jax.nn.sigmoid(u)

    def inverse(self, p: Array) -> Array:
        value, low, high = concrete(p), concrete(self.low), concrete(self.high)
        if value is not None and not np.all((value > low) & (value < high)):
            raise ValueError(
                f"Bounded({low}, {high}): the starting value {value} must lie strictly "
                "between the bounds."
            )
        p = jnp.asarray(p)
        x = (p - self.low) / (self.high - self.low)
        return jnp.log(x) - jnp.log1p(-x)


class Unbounded(AbstractConstraint):
    r"""A parameter of any sign, scaled: $p = \text{scale}\cdot u$.

    **Arguments:**

    - `scale`: the change of $p$ that one unit of $u$ makes, in the unit of the
      parameter (e.g. 1 mV for a threshold, 0.1 nA for a current), > 0: with Adam the
      steps are about its learning rate times `scale`.
    """

    scale: Array

    def __init__(self, scale: ArrayLike = 1.0):
        self.scale = param(scale, "scale", positive=True)

    def forward(self, u: Array) -> Array:
        return self.scale * u

    def inverse(self, p: Array) -> Array:
        return jnp.asarray(p) / self.scale
