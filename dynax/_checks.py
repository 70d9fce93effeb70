"""Argument checks shared by the library: sizes, numeric parameters, times.

Constructors convert their arguments (`to_float`, `to_time`, `to_size`) and check them
where they are concrete (a model built under `vmap` has traced arguments, which pass
unchecked), raising a `ValueError` that names the argument and shows its value.
"""

import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._custom_types import Array, Float
from ._system import as_float_array

ScalarOrN = Float[Array, ""] | Float[Array, " n"]
"""A parameter that is either shared (a scalar) or per neuron (shape `(n,)`)."""


def concrete(x: Any) -> np.ndarray | None:
    """`x` as a NumPy array, or `None` when it is traced."""
    try:
        return np.asarray(x)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def to_size(n: Any) -> Any:
    """A NumPy integer as a Python `int`; anything else unchanged (see `check_size`)."""
    return int(n) if isinstance(n, np.integer) else n


def check_size(n: Any, name: str = "n") -> int:
    """`n` as a structural size: a positive int (NumPy integers are converted)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{name} must be a positive int, got {name}={n!r}.")
    return int(n)


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


def param(
    x: Any,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    n: int | None = None,
) -> Array:
    """`x` as a float array, finite (and positive or non-negative if asked); with `n`,
    a scalar or of shape `(n,)`."""
    arr = to_float(x, name)
    if n is not None and arr.shape not in ((), (n,)):
        raise ValueError(f"{name} must be a scalar or have shape ({n},), got shape {arr.shape}.")
    check_values(arr, name, finite=True, positive=positive, nonnegative=nonnegative)
    return arr


def check_values(
    x: Any, name: str, *, finite: bool, positive: bool = False, nonnegative: bool = False
) -> None:
    """Check the values of `x` where it is concrete (traced values pass unchecked),
    raising a `ValueError` that names `name` and shows the values."""
    value = concrete(x)
    if value is None:
        return
    if finite and not np.all(np.isfinite(value)):
        raise ValueError(f"{name} must be finite, got {name}={_show(value)}.")
    if positive and not np.all(value > 0):
        raise ValueError(f"{name} must be positive, got {name}={_show(value)}.")
    if nonnegative and not np.all(value >= 0):
        raise ValueError(f"{name} must be non-negative, got {name}={_show(value)}.")


def check_below(low: Array, low_name: str, high: Array, high_name: str, why: str) -> None:
    """`low < high` elementwise where both are concrete."""
    a, b = concrete(low), concrete(high)
    if a is None or b is None or np.all(a < b):
        return
    raise ValueError(
        f"{low_name} must be below {high_name} ({why}), got {low_name}={_show(a)}, "
        f"{high_name}={_show(b)}."
    )


def _show(value: np.ndarray) -> str:
    return str(value.item()) if value.ndim == 0 else np.array2string(value, threshold=8)
