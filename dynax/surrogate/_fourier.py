"""The square-wave Fourier series surrogate."""

import math

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike
from ._base import AbstractSurrogate, as_floats


class SquarewaveFourierSeries(AbstractSurrogate):
    r"""Heaviside forward; backward the derivative of the first `n` terms of the Fourier
    series of a square wave of period $T$ that steps from 0 to 1 at $x = 0$.

    $$\sigma(x) = \frac{1}{2} + \frac{2}{\pi}\sum_{i=1}^{n}
    \frac{\sin\big((2i - 1)\,\omega x\big)}{2i - 1}, \qquad
    \sigma'(x) = \frac{4}{T}\sum_{i=1}^{n}\cos\big((2i - 1)\,\omega x\big), \qquad
    \omega = \frac{2\pi}{T}.$$

    The gradient is periodic: it peaks ($4n/T$) at $x = 0$ and again, negative, at
    $x = \pm T/2$; keep $|x| < T/4$ where it matters. (BrainPy's documentation writes
    the factor of $\sigma$ as $1/\pi$, half of the $2/\pi$ whose derivative is its
    stated gradient $4/T\sum\cos$; the gradient is kept here.)

    **Arguments:**

    - `n`: number of Fourier terms, a positive int (static); default 2.
    - `t_period`: period $T$ of the square wave (unit of $x$), > 0; default 8.

    ??? cite "Reference"

        Listed without a reference in BrainPy's surrogate library: Wang, C., Zhang, T.,
        Chen, X., et al. (2023). BrainPy, a flexible, integrative, efficient, and
        extensible framework for general-purpose brain dynamics programming. *eLife*,
        12, e86365.
    """

    n: int = eqx.field(static=True)
    t_period: Array

    def __init__(self, n: int = 2, t_period: ArrayLike = 8.0):
        self.n = check_size(n, "n")
        self.t_period = param(t_period, "t_period", positive=True)

    def _phases(self, x: Array, t_period: Array) -> tuple[Array, Array]:
        odd = jnp.arange(1, 2 * self.n, 2, dtype=x.dtype)  # 2i - 1
        return odd, (2 * math.pi / t_period * x)[..., None] * odd

    def smooth(self, x: Array) -> Array:
        x, t = as_floats(x, self.t_period)
        odd, phase = self._phases(x, t)
        return 0.5 + (2 / math.pi) * jnp.sum(jnp.sin(phase) / odd, axis=-1)

    def derivative(self, x: Array) -> Array:
        x, t = as_floats(x, self.t_period)
        _, phase = self._phases(x, t)
        return (4 / t) * jnp.sum(jnp.cos(phase), axis=-1)
