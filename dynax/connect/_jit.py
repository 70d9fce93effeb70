"""Just-in-time random connectivity: described by a seed, regenerated inside the operators."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Int
from ..init import Normal, Uniform
from ..ops import _jitblock, _jitconn
from ..ops._compact import batched_kernel
from ..ops._kernels import XLA, Native, Pallas
from ._connectivity import AbstractConnectivity, Invariant
from ._csr import CSR
from ._validate import check_size


class JitProb(AbstractConnectivity):
    r"""Connectivity from `n_pre` to `n_post` neurons in which each pair is connected
    independently with probability `prob`, never stored: the operators of `dx.ops`
    (`event_mv_prob_homo`, …) regenerate the targets of a presynaptic neuron from
    `(seed, neuron)` whenever it spikes. Memory is O(1) instead of O(synapses): 4 million
    neurons with 80 targets each would take 1.3 GB as CSR indices alone.

    A `dx.Projection` over it takes a scalar weight, or `dx.init.Uniform(low, high)` or
    `dx.init.Normal(mean, std)` for weights drawn per connection (also regenerated from
    the seed). Self-connections are not excluded (a neuron connects to itself with
    probability `prob`), and a row has at most `max_fan_out` targets (see
    `dx.ops.event_mv_prob_homo` for the bound; it is exceeded with probability below
    $10^{-10}$ per row).

    **Column tiles.** A row's targets are drawn in order, each a random skip after the
    last, so an operator that needs only the columns $[lo, hi)$ must still draw the row
    from column 0 up to $hi$: split over devices by postsynaptic owner (`dx.shard`), the
    last device draws every active row whole. With `column_tile` = $T$, the columns are
    cut into tiles $[jT, (j + 1)T)$ and each (row, tile) pair has a stream of its own,
    keyed by `(seed, row, j)`: a device draws only the tiles that overlap its columns.
    The entries are still independent Bernoulli(`prob`), but they are other connections
    than without tiles (except in tile 0, which keeps the row's stream: $T \ge$ `n_post`
    is the untiled connectivity); the connectivity is a function of `(seed, T)`, the same
    on every backend and however it is split. Each tile of a row keeps at most $K_T$
    connections (`max_fan_out`'s bound for $T$ columns).

    Choosing $T$: a tile costs a restart (its keys, and one draw past its end), which
    matters when it holds few connections ($p T$ small); a tile that straddles the edge
    of a device's columns is drawn by both devices. Both costs vanish when each device's
    block, `n_post / devices`, is a whole number of tiles of a few tens of connections or
    more: $T$ = `n_post / devices` for the most devices the network will be split over
    (or a divisor of it with $p T \gtrsim 10$). On one device, tiles cost the restarts
    alone (see `benchmarks/README.md`).

    **Arguments:**

    - `n_pre`, `n_post`: numbers of presynaptic and postsynaptic neurons.
    - `prob`: connection probability in (0, 1].
    - `seed`: an integer; the same seed gives the same connectivity.
    - `column_tile`: `None` (no tiles: the default) or the columns of a tile, a positive
      int (static: it fixes the connections).
    """

    seed: Int[Array, ""]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    prob: float = eqx.field(static=True)
    column_tile: int | None = eqx.field(static=True)

    def __init__(
        self,
        n_pre: int,
        n_post: int,
        prob: float,
        seed: ArrayLike,
        *,
        column_tile: int | None = None,
    ):
        n_pre, n_post = check_size(n_pre, "n_pre"), check_size(n_post, "n_post")
        if column_tile is not None and (
            isinstance(column_tile, bool)
            or not isinstance(column_tile, int | np.integer)
            or column_tile < 1
        ):
            raise ValueError(
                f"column_tile must be None or a positive int, got column_tile={column_tile!r}."
            )
        if (
            isinstance(prob, bool)
            or not isinstance(prob, float | int | np.floating | np.integer)
            or not 0 < prob <= 1
        ):
            raise ValueError(f"prob must be a number in (0, 1], got prob={prob!r}.")
        seed = jnp.asarray(seed)
        if seed.shape or not jnp.issubdtype(seed.dtype, jnp.integer):
            raise ValueError(f"seed must be an integer scalar, got {seed.dtype}{list(seed.shape)}.")
        self.seed = seed.astype(jnp.int32)
        self.n_pre, self.n_post, self.prob = int(n_pre), int(n_post), float(prob)
        self.column_tile = None if column_tile is None else int(column_tile)

    def invariants(self) -> tuple[Invariant, ...]:
        """None: every seed gives valid connectivity (the operators generate targets in
        `[0, n_post)` and at most `max_fan_out` per row)."""
        return ()

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_pre, self.n_post

    has_native: ClassVar[bool] = True

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return ()

    def check_weight(self, weight):
        """A scalar, or `dx.init.Uniform(low, high)` / `dx.init.Normal(mean, std)` for
        weights drawn per connection from the seed."""
        if isinstance(weight, Uniform | Normal):
            return weight
        if isinstance(weight, eqx.Module):
            raise TypeError(
                "with a dx.connect.JitProb, weight must be a scalar, dx.init.Uniform or "
                f"dx.init.Normal, got {type(weight).__name__}."
            )
        w = jnp.asarray(weight, dtype=jnp.result_type(weight, float))
        if w.shape:
            raise ValueError(
                "with a dx.connect.JitProb, weight must be a scalar, dx.init.Uniform or "
                f"dx.init.Normal, got shape {w.shape}."
            )
        return w

    def _meta(self, weight, max_events, kernel):
        """The operators' static description, and the weights as `a + b r` (r uniform in
        [0, 1) or standard normal)."""
        if isinstance(weight, Uniform):
            a, b, dist = weight.low, weight.high - weight.low, "uniform"
        elif isinstance(weight, Normal):
            a, b, dist = weight.mean, weight.std, "normal"
        else:
            a, b, dist = weight, jnp.zeros((), weight.dtype), "homo"
        meta = _jitconn._meta(
            self.shape, self.prob, self._tile_cap, dist, max_events, a.dtype, kernel, self._tile
        )
        return meta, a, b

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        meta, a, b = self._meta(weight, max_events, kernel)
        out = batched_kernel(_jitconn._event_kernel, meta)(events, a, b, self.seed)
        return out if add_to is None else add_to + out

    def dense_columns(self, values, weight, transpose):
        meta, a, b = self._meta(weight, None, XLA())
        every = _jitconn._gather_every if transpose else _jitconn._scatter_every
        return every(meta, values, a, b, self.seed)

    def native_add(self, events, weight, init):
        meta, a, b = self._meta(weight, None, Native())
        return _jitconn.native_event(meta, events, a, b, self.seed, init)

    def pallas_target(self, weight):
        meta, a, b = self._meta(weight, None, Pallas())
        return _jitconn.pallas_target(meta, a, b, self.seed)

    def column_blocks(self, weight, n_blocks):
        """`JitBlock`s: nothing stored but the first column of each block; every device
        regenerates the rows of its block from the same seed."""
        m = self.n_post // n_blocks
        lo = [jnp.asarray(b * m, jnp.int32) for b in range(n_blocks)]
        return [(JitBlock(self, start, m), weight) for start in lo]

    @property
    def max_fan_out(self) -> int:
        """The most targets a row can have, $K = \\lceil \\mu + 10\\sqrt{\\mu} + 16
        \\rceil$ with $\\mu$ = `prob` × `n_post` (at most `n_post`): by Bernstein's
        inequality a Binomial(`n_post`, `prob`) row count exceeds it with probability
        below $e^{-24} \\approx 4 \\cdot 10^{-11}$. A longer row keeps its first $K$
        connections, in every operator alike. With `column_tile` $T$, the same bound
        $K_T$ (with $\\mu = p T$) holds for each tile of a row, and a row has at most
        $K_T$ times its number of tiles (at most `n_post`)."""
        tiles = -(-self.n_post // self._tile)
        return min(self.n_post, tiles * self._tile_cap)

    @property
    def _tile(self) -> int:
        """The columns of a tile (`n_post` without tiles)."""
        return self.n_post if self.column_tile is None else min(self.column_tile, self.n_post)

    @property
    def _tile_cap(self) -> int:
        """The most connections a row keeps in one tile (see `max_fan_out`)."""
        mu = self.prob * self._tile
        return int(min(self._tile, np.ceil(mu + 10 * np.sqrt(mu) + 16)))

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` matrix (O(n_pre × n_post) memory: for tests and small
        networks); `weight` as for the operators: a scalar, `dx.init.Uniform` or
        `dx.init.Normal`."""
        weight = jax.tree.map(jnp.asarray, self.check_weight(weight))
        meta, a, b = self._meta(weight, None, XLA())
        rows = jnp.arange(self.n_pre)
        cols, w = _jitconn._generate(meta, self.seed, rows, a, b)
        w = jnp.broadcast_to(w, cols.shape)
        dense = jnp.zeros((self.n_pre, self.n_post + 1), w.dtype).at[rows[:, None], cols].add(w)
        return dense[:, :-1]

    def to_csr(self) -> CSR:
        """The same connections, stored (through the dense mask: for small networks)."""
        from ._from_data import from_dense

        return from_dense(np.asarray(self.todense()) != 0)


class JitBlock(AbstractConnectivity):
    """The columns `[lo, lo + n_post)` of a `JitProb` `whole`, renumbered from 0: what one
    device of a sharded network regenerates (see `dx.shard`). Each active row is
    generated from the same seed and only its columns in the block are added: the same
    connections and weights as `whole`'s, summed in the same order. A row's columns are
    cumulative sums of random skips, so without column tiles a device cannot start at
    its first column: it draws the row from column 0 up to the block's last (the last
    device draws the active rows whole). With `whole.column_tile`, it draws only the
    tiles that overlap the block.

    **Arguments:**

    - `whole`: the whole `JitProb`.
    - `lo`: the block's first column (an int32 array: it differs between devices).
    - `n_post`: the block's number of columns.
    """

    whole: JitProb
    lo: Int[Array, ""]
    n_post: int = eqx.field(static=True)

    def __init__(self, whole: JitProb, lo: ArrayLike, n_post: int):
        self.whole, self.lo, self.n_post = whole, jnp.asarray(lo, jnp.int32), n_post

    # Equinox lets a property implement an AbstractVar; mypy sees a dataclass field.
    @property  # type: ignore[misc]
    def n_pre(self) -> int:  # type: ignore[override]
        return self.whole.n_pre

    def invariants(self) -> tuple[Invariant, ...]:
        return ()

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return ()

    def check_weight(self, weight):
        return self.whole.check_weight(weight)

    def _meta(self, weight, max_events, kernel):
        meta, a, b = self.whole._meta(weight, max_events, kernel)
        return _jitblock.BlockMeta(meta, self.n_post), a, b

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        meta, a, b = self._meta(weight, max_events, kernel)
        out = batched_kernel(_jitblock.event_kernel, meta)(events, a, b, self.whole.seed, self.lo)
        return out if add_to is None else add_to + out

    def dense_columns(self, values, weight, transpose):
        meta, a, b = self._meta(weight, None, XLA())
        every = _jitblock.gather_every if transpose else _jitblock.scatter_every
        return every(meta, values, a, b, self.whole.seed, self.lo)

    has_native: ClassVar[bool] = True

    def native_add(self, events, weight, init):
        meta, a, b = self._meta(weight, None, Native())
        return _jitblock.native_event(meta, events, a, b, self.whole.seed, self.lo, init)

    def pallas_target(self, weight):
        meta, a, b = self._meta(weight, None, Pallas())
        return _jitblock.block_target(meta, a, b, self.whole.seed, self.lo)
