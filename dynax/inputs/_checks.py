"""Argument checks shared by the inputs (construction-time `ValueError`s)."""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float
from .._system import as_float_array

ScalarOrN = Float[Array, ""] | Float[Array, " n"]
"""A parameter that is either shared (a scalar) or per neuron (shape `(n,)`)."""


def concrete(x: Any) -> np.ndarray | None:
    """`x` as a NumPy array, or `None` when it is traced (e.g. built under `vmap`)."""
    try:
        return np.asarray(x)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def check_n(n: Any, name: str = "n") -> int:
    """A positive Python `int` (structural size), else `ValueError`."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"{name} must be a positive integer, got {name}={n!r}.")
    return int(n)


def float_param(
    x: Any,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    n: int | None = None,
) -> Array:
    """`x` as a float array (float32 unless x64 is on), checked where concrete.

    With `n`, `x` must be a scalar or have shape `(n,)`.
    """
    try:
        arr = as_float_array(x, name)
    except TypeError as e:
        raise ValueError(f"{name} must be a number or an array of numbers, got {x!r}.") from e
    if n is not None and arr.shape not in ((), (n,)):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {arr.shape}.")
    c = concrete(arr)
    if c is not None:
        if positive and not np.all(c > 0):
            raise ValueError(f"{name} must be positive, got {name}={x!r}.")
        if nonnegative and not np.all(c >= 0):
            raise ValueError(f"{name} must be non-negative, got {name}={x!r}.")
    return arr


def tolerance(x: Array) -> Array:
    """A few units in the last place of `x`: how far a time computed as `t0 + i * dt` may
    lie from the number it stands for."""
    x = jnp.asarray(x)
    eps = jnp.finfo(jnp.result_type(x, float)).eps
    # An infinite boundary (`t_end=inf`) is exact: its tolerance is 0, not inf.
    return jnp.where(jnp.isfinite(x), 8 * eps * jnp.abs(x), 0.0)
