"""The initialiser contract and the deterministic initialisers: `init(key, shape) -> array`."""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, PRNGKeyArray
from .._system import as_float_array


def float_dtype(dtype) -> np.dtype:
    """`dtype` if given, else JAX's default float (float32, or float64 under x64)."""
    return jnp.dtype(jnp.result_type(float) if dtype is None else dtype)


def require_key(key, who: str):
    """Random initialisers need a key; say so clearly instead of failing inside JAX."""
    if key is None:
        raise ValueError(f"{who} is random: call it with a PRNG key, got key=None.")


def check_less(low, high, who: str, strict: bool = True):
    """`low < high` (or `<=`) where both are concrete; traced values go unchecked."""
    try:
        lo, hi = np.asarray(low), np.asarray(high)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return
    ok = np.all(lo < hi) if strict else np.all(lo <= hi)
    if not ok:
        sign = "<" if strict else "<="
        raise ValueError(f"{who} needs low {sign} high, got low={lo!r}, high={hi!r}.")


def check_choice(value, name: str, choices: tuple[str, ...]):
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"Unknown {name}={value!r}; valid choices are {valid}.")


class AbstractInitializer(eqx.Module):
    """Makes an array of a given shape: `initializer(key, shape, dtype=None)`.

    The same call serves weights (`shape=(n_pre, n_post)` or `(nnz,)`), delays and
    initial states (`shape=(n,)`). Numeric parameters are array fields, so a model that
    holds an initialiser can still be vmapped over its parameters.

    - `key`: a `jax.random.key`; deterministic initialisers ignore it (and accept
      `None`), random ones raise a `ValueError` when it is `None`.
    - `shape`: the shape of the result.
    - `dtype`: the floating dtype of the result; default float32 (float64 under x64).
    """

    @abc.abstractmethod
    def __call__(self, key: PRNGKeyArray | None, shape: tuple[int, ...], dtype=None) -> Array:
        """An array of `shape` (float32 unless `dtype` or x64 says otherwise)."""


class Zero(AbstractInitializer):
    """Every entry `0` (deterministic; `key` is ignored)."""

    def __call__(self, key, shape, dtype=None):
        return jnp.zeros(shape, float_dtype(dtype))


class Fill(AbstractInitializer):
    """Every entry equal to `value` (deterministic; `key` is ignored).

    **Arguments:**

    - `value`: the value, in the unit of the quantity being initialised; a scalar or an
      array that broadcasts to the requested shape (e.g. `(n,)` for heterogeneous values).
    """

    value: Array

    def __init__(self, value: ArrayLike):
        self.value = as_float_array(value, "value")

    def __call__(self, key, shape, dtype=None):
        return jnp.broadcast_to(self.value, shape).astype(float_dtype(dtype))


class Clip(AbstractInitializer):
    """Another initialiser's values clipped to `[low, high]`.

    Clipping (unlike `TruncatedNormal`) piles the mass beyond a bound onto the bound:
    `Clip(Normal(0.5, 0.2), low=0.0)` gives non-negative weights with an atom at 0, as
    used to keep excitatory weights excitatory (Dale's law).

    **Arguments:**

    - `init`: the initialiser whose values are clipped; it receives the key unchanged.
    - `low`: the lower bound, or `None` for none.
    - `high`: the upper bound, or `None` for none. Where both are given, `low < high`.
    """

    init: AbstractInitializer
    low: Array | None
    high: Array | None

    def __init__(
        self,
        init: AbstractInitializer,
        low: ArrayLike | None = None,
        high: ArrayLike | None = None,
    ):
        if not callable(init):
            raise ValueError(f"Clip needs an initialiser, got init={init!r}.")
        self.init = init
        self.low = None if low is None else as_float_array(low, "low")
        self.high = None if high is None else as_float_array(high, "high")

    def __check_init__(self):
        if self.low is not None and self.high is not None:
            check_less(self.low, self.high, "Clip")

    def __call__(self, key, shape, dtype=None):
        x = self.init(key, shape, float_dtype(dtype))
        return jnp.clip(x, self.low, self.high).astype(x.dtype)
