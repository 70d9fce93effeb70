"""Surrogates whose smooth function is a rectifier: leaky ReLU and log-tailed ReLU."""

import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike
from ._base import AbstractSurrogate, as_floats


class LeakyRelu(AbstractSurrogate):
    r"""Heaviside forward, the (constant) slopes of a leaky ReLU backward.

    $$\sigma(x) = \begin{cases} \beta x, & x \ge 0 \\ \alpha x, & x < 0 \end{cases},
    \qquad \sigma'(x) = \begin{cases} \beta, & x \ge 0 \\ \alpha, & x < 0 \end{cases}.$$

    The gradient does not decay away from threshold: every neuron gets one, however far
    its potential is from firing.

    **Arguments:**

    - `alpha`: the gradient below threshold, ≥ 0; default 0.1.
    - `beta`: the gradient at and above threshold, > 0; default 1.

    ??? cite "Reference"

        Maas, A. L., Hannun, A. Y., & Ng, A. Y. (2013). Rectifier nonlinearities improve
        neural network acoustic models. *ICML Workshop on Deep Learning for Audio,
        Speech and Language Processing*.
    """

    alpha: Array
    beta: Array

    def __init__(self, alpha: ArrayLike = 0.1, beta: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", nonnegative=True)
        self.beta = param(beta, "beta", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a, b = as_floats(x, self.alpha, self.beta)
        return jnp.where(x < 0, a * x, b * x)

    def derivative(self, x: Array) -> Array:
        x, a, b = as_floats(x, self.alpha, self.beta)
        return jnp.where(x < 0, a, b) * jnp.ones_like(x)


class LogTailedRelu(AbstractSurrogate):
    r"""Heaviside forward; backward the slopes of a ReLU whose linear part turns
    logarithmic above 1.

    $$\sigma'(x) = \begin{cases} \alpha, & x \le 0 \\ 1, & 0 < x \le 1 \\
    1/x, & x > 1 \end{cases}, \qquad
    \sigma(x) = \begin{cases} \alpha x, & x \le 0 \\ x, & 0 < x \le 1 \\
    1 + \ln x, & x > 1 \end{cases}.$$

    The published function is $\ln x$ above 1, which jumps from 1 to 0 there; `smooth`
    here is the continuous primitive of the published gradient, $1 + \ln x$.

    **Arguments:**

    - `alpha`: the gradient at and below threshold, ≥ 0; default 0 (none below
      threshold: a neuron gets a gradient only once it has crossed).

    ??? cite "Reference"

        Cai, Z., He, X., Sun, J., & Vasconcelos, N. (2017). Deep learning with low
        precision by half-wave Gaussian quantization. *Proceedings of the IEEE
        Conference on Computer Vision and Pattern Recognition (CVPR)*, 5918–5926.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 0.0):
        self.alpha = param(alpha, "alpha", nonnegative=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        tail = jnp.where(x > 1, x, 1.0)  # the logarithm only sees x > 1 (finite gradient)
        return jnp.where(x > 1, 1 + jnp.log(tail), jnp.where(x > 0, x, a * x))

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        tail = jnp.where(x > 1, x, 1.0)
        return jnp.where(x > 1, 1 / tail, jnp.where(x > 0, 1.0, a)).astype(x.dtype)
