"""Surrogates made of pieces: quadratic and triangular windows, a two-sided exponential
and a piecewise linear step with leaky tails."""

import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike
from ._base import AbstractSurrogate, abs_right, as_floats


class PiecewiseQuadratic(AbstractSurrogate):
    r"""Heaviside forward, a triangular window backward; the smooth step is quadratic
    inside the window $|x| \le 1/\alpha$ and flat outside.

    $$\sigma(x) = \begin{cases} 0, & x < -1/\alpha \\
    -\frac{1}{2}\alpha^2 |x| x + \alpha x + \frac{1}{2}, & |x| \le 1/\alpha \\
    1, & x > 1/\alpha \end{cases}, \qquad
    \sigma'(x) = \max\big(\alpha - \alpha^2 |x|,\ 0\big).$$

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0: the window is $|x| \le 1/\alpha$ and the
      peak $\alpha$; default 1.

    ??? cite "Reference"

        Esser, S. K., Merolla, P. A., Arthur, J. V., et al. (2016). Convolutional networks
        for fast, energy-efficient neuromorphic computing. *PNAS*, 113(41), 11441–11446.

        Neftci, E. O., Mostafa, H., & Zenke, F. (2019). Surrogate gradient learning in
        spiking neural networks. *IEEE Signal Processing Magazine*, 36(6), 51–63.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        u = a * x
        inside = -0.5 * jnp.abs(u) * u + u + 0.5
        return jnp.where(u < -1, 0.0, jnp.where(u > 1, 1.0, inside)).astype(x.dtype)

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return a * jnp.maximum(1 - jnp.abs(a * x), 0.0)


class PiecewiseExp(AbstractSurrogate):
    r"""Heaviside forward, a two-sided (Laplace) exponential backward.

    $$\sigma(x) = \begin{cases} \frac{1}{2}e^{\alpha x}, & x < 0 \\
    1 - \frac{1}{2}e^{-\alpha x}, & x \ge 0 \end{cases}, \qquad
    \sigma'(x) = \frac{\alpha}{2}e^{-\alpha |x|}.$$

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0; default 1.

    ??? cite "Reference"

        Neftci, E. O., Mostafa, H., & Zenke, F. (2019). Surrogate gradient learning in
        spiking neural networks. *IEEE Signal Processing Magazine*, 36(6), 51–63.

        Shrestha, S. B., & Orchard, G. (2018). SLAYER: spike layer error reassignment in
        time. *Advances in Neural Information Processing Systems*, 31, 1412–1421.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        # exp(-a|x|) on both sides: exp(a x) of the unused branch would overflow (and
        # turn the gradient into 0 * inf = nan) for large positive x.
        half = 0.5 * jnp.exp(-a * abs_right(x))
        return jnp.where(x < 0, half, 1 - half)

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return 0.5 * a * jnp.exp(-a * jnp.abs(x))


class PiecewiseLeakyRelu(AbstractSurrogate):
    r"""Heaviside forward, a rectangular window with leaky tails backward.

    $$\sigma'(x) = \begin{cases} 1/w, & |x| \le w \\ c, & |x| > w \end{cases}, \qquad
    \sigma(x) = \begin{cases} c\,(x + w), & x < -w \\
    (x + w)/w, & |x| \le w \\
    2 + c\,(x - w), & x > w \end{cases}.$$

    The published primitive rises with slope $1/(2w)$ inside the window, half the
    published gradient $1/w$; this class keeps the gradient (what BrainPy and
    SpikingJelly backpropagate) and `smooth` is its exact primitive, anchored at
    $\sigma(-w) = 0$ as published (it rises by 2 over the window).

    **Arguments:**

    - `c`: the gradient outside the window, ≥ 0; default 0.01.
    - `w`: half-width of the window (unit of $x$), > 0; default 1.

    ??? cite "Reference"

        Wu, Y., Deng, L., Li, G., Zhu, J., & Shi, L. (2018). Spatio-temporal
        backpropagation for training high-performance spiking neural networks.
        *Frontiers in Neuroscience*, 12, 331.

        Kaiser, J., Mostafa, H., & Neftci, E. (2020). Synaptic plasticity dynamics for
        deep continuous local learning (DECOLLE). *Frontiers in Neuroscience*, 14, 424.
    """

    c: Array
    w: Array

    def __init__(self, c: ArrayLike = 0.01, w: ArrayLike = 1.0):
        self.c = param(c, "c", nonnegative=True)
        self.w = param(w, "w", positive=True)

    def smooth(self, x: Array) -> Array:
        x, c, w = as_floats(x, self.c, self.w)
        inside = (x + w) / w
        return jnp.where(x < -w, c * (x + w), jnp.where(x > w, 2 + c * (x - w), inside))

    def derivative(self, x: Array) -> Array:
        x, c, w = as_floats(x, self.c, self.w)
        return jnp.where(jnp.abs(x) <= w, 1 / w, c)


class ReluGrad(AbstractSurrogate):
    r"""Heaviside forward, a triangle backward (the piecewise linear pseudo-derivative of
    LSNNs).

    $$\sigma'(x) = \alpha \max(w - |x|,\ 0), \qquad
    \sigma(x) = \begin{cases} 0, & x < -w \\
    \alpha\big(\frac{w^2}{2} + w x - \frac{1}{2}x|x|\big), & |x| \le w \\
    \alpha w^2, & x > w \end{cases},$$

    a step of height $\alpha w^2$ (0.3 with the defaults, the "dampening factor" of
    Bellec et al.).

    **Arguments:**

    - `alpha`: slope of the triangle's sides, > 0; default 0.3.
    - `width`: half-width $w$ of the triangle (unit of $x$), > 0; default 1.

    ??? cite "Reference"

        Bellec, G., Salaj, D., Subramoney, A., Legenstein, R., & Maass, W. (2018). Long
        short-term memory and learning-to-learn in networks of spiking neurons.
        *Advances in Neural Information Processing Systems*, 31, 787–797.

        Neftci, E. O., Mostafa, H., & Zenke, F. (2019). Surrogate gradient learning in
        spiking neural networks. *IEEE Signal Processing Magazine*, 36(6), 51–63.
    """

    alpha: Array
    width: Array

    def __init__(self, alpha: ArrayLike = 0.3, width: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)
        self.width = param(width, "width", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a, w = as_floats(x, self.alpha, self.width)
        inside = a * (0.5 * w**2 + w * x - 0.5 * x * jnp.abs(x))
        return jnp.where(x < -w, 0.0, jnp.where(x > w, a * w**2, inside)).astype(x.dtype)

    def derivative(self, x: Array) -> Array:
        x, a, w = as_floats(x, self.alpha, self.width)
        return a * jnp.maximum(w - jnp.abs(x), 0.0)
