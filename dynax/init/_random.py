"""Independent draws from standard distributions, with their parameters as arrays."""

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from .._system import as_float_array
from ._base import AbstractInitializer, check_less, float_dtype, require_key


class Uniform(AbstractInitializer):
    """Independent draws, uniform on `[low, high)`.

    **Arguments:**

    - `low`: the lower bound (in the unit of the quantity being initialised).
    - `high`: the upper bound; `low <= high` (equal bounds give a constant).
    """

    low: Array
    high: Array

    def __init__(self, low: ArrayLike, high: ArrayLike):
        self.low = as_float_array(low, "low")
        self.high = as_float_array(high, "high")

    def __check_init__(self):
        check_less(self.low, self.high, "Uniform", strict=False)

    def __call__(self, key, shape, dtype=None):
        require_key(key, "Uniform")
        dtype = float_dtype(dtype)
        return jax.random.uniform(key, shape, dtype, self.low, self.high)


class Normal(AbstractInitializer):
    """Independent Gaussian draws with mean `mean` and standard deviation `std`.

    **Arguments:**

    - `mean`: the mean (in the unit of the quantity being initialised).
    - `std`: the standard deviation, `>= 0`.
    """

    mean: Array
    std: Array

    def __init__(self, mean: ArrayLike, std: ArrayLike):
        self.mean = as_float_array(mean, "mean")
        self.std = as_float_array(std, "std", nonnegative=True)

    def __call__(self, key, shape, dtype=None):
        require_key(key, "Normal")
        dtype = float_dtype(dtype)
        return (self.mean + self.std * jax.random.normal(key, shape, dtype)).astype(dtype)


class TruncatedNormal(AbstractInitializer):
    """A Gaussian with mean `mean` and standard deviation `std`, conditioned on `[low, high]`.

    The bounds are absolute values, not multiples of `std`:
    `TruncatedNormal(0.5, 0.2, low=0.0)` gives positive weights that are Gaussian
    otherwise. With $\\alpha = (\\text{low} - \\mu)/\\sigma$, $\\beta = (\\text{high} -
    \\mu)/\\sigma$ and $Z = \\Phi(\\beta) - \\Phi(\\alpha)$, the draws have mean
    $\\mu + \\sigma\\,(\\varphi(\\alpha) - \\varphi(\\beta))/Z$; `mean` and `std` are those of
    the Gaussian *before* truncation.

    **Arguments:**

    - `mean`: the mean of the untruncated Gaussian.
    - `std`: its standard deviation, `> 0`.
    - `low`: the lower bound (default $-\\infty$).
    - `high`: the upper bound (default $+\\infty$); `low < high`.

    Sampling inverts the Gaussian CDF, so a window lying entirely beyond about 5 `std` on
    one side of `mean` loses accuracy in float32.
    """

    mean: Array
    std: Array
    low: Array
    high: Array

    def __init__(
        self,
        mean: ArrayLike,
        std: ArrayLike,
        low: ArrayLike = -float("inf"),
        high: ArrayLike = float("inf"),
    ):
        self.mean = as_float_array(mean, "mean")
        self.std = as_float_array(std, "std", positive=True)
        self.low = as_float_array(low, "low")
        self.high = as_float_array(high, "high")

    def __check_init__(self):
        check_less(self.low, self.high, "TruncatedNormal")

    def __call__(self, key, shape, dtype=None):
        require_key(key, "TruncatedNormal")
        dtype = float_dtype(dtype)
        mean, std = self.mean.astype(dtype), self.std.astype(dtype)
        lower = (self.low.astype(dtype) - mean) / std
        upper = (self.high.astype(dtype) - mean) / std
        z = jax.random.truncated_normal(key, lower, upper, shape, dtype)
        return jnp.clip(mean + std * z, self.low, self.high).astype(dtype)


class LogNormal(AbstractInitializer):
    """Log-normal draws with the given mean and standard deviation *of the draws themselves*.

    Synaptic weights are close to log-normal (Song et al., 2005), and what one measures
    and wants to set is the mean and spread of the weights, so `mean` and `std` are
    those of $w$, not of $\\log w$. They are converted to the parameters of the
    underlying Gaussian, $w = e^{\\mu + \\sigma z}$ with $z \\sim \\mathcal N(0, 1)$:

    $$\\sigma^2 = \\log\\left(1 + \\frac{\\text{std}^2}{\\text{mean}^2}\\right), \\qquad
    \\mu = \\log(\\text{mean}) - \\frac{\\sigma^2}{2}.$$

    **Arguments:**

    - `mean`: the mean of the draws, `> 0` (in the unit of the quantity).
    - `std`: their standard deviation, `>= 0`.

    ??? cite "Reference"

        Song, S., Sjöström, P. J., Reigl, M., Nelson, S., & Chklovskii, D. B. (2005).
        Highly nonrandom features of synaptic connectivity in local cortical circuits.
        *PLoS Biology*, 3(3), e68.
    """

    mean: Array
    std: Array

    def __init__(self, mean: ArrayLike, std: ArrayLike):
        self.mean = as_float_array(mean, "mean", positive=True)
        self.std = as_float_array(std, "std", nonnegative=True)

    @property
    def mu(self) -> Array:
        """The mean of $\\log w$."""
        return jnp.log(self.mean) - 0.5 * self.sigma**2

    @property
    def sigma(self) -> Array:
        """The standard deviation of $\\log w$."""
        return jnp.sqrt(jnp.log1p((self.std / self.mean) ** 2))

    def __call__(self, key, shape, dtype=None):
        require_key(key, "LogNormal")
        dtype = float_dtype(dtype)
        z = jax.random.normal(key, shape, dtype)
        return jnp.exp(self.mu.astype(dtype) + self.sigma.astype(dtype) * z)


class Gamma(AbstractInitializer):
    """Gamma draws with shape $k$ and scale $\\theta$: mean $k\\theta$, variance $k\\theta^2$.

    **Arguments:**

    - `shape`: the shape parameter $k > 0$ (dimensionless).
    - `scale`: the scale parameter $\\theta > 0$ (in the unit of the quantity).
    """

    shape: Array
    scale: Array

    def __init__(self, shape: ArrayLike, scale: ArrayLike):
        self.shape = as_float_array(shape, "shape", positive=True)
        self.scale = as_float_array(scale, "scale", positive=True)

    def __call__(self, key, shape, dtype=None):
        require_key(key, "Gamma")
        dtype = float_dtype(dtype)
        k = jnp.broadcast_to(self.shape.astype(dtype), shape)
        return (self.scale * jax.random.gamma(key, k, shape, dtype)).astype(dtype)


class ExponentialDistribution(AbstractInitializer):
    """Exponential draws with mean (and standard deviation) `scale`.

    **Arguments:**

    - `scale`: the mean, `> 0` (in the unit of the quantity, e.g. ms for delays).
    """

    scale: Array

    def __init__(self, scale: ArrayLike):
        self.scale = as_float_array(scale, "scale", positive=True)

    def __call__(self, key, shape, dtype=None):
        require_key(key, "ExponentialDistribution")
        dtype = float_dtype(dtype)
        return (self.scale * jax.random.exponential(key, shape, dtype)).astype(dtype)
