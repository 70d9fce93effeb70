r"""Just-in-time connectivity: random connections regenerated from `(seed, row)` inside the
operator, never stored.

Row $i$ of the `(n_pre, n_post)` matrix (the targets of presynaptic neuron $i$) is drawn by
geometric skipping: its connected columns are $c_t = c_{t-1} + 1 + \lfloor \log u_t /
\log(1 - p) \rfloor$, $c_{-1} = -1$, which makes every entry independently present with
probability $p$; $u_t$ and the weight of connection $t$ come from a counter-based hash of
`(seed, stream, i, t)` (murmur3's 32-bit finaliser on `uint32`), so any row can be
regenerated alone, by any operator, in any order. A row holds at most $K$ connections
(`dx.connect.JitProb.max_fan_out`, which owns that cap; a longer row keeps its first $K$,
in every operator alike).

With column tiles of $T$ columns (`dx.connect.JitProb(..., column_tile=T)`), each pair of
a row and a tile $j$, the columns $[jT, (j + 1)T)$, has a stream of its own: the skipping
restarts at column $jT - 1$ with keys mixed with $j$ (`_tile_keys`), stops at the tile's
end, and keeps at most $K_T$ connections (the cap for $T$ columns). An operator that
needs only the columns $[lo, lo + m)$ (a device's block of a sharded network) then draws
only the tiles that overlap them. Tile 0 keeps the row's own keys, so a single tile
($T \ge$ `n_post`) is the untiled row: `JitMeta.tile` is `n_post` without tiles, and the
code below is one path for both.

The same seed gives the same connections on every backend (XLA on CPU or GPU, the Pallas
kernels, the compiled CPU kernel): a transcendental `log` differs in its last bit between
them, and a floor of it would then move a column now and then. The skip is computed
instead from an integer logarithm (`_neg_log2`: $-\log_2 u$ in units of $2^{-26}$ from
table look-ups and integer arithmetic, within $2.25 \cdot 2^{-26}$ of the exact value), then
one float32 conversion and one product, which IEEE arithmetic rounds alike everywhere
(no fused multiply–add can form: nothing is added to the product). The tables are
computed in decimal arithmetic (`decimal`'s correctly rounded `ln`), the same on every
host. Normal weights (Box–Muller: `log`, `cos`, `sqrt`) may still differ in their last
bit between backends; homogeneous and uniform weights do not.
"""

import functools
from decimal import Decimal, localcontext
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as pltriton

from .._custom_types import Array
from . import _native
from ._compact import buckets, by_activity, scatter_rows
from ._kernels import PALLAS, mode
from ._pallas import CHUNK, Target, add_atomic, launch

_GOLDEN = np.uint32(0x9E3779B9)
_ROW = np.uint32(0x85EBCA77)
_STREAM = np.uint32(0xC2B2AE3D)
_TILE = np.uint32(0x27D4EB2F)
_ROWS_PER_BLOCK_ELEMENTS = 1 << 20  # rows × K generated at once on the every-row paths
_STREAMS = {"homo": 1, "uniform": 2, "normal": 3}  # hash streams each distribution uses
_DISTS = tuple(_STREAMS)


def _fmix(h: Array) -> Array:
    """murmur3's 32-bit finaliser: a bijection of uint32 with full avalanche."""
    h = h ^ (h >> 16)
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> 13)
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> 16)


def _row_key(seed: Array, stream: int, rows: Array) -> Array:
    """uint32 key of `(seed, stream, row)` for each of `rows`."""
    key = _fmix(seed.astype(jnp.uint32) + np.uint32(stream * int(_STREAM) % 2**32))
    return _fmix(key ^ (rows.astype(jnp.uint32) * _ROW))


def _tile_keys(keys: tuple[Array, ...], tile) -> tuple[Array, ...]:
    """The keys of tile `tile` (an int or an int32 array) of the rows keyed `keys`: the
    rows' own for tile 0 (one tile is the untiled row), else mixed with the tile's index."""
    if isinstance(tile, int) and tile == 0:
        return keys
    mix = jnp.asarray(tile).astype(jnp.uint32) * _TILE
    return tuple(jnp.where(tile == 0, key, _fmix(key ^ mix)) for key in keys)


def _draw(key: Array, t: Array) -> Array:
    """uint32 hash of draw(s) `t` of the rows keyed `key` (broadcasting)."""
    return _fmix(key + jnp.asarray(t).astype(jnp.uint32) * _GOLDEN)


def _bits(seed: Array, stream: int, rows: Array, n_draws: int) -> Array:
    """uint32 hash of `(seed, stream, row, draw)` for `rows` × `range(n_draws)`."""
    return _draw(_row_key(seed, stream, rows)[:, None], jnp.arange(n_draws))


_FRAC = 26  # fraction bits of the fixed-point -log2 u: 24 * 2^26 < 2^31
_HI = 13  # mantissa bits of u that index the table (2^13 rows); 10 bits remain


@functools.cache
def _log_table() -> np.ndarray:
    r"""int32 `(2 · 2^13,)`: for the top 13 mantissa bits `hi` of $x = 1 + f \in [1, 2)$,
    at `2 hi`: $\log_2(1 + hi / 2^{13})$ in units of $2^{-26}$; at `2 hi + 1`: the
    coefficient of the first-order term of $\log_2(1 + z)$, $z = lo / (2^{23} + hi \,
    2^{10})$ for the 10 bits `lo` below (see `_neg_log2`). The two entries of a draw are
    neighbours (one cache line on a GPU). Decimal arithmetic (correctly rounded `ln`), so
    every host computes the same integers."""
    with localcontext() as ctx:
        ctx.prec = 40
        ln2 = Decimal(2).ln()
        table = []
        for hi in range(1 << _HI):
            x = 1 + Decimal(hi) / (1 << _HI)
            den = Decimal((1 << 23) + (hi << (23 - _HI)))
            table.append(x.ln() / ln2 * (1 << _FRAC))
            table.append((1 << (_FRAC + 16)) / (den * ln2))  # < 2^20: lo · first < 2^30
    return np.asarray([int(v.to_integral_value()) for v in table], np.int32)


def _neg_log2(bits: Array, lookup) -> Array:
    r"""$-\log_2 u$ for $u = (\lfloor bits / 2^8 \rfloor + 1) 2^{-24} \in (0, 1]$, as int32
    in units of $2^{-26}$, with integer operations only (`lookup(i)`: entries `i` of
    `_log_table`), so that every backend computes the same bits.

    $m = 2^{24} u$ is an integer in $[1, 2^{24}]$: its float32 is exact, whose exponent
    $e$ and 23 mantissa bits (`hi`: the top 13, `lo`: 10) give $\log_2 m = e + \log_2(1 +
    hi / 2^{13}) + \log_2(1 + z)$, $z = lo / (2^{23} + hi \, 2^{10}) < 2^{-13}$, with
    $\log_2(1 + z) \approx z / \ln 2$: the quadratic term is below $2^{-27} / \ln 2 < 0.75$
    units, the table's rounding and the shift add at most 1.5, so the result is within
    2.25 units ($3.4 \cdot 10^{-8}$) of $-\log_2 u$. Two table entries per draw (a
    second-order term would need a third)."""
    m = (bits >> 8) + np.uint32(1)
    f = jax.lax.bitcast_convert_type(m.astype(jnp.float32), jnp.uint32)
    exponent = (f >> 23).astype(jnp.int32) - 127
    hi = ((f >> (23 - _HI)) & np.uint32((1 << _HI) - 1)).astype(jnp.int32)
    lo = f & np.uint32((1 << (23 - _HI)) - 1)
    log, first = lookup(2 * hi), lookup(2 * hi + 1)
    linear = (lo * first.astype(jnp.uint32)) >> 16
    log2m = log + linear.astype(jnp.int32)
    return jnp.maximum(((24 - exponent) << _FRAC) - log2m, 0)


def _skip_scale(prob: float) -> float:
    r"""$1 / (-\log_2(1 - p))$ per unit of `_neg_log2`, rounded to float32 from decimal
    arithmetic (the same on every host)."""
    if prob == 1:
        return 0.0
    with localcontext() as ctx:
        ctx.prec = 40
        scale = Decimal(2).ln() / -(1 - Decimal(prob)).ln() / (1 << _FRAC)
    return float(np.float32(float(scale)))


class JitMeta(NamedTuple):
    """The static description of a JIT-connectivity operator: sizes, the cap `k` of a
    row's connections in one tile (`dx.connect.JitProb.max_fan_out` without tiles), the
    columns of a tile (`n_post` without tiles), the skip per unit of `_neg_log2` and its
    cap, the weight distribution, buckets of active rows, output dtype and kernel mode."""

    n_pre: int
    n_post: int
    k: int
    tile: int
    prob: float
    scale: float
    cap: int
    dist: str
    sizes: tuple[int, ...]
    dtype: Any
    mode: str


def _meta(shape, prob, k, dist, max_events, dtype, kernel, tile=None) -> JitMeta:
    """The `JitMeta` of `JitProb(*shape, prob, column_tile=tile)` with cap `k` per tile."""
    n_pre, n_post = shape
    tile = n_post if tile is None else min(tile, n_post)
    # Cap single skips so that K cumulated skips fit in int32; a cap below the tile's
    # columns changes a row only when a skip exceeds it, with probability (1 - p)^cap
    # per draw.
    cap = int(min(tile, (2**31 - 1) // (k + 1) - 1))
    sizes = buckets(n_pre, max_events)
    scale, dtype = _skip_scale(prob), jnp.dtype(dtype)
    return JitMeta(n_pre, n_post, k, tile, prob, scale, cap, dist, sizes, dtype, mode(kernel))


def _n_tiles(meta: JitMeta) -> int:
    return -(-meta.n_post // meta.tile)


def window_tiles(meta: JitMeta, lo, m: int) -> tuple[Any, int]:
    """The first tile that overlaps the columns `[lo, lo + m)` (`lo` may be traced) and
    the most tiles such a window can overlap (static): at most one partly outside at
    each end."""
    if meta.tile == meta.n_post:
        return 0, 1
    return lo // meta.tile, min(_n_tiles(meta), -(-(m - 1) // meta.tile) + 1)


def _row_keys(seed: Array, rows: Array, dist: str) -> tuple[Array, ...]:
    """The keys of `rows`' draws: connections, then the weights' one or two uniforms."""
    return tuple(_row_key(seed, s, rows) for s in range(_STREAMS[dist]))


def _uniform(bits: Array) -> Array:
    """float32 uniform on (0, 1] from the top 24 bits."""
    return ((bits >> 8) + 1).astype(jnp.float32) * np.float32(2**-24)


def _table_lookup():
    """`lookup` for `_neg_log2` outside a kernel."""
    table = jnp.asarray(_log_table())
    return lambda i: table.at[i].get(mode="promise_in_bounds")


def _connection(meta, keys, t, a, b, lookup):
    """Draw(s) `t` of the rows keyed `keys`: the column skip (int32) and the weight.
    The skip is the same on every backend (see `_neg_log2`)."""
    scale, cap, dist = meta.scale, meta.cap, meta.dist
    units = _neg_log2(_draw(keys[0], t), lookup).astype(jnp.float32)
    skip = jnp.floor(units * np.float32(scale))
    skip = jnp.minimum(skip, np.float32(cap)).astype(jnp.int32)
    if dist == "homo":
        return skip, a
    u = _uniform(_draw(keys[1], t))
    if dist == "uniform":
        r = u - np.float32(2**-24)  # [0, 1)
    else:  # Box–Muller: tails reach ±5.8σ with 24-bit uniforms
        angle = np.float32(2 * np.pi) * _uniform(_draw(keys[2], t))
        r = jnp.sqrt(np.float32(-2) * jnp.log(u)) * jnp.cos(angle)
    return skip, a + b * r.astype(a.dtype)


def _generate(meta, seed, rows, a, b, first=0, count=None):
    """Columns `(len(rows), count K)` (`n_post` where there is no connection) and weights
    of the tiles `first, ..., first + count - 1` of `rows` (default: all; `first` may be
    traced, and tiles past the last give no connection)."""
    n_post, k, tile, dist = meta.n_post, meta.k, meta.tile, meta.dist
    count = _n_tiles(meta) if count is None else count
    index = first if count == 1 else first + jnp.arange(count)[:, None]  # (count, 1)
    keys = tuple(key[:, None, None] for key in _row_keys(seed, rows, dist))
    keys = _tile_keys(keys, index)
    skip, w = _connection(meta, keys, jnp.arange(k), a, b, _table_lookup())  # (rows, count, K)
    local = jnp.cumsum(skip + 1, axis=2) - 1
    begin = index * tile
    cols = jnp.where(local < jnp.minimum(n_post - begin, tile), begin + local, n_post)
    cols = cols.reshape(rows.shape[0], count * k)
    return cols, w if jnp.ndim(w) == 0 else jnp.reshape(w, cols.shape)


def pallas_target(meta, a, b, seed, lo=None, m: int | None = None) -> Target:
    """The matrix of `meta` (weights `a + b r`) for the Pallas kernels: the rows of active
    neurons are regenerated with the same `_row_keys`, `_tile_keys` and `_connection` as
    the XLA path, so both apply the same matrix; a tile's draws a chunk at a time, in
    parallel, their column skips summed by a cumulative sum. With `lo` (an int32 scalar)
    and `m`, only the columns `[lo, lo + m)`, as column `0, ..., m - 1` (a device's block
    of a sharded network, `dx.connect.JitBlock`), drawing only the tiles that overlap
    them."""
    n_post, k, tile, dist = meta.n_post, meta.k, meta.tile, meta.dist
    width = _chunk(meta)
    m = n_post if m is None else m
    tiled = tile < n_post

    def visitor(refs, out_ref, offset, dtype, interpret):
        a_ref, b_ref, seed_ref, table_ref, lo_ref = refs
        start = lo_ref[0]
        end = jnp.minimum(start + m, n_post)

        def lookup(i):
            return pltriton.load(table_ref.at[i])

        def chunk_of(keys, c, last, stop):  # draws [c width, (c + 1) width) after `last`
            t = c * width + jnp.arange(width)
            skip, w = _connection(meta, keys, t, a_ref[0], b_ref[0], lookup)
            col = last + jnp.cumsum(jnp.where(t < k, skip + 1, 0))
            return col, (t < k) & (col >= start) & (col < stop), w

        def tile_of(keys, j):  # tile j's keys, the column before it, and where it stops
            if not tiled:
                return keys, jnp.int32(-1), end
            return _tile_keys(keys, j), j * tile - 1, jnp.minimum(j * tile + tile, end)

        def load(row):  # the first chunk of the first tile (most rows fit in one)
            keys = _row_keys(seed_ref[0], row, dist)
            j = start // tile if tiled else 0
            tile_keys, before, stop = tile_of(keys, j)
            return keys, j, chunk_of(tile_keys, 0, before, stop)

        def add(loaded, value):
            keys, first_tile, first = loaded

            def scatter(chunk):
                col, mask, w = chunk
                at = offset + col - start
                add_atomic(out_ref, at, (value * w).astype(dtype), mask, interpret)
                return jnp.max(col)

            if not tiled:

                def more(carry):  # stop at the row's last draw or once past its last column
                    c, last = carry
                    return (c * width < k) & (last < end)

                def rest(carry):
                    c, last = carry
                    return c + 1, scatter(chunk_of(keys, c, last, end))

                jax.lax.while_loop(more, rest, (1, scatter(first)))
                return

            def settle(j, c, last):  # on to the next tile at its last draw or past its end
                done = (c * width >= k) | (last >= tile_of(keys, j)[2])
                # Arithmetic, not `jnp.where(done, 0, c)`: Pallas's Triton lowering gives
                # a select between two constants (c = 1 at the start) a boolean type.
                stay = jnp.logical_not(done).astype(jnp.int32)
                return j + 1 - stay, c * stay, jnp.where(done, (j + 1) * tile - 1, last)

            def more_tiles(carry):
                return carry[0] <= (end - 1) // tile

            def next_chunk(carry):
                j, c, last = carry
                tile_keys, _, stop = tile_of(keys, j)
                return settle(j, c + 1, scatter(chunk_of(tile_keys, c, last, stop)))

            jax.lax.while_loop(more_tiles, next_chunk, settle(first_tile, 1, scatter(first)))

        return load, add

    table = jnp.asarray(_log_table())
    first = jnp.zeros(1, jnp.int32) if lo is None else jnp.asarray(lo, jnp.int32).reshape(1)
    scalars = (a.reshape(1), b.reshape(1), seed.astype(jnp.int32).reshape(1), table, first)
    return Target(scalars, m, visitor, warps=1)


def _chunk(meta) -> int:
    """The draws of a row that a Pallas program makes at once: up to the row's cap without
    tiles; with tiles, enough for a tile's usual count (its mean plus three standard
    deviations, and the draw past its end), since every tile of an active row costs at
    least one chunk and most of a cap-sized chunk would be drawn in vain."""
    if meta.tile == meta.n_post:
        return min(CHUNK, pl.next_power_of_2(meta.k))
    mean = meta.prob * meta.tile
    usual = int(np.ceil(mean + 3 * np.sqrt(mean) + 2))
    return min(CHUNK, pl.next_power_of_2(min(meta.k, max(16, usual))))


def _blocks(meta):
    n_pre, draws = meta.n_pre, meta.k * _n_tiles(meta)
    block = max(1, min(n_pre, _ROWS_PER_BLOCK_ELEMENTS // draws))
    return block, -(-n_pre // block)


def _scatter_every(meta, values, a, b, seed):
    """$v W$ for `values` `(n_pre, batch)`, generating every row (in blocks)."""
    n_post = meta.n_post
    block, n_blocks = _blocks(meta)

    def add(start, acc):
        rows = start + jnp.arange(block)
        cols, w = _generate(meta, seed, rows, a, b)
        scale = jnp.take(values, rows, axis=0, mode="fill", fill_value=0)
        return acc + scatter_rows(cols, scale[:, None, :] * jnp.asarray(w)[..., None], n_post)

    init = jnp.zeros((n_post, values.shape[1]), values.dtype)
    if n_blocks == 1:
        return add(0, init)
    return jax.lax.fori_loop(0, n_blocks, lambda i, acc: add(i * block, acc), init)


def _gather_every(meta, values, a, b, seed):
    """$W v$ for `values` `(n_post, batch)`: each row gathers its columns (in blocks)."""
    n_pre = meta.n_pre
    block, n_blocks = _blocks(meta)

    def rows_out(rows):
        cols, w = _generate(meta, seed, rows, a, b)
        gathered = jnp.take(values, cols, axis=0, mode="fill", fill_value=0)  # (m, K, batch)
        return jnp.sum(gathered * jnp.asarray(w)[..., None], axis=1)

    rows = jnp.arange(n_blocks * block).reshape(n_blocks, block)
    out = rows_out(rows[0]) if n_blocks == 1 else jax.lax.map(rows_out, rows)
    return out.reshape(n_blocks * block, -1)[:n_pre]


def native_event(meta, events, a, b, seed, init, lo=0, m: int | None = None) -> Array:
    """`init + events @ W` through the compiled CPU kernel (`_native.jit_prob`), added
    into `init` in place: events `(..., n_pre)` bool or float32, `init` `(..., n_post)`
    float32. The same columns as the XLA path (see `_neg_log2`). With `lo` and `m`, only
    the columns `[lo, lo + m)` (`init` `(..., m)`)."""
    return _native.jit_prob(
        events,
        seed,
        a,
        b,
        _log_table(),
        init,
        n_post=meta.n_post,
        k=meta.k,
        tile=meta.tile,
        cap=meta.cap,
        scale=meta.scale,
        dist=meta.dist,
        lo=lo,
        m=m,
    )


def _event_kernel(meta, events, a, b, seed):
    n_pre, n_post, k, *_, sizes, dtype, mode = meta
    if mode in PALLAS and events.shape[1] == 1:
        target = pallas_target(meta, a, b, seed)
        out = launch(events[:, 0], [target], dtype, mode == "interpret")[0]
        return out[:, None]
    if mode == "native" and _native.supports(events, dtype):
        zeros = jnp.zeros((events.shape[1], n_post), dtype)
        return native_event(meta, events.T, a, b, seed, zeros).T
    values = events.astype(dtype)

    def few(idx):
        cols, w = _generate(meta, seed, idx, a, b)
        cols = jnp.where((idx < n_pre)[:, None], cols, n_post)
        scale = jnp.take(values, idx, axis=0, mode="fill", fill_value=0)
        return scatter_rows(cols, scale[:, None, :] * jnp.asarray(w)[..., None], n_post)

    return by_activity(events, sizes, few, lambda: _scatter_every(meta, values, a, b, seed))
