"""Initialisers for weights and states: `init(key, shape) -> array`."""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, PRNGKeyArray
from .._system import as_float_array


class AbstractInitializer(eqx.Module):
    """Makes an array of a given shape: `initializer(key, shape, dtype=None)`."""

    @abc.abstractmethod
    def __call__(self, key: PRNGKeyArray | None, shape: tuple[int, ...], dtype=None) -> Array:
        """An array of `shape` (float32 unless `dtype` or x64 says otherwise)."""


class Constant(AbstractInitializer):
    """Every entry equal to `value`."""

    value: Array

    def __init__(self, value: ArrayLike):
        self.value = as_float_array(value, "value")

    def __call__(self, key, shape, dtype=None):
        return jnp.full(shape, self.value, dtype or self.value.dtype)


class Uniform(AbstractInitializer):
    """Independent draws, uniform on `[low, high)`."""

    low: Array
    high: Array

    def __init__(self, low: ArrayLike, high: ArrayLike):
        self.low = as_float_array(low, "low")
        self.high = as_float_array(high, "high")

    def __check_init__(self):
        try:
            ok = bool(jnp.all(self.high >= self.low))
        except jax.errors.ConcretizationTypeError:
            return
        if not ok:
            raise ValueError(f"Uniform needs low <= high, got low={self.low}, high={self.high}.")

    def __call__(self, key, shape, dtype=None):
        dtype = dtype or self.low.dtype
        return jax.random.uniform(key, shape, dtype, self.low, self.high)


class Normal(AbstractInitializer):
    """Independent Gaussian draws with mean `mean` and standard deviation `std`."""

    mean: Array
    std: Array

    def __init__(self, mean: ArrayLike, std: ArrayLike):
        self.mean = as_float_array(mean, "mean")
        self.std = as_float_array(std, "std", nonnegative=True)

    def __call__(self, key, shape, dtype=None):
        dtype = dtype or self.mean.dtype
        return self.mean + self.std * jax.random.normal(key, shape, dtype)
