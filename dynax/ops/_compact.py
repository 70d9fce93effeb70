"""Shared machinery of the event-driven operators: buckets of active rows, batching, scatter."""

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.custom_batching import custom_vmap
from jax.custom_derivatives import SymbolicZero

from .._custom_types import Array


def buckets(n_rows: int, max_events: int | None) -> tuple[int, ...]:
    """Static sizes 16, 64, 256, … (× 4, up to `max_events`, default `n_rows // 4`) into
    which the active rows are compacted; more active rows than the largest one take the
    every-row path."""
    limit = min(n_rows, max_events or n_rows // 4)
    sizes = [16]
    while sizes[-1] * 4 <= limit:
        sizes.append(sizes[-1] * 4)
    return tuple(b for b in sizes if b < n_rows)


def _pack(active: Array) -> tuple[Array, Array, Array]:
    """The flags packed into 32-bit words, each word's number of set bits, and their
    inclusive cumulative sum (its last entry is the number of active rows)."""
    n = active.shape[0]
    m = -(-n // 32)
    bits = jnp.pad(active, (0, m * 32 - n)).reshape(m, 32).astype(jnp.uint32)
    words = jnp.sum(bits << jnp.arange(32, dtype=jnp.uint32), axis=1, dtype=jnp.uint32)
    counts = jax.lax.population_count(words).astype(jnp.int32)
    return words, counts, jnp.cumsum(counts)


def _select(packed: tuple[Array, Array, Array], n: int, size: int, first=0) -> Array:
    """`size` active indices from `_pack`'s output, from the `first`-th on, padded with
    `n`."""
    words, counts, cum = packed
    m = words.shape[0]
    slot = first + jnp.arange(size, dtype=jnp.int32)
    # Word of slot j: the number of words w with cum[w] <= j, by binary search (a fused
    # compare-all over the words measured slower from 32 slots at n = 4 000).
    word_idx = jnp.zeros(size, jnp.int32)
    step = 1 << (m.bit_length() - 1)
    while step:
        probe = word_idx + step
        ok = (probe <= m) & (cum[jnp.minimum(probe, m) - 1] <= slot)
        word_idx = jnp.where(ok, probe, word_idx)
        step >>= 1
    word_idx = jnp.minimum(word_idx, m - 1)
    rank = slot - (cum[word_idx] - counts[word_idx])  # which set bit of the word
    word = words[word_idx]
    # The bit with `rank` set bits below it: the number of prefixes with <= rank set bits.
    masks = (jnp.uint32(2) << jnp.arange(31, dtype=jnp.uint32)) - 1  # low 1, 2, …, 31 bits
    below = jax.lax.population_count(word[:, None] & masks).astype(jnp.int32)
    bit = jnp.sum(below <= rank[:, None], axis=1, dtype=jnp.int32)
    return jnp.where(slot < cum[-1], word_idx * 32 + bit, n)


def compact(active: Array, size: int) -> Array:
    """`jnp.nonzero(active, size=size, fill_value=n)` for a 1-d bool `active` of length n,
    without a cumulative sum or a scatter over n elements.

    The flags are packed into 32-bit words; a cumulative sum over the n / 32 word counts
    and, per output slot, a search for its word and then for its bit (by population
    counts of the word's low bits) find the index. XLA's `nonzero` (a cumulative sum and
    a scatter over all n entries) measured ten times slower at n = 4 000 on CPU.
    """
    return _select(_pack(active), active.shape[0], size)


def by_activity(
    events: Array, sizes: tuple[int, ...], few: Callable[[Array], Array], every: Callable[[], Array]
) -> Array:
    """`few(idx)` with the indices of the rows of `events` (`(n_rows, batch)`) that hold a
    nonzero, padded with `n_rows` to the smallest bucket in `sizes` that holds them, or
    `every()` when none does. One branch runs (a `lax.switch`)."""
    if not sizes:
        return every()
    active = jnp.any(events != 0, axis=1)
    # Packed once, outside the branches: its count also chooses the branch.
    packed = _pack(active)
    which = sum((packed[2][-1] > s).astype(jnp.int32) for s in sizes)
    branches = [
        functools.partial(lambda s: few(_select(packed, active.shape[0], s)), s) for s in sizes
    ]
    return jax.lax.switch(which, [*branches, every])


def each_active_chunk(
    events: Array, size: int, visit: Callable[[Array, Array], Array], out: Array
) -> Array:
    """`out` after `visit(idx, out)` for each chunk `idx` of `size` indices of the rows of
    `events` (`(n_rows, batch)`) that hold a nonzero (the last chunk padded with
    `n_rows`): a `while_loop` with `out` as its carry, so a `visit` that scatters into
    `out` updates it in place, at a cost proportional to the active rows only."""
    n_rows = events.shape[0]
    packed = _pack(jnp.any(events != 0, axis=1))
    count = packed[2][-1]

    def body(carry):
        first, out = carry
        return first + size, visit(_select(packed, n_rows, size, first), out)

    return jax.lax.while_loop(lambda c: c[0] < count, body, (jnp.int32(0), out))[1]


def scatter_rows(target: Array, contrib: Array, n_out: int, init: Array | None = None) -> Array:
    """$y_j = \\sum_{t:\\,target_t = j} contrib_t$ for `target` in `[0, n_out]` (`n_out`
    collects the padding and is dropped); `contrib` broadcasts to `target.shape + (batch,)`.
    With `init` (`(n_out, batch)`), the sums are added into it (in place where XLA can)."""
    batch = contrib.shape[-1]
    contrib = jnp.broadcast_to(contrib, (*target.shape, batch))
    # XLA would fuse the computation of the targets into the scatter's loop, where it
    # runs several times slower (measured on CPU): materialise them first. (Only the
    # targets: the contributions may be tangents, which a barrier would hide from `grad`.)
    target = jax.lax.optimization_barrier(target.reshape(-1))
    # The padding (`n_out`) is out of bounds and dropped: no extra slot to slice off,
    # which would copy the whole output every step. Negative targets (only in arrays
    # edited out of range) are dropped too, not wrapped around to the end.
    drop: dict[str, Any] = dict(mode="drop", wrap_negative_indices=False)
    if batch == 1:
        out = jnp.zeros(n_out, contrib.dtype) if init is None else init.reshape(n_out)
        return out.at[target].add(contrib.reshape(-1), **drop).reshape(n_out, 1)
    out = jnp.zeros((n_out, batch), contrib.dtype) if init is None else init
    return out.at[target].add(contrib.reshape(-1, batch), **drop)


def scatter_events(
    target: Array, idx: Array, events: Array, dtype, n_out: int, weight: Array | None
) -> Array:
    """Scatter the compacted rows `idx` of `events` (`(n_rows, batch)`) to `target`
    (`(len(idx), k)`), times the per-synapse `weight` rows (`(len(idx), k)`) if given."""
    if weight is None and events.dtype == jnp.bool_:
        # Spikes with a shared weight (applied by the caller): count arrivals in
        # integers, which XLA's CPU scatter adds about twice as fast as floats. With one
        # column every compacted row is active (the padding targets are dropped).
        if events.shape[1] == 1:
            counts = jnp.ones((1, 1, 1), jnp.int32)
        else:
            counts = take_rows(events, idx, False)[:, None, :].astype(jnp.int32)
        return scatter_rows(target, counts, n_out).astype(dtype)
    contrib = take_rows(events.astype(dtype), idx, 0)[:, None, :]
    if weight is not None:
        contrib = contrib * weight[..., None]
    return scatter_rows(target, contrib, n_out)


def csr_rows(indptr: Array, nnz: int) -> Array:
    """Presynaptic (row) index of each of the `nnz` connections of a CSR `indptr`."""
    n_pre = indptr.shape[0] - 1
    return jnp.repeat(jnp.arange(n_pre, dtype=jnp.int32), jnp.diff(indptr), total_repeat_length=nnz)


def take_rows(x: Array, idx: Array, fill) -> Array:
    """`x[idx]` along the first axis, `fill` where `idx` is out of range (the padding)."""
    return jnp.take(x, idx, axis=0, mode="fill", fill_value=fill)


@functools.cache
def batched_kernel(fn: Callable, meta: tuple) -> Callable:
    """`fn(meta, events, *args)`, events `(n_rows, batch)` → `(n_out, batch)`, wrapped so
    that `jax.vmap` over `events` folds the mapped axis into `batch`: the active rows of
    the whole batch are compacted together, and one branch runs rather than every branch.
    A vmap over any other argument falls back to the plain batching of `fn`."""
    plain = functools.partial(fn, meta)
    kernel = custom_vmap(plain)

    @kernel.def_vmap
    def rule(axis_size, in_batched, events, *args):
        if any(in_batched[1:]):
            axes = [0 if b else None for b in in_batched]
            return jax.vmap(plain, in_axes=axes)(events, *args), True
        n_rows, batch = events.shape[1:]
        folded = jnp.moveaxis(events, 0, -1).reshape(n_rows, batch * axis_size)
        out = kernel(folded, *args)
        return jnp.moveaxis(out.reshape(out.shape[0], batch, axis_size), -1, 0), True

    return kernel


def is_zero(tangent) -> bool:
    return isinstance(tangent, SymbolicZero)


def out_dtype(events: Array, *weights: Array):
    """Float dtype of the result: that of the weights, promoted with float events."""
    dtypes = [w.dtype for w in weights]
    if jnp.issubdtype(events.dtype, jnp.inexact):
        dtypes.append(events.dtype)
    return jnp.result_type(*dtypes, float)
