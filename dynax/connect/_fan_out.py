"""Fixed fan-out connectivity: one padded row of targets per presynaptic neuron."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, Int, PyTree
from ..ops import _native
from ..ops._compact import buckets, take_rows
from ..ops._event import FanOutMeta, fan_out_event, fan_out_every, fan_out_gather
from ..ops._kernels import mode
from ..ops._pallas import fan_out_target
from ._connectivity import AbstractConnectivity, Invariant, Within
from ._csr import CSR
from ._data import as_int32, dense, mask, split_data
from ._validate import check, check_size


class FanOut(AbstractConnectivity):
    """Connectivity from `n_pre` to `n_post` neurons as a dense `(n_pre, k)` table of targets.

    Row `i` lists the postsynaptic targets of presynaptic neuron `i`; rows with fewer than
    `k` targets are padded with the value `n_post`, which names no neuron. A per-synapse
    array (weights, delays) has the same `(n_pre, k)` shape, with anything in the padded
    slots. Build one with `csr.to_fan_out()` (or `dx.connect.FixedPostNum(k)(...)
    .to_fan_out()` for a table without padding). `to_csr()` converts back; per-synapse
    tables travel along: `to_csr(data=w)` returns `(csr, w_csr)` with the `(n_pre, k, ...)`
    table `w` read at the real slots, row by row. Spike propagation over this format
    reads one contiguous row per spike, with no row pointers; padding costs work when
    fan-outs differ (for the binomial fan-outs of `FixedProb`, CSR measured slightly
    faster on CPU).

    **Arguments:**

    - `indices`: `(n_pre, k)` postsynaptic indices in `[0, n_post]` (`n_post` = padding).
    - `n_post`: number of postsynaptic neurons.
    """

    indices: Int[Array, "n_pre k"]
    n_post: int = eqx.field(static=True)

    def __init__(self, indices, n_post: int):
        n_post = check_size(n_post, "n_post")
        host = np.asarray(indices)
        if host.ndim != 2:
            raise ValueError(f"FanOut: indices must have shape (n_pre, k), got {host.shape}.")
        check("FanOut", self._invariant(host, n_post))
        self.indices = as_int32(host)
        self.n_post = n_post

    @staticmethod
    def _invariant(indices, n_post: int) -> Within:
        return Within("indices", indices, (None, None), n_post + 1, "n_post + 1")

    def invariants(self) -> tuple[Invariant, ...]:
        """`indices`: an `(n_pre, k)` table in `[0, n_post]` (`n_post` pads)."""
        return (self._invariant(self.indices, self.n_post),)

    # Equinox lets a property implement an AbstractVar; mypy sees a dataclass field.
    @property  # type: ignore[misc]
    def n_pre(self) -> int:  # type: ignore[override]
        """Number of presynaptic neurons."""
        return self.indices.shape[0]

    @property
    def max_fan_out(self) -> int:
        """Width `k` of the table."""
        return self.indices.shape[1]

    has_native: ClassVar[bool] = True
    row_access: ClassVar[bool] = True

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return tuple(self.indices.shape)

    def check_weight(self, weight):
        if self.indices.ndim != 2:  # static: free to check at trace time
            raise ValueError(f"a FanOut table must be 2-d, got shape {self.indices.shape}.")
        return super().check_weight(weight)

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        sizes = buckets(self.n_pre, max_events)
        meta = FanOutMeta(self.n_pre, self.n_post, sizes, jnp.dtype(weight.dtype), mode(kernel))
        out = fan_out_event(meta, events, weight, self.indices)
        return out if add_to is None else add_to + out

    def column_blocks(self, data, n_blocks):
        """Tables of each row's targets in the block, in table order, moved to the front
        of the row and padded (`m`, data 0) to the widest row of any block."""
        m = self.n_post // n_blocks
        table = np.asarray(self.indices)
        blocks = []
        for b in range(n_blocks):
            keep = (table < self.n_post) & (table // m == b)
            # A stable sort of the slots by "not kept" moves the kept ones to the front,
            # in order.
            order = np.argsort(~keep, axis=1, kind="stable")
            blocks.append((keep, order))
        width = max(int(keep.sum(axis=1).max(initial=0)) for keep, _ in blocks)
        out = []
        for b, (keep, order) in enumerate(blocks):
            kept = np.take_along_axis(keep, order, 1)[:, :width]

            def cut(x, kept=kept, order=order):
                return np.where(kept, np.take_along_axis(x, order, 1)[:, :width], 0)

            idx = np.take_along_axis(table, order, 1)[:, :width] - b * m
            out.append((FanOut(np.where(kept, idx, m), m), split_data(data, cut)))
        return out

    def row_slots(self, rows):
        k = self.max_fan_out
        pos = jnp.minimum(rows, self.n_pre - 1)[:, None] * k + jnp.arange(k)
        return take_rows(self.indices, rows, self.n_post), pos

    def every_slot(self):
        k = self.max_fan_out
        rows = jnp.repeat(jnp.arange(self.n_pre), k)
        return rows, self.indices.reshape(-1), jnp.arange(self.n_pre * k)

    def dense_columns(self, values, weight, transpose):
        if transpose:
            return fan_out_gather(self.n_post, values, weight, self.indices)
        return fan_out_every(self.n_post, values, weight, self.indices)

    def native_add(self, events, weight, init):
        return _native.fan_out(events, self.indices, weight, init)

    def native_ring_add(self, events, weight, steps, head, init, length):
        return _native.fan_out_ring(events, self.indices, weight, steps, head, init, length)

    def pallas_target(self, weight):
        return fan_out_target(self.indices, weight, self.n_post)

    @property
    def mask(self) -> Bool[Array, "n_pre k"]:
        """Which slots hold a connection (the others are padding)."""
        return self.indices < self.n_post

    @property
    def nnz(self) -> int:
        """Number of connections (slots that are not padding)."""
        return int(np.count_nonzero(np.asarray(self.indices) < self.n_post))

    def _pairs(self):
        rows, slots = np.nonzero(np.asarray(self.indices) < self.n_post)
        return rows, slots, np.asarray(self.indices)[rows, slots]

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` weight matrix; `weight` is a scalar or an `(n_pre, k)`
        table, and multiple synapses of a pair add up."""
        rows, slots, cols = self._pairs()
        weight = jnp.asarray(weight)
        w = weight if weight.ndim == 0 else weight[rows, slots]
        return dense(self.n_pre, self.n_post, rows, cols, w, rows.size)

    def to_mask(self) -> Bool[Array, "n_pre n_post"]:
        """The dense `(n_pre, n_post)` boolean adjacency matrix."""
        rows, _, cols = self._pairs()
        return mask(self.n_pre, self.n_post, rows, cols)

    def to_csr(self, data: PyTree = None):
        """A `dx.connect.CSR` with the targets of each row in table order, padding dropped.
        With `data` (`(n_pre, k, ...)` tables), returns `(csr, data)` with one entry per
        synapse, in CSR order."""
        rows, slots, cols = self._pairs()
        indptr = np.zeros(self.n_pre + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_pre), out=indptr[1:])
        csr = CSR(indptr, cols, self.n_post)
        if data is None:
            return csr
        shape = self.indices.shape

        def gather(x):
            x = jnp.asarray(x)
            if x.ndim == 0:
                return x
            if x.shape[:2] != shape:
                raise ValueError(
                    f"per-synapse tables must have shape {shape} (+ trailing axes), got {x.shape}."
                )
            return x[rows, slots]

        return csr, jax.tree.map(gather, data)
