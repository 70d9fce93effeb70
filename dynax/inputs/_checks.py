"""Argument conversion and checks shared by the inputs.

`__init__` converts arguments (`to_float`), `__check_init__` validates them
(`check_param`, ...), raising `ValueError`s that name the argument.
"""

from typing import Any

import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float
from .._system import as_float_array
from ..neurons._checks import check_values, concrete

ScalarOrN = Float[Array, ""] | Float[Array, " n"]
"""A parameter that is either shared (a scalar) or per neuron (shape `(n,)`)."""


def to_size(n: Any) -> Any:
    """A NumPy integer as a Python `int`; anything else unchanged (checked by `check_n`)."""
    return int(n) if isinstance(n, np.integer) else n


def check_n(n: Any, name: str = "n") -> None:
    """`n` must be a positive Python `int` (a structural size)."""
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{name} must be a positive integer, got {name}={n!r}.")


def to_float(x: Any, name: str) -> Array:
    """`x` as a float array: float32, or float64 when x64 is on (float32 arrays stay)."""
    try:
        return as_float_array(x, name)
    except TypeError as e:
        raise ValueError(f"{name} must be a number or an array of numbers, got {x!r}.") from e


def to_time(x: Any, name: str) -> Array | np.ndarray:
    """A time parameter (ms) as a float64 NumPy array where concrete, so that `with_dt`
    places it on the step grid exactly however late it is (float32 spaces 3.6·10⁶ ms by
    0.25 ms); traced (built under `vmap`), a float array like any parameter. Inside a
    compiled step it becomes float32 unless x64 is on, like the others."""
    c = concrete(x)
    if c is None:
        return to_float(x, name)
    try:
        out = np.asarray(c, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a number or an array of numbers (ms), got {x!r}.") from e
    if np.issubdtype(np.asarray(c).dtype, np.bool_):
        raise ValueError(f"{name} must be a number or an array of numbers (ms), got {x!r}.")
    return out


def check_param(
    x: Array,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    n: int | None = None,
) -> None:
    """Check `x` where it is concrete (traced values, e.g. under `vmap`, pass unchecked).

    With `n`, `x` must be a scalar or have shape `(n,)`.
    """
    if n is not None and x.shape not in ((), (n,)):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {x.shape}.")
    check_values(x, name, finite=False, positive=positive, nonnegative=nonnegative)


def check_order(t_start: Array, t_end: Array) -> None:
    """`t_end > t_start` where both are concrete."""
    s, e = concrete(t_start), concrete(t_end)
    if s is not None and e is not None and not np.all(e > s):
        raise ValueError(f"t_end must be greater than t_start, got t_start={s}, t_end={e}.")


def tolerance(x: Array) -> Array:
    """A few units in the last place of `x`: how far a time computed as `t0 + i * dt` may
    lie from the number it stands for."""
    x = jnp.asarray(x)
    eps = jnp.finfo(jnp.result_type(x, float)).eps
    # An infinite boundary (`t_end=inf`) is exact: its tolerance is 0, not inf.
    return jnp.where(jnp.isfinite(x), 8 * eps * jnp.abs(x), 0.0)
