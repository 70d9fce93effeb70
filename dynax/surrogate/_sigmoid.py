"""Surrogates whose smooth step is a global sigmoid-like function: logistic, soft sign,
arctangent and error function."""

import math

import jax
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike
from ._base import AbstractSurrogate, as_floats


class Sigmoid(AbstractSurrogate):
    r"""Heaviside forward, the derivative of a logistic sigmoid backward.

    $$\sigma(x) = \frac{1}{1 + e^{-\alpha x}}, \qquad
    \sigma'(x) = \alpha\,\sigma(x)\,\big(1 - \sigma(x)\big),$$

    a bump of height $\alpha/4$ at $x = 0$ and unit area.

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$, e.g. 1/mV), > 0; default 4.

    ??? cite "Reference"

        Neftci, E. O., Mostafa, H., & Zenke, F. (2019). Surrogate gradient learning in
        spiking neural networks. *IEEE Signal Processing Magazine*, 36(6), 51–63.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 4.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return jax.nn.sigmoid(a * x)

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        s = jax.nn.sigmoid(a * x)
        return a * s * (1 - s)


class SoftSign(AbstractSurrogate):
    r"""Heaviside forward, the derivative of a soft sign backward (the "fast sigmoid" of
    SuperSpike, normalised to unit area).

    $$\sigma(x) = \frac{1}{2}\Big(\frac{\alpha x}{1 + |\alpha x|} + 1\Big), \qquad
    \sigma'(x) = \frac{\alpha}{2\,(1 + |\alpha x|)^2}.$$

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0; default 1 (BrainPy's default; SpikingJelly
      uses 2).

    ??? cite "Reference"

        Zenke, F., & Ganguli, S. (2018). SuperSpike: supervised learning in multilayer
        spiking neural networks. *Neural Computation*, 30(6), 1514–1541.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        ax = a * x
        return 0.5 * (ax / (1 + jnp.abs(ax)) + 1)

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return a / (2 * (1 + jnp.abs(a * x)) ** 2)


class Arctan(AbstractSurrogate):
    r"""Heaviside forward, the derivative of an arctangent backward.

    $$\sigma(x) = \frac{1}{\pi}\arctan\Big(\frac{\pi}{2}\alpha x\Big) + \frac{1}{2},
    \qquad \sigma'(x) = \frac{\alpha}{2\,\big(1 + (\frac{\pi}{2}\alpha x)^2\big)},$$

    a bump of height $\alpha/2$ with heavy ($x^{-2}$) tails.

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0; default 1 (BrainPy's default;
      SpikingJelly uses 2).

    ??? cite "Reference"

        Fang, W., Yu, Z., Chen, Y., Masquelier, T., Huang, T., & Tian, Y. (2021).
        Incorporating learnable membrane time constant to enhance learning of spiking
        neural networks. *Proceedings of the IEEE/CVF International Conference on
        Computer Vision (ICCV)*, 2661–2671.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return jnp.arctan(0.5 * math.pi * a * x) / math.pi + 0.5

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return a / (2 * (1 + (0.5 * math.pi * a * x) ** 2))


class ERF(AbstractSurrogate):
    r"""Heaviside forward, a Gaussian backward: the smooth step is the error function.

    $$\sigma(x) = \frac{1}{2}\operatorname{erfc}(-\alpha x)
    = \frac{1}{\sqrt\pi}\int_{-\infty}^{\alpha x} e^{-u^2}\,du, \qquad
    \sigma'(x) = \frac{\alpha}{\sqrt\pi}\,e^{-\alpha^2 x^2}.$$

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0; default 1 (BrainPy's default;
      SpikingJelly uses 2).

    ??? cite "Reference"

        Esser, S. K., Appuswamy, R., Merolla, P., Arthur, J. V., & Modha, D. S. (2015).
        Backpropagation for energy-efficient neuromorphic computing. *Advances in Neural
        Information Processing Systems*, 28, 1117–1125.

        Wu, Y., Deng, L., Li, G., Zhu, J., & Shi, L. (2018). Spatio-temporal
        backpropagation for training high-performance spiking neural networks.
        *Frontiers in Neuroscience*, 12, 331.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return 0.5 * jax.scipy.special.erfc(-a * x)

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return a / math.sqrt(math.pi) * jnp.exp(-((a * x) ** 2))
