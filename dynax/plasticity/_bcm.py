"""The Bienenstock–Cooper–Munro rule with a sliding threshold."""

import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._base import AbstractRateRule, scalar


class BCM(AbstractRateRule):
    r"""Bienenstock–Cooper–Munro plasticity: Hebbian above a sliding threshold,
    anti-Hebbian below it,

    $$\frac{dw_{ij}}{dt} = \eta\, x_i\, y_j\,(y_j - \theta_j),\qquad
    \tau_\theta \frac{d\theta_j}{dt} = y_j^2 - \theta_j,$$

    so that $\theta_j$ tracks $\langle y_j^2\rangle$ and a neuron becomes selective to
    one of several input patterns (Bienenstock et al. 1982; the quadratic threshold of
    Intrator & Cooper 1992). The threshold advances exactly for the step's rate
    ($\theta \leftarrow y^2 + (\theta - y^2) e^{-\Delta t/\tau_\theta}$), the weights by
    forward Euler. Not event-driven: every synapse changes every step (see
    `dx.plasticity.AbstractRateRule` for the rates of spiking neurons).

    **Arguments:**

    - `eta`: learning rate (per ms, per unit of rate cubed: per ms per Hz³ with the
      spike-train rates of a `dx.plasticity.PlasticProjection`), > 0.
    - `tau_theta`: time constant of the threshold (ms), > 0; it must be short enough
      for the threshold to follow the weights (stability).
    - `theta0`: initial threshold (rate²), ≥ 0.
    - `tau_rate`: time constant (ms) of the filter that turns spike trains into rates,
      > 0.

    ??? cite "References"

        Bienenstock, E. L., Cooper, L. N., & Munro, P. W. (1982). Theory for the
        development of neuron selectivity: orientation specificity and binocular
        interaction in visual cortex. *J. Neurosci.*, 2(1), 32–48.

        Intrator, N., & Cooper, L. N. (1992). Objective function formulation of the BCM
        theory of visual cortical plasticity. *Neural Networks*, 5(1), 3–17.
    """

    eta: Array
    tau_theta: Array
    theta0: Array
    tau_rate: Array

    def __init__(
        self,
        eta: ArrayLike = 1e-3,
        tau_theta: ArrayLike = 100.0,
        theta0: ArrayLike = 0.0,
        tau_rate: ArrayLike = 50.0,
    ):
        self.eta = scalar(eta, "eta", positive=True)
        self.tau_theta = scalar(tau_theta, "tau_theta", positive=True)
        self.theta0 = scalar(theta0, "theta0", nonnegative=True)
        self.tau_rate = scalar(tau_rate, "tau_rate", positive=True)

    def drift(self, w, x, y, aux):
        return self.eta * x * y * (y - aux)

    def init_aux(self, n_post, dtype=float):
        return jnp.full(n_post, self.theta0, dtype)

    def step_aux(self, aux, y, dt):
        target = y * y
        return target + (aux - target) * jnp.exp(-dt / self.tau_theta).astype(aux.dtype)
