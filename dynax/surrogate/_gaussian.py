"""Gaussian surrogates: one Gaussian, and the multi-Gaussian with negative side lobes."""

import math

import jax
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike
from ._base import AbstractSurrogate, as_floats


def _normal_pdf(x: Array, mean: Array | float, std: Array) -> Array:
    return jnp.exp(-0.5 * ((x - mean) / std) ** 2) / (math.sqrt(2 * math.pi) * std)


def _normal_cdf(x: Array, mean: Array | float, std: Array) -> Array:
    return 0.5 * jax.scipy.special.erfc(-(x - mean) / (math.sqrt(2) * std))


class GaussianGrad(AbstractSurrogate):
    r"""Heaviside forward, a Gaussian density backward.

    $$\sigma'(x) = \alpha\,\mathcal N(x; 0, \sigma^2)
    = \frac{\alpha}{\sqrt{2\pi}\,\sigma}e^{-x^2/(2\sigma^2)}, \qquad
    \sigma(x) = \frac{\alpha}{2}\operatorname{erfc}\Big(-\frac{x}{\sqrt2\,\sigma}\Big),$$

    a step from 0 to $\alpha$.

    **Arguments:**

    - `sigma`: standard deviation (unit of $x$), > 0; default 0.5.
    - `alpha`: scale (the area under the gradient), > 0; default 0.5.

    ??? cite "Reference"

        Yin, B., Corradi, F., & Bohté, S. M. (2021). Accurate and efficient time-domain
        classification with adaptive spiking recurrent neural networks. *Nature Machine
        Intelligence*, 3, 905–913.
    """

    sigma: Array
    alpha: Array

    def __init__(self, sigma: ArrayLike = 0.5, alpha: ArrayLike = 0.5):
        self.sigma = param(sigma, "sigma", positive=True)
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, s, a = as_floats(x, self.sigma, self.alpha)
        return a * _normal_cdf(x, 0.0, s)

    def derivative(self, x: Array) -> Array:
        x, s, a = as_floats(x, self.sigma, self.alpha)
        return a * _normal_pdf(x, 0.0, s)


class MultiGaussianGrad(AbstractSurrogate):
    r"""Heaviside forward; backward a Gaussian minus two wider ones on either side, which
    makes the gradient slightly negative away from threshold.

    $$\sigma'(x) = k\,\big[(1 + h)\,\mathcal N(x; 0, \sigma^2)
    - h\,\mathcal N(x; \sigma, s^2\sigma^2) - h\,\mathcal N(x; -\sigma, s^2\sigma^2)\big],$$

    $$\sigma(x) = k\,\Big[(1 + h)\,\Phi\Big(\frac{x}{\sigma}\Big)
    - h\,\Phi\Big(\frac{x - \sigma}{s\sigma}\Big)
    - h\,\Phi\Big(\frac{x + \sigma}{s\sigma}\Big)\Big],$$

    with $\Phi(z) = \frac{1}{2}\operatorname{erfc}(-z/\sqrt2)$ the standard normal
    distribution function: a step from 0 to $k(1 - h)$.

    **Arguments:**

    - `h`: weight of the side Gaussians, ≥ 0; default 0.15.
    - `s`: width of the side Gaussians relative to `sigma`, > 0; default 6.
    - `sigma`: standard deviation of the central Gaussian (unit of $x$), > 0; default 0.5.
    - `scale`: overall scale $k$, > 0; default 0.5.

    ??? cite "Reference"

        Yin, B., Corradi, F., & Bohté, S. M. (2021). Accurate and efficient time-domain
        classification with adaptive spiking recurrent neural networks. *Nature Machine
        Intelligence*, 3, 905–913.
    """

    h: Array
    s: Array
    sigma: Array
    scale: Array

    def __init__(
        self,
        h: ArrayLike = 0.15,
        s: ArrayLike = 6.0,
        sigma: ArrayLike = 0.5,
        scale: ArrayLike = 0.5,
    ):
        self.h = param(h, "h", nonnegative=True)
        self.s = param(s, "s", positive=True)
        self.sigma = param(sigma, "sigma", positive=True)
        self.scale = param(scale, "scale", positive=True)

    def smooth(self, x: Array) -> Array:
        x, h, s, sig, k = as_floats(x, self.h, self.s, self.sigma, self.scale)
        side = _normal_cdf(x, sig, s * sig) + _normal_cdf(x, -sig, s * sig)
        return k * ((1 + h) * _normal_cdf(x, 0.0, sig) - h * side)

    def derivative(self, x: Array) -> Array:
        x, h, s, sig, k = as_floats(x, self.h, self.s, self.sigma, self.scale)
        side = _normal_pdf(x, sig, s * sig) + _normal_pdf(x, -sig, s * sig)
        return k * ((1 + h) * _normal_pdf(x, 0.0, sig) - h * side)
