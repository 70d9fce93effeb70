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
    """The static description of a JIT-connectivity operator: sizes, the row cap `k`
    (`dx.connect.JitProb.max_fan_out`), the skip per unit of `_neg_log2` and its cap,
    the weight distribution, buckets of active rows, output dtype and kernel mode."""

    n_pre: int
    n_post: int
    k: int
    scale: float
    cap: int
    dist: str
    sizes: tuple[int, ...]
    dtype: Any
    mode: str


def _meta(shape, prob, k, dist, max_events, dtype, kernel) -> JitMeta:
    """The `JitMeta` of `JitProb(*shape, prob)` with row cap `k`."""
    n_pre, n_post = shape
    # Cap single skips so that K cumulated skips fit in int32; a cap below n_post changes
    # a row only when a skip exceeds it, with probability (1 - p)^cap per draw.
    cap = int(min(n_post, (2**31 - 1) // (k + 1) - 1))
    sizes = buckets(n_pre, max_events)
    return JitMeta(
        n_pre, n_post, k, _skip_scale(prob), cap, dist, sizes, jnp.dtype(dtype), mode(kernel)
    )


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


def _generate(meta, seed, rows, a, b):
    """Columns `(m, K)` (`n_post` where there is no connection) and weights of `rows`."""
    n_post, k, dist = meta.n_post, meta.k, meta.dist
    keys = tuple(key[:, None] for key in _row_keys(seed, rows, dist))
    skip, w = _connection(meta, keys, jnp.arange(k), a, b, _table_lookup())
    cols = jnp.minimum(jnp.cumsum(skip + 1, axis=1) - 1, n_post)  # n_post = no connection
    return cols, w


def pallas_target(meta, a, b, seed, lo=None, m: int | None = None) -> Target:
    """The matrix of `meta` (weights `a + b r`) for the Pallas kernels: the rows of active
    neurons are regenerated with the same `_row_keys` and `_connection` as the XLA path,
    so both apply the same matrix; a row's draws a chunk at a time, in parallel, their
    column skips summed by a cumulative sum. With `lo` (an int32 scalar) and `m`, only
    the columns `[lo, lo + m)`, as column `0, ..., m - 1` (a device's block of a sharded
    network, `dx.connect.JitBlock`)."""
    n_post, k, dist = meta.n_post, meta.k, meta.dist
    width = min(CHUNK, pl.next_power_of_2(k))
    m = n_post if m is None else m

    def visitor(refs, out_ref, offset, dtype, interpret):
        a_ref, b_ref, seed_ref, table_ref, lo_ref = refs
        start = lo_ref[0]
        end = jnp.minimum(start + m, n_post)

        def lookup(i):
            return pltriton.load(table_ref.at[i])

        def chunk_of(keys, c, last):  # draws [c width, (c + 1) width) after column `last`
            t = c * width + jnp.arange(width)
            skip, w = _connection(meta, keys, t, a_ref[0], b_ref[0], lookup)
            col = last + jnp.cumsum(jnp.where(t < k, skip + 1, 0))
            return col, (t < k) & (col >= start) & (col < end), w

        def load(row):  # the row's first chunk (most rows fit in one)
            keys = _row_keys(seed_ref[0], row, dist)
            return keys, chunk_of(keys, 0, jnp.int32(-1))

        def add(loaded, value):
            keys, first = loaded

            def scatter(chunk):
                col, mask, w = chunk
                at = offset + col - start
                add_atomic(out_ref, at, (value * w).astype(dtype), mask, interpret)
                return jnp.max(col)

            def more(carry):  # stop at the row's last draw or once past its last column
                c, last = carry
                return (c * width < k) & (last < end)

            def rest(carry):
                c, last = carry
                return c + 1, scatter(chunk_of(keys, c, last))

            jax.lax.while_loop(more, rest, (1, scatter(first)))

        return load, add

    table = jnp.asarray(_log_table())
    first = jnp.zeros(1, jnp.int32) if lo is None else jnp.asarray(lo, jnp.int32).reshape(1)
    scalars = (a.reshape(1), b.reshape(1), seed.astype(jnp.int32).reshape(1), table, first)
    return Target(scalars, m, visitor, warps=1)


def _blocks(meta):
    n_pre, k = meta.n_pre, meta.k
    block = max(1, min(n_pre, _ROWS_PER_BLOCK_ELEMENTS // k))
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


def native_event(meta, events, a, b, seed, init) -> Array:
    """`init + events @ W` through the compiled CPU kernel (`_native.jit_prob`), added
    into `init` in place: events `(..., n_pre)` bool or float32, `init` `(..., n_post)`
    float32. The same columns as the XLA path (see `_neg_log2`)."""
    n_post, k, scale, cap, dist = meta.n_post, meta.k, meta.scale, meta.cap, meta.dist
    return _native.jit_prob(
        events, seed, a, b, _log_table(), init, n_post=n_post, k=k, cap=cap, scale=scale, dist=dist
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
