"""What the encoders share: the check of their data and of their time grid."""

import math

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike


def unit_values(x: ArrayLike, who: str) -> Array:
    """`x` as a float array whose values must lie in [0, 1]; checked when the encoder
    runs (the data are usually traced), as an `eqx.error_if`."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(float)
    return eqx.error_if(
        x, jnp.any((x < 0) | (x > 1)), f"{who}: the values to encode must lie in [0, 1]."
    )


def positive_time(value: float, name: str, who: str) -> float:
    """A time (ms) that sets the grid, hence a Python float: finite and positive."""
    try:
        out = float(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{who}: {name} must be a number (ms), got {name}={value!r}.") from e
    if not (math.isfinite(out) and out > 0):
        raise ValueError(f"{who}: {name} must be positive and finite (ms), got {name}={out}.")
    return out
