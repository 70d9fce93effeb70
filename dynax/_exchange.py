"""What the shards of a sharded network send each other: spike vectors gathered with one
`all_gather`, boolean spikes bit-packed into `uint32` words; and the `shard_map` of the
JAX version installed."""

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, PartitionSpec as P

from ._custom_types import Array

try:  # public from JAX 0.7 on
    from jax import shard_map as _shard_map

    _CHECK = "check_vma"
except ImportError:  # pragma: no cover - older JAX
    from jax.experimental.shard_map import shard_map as _shard_map  # type: ignore[no-redef]

    _CHECK = "check_rep"


def shard_map(f: Callable, mesh: Mesh, in_specs: Any, out_specs: Any) -> Callable:
    """`jax.shard_map` (`jax.experimental.shard_map.shard_map` before JAX 0.7), manual over
    every axis of `mesh`. Replication is not checked: the compiled CPU kernels called
    inside (`jax.ffi`) declare none, and every output spec here is exact by construction
    (a replicated output is the result of a collective)."""
    check = {_CHECK: False}
    return _shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, **check)  # type: ignore[call-overload]


def pack(x: Array) -> Array:
    """Boolean `x` `(..., n)` as `uint32` words `(..., ceil(n / 32))`, bit `b` of word `w`
    holding entry `32 w + b`; any other dtype unchanged."""
    if x.dtype != jnp.bool_:
        return x
    n = x.shape[-1]
    words = -(-n // 32)
    bits = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, 32 * words - n)])
    bits = bits.reshape(*x.shape[:-1], words, 32).astype(jnp.uint32)
    return jnp.sum(bits << jnp.arange(32, dtype=jnp.uint32), axis=-1, dtype=jnp.uint32)


def unpack(words: Array, n: int) -> Array:
    """The `(..., n)` booleans packed by `pack` (`uint32` words); any other dtype as is."""
    if words.dtype != jnp.uint32:
        return words
    bits = (words[..., None] >> jnp.arange(32, dtype=jnp.uint32)) & np.uint32(1)
    return bits.reshape(*words.shape[:-1], -1)[..., :n].astype(jnp.bool_)


def gather(locals_: Sequence[Array], mesh: Mesh, axis: str, packed: bool = False) -> list[Array]:
    """Each `(..., n)` array of `locals_` (global arrays split along their last axis over
    `axis`) whole on every device, in one `all_gather` for all of them: boolean ones
    travel bit-packed (32 spikes a word), other dtypes as they are (one collective per
    dtype). With `packed`, boolean results stay packed, as the `(..., ceil(n / 32))`
    words of `pack` of the whole vector (other dtypes come whole, `(..., n)`): a layout
    that does not depend on the number of devices."""
    shards = mesh.shape[axis]
    ns = [x.shape[-1] // shards for x in locals_]

    def body(*xs):
        local = [pack(x) for x in xs]
        out: list[Any] = [None] * len(local)
        by_dtype: dict[Any, list[int]] = {}
        for k, x in enumerate(local):
            by_dtype.setdefault(x.dtype, []).append(k)
        for ks in by_dtype.values():
            flat = jnp.concatenate([local[k].reshape(-1) for k in ks])
            every = jax.lax.all_gather(flat, axis)  # (shards, total)
            offset = 0
            for k in ks:
                size = local[k].size
                part = every[:, offset : offset + size].reshape(shards, *local[k].shape)
                offset += size
                part = jnp.moveaxis(part, 0, -2)  # (..., shards, words or n)
                out[k] = _whole_words(part, ns[k]) if packed else unpack_gathered(part, ns[k])
        return tuple(out)

    specs = tuple(P(*([None] * (x.ndim - 1)), axis) for x in locals_)
    out_specs = tuple(P() for _ in locals_)
    return list(shard_map(body, mesh, specs, out_specs)(*locals_))


def _whole_words(part: Array, n_local: int) -> Array:
    """`(..., shards, words)` of `shards` blocks of `n_local` spikes, each packed alone,
    as the words of the whole vector packed at once (other dtypes: the whole vector).
    The same words when each block fills whole words; otherwise unpacked and packed
    again, once per gather."""
    if part.dtype != jnp.uint32 or n_local % 32 == 0:
        return part.reshape(*part.shape[:-2], -1)
    return pack(unpack_gathered(part, n_local))


def unpack_gathered(part: Array, n_local: int) -> Array:
    """`(..., shards, words)` from `gather(..., packed=True)` (or `(..., shards, n_local)`
    of another dtype) as the whole `(..., shards × n_local)` vector."""
    part = unpack(part, n_local)
    return part.reshape(*part.shape[:-2], -1)
