"""Compressed sparse row connectivity: the format projections propagate spikes over."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, Int, PyTree
from ..ops import _native
from ..ops._compact import buckets, csr_rows
from ..ops._event import CsrMeta, csr_event, csr_every, csr_slots
from ..ops._kernels import XLA, mode
from ..ops._pallas import csr_target
from ..ops._sparse import coo_apply
from ._connectivity import AbstractConnectivity, Invariant, Pointers, Within, length
from ._data import as_int32, dense, host_int, lex_order, mask, reorder, split_data, with_data
from ._validate import check, check_count, check_size


def check_compressed(kind: str, indptr, indices, n_minor: int, minor: str):
    """Host `(indptr, indices, n_minor)` of a compressed format (CSR: `minor` = "n_post"),
    checked; `indptr` as int64."""
    n_minor = check_size(n_minor, minor)
    indptr = np.asarray(indptr)
    indices = host_int(indices, "indices")
    check_count(indices.size, kind)
    check(
        kind,
        Pointers("indptr", indptr, None, "", indices.size, "len(indices)"),
        Within("indices", indices, (None,), n_minor, minor),
    )
    return indptr.astype(np.int64), indices, n_minor


def host_rows(indptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(indptr.size - 1, dtype=np.int32), np.diff(indptr))


class CSR(AbstractConnectivity):
    """Connectivity from `n_pre` to `n_post` neurons in compressed sparse row form.

    The targets of presynaptic neuron `i` are `indices[indptr[i]:indptr[i + 1]]`; a
    per-synapse array (weights, delays) is ordered like `indices`. The arrays are `int32`
    pytree leaves, so `jit` receives them as arguments rather than baking them in as
    constants. Connectors return this format, sorted by (pre, post); build one from your
    own CSR arrays with the constructor.

    **Converting.** `to_csc()`, `to_coo()`, `to_fan_out()`, `todense()` and `to_mask()`
    give the other formats. Per-synapse data travels along: `to_csc(data=w)` returns
    `(csc, w_csc)`, with `w` (an `(nnz, ...)` array or a pytree of them, e.g.
    `(weights, delays)`) reordered like the synapses of the new format. Pass
    `data=jnp.arange(conn.nnz)` to get the permutation itself.

    **Arguments:**

    - `indptr`: `(n_pre + 1,)` row pointers, non-decreasing, `indptr[0] = 0`.
    - `indices`: `(nnz,)` postsynaptic indices in `[0, n_post)`.
    - `n_post`: number of postsynaptic neurons.
    - `max_fan_out`: a bound on the row lengths that the operators pad rows to, at least
      the longest row; None (the default) for the longest row itself.
    """

    indptr: Int[Array, " n_pre_plus_1"]
    indices: Int[Array, " nnz"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    max_fan_out: int = eqx.field(static=True)

    def __init__(self, indptr, indices, n_post: int, *, max_fan_out: int | None = None):
        indptr, indices, n_post = check_compressed("CSR", indptr, indices, n_post, "n_post")
        self.n_pre = indptr.size - 1
        self.n_post = n_post
        longest = int(np.diff(indptr).max(initial=0))
        if max_fan_out is not None and (not isinstance(max_fan_out, int) or max_fan_out < longest):
            raise ValueError(
                f"max_fan_out must be an int at least the longest row ({longest}), got "
                f"max_fan_out={max_fan_out!r}."
            )
        self.max_fan_out = longest if max_fan_out is None else max_fan_out
        self.indptr = as_int32(indptr)
        self.indices = as_int32(indices)

    def invariants(self) -> tuple[Invariant, ...]:
        """`indptr`: `(n_pre + 1,)`, non-decreasing from 0 to `nnz`, rows at most
        `max_fan_out` long; `indices` in `[0, n_post)`."""
        nnz = length(self.indices)
        return (
            Pointers(
                "indptr",
                self.indptr,
                self.n_pre,
                "n_pre",
                nnz,
                "len(indices)",
                self.max_fan_out,
                "max_fan_out",
            ),
            Within("indices", self.indices, (None,), self.n_post, "n_post"),
        )

    @property
    def nnz(self) -> int:
        """Number of connections."""
        return self.indices.shape[0]

    has_native: ClassVar[bool] = True
    row_access: ClassVar[bool] = True

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.nnz,)

    def check_weight(self, weight):
        # The shapes the kernels rely on (static: free to check at trace time); the
        # values are `dx.connect.validate`'s.
        if self.indptr.shape != (self.n_pre + 1,) or self.indices.ndim != 1:
            raise ValueError(
                f"CSR arrays have shapes indptr {self.indptr.shape}, indices "
                f"{self.indices.shape}; expected ({self.n_pre + 1},) and (nnz,)."
            )
        return super().check_weight(weight)

    def _meta(self, max_events, dtype, kernel):
        width = max(self.max_fan_out, 1)
        sizes = buckets(self.n_pre, max_events)
        return CsrMeta(self.n_pre, self.n_post, sizes, width, jnp.dtype(dtype), mode(kernel))

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        if self.nnz == 0:
            out = jnp.zeros((self.n_post, events.shape[1]), weight.dtype)
        else:
            meta = self._meta(max_events, weight.dtype, kernel)
            out = csr_event(meta, events, weight, self.indptr, self.indices)
        return out if add_to is None else add_to + out

    def column_blocks(self, data, n_blocks):
        """Blocks of the connections in CSR order, each row's kept in order; padded to the
        most connections of a block with targets `m` (none) and data 0 after the last
        row pointer, where no operator reads, and to one `max_fan_out`."""
        m = self.n_post // n_blocks
        indptr, cols = np.asarray(self.indptr), np.asarray(self.indices)
        rows = host_rows(indptr)
        owner = cols // m
        size = int(np.bincount(owner, minlength=n_blocks).max(initial=0))
        keeps = [owner == b for b in range(n_blocks)]
        ptrs = []
        for keep in keeps:
            ptr = np.zeros(self.n_pre + 1, np.int64)
            np.cumsum(np.bincount(rows[keep], minlength=self.n_pre), out=ptr[1:])
            ptrs.append(ptr)
        width = max(int(np.diff(p).max(initial=0)) for p in ptrs)
        out = []
        for b, (keep, ptr) in enumerate(zip(keeps, ptrs)):
            idx = cols[keep] - b * m
            pad = size - idx.size
            block = CSR(ptr, idx, m, max_fan_out=width)
            block = eqx.tree_at(
                lambda c: c.indices, block, as_int32(np.pad(idx, (0, pad), constant_values=m))
            )
            out.append((block, split_data(data, lambda x: np.pad(x[keep], (0, pad)))))
        return out

    def row_slots(self, rows):
        start = self.indptr[rows]  # rows = n_pre (padding) reads indptr[n_pre]: no row
        end = self.indptr[jnp.minimum(rows + 1, self.n_pre)]
        width = max(self.max_fan_out, 1)
        pos, target = csr_slots(self.indices, start, end, width, self.n_post)
        return target, pos

    def every_slot(self):
        rows = csr_rows(self.indptr, self.nnz)
        return rows, self.indices, jnp.arange(self.nnz)

    def dense_columns(self, values, weight, transpose):
        if transpose:  # W v: every row gathers its targets
            rows = csr_rows(self.indptr, self.nnz)
            return coo_apply(values, weight, rows, self.indices, self.n_pre, True, True)
        meta = self._meta(None, values.dtype, XLA())
        return csr_every(meta, values, weight, self.indptr, self.indices)

    def native_add(self, events, weight, init):
        return _native.csr(events, self.indptr, self.indices, weight, init)

    def native_ring_add(self, events, weight, steps, head, init, length):
        return _native.csr_ring(
            events, self.indptr, self.indices, weight, steps, head, init, length
        )

    def pallas_target(self, weight):
        if self.nnz == 0:
            return None
        return csr_target(self.indptr, self.indices, weight, self.n_post)

    @property
    def rows(self) -> Int[Array, " nnz"]:
        """Presynaptic index of every connection (ordered like `indices`)."""
        if isinstance(self.indptr, jax.core.Tracer):
            return csr_rows(self.indptr, self.nnz)
        return as_int32(host_rows(np.asarray(self.indptr)))

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` weight matrix (for tests and small networks); `weight` is
        a scalar or one value per synapse, and multiple synapses of a pair add up."""
        return dense(self.n_pre, self.n_post, self._rows(), self.indices, weight, self.nnz)

    def to_mask(self) -> Bool[Array, "n_pre n_post"]:
        """The dense `(n_pre, n_post)` boolean adjacency matrix."""
        return mask(self.n_pre, self.n_post, self._rows(), self.indices)

    def _rows(self):
        if isinstance(self.indptr, jax.core.Tracer):
            return csr_rows(self.indptr, self.nnz)
        return host_rows(np.asarray(self.indptr))

    def to_coo(self, data: PyTree = None):
        """The same synapses in the same order as a `dx.connect.COO`; with `data`, returns
        `(coo, data)`."""
        from ._coo import COO

        coo = COO(self._rows(), self.indices, self.n_pre, self.n_post)
        return with_data(coo, data, np.arange(self.nnz), self.nnz)

    def to_csc(self, data: PyTree = None):
        """A `dx.connect.CSC`, its synapses sorted by (post, pre); with `data`, returns
        `(csc, data)` with `data` reordered like the synapses."""
        from ._csc import CSC

        rows = host_rows(np.asarray(self.indptr))
        cols = np.asarray(self.indices)
        order = lex_order(cols, rows, self.n_pre)
        indptr = np.zeros(self.n_post + 1, np.int64)
        np.cumsum(np.bincount(cols, minlength=self.n_post), out=indptr[1:])
        csc = CSC(indptr, rows[order], self.n_pre)
        return with_data(csc, data, order, self.nnz)

    def to_fan_out(self, data: PyTree = None, fill=0):
        """A `dx.connect.FanOut` whose row `i` lists the targets of neuron `i` in CSR order,
        padded to the largest fan-out. With `data`, returns `(fan_out, table)`: each
        per-synapse leaf becomes an `(n_pre, k, ...)` table with `fill` in the padding."""
        from ._fan_out import FanOut

        indptr = np.asarray(self.indptr)
        rows = host_rows(indptr)
        slots = np.arange(self.nnz, dtype=np.int64) - np.repeat(indptr[:-1], np.diff(indptr))
        table = np.full((self.n_pre, self.max_fan_out), self.n_post, np.int32)
        table[rows, slots] = np.asarray(self.indices)
        fan_out = FanOut(table, self.n_post)
        if data is None:
            return fan_out
        flat = reorder(data, np.arange(self.nnz), self.nnz)  # checks the shapes
        at_rows, at_slots = jnp.asarray(rows), jnp.asarray(slots)

        def spread(x):
            if x.ndim == 0:
                return x
            out = jnp.full((self.n_pre, self.max_fan_out) + x.shape[1:], fill, x.dtype)
            return out.at[at_rows, at_slots].set(x)

        return fan_out, jax.tree.map(spread, flat)
