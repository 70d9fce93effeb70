"""JAX's threefry random numbers, computed in a form that XLA fuses into the step.

`fold_in`, `normal` and `uniform` return exactly what `jax.random.fold_in`, `normal` and
`uniform` return for a threefry key (JAX's default) with JAX's default partitionable
counters (`tests/test_random.py` checks it bit for bit). They differ only in how the
hash reaches XLA: its 20 rounds written out as plain integer operations, so that a draw
becomes part of the loop that uses it. JAX 0.10 lowers the hash on the CPU as a loop of
five iterations of its own, which cost 1-2 µs per call inside a step loop whatever the
size: an 80-node rate model's 80 normals a step took 1.6 µs this way and 0.5 µs fused
(benchmarks/README.md, whole-brain section). JAX's current source lowers the hash
unrolled on the CPU too, so there the gain may be smaller; the numbers are the same.
Keys of other implementations (`rbg`, `unsafe_rbg`, custom ones), JAX's older
non-partitionable threefry mode and draws of 2³² numbers or more go to `jax.random`.
"""

import math
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._custom_types import Array, ArrayLike, PRNGKeyArray

# Threefry-2x32 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"):
# the rotation distances of its rounds, four per injection of the key schedule.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)


def _threefry2x32(k0: Array, k1: Array, x0: Array, x1: Array) -> tuple[Array, Array]:
    """The 20-round Threefry-2x32 hash of the counter pair `(x0, x1)` under the key
    `(k0, k1)`, all uint32 (broadcast against each other)."""
    schedule = (k0, k1, k0 ^ k1 ^ _PARITY)
    x0, x1 = x0 + schedule[0], x1 + schedule[1]
    for s in range(5):
        for r in _ROTATIONS[s % 2]:
            x0 = x0 + x1
            x1 = (x1 << np.uint32(r)) | (x1 >> np.uint32(32 - r))
            x1 = x0 ^ x1
        x0 = x0 + schedule[(s + 1) % 3]
        x1 = x1 + schedule[(s + 2) % 3] + np.uint32(s + 1)
    return x0, x1


def _threefry_data(key: Any) -> Array | None:
    """The two uint32 words of a threefry key as JAX's partitionable threefry uses them,
    or None where `jax.random` must draw (another implementation or mode, a key array)."""
    # Flags with a context manager are read as attributes (JAX's config says so).
    if not jax.config.jax_threefry_partitionable:  # type: ignore[attr-defined]
        return None
    if isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        if key.shape or str(jax.random.key_impl(key)) != "threefry2x32":
            return None
        return jax.random.key_data(key)
    default = str(jax.config.jax_default_prng_impl)  # type: ignore[attr-defined]
    if jnp.shape(key) == (2,) and jnp.result_type(key) == jnp.uint32 and default == "threefry2x32":
        return jnp.asarray(key)
    return None


def fold_in(key: PRNGKeyArray, data: ArrayLike) -> PRNGKeyArray:
    """A new key from `key` and a 32-bit integer `data`: exactly
    `jax.random.fold_in(key, data)` (e.g. one key per step, `fold_in(key, step)`)."""
    words = _threefry_data(key)
    if words is None:
        return jax.random.fold_in(key, data)
    if np.ndim(data):
        raise TypeError(f"fold_in takes a scalar; got shape {np.shape(data)}.")
    # JAX hashes the counter pair (0, data): a 32-bit seed padded with a zero high word.
    zero = jnp.zeros((), jnp.uint32)
    o0, o1 = _threefry2x32(words[0], words[1], zero, jnp.asarray(data, jnp.uint32))
    out = jnp.stack([o0, o1])
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return jax.random.wrap_key_data(out, impl=jax.random.key_impl(key))
    return out


def _bits(words: Array, nbits: int, shape: tuple[int, ...]) -> Array:
    """JAX's partitionable threefry bits: element j hashes the counter pair (j >> 32,
    j & 0xffffffff) (here j < 2^32, so (0, j)); 32 bits or fewer XOR the two words."""
    count = jax.lax.iota(jnp.uint32, math.prod(shape)).reshape(shape)
    hi, lo = _threefry2x32(words[0], words[1], jnp.zeros((), jnp.uint32), count)
    if nbits == 64:
        return (hi.astype(jnp.uint64) << np.uint64(32)) | lo.astype(jnp.uint64)
    return (hi ^ lo).astype({8: jnp.uint8, 16: jnp.uint16, 32: jnp.uint32}[nbits])


def _unit(words: Array, shape: tuple[int, ...], dtype: Any) -> Array:
    """Uniform in [0, 1) of `dtype` as `jax.random.uniform` makes it: random mantissa
    bits under the exponent of 1.0, minus 1."""
    info = jnp.finfo(dtype)
    nbits, nmant = info.bits, info.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = {16: jnp.uint16, 32: jnp.uint32, 64: jnp.uint64}[nbits]
    bits = _bits(words, rng_bits, shape).astype(uint)
    one = np.array(1.0, dtype).view(uint)
    mantissa = (bits >> np.array(rng_bits - nmant, uint)) | one
    return jax.lax.bitcast_convert_type(mantissa, dtype) - np.array(1.0, dtype)


def _fusable(key: Any, shape: tuple[int, ...], dtype: Any) -> Array | None:
    words = _threefry_data(key)
    if words is None or math.prod(shape) >= 2**32 or jnp.finfo(dtype).bits not in (16, 32, 64):
        return None
    return words


def _float_dtype(dtype: Any) -> Any:
    dtype = jnp.dtype(float) if dtype is None else jnp.dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"dtype must be a floating-point type; got {dtype}.")
    return jax.dtypes.canonicalize_dtype(dtype)


def uniform(
    key: PRNGKeyArray,
    shape: tuple[int, ...] = (),
    dtype: Any = None,
    minval: ArrayLike = 0.0,
    maxval: ArrayLike = 1.0,
) -> Array:
    """Uniform numbers in [`minval`, `maxval`) of `shape` and floating `dtype` (default
    JAX's float): exactly `jax.random.uniform(key, shape, dtype, minval, maxval)`."""
    return _uniform(key, tuple(shape), _float_dtype(dtype), minval, maxval)


# Jitted (and inlined into a caller's jit) as JAX's samplers are: XLA contracts the
# scaling's multiply and add into one rounding, so an eager version would differ from
# `jax.random.uniform` in the last bit.
@partial(jax.jit, static_argnums=(1, 2), inline=True)
def _uniform(key: Any, shape: tuple[int, ...], dtype: Any, minval: Any, maxval: Any) -> Array:
    words = _fusable(key, shape, dtype)
    if words is None:
        return jax.random.uniform(key, shape, dtype, minval, maxval)
    lo = jnp.asarray(minval, dtype)
    hi = jnp.asarray(maxval, dtype)
    return jnp.maximum(lo, _unit(words, shape, dtype) * (hi - lo) + lo)


def normal(key: PRNGKeyArray, shape: tuple[int, ...] = (), dtype: Any = None) -> Array:
    """Standard normal numbers of `shape` and real floating `dtype` (default JAX's float):
    exactly `jax.random.normal(key, shape, dtype)`, $\\sqrt 2\\,$erf⁻¹ of a uniform
    number in (-1, 1)."""
    return _normal(key, tuple(shape), _float_dtype(dtype))


@partial(jax.jit, static_argnums=(1, 2), inline=True)
def _normal(key: Any, shape: tuple[int, ...], dtype: Any) -> Array:
    words = _fusable(key, shape, dtype)
    if words is None:
        return jax.random.normal(key, shape, dtype)
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = jnp.maximum(lo, _unit(words, shape, dtype) * (np.array(1.0, dtype) - lo) + lo)
    return jnp.asarray(np.sqrt(2), dtype) * jax.lax.erf_inv(u)
