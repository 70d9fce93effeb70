"""Argument checks of the model library (neurons, synapses, outputs).

`param` converts a numeric argument and checks it where it is concrete (a model built
under `vmap` has traced arguments, which pass unchecked), raising a `ValueError` that
names the argument and its value.
"""

from typing import Any

import jax
import numpy as np

from .._custom_types import Array
from .._system import as_float_array


def concrete(x: Any) -> np.ndarray | None:
    """`x` as a NumPy array, or `None` when it is traced."""
    try:
        return np.asarray(x)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def size(n: Any, name: str = "n") -> int:
    """`n` as a structural size: a positive Python int (NumPy integers are converted)."""
    n = int(n) if isinstance(n, np.integer) else n
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{name} must be a positive int, got {name}={n!r}.")
    return n


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
    try:
        arr = as_float_array(x, name)
    except TypeError as e:
        raise ValueError(f"{name} must be a number or an array of numbers, got {x!r}.") from e
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
