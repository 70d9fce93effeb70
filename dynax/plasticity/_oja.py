"""Oja's normalised Hebbian rule."""

import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._base import AbstractRateRule, scalar


class Oja(AbstractRateRule):
    r"""Oja's rule: Hebbian growth with a decay that keeps the weight vector of each
    postsynaptic neuron at unit norm,

    $$\frac{dw_{ij}}{dt} = \eta\, y_j\,(x_i - y_j\, w_{ij}).$$

    For a linear neuron $y = \sum_i w_i x_i$ with zero-mean inputs, the weight vector
    converges to the unit principal eigenvector of the input correlation matrix
    $\langle x x^\top\rangle$. Forward Euler; not event-driven (every synapse, every
    step; see `dx.plasticity.AbstractRateRule`).

    **Arguments:**

    - `eta`: learning rate (per ms per unit of rate squared; per ms per Hz² with the
      spike-train rates of a `dx.plasticity.PlasticProjection`), > 0.
    - `tau_rate`: time constant (ms) of the filter that turns spike trains into rates,
      > 0.

    ??? cite "Reference"

        Oja, E. (1982). Simplified neuron model as a principal component analyzer.
        *J. Math. Biol.*, 15(3), 267–273.
    """

    eta: Array
    tau_rate: Array

    def __init__(self, eta: ArrayLike = 1e-3, tau_rate: ArrayLike = 50.0):
        self.eta = scalar(eta, "eta", positive=True)
        self.tau_rate = scalar(tau_rate, "tau_rate", positive=True)

    def drift(self, w, x, y, aux):
        return self.eta * y * (x - y * w)

    def init_aux(self, n_post, dtype=float):
        return jnp.zeros(n_post, dtype)  # Oja has no auxiliary variable

    def step_aux(self, aux, y, dt):
        return aux
