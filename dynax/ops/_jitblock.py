"""Just-in-time connectivity regenerated for one block of postsynaptic columns: what a
device of a sharded network computes of a `dx.connect.JitProb` (see `dx.shard`).

Each active row is generated exactly as in `_jitconn` (the same draws, so the same
connections as without sharding), and only its columns in `[lo, lo + m)` are kept,
renumbered from 0. Without column tiles a row is drawn from its first column up to the
block's last; with them (`dx.connect.JitProb(..., column_tile=T)`), only the tiles that
overlap the block. The sums run over the rows and their draws in the same order as
`_jitconn`'s, so each column of the block gets the sums the whole operator gives it.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._custom_types import Array
from . import _jitconn, _native
from ._compact import by_activity, scatter_rows
from ._jitconn import JitMeta, _blocks, pallas_target
from ._kernels import PALLAS
from ._pallas import Target, launch


class BlockMeta(NamedTuple):
    """The whole operator's `JitMeta` and the block's number of columns `m`."""

    whole: JitMeta
    m: int


def _columns(meta: BlockMeta, seed, rows, a, b, lo):
    """The block's columns of `rows` (`m` where none) and their weights: the draws of the
    tiles that overlap the block (the whole row without tiles)."""
    first, count = _jitconn.window_tiles(meta.whole, lo, meta.m)
    cols, w = _jitconn._generate(meta.whole, seed, rows, a, b, first, count)
    local = cols - lo
    inside = (cols < meta.whole.n_post) & (local >= 0) & (local < meta.m)
    return jnp.where(inside, local, meta.m), w


def scatter_every(meta: BlockMeta, values, a, b, seed, lo):
    """$v W_{:, lo:lo+m}$ for `values` `(n_pre, batch)`, generating every row in the
    blocks of rows of `_jitconn._scatter_every` (the same partial sums)."""
    block, n_blocks = _blocks(meta.whole)

    def add(start, acc):
        rows = start + jnp.arange(block)
        cols, w = _columns(meta, seed, rows, a, b, lo)
        scale = jnp.take(values, rows, axis=0, mode="fill", fill_value=0)
        return acc + scatter_rows(cols, scale[:, None, :] * jnp.asarray(w)[..., None], meta.m)

    init = jnp.zeros((meta.m, values.shape[1]), values.dtype)
    if n_blocks == 1:
        return add(0, init)
    return jax.lax.fori_loop(0, n_blocks, lambda i, acc: add(i * block, acc), init)


def gather_every(meta: BlockMeta, values, a, b, seed, lo):
    """$W_{:, lo:lo+m} v$ for `values` `(m, batch)`: each row's part from the block."""
    n_pre = meta.whole.n_pre
    block, n_blocks = _blocks(meta.whole)

    def rows_out(rows):
        cols, w = _columns(meta, seed, rows, a, b, lo)
        gathered = jnp.take(values, cols, axis=0, mode="fill", fill_value=0)
        return jnp.sum(gathered * jnp.asarray(w)[..., None], axis=1)

    rows = jnp.arange(n_blocks * block).reshape(n_blocks, block)
    out = rows_out(rows[0]) if n_blocks == 1 else jax.lax.map(rows_out, rows)
    return out.reshape(n_blocks * block, -1)[:n_pre]


def event_kernel(meta: BlockMeta, events, a, b, seed, lo):
    """$e W_{:, lo:lo+m}$ for events `(n_pre, batch)`, by the kernel `_jitconn._event_kernel`
    would use (Pallas, compiled CPU kernel, or its XLA path, visiting the same rows)."""
    n_pre, mode, dtype = meta.whole.n_pre, meta.whole.mode, meta.whole.dtype
    if mode in PALLAS and events.shape[1] == 1:
        target = block_target(meta, a, b, seed, lo)
        return launch(events[:, 0], [target], dtype, mode == "interpret")[0][:, None]
    if mode == "native" and _native.supports(events, dtype):
        zeros = jnp.zeros((events.shape[1], meta.m), dtype)
        return native_event(meta, events.T, a, b, seed, lo, zeros).T
    values = events.astype(dtype)

    def few(idx):
        cols, w = _columns(meta, seed, idx, a, b, lo)
        cols = jnp.where((idx < n_pre)[:, None], cols, meta.m)
        scale = jnp.take(values, idx, axis=0, mode="fill", fill_value=0)
        return scatter_rows(cols, scale[:, None, :] * jnp.asarray(w)[..., None], meta.m)

    return by_activity(
        events, meta.whole.sizes, few, lambda: scatter_every(meta, values, a, b, seed, lo)
    )


def native_event(meta: BlockMeta, events, a, b, seed, lo, init) -> Array:
    """`init + events @ W[:, lo:lo+m]` through the compiled CPU kernel, added in place."""
    return _jitconn.native_event(meta.whole, events, a, b, seed, init, lo, meta.m)


def block_target(meta: BlockMeta, a, b, seed, lo) -> Target:
    """The block for the Pallas kernels (`_jitconn.pallas_target` on its columns)."""
    return pallas_target(meta.whole, a, b, seed, lo, meta.m)
