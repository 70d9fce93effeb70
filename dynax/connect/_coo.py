"""Coordinate connectivity: one (pre, post) pair per synapse, in any order."""

import equinox as eqx
import numpy as np

from .._custom_types import Array, Bool, Int, PyTree
from ..ops._sparse import coo_apply
from ._connectivity import AbstractConnectivity, Invariant, Within, length
from ._csr import CSR
from ._data import as_int32, dense, host_int, lex_order, mask, with_data
from ._validate import check, check_count, check_size


class COO(AbstractConnectivity):
    """Connectivity from `n_pre` to `n_post` neurons as a list of (pre, post) pairs.

    Synapse `s` goes from `pre[s]` to `post[s]`; a per-synapse array is ordered like the
    pairs. Pairs may repeat (several synapses between two neurons). `to_csr()`,
    `to_csc()`, `todense()` and `to_mask()` convert; per-synapse data travels along as
    for `dx.connect.CSR` (`to_csr(data=w)` returns `(csr, w_csr)`).

    **Arguments:**

    - `pre`: `(nnz,)` presynaptic indices in `[0, n_pre)`.
    - `post`: `(nnz,)` postsynaptic indices in `[0, n_post)`.
    - `n_pre`, `n_post`: the population sizes.
    """

    pre: Int[Array, " nnz"]
    post: Int[Array, " nnz"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)

    def __init__(self, pre, post, n_pre: int, n_post: int):
        self.n_pre, self.n_post = check_size(n_pre, "n_pre"), check_size(n_post, "n_post")
        pre, post = host_int(pre, "pre"), host_int(post, "post")
        if pre.shape != post.shape:
            raise ValueError(
                f"pre and post must have the same length, got {pre.size} and {post.size}."
            )
        check_count(pre.size, "COO")
        check("COO", *self._invariants(pre, post))
        self.pre, self.post = as_int32(pre), as_int32(post)

    def _invariants(self, pre, post) -> tuple[Invariant, ...]:
        return (
            Within("pre", pre, (None,), self.n_pre, "n_pre"),
            Within("post", post, (length(pre),), self.n_post, "n_post"),
        )

    def invariants(self) -> tuple[Invariant, ...]:
        """`pre` in `[0, n_pre)`; `post`, as long as `pre`, in `[0, n_post)`."""
        return self._invariants(self.pre, self.post)

    @property
    def nnz(self) -> int:
        """Number of connections."""
        return self.pre.shape[0]

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.nnz,)

    def dense_columns(self, values, weight, transpose):
        n_out = self.n_pre if transpose else self.n_post
        return coo_apply(values, weight, self.pre, self.post, n_out, transpose)

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` weight matrix; `weight` is a scalar or one per synapse."""
        return dense(self.n_pre, self.n_post, self.pre, self.post, weight, self.nnz)

    def to_mask(self) -> Bool[Array, "n_pre n_post"]:
        """The dense `(n_pre, n_post)` boolean adjacency matrix."""
        return mask(self.n_pre, self.n_post, self.pre, self.post)

    def to_csr(self, data: PyTree = None):
        """A `dx.connect.CSR` sorted by (pre, post), repeated pairs in their COO order;
        with `data`, returns `(csr, data)` with `data` reordered like the synapses."""
        pre, post = np.asarray(self.pre), np.asarray(self.post)
        order = lex_order(pre, post, self.n_post)
        indptr = np.zeros(self.n_pre + 1, np.int64)
        np.cumsum(np.bincount(pre, minlength=self.n_pre), out=indptr[1:])
        return with_data(CSR(indptr, post[order], self.n_post), data, order, self.nnz)

    def to_csc(self, data: PyTree = None):
        """A `dx.connect.CSC` sorted by (post, pre); with `data`, returns `(csc, data)`."""
        from ._csc import CSC

        pre, post = np.asarray(self.pre), np.asarray(self.post)
        order = lex_order(post, pre, self.n_pre)
        indptr = np.zeros(self.n_post + 1, np.int64)
        np.cumsum(np.bincount(post, minlength=self.n_post), out=indptr[1:])
        return with_data(CSC(indptr, pre[order], self.n_pre), data, order, self.nnz)
