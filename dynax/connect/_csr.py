"""Compressed sparse row connectivity: the format projections propagate spikes over."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Int


def csr_rows(indptr: Int[Array, " n_pre_plus_1"], nnz: int) -> Int[Array, " nnz"]:
    """Presynaptic (row) index of each of the `nnz` connections of a CSR `indptr`."""
    n_pre = indptr.shape[0] - 1
    return jnp.repeat(jnp.arange(n_pre, dtype=jnp.int32), jnp.diff(indptr), total_repeat_length=nnz)


class CSR(eqx.Module):
    """Connectivity from `n_pre` to `n_post` neurons in compressed sparse row form.

    The targets of presynaptic neuron `i` are `indices[indptr[i]:indptr[i + 1]]`; a
    per-synapse array (weights, delays) is ordered like `indices`. The arrays are pytree
    leaves, so `jit` receives them as arguments rather than baking them in as constants.

    **Arguments:**

    - `indptr`: `(n_pre + 1,)` row pointers, non-decreasing, `indptr[0] = 0`.
    - `indices`: `(nnz,)` postsynaptic indices in `[0, n_post)`.
    - `n_post`: number of postsynaptic neurons.
    """

    indptr: Int[Array, " n_pre_plus_1"]
    indices: Int[Array, " nnz"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    max_fan_out: int = eqx.field(static=True)

    def __init__(self, indptr, indices, n_post: int):
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int64)
        if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must be a non-decreasing 1-d array starting at 0.")
        if indptr[-1] != indices.size:
            raise ValueError(
                f"indptr[-1] must equal len(indices); got {indptr[-1]} and {indices.size}."
            )
        if indices.size and (indices.min() < 0 or indices.max() >= n_post):
            raise ValueError(f"indices must lie in [0, n_post={n_post}).")
        self.n_pre = indptr.size - 1
        self.n_post = int(n_post)
        self.max_fan_out = int(np.diff(indptr).max(initial=0))
        self.indptr = jnp.asarray(indptr, jnp.int32)
        self.indices = jnp.asarray(indices, jnp.int32)

    @property
    def nnz(self) -> int:
        """Number of connections."""
        return self.indices.shape[0]

    @property
    def rows(self) -> Int[Array, " nnz"]:
        """Presynaptic index of every connection (ordered like `indices`)."""
        return csr_rows(self.indptr, self.nnz)

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` weight matrix (for tests and small networks)."""
        w = jnp.broadcast_to(jnp.asarray(weight, float), (self.nnz,))
        return jnp.zeros((self.n_pre, self.n_post), w.dtype).at[self.rows, self.indices].add(w)
