"""Compressed sparse column connectivity: the sources of each postsynaptic neuron."""

import equinox as eqx
import jax
import numpy as np

from .._custom_types import Array, Bool, Int, PyTree
from ..ops._sparse import coo_apply
from ._connectivity import AbstractConnectivity, Invariant, Pointers, Within, length
from ._csr import CSR, check_compressed, csr_rows, host_rows
from ._data import as_int32, dense, lex_order, mask, with_data


class CSC(AbstractConnectivity):
    """Connectivity from `n_pre` to `n_post` neurons in compressed sparse column form.

    The sources of postsynaptic neuron `j` are `indices[indptr[j]:indptr[j + 1]]`; a
    per-synapse array is ordered like `indices`. This is the layout for reading a
    neuron's inputs (fan-in), e.g. for a dense-in-time matrix-vector product or for
    postsynaptic plasticity rules. `to_csr()`, `to_coo()`, `todense()` and `to_mask()`
    convert; per-synapse data travels along as for `dx.connect.CSR` (`to_csr(data=w)`
    returns `(csr, w_csr)`).

    **Arguments:**

    - `indptr`: `(n_post + 1,)` column pointers, non-decreasing, `indptr[0] = 0`.
    - `indices`: `(nnz,)` presynaptic indices in `[0, n_pre)`.
    - `n_pre`: number of presynaptic neurons.
    """

    indptr: Int[Array, " n_post_plus_1"]
    indices: Int[Array, " nnz"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    max_fan_in: int = eqx.field(static=True)

    def __init__(self, indptr, indices, n_pre: int):
        indptr, indices, n_pre = check_compressed("CSC", indptr, indices, n_pre, "n_pre")
        self.n_pre = n_pre
        self.n_post = indptr.size - 1
        self.max_fan_in = int(np.diff(indptr).max(initial=0))
        self.indptr = as_int32(indptr)
        self.indices = as_int32(indices)

    def invariants(self) -> tuple[Invariant, ...]:
        """`indptr`: `(n_post + 1,)`, non-decreasing from 0 to `nnz`, columns at most
        `max_fan_in` long; `indices` in `[0, n_pre)`."""
        return (
            Pointers(
                "indptr",
                self.indptr,
                self.n_post,
                "n_post",
                length(self.indices),
                "len(indices)",
                self.max_fan_in,
                "max_fan_in",
            ),
            Within("indices", self.indices, (None,), self.n_pre, "n_pre"),
        )

    @property
    def nnz(self) -> int:
        """Number of connections."""
        return self.indices.shape[0]

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.nnz,)

    def dense_columns(self, values, weight, transpose):
        # Without transpose, the column order makes the segment sum's targets sorted.
        cols = csr_rows(self.indptr, self.nnz)
        n_out = self.n_pre if transpose else self.n_post
        return coo_apply(values, weight, self.indices, cols, n_out, transpose, not transpose)

    @property
    def cols(self) -> Int[Array, " nnz"]:
        """Postsynaptic index of every connection (ordered like `indices`)."""
        if isinstance(self.indptr, jax.core.Tracer):
            return csr_rows(self.indptr, self.nnz)
        return as_int32(host_rows(np.asarray(self.indptr)))

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` weight matrix; `weight` is a scalar or one per synapse."""
        return dense(self.n_pre, self.n_post, self.indices, self._cols(), weight, self.nnz)

    def to_mask(self) -> Bool[Array, "n_pre n_post"]:
        """The dense `(n_pre, n_post)` boolean adjacency matrix."""
        return mask(self.n_pre, self.n_post, self.indices, self._cols())

    def _cols(self):
        if isinstance(self.indptr, jax.core.Tracer):
            return csr_rows(self.indptr, self.nnz)
        return host_rows(np.asarray(self.indptr))

    def to_coo(self, data: PyTree = None):
        """The same synapses in the same order as a `dx.connect.COO`."""
        from ._coo import COO

        coo = COO(self.indices, self._cols(), self.n_pre, self.n_post)
        return with_data(coo, data, np.arange(self.nnz), self.nnz)

    def to_csr(self, data: PyTree = None):
        """A `dx.connect.CSR`, its synapses sorted by (pre, post); with `data`, returns
        `(csr, data)` with `data` reordered like the synapses."""
        rows = np.asarray(self.indices)
        cols = host_rows(np.asarray(self.indptr))
        order = lex_order(rows, cols, self.n_post)
        indptr = np.zeros(self.n_pre + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_pre), out=indptr[1:])
        return with_data(CSR(indptr, cols[order], self.n_post), data, order, self.nnz)
