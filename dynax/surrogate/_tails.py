"""Surrogates with heavy or slowly decaying tails: q-PseudoSpike, inverse square,
SLAYER's exponential and S2NN's logarithmic tail."""

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import concrete, param
from .._custom_types import Array, ArrayLike
from ._base import AbstractSurrogate, abs_right, as_floats


class QPseudoSpike(AbstractSurrogate):
    r"""Heaviside forward, a bump with power-law tails backward, whose fatness is set by
    $\alpha$ (the tail decays as $|x|^{-\alpha}$).

    $$\sigma'(x) = \Big(1 + \frac{2|x|}{\alpha - 1}\Big)^{-\alpha}, \qquad
    \sigma(x) = \begin{cases}
    \frac{1}{2}\big(1 - \frac{2x}{\alpha - 1}\big)^{1 - \alpha}, & x < 0 \\
    1 - \frac{1}{2}\big(1 + \frac{2x}{\alpha - 1}\big)^{1 - \alpha}, & x \ge 0
    \end{cases},$$

    a step from 0 to 1 with $\sigma'(0) = 1$.

    **Arguments:**

    - `alpha`: tail exponent, > 1 (at 1 the area under the tails diverges); default 2.

    ??? cite "Reference"

        Herranz-Celotti, L., & Rouat, J. (2022). Surrogate gradients design.
        *arXiv:2202.00282*.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 2.0):
        self.alpha = param(alpha, "alpha", positive=True)
        a = concrete(self.alpha)
        if a is not None and not np.all(a > 1):
            raise ValueError(
                f"alpha must be greater than 1 (the tails of the q-PseudoSpike gradient "
                f"are not integrable otherwise), got alpha={a}."
            )

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        tail = 0.5 * (1 + 2 * abs_right(x) / (a - 1)) ** (1 - a)
        return jnp.where(x < 0, tail, 1 - tail)

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return (1 + 2 * jnp.abs(x) / (a - 1)) ** (-a)


class InvSquareGrad(AbstractSurrogate):
    r"""Heaviside forward, an inverse square backward (the derivative of SuperSpike's fast
    sigmoid $x / (1 + \alpha|x|)$).

    $$\sigma'(x) = \frac{1}{(\alpha|x| + 1)^2}, \qquad
    \sigma(x) = \frac{1}{\alpha} + \frac{x}{1 + \alpha|x|},$$

    a step from 0 to $2/\alpha$ with $\sigma'(0) = 1$.

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0; default 100.

    ??? cite "Reference"

        Zenke, F., & Ganguli, S. (2018). SuperSpike: supervised learning in multilayer
        spiking neural networks. *Neural Computation*, 30(6), 1514–1541.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 100.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return 1 / a + x / (1 + a * jnp.abs(x))

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return 1 / (a * jnp.abs(x) + 1) ** 2


class SlayerGrad(AbstractSurrogate):
    r"""Heaviside forward, SLAYER's exponential spike-escape density backward.

    $$\sigma'(x) = e^{-\alpha |x|}, \qquad
    \sigma(x) = \begin{cases} \frac{1}{\alpha}e^{\alpha x}, & x < 0 \\
    \frac{1}{\alpha}\big(2 - e^{-\alpha x}\big), & x \ge 0 \end{cases},$$

    a step from 0 to $2/\alpha$ with $\sigma'(0) = 1$ (`PiecewiseExp` is the same shape
    scaled to unit area).

    **Arguments:**

    - `alpha`: sharpness (1/unit of $x$), > 0; default 1.

    ??? cite "Reference"

        Shrestha, S. B., & Orchard, G. (2018). SLAYER: spike layer error reassignment in
        time. *Advances in Neural Information Processing Systems*, 31, 1412–1421.
    """

    alpha: Array

    def __init__(self, alpha: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        e = jnp.exp(-a * abs_right(x))  # never exp(+a|x|), which overflows
        return jnp.where(x < 0, e, 2 - e) / a

    def derivative(self, x: Array) -> Array:
        x, a = as_floats(x, self.alpha)
        return jnp.exp(-a * jnp.abs(x))


class S2NN(AbstractSurrogate):
    r"""Heaviside forward; backward a sigmoid's derivative below threshold and a slowly
    decaying $1/(x+1)$ above it.

    $$\sigma(x) = \begin{cases} \operatorname{sigmoid}(\alpha x), & x < 0 \\
    \beta \ln(x + 1) + \frac{1}{2}, & x \ge 0 \end{cases}, \qquad
    \sigma'(x) = \begin{cases}
    \alpha\,\operatorname{sigmoid}(\alpha x)\big(1 - \operatorname{sigmoid}(\alpha x)\big),
    & x < 0 \\ \beta / (x + 1), & x \ge 0 \end{cases}.$$

    The smooth step is continuous at 0 ($\sigma(0) = 1/2$) and unbounded above. (BrainPy
    adds an `epsilon` inside the logarithm against NaN; here the logarithm is only ever
    evaluated at $x \ge 0$, so none is needed.)

    **Arguments:**

    - `alpha`: sharpness below threshold (1/unit of $x$), > 0; default 4.
    - `beta`: scale of the logarithmic branch above threshold, > 0; default 1.

    ??? cite "Reference"

        Suetake, K., Ikegawa, S., Saiin, R., & Sawada, Y. (2023). S3NN: time step
        reduction of spiking surrogate gradients for training energy efficient
        single-step spiking neural networks. *Neural Networks*, 159, 208–219
        (arXiv:2201.10879, "S2NN").
    """

    alpha: Array
    beta: Array

    def __init__(self, alpha: ArrayLike = 4.0, beta: ArrayLike = 1.0):
        self.alpha = param(alpha, "alpha", positive=True)
        self.beta = param(beta, "beta", positive=True)

    def smooth(self, x: Array) -> Array:
        x, a, b = as_floats(x, self.alpha, self.beta)
        above = jnp.where(x < 0, 0.0, x)  # keeps log1p (and its gradient) finite below -1
        return jnp.where(x < 0, jax.nn.sigmoid(a * x), b * jnp.log1p(above) + 0.5)

    def derivative(self, x: Array) -> Array:
        x, a, b = as_floats(x, self.alpha, self.beta)
        s = jax.nn.sigmoid(a * x)
        above = jnp.where(x < 0, 0.0, x)
        return jnp.where(x < 0, a * s * (1 - s), b / (above + 1))
