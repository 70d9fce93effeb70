"""Variance scaling (Glorot/Xavier, He/Kaiming, LeCun): variance `scale / fan`."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from .._system import as_float_array
from ._base import AbstractInitializer, check_choice, float_dtype, require_key

MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")
# Standard deviation of a standard normal truncated to [-2, 2].
_TRUNCATED_STD = 0.87962566103423978


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """`(fan_in, fan_out)` of a weight of `shape`, read as `(..., n_in, n_out)`.

    The last two axes are (presynaptic, postsynaptic), as in dynax's `(n_pre, n_post)`
    weight matrices; leading axes (e.g. a convolution's kernel axes) multiply both. A 1-d
    shape `(n,)` has both fans `n`; a scalar both `1`.
    """
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def variance_scaling(key, shape, dtype, scale, mode, distribution, who):
    require_key(key, who)
    dtype = float_dtype(dtype)
    fan_in, fan_out = fans(tuple(shape))
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = jnp.sqrt(scale.astype(dtype) / max(fan, 1))
    if distribution == "truncated_normal":
        z = jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype) / _TRUNCATED_STD
    elif distribution == "normal":
        z = jax.random.normal(key, shape, dtype)
    else:  # uniform on [-√3, √3) has unit variance
        z = jax.random.uniform(key, shape, dtype, -math.sqrt(3.0), math.sqrt(3.0))
    return (std * z).astype(dtype)


class VarianceScaling(AbstractInitializer):
    """Zero-mean draws with variance `scale / fan`.

    The fans are read from the last two axes of the shape, `(..., n_in, n_out)` — for a
    dynax weight matrix `(n_pre, n_post)`, `fan_in = n_pre` and `fan_out = n_post`;
    leading axes (kernel axes of a convolution) multiply both fans. A 1-d shape `(n,)`
    has both fans `n`.

    **Arguments:**

    - `scale`: the variance times the fan, `> 0` (the square of a gain).
    - `mode`: which fan divides: `"fan_in"`, `"fan_out"` or `"fan_avg"` (their mean).
    - `distribution`: `"truncated_normal"` (a Gaussian cut at ±2 standard deviations,
      rescaled so that the variance is still `scale / fan`), `"normal"` or `"uniform"`
      (on $\\pm\\sqrt{3\\,\\text{scale}/\\text{fan}}$).

    ??? cite "References"

        Glorot, X., & Bengio, Y. (2010). Understanding the difficulty of training deep
        feedforward neural networks. *AISTATS*, 9, 249–256.

        He, K., Zhang, X., Ren, S., & Sun, J. (2015). Delving deep into rectifiers:
        surpassing human-level performance on ImageNet classification. *ICCV*, 1026–1034.

        LeCun, Y., Bottou, L., Orr, G. B., & Müller, K.-R. (1998). Efficient BackProp. In
        *Neural Networks: Tricks of the Trade*, 9–50. Springer.
    """

    scale: Array
    mode: str = eqx.field(static=True)
    distribution: str = eqx.field(static=True)

    def __init__(
        self,
        scale: ArrayLike = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
    ):
        self.scale = as_float_array(scale, "scale", positive=True)
        self.mode = mode
        self.distribution = distribution

    def __check_init__(self):
        check_choice(self.mode, "mode", MODES)
        check_choice(self.distribution, "distribution", DISTRIBUTIONS)

    def __call__(self, key, shape, dtype=None):
        return variance_scaling(
            key, shape, dtype, self.scale, self.mode, self.distribution, "VarianceScaling"
        )


def KaimingNormal(scale: ArrayLike = 2.0, mode: str = "fan_in") -> VarianceScaling:
    """He (Kaiming) initialisation, truncated normal: variance `2 / fan_in`.

    `VarianceScaling(scale, mode, "truncated_normal")` with `scale=2.0` and `mode="fan_in"` by
    default; the fans are read from the last two axes, `(..., n_in, n_out)`.

    ??? cite "Reference"

        He, K., Zhang, X., Ren, S., & Sun, J. (2015). Delving deep into rectifiers:
        surpassing human-level performance on ImageNet classification. *ICCV*, 1026–1034.
    """
    return VarianceScaling(scale, mode, "truncated_normal")


def KaimingUniform(scale: ArrayLike = 2.0, mode: str = "fan_in") -> VarianceScaling:
    """He (Kaiming) initialisation, uniform: variance `2 / fan_in`.

    `VarianceScaling(scale, mode, "uniform")` with `scale=2.0` and `mode="fan_in"` by
    default; the fans are read from the last two axes, `(..., n_in, n_out)`.

    ??? cite "Reference"

        He, K., Zhang, X., Ren, S., & Sun, J. (2015). Delving deep into rectifiers:
        surpassing human-level performance on ImageNet classification. *ICCV*, 1026–1034.
    """
    return VarianceScaling(scale, mode, "uniform")


def XavierNormal(scale: ArrayLike = 1.0, mode: str = "fan_avg") -> VarianceScaling:
    """Glorot (Xavier) initialisation, truncated normal: variance `2 / (fan_in + fan_out)`.

    `VarianceScaling(scale, mode, "truncated_normal")` with `scale=1.0` and `mode="fan_avg"` by
    default; the fans are read from the last two axes, `(..., n_in, n_out)`.

    ??? cite "Reference"

        Glorot, X., & Bengio, Y. (2010). Understanding the difficulty of training deep
        feedforward neural networks. *AISTATS*, 9, 249–256.
    """
    return VarianceScaling(scale, mode, "truncated_normal")


def XavierUniform(scale: ArrayLike = 1.0, mode: str = "fan_avg") -> VarianceScaling:
    """Glorot (Xavier) initialisation, uniform: variance `2 / (fan_in + fan_out)`.

    `VarianceScaling(scale, mode, "uniform")` with `scale=1.0` and `mode="fan_avg"` by
    default; the fans are read from the last two axes, `(..., n_in, n_out)`.

    ??? cite "Reference"

        Glorot, X., & Bengio, Y. (2010). Understanding the difficulty of training deep
        feedforward neural networks. *AISTATS*, 9, 249–256.
    """
    return VarianceScaling(scale, mode, "uniform")


def LecunNormal(scale: ArrayLike = 1.0, mode: str = "fan_in") -> VarianceScaling:
    """LeCun initialisation, truncated normal: variance `1 / fan_in`.

    `VarianceScaling(scale, mode, "truncated_normal")` with `scale=1.0` and `mode="fan_in"` by
    default; the fans are read from the last two axes, `(..., n_in, n_out)`.

    ??? cite "Reference"

        LeCun, Y., Bottou, L., Orr, G. B., & Müller, K.-R. (1998). Efficient BackProp. In
        *Neural Networks: Tricks of the Trade*, 9–50. Springer.
    """
    return VarianceScaling(scale, mode, "truncated_normal")


def LecunUniform(scale: ArrayLike = 1.0, mode: str = "fan_in") -> VarianceScaling:
    """LeCun initialisation, uniform: variance `1 / fan_in`.

    `VarianceScaling(scale, mode, "uniform")` with `scale=1.0` and `mode="fan_in"` by
    default; the fans are read from the last two axes, `(..., n_in, n_out)`.

    ??? cite "Reference"

        LeCun, Y., Bottou, L., Orr, G. B., & Müller, K.-R. (1998). Efficient BackProp. In
        *Neural Networks: Tricks of the Trade*, 9–50. Springer.
    """
    return VarianceScaling(scale, mode, "uniform")
