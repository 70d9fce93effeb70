"""The synapses of a CSR connectivity seen from both sides: rows (presynaptic neurons)
and columns (postsynaptic neurons), each entry naming its position in the CSR order."""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Int
from ..connect import CSR
from ..ops._compact import _pack, _select, take_rows

CHUNK = 8
"""Spiking neurons visited per iteration of the loops over spiking rows and columns. A
step visits all of them, however many spike: the loop runs ceil(spiking / CHUNK)
iterations, each over CHUNK × (max fan-out or max fan-in) synapse slots. Small, because
a step of a network in its usual regime has a few spikes per population (the COBA
network at 4 000 neurons: about 7 excitatory spikes per 0.1 ms step) and every slot of
a chunk costs a gather and a scatter, padding included."""


class SynapseIndex(eqx.Module):
    """A CSR connectivity with a column (CSC) index of the same synapses.

    Row `i` holds the synapses at CSR positions `indptr[i]:indptr[i + 1]`, targets
    `indices`; column `j` holds the entries `col_ptr[j]:col_ptr[j + 1]` of `col_pre`
    (the presynaptic neuron) and `col_pos` (the synapse's CSR position), so a
    postsynaptic spike reaches its synapses' weights without a search. Built once, on
    the host, with NumPy.
    """

    indptr: Int[Array, " n_pre_plus_1"]
    indices: Int[Array, " nnz"]
    col_ptr: Int[Array, " n_post_plus_1"]
    col_pre: Int[Array, " nnz"]
    col_pos: Int[Array, " nnz"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    max_fan_out: int = eqx.field(static=True)
    max_fan_in: int = eqx.field(static=True)

    def __init__(self, conn: CSR):
        indptr = np.asarray(conn.indptr, np.int64)
        cols = np.asarray(conn.indices, np.int64)
        rows = np.repeat(np.arange(conn.n_pre), np.diff(indptr))
        # Stable: within a column, synapses keep their CSR order (by presynaptic index).
        order = np.argsort(cols, kind="stable")
        counts = np.bincount(cols, minlength=conn.n_post)
        col_ptr = np.concatenate([[0], np.cumsum(counts)])
        self.n_pre, self.n_post = conn.n_pre, conn.n_post
        self.max_fan_out = int(np.diff(indptr).max(initial=0))
        self.max_fan_in = int(counts.max(initial=0))
        self.indptr = jnp.asarray(indptr, jnp.int32)
        self.indices = jnp.asarray(cols, jnp.int32)
        self.col_ptr = jnp.asarray(col_ptr, jnp.int32)
        self.col_pre = jnp.asarray(rows[order], jnp.int32)
        self.col_pos = jnp.asarray(order, jnp.int32)

    @property
    def nnz(self) -> int:
        return self.indices.shape[0]

    def rows(self) -> Int[Array, " nnz"]:
        """The presynaptic neuron of every synapse, in CSR order."""
        return jnp.repeat(
            jnp.arange(self.n_pre, dtype=jnp.int32),
            jnp.diff(self.indptr),
            total_repeat_length=self.nnz,
        )

    def row_slots(self, idx: Array) -> tuple[Array, Array]:
        """For rows `idx` (`(m,)`, `n_pre` as padding): the CSR position of each synapse
        (`nnz` in the padding, out of range) and its postsynaptic neuron (`n_post` in
        the padding), both `(m, max_fan_out)`."""
        pos = _slots(self.indptr, idx, self.max_fan_out, self.nnz)
        return pos, take_rows(self.indices, pos, self.n_post)

    def column_slots(self, idx: Array) -> tuple[Array, Array]:
        """For columns `idx` (`(m,)`, `n_post` as padding): the CSR position of each
        synapse (`nnz` in the padding) and its presynaptic neuron (`n_pre` in the
        padding), both `(m, max_fan_in)`."""
        entry = _slots(self.col_ptr, idx, self.max_fan_in, self.nnz)
        return take_rows(self.col_pos, entry, self.nnz), take_rows(self.col_pre, entry, self.n_pre)


def _slots(ptr: Array, idx: Array, width: int, nnz: int) -> Array:
    """Entries `ptr[i]:ptr[i + 1]` of each `i` in `idx`, padded to `width` with `nnz`."""
    n = ptr.shape[0] - 1
    start = take_rows(ptr, idx, nnz)  # the padding index n reads ptr[n] = nnz: empty
    end = take_rows(ptr, jnp.minimum(idx + 1, n), nnz)
    pos = start[:, None] + jnp.arange(max(width, 1), dtype=jnp.int32)
    return jnp.where(pos < end[:, None], pos, nnz)


def each_spiking(spikes: Array, visit: Callable[[Array, Any], Any], carry: Any) -> Any:
    """`carry` after `visit(idx, carry)` for every chunk `idx` of `CHUNK` indices of the
    neurons with a nonzero entry in `spikes` (`(n,)`; the last chunk padded with `n`):
    a `while_loop`, so the cost follows the spikes, and every spiking neuron is
    visited, however many there are."""
    n = spikes.shape[0]
    packed = _pack(spikes != 0)
    count = packed[2][-1]

    # Each iteration finds the next chunk's indices for the next one: the loop carries
    # them, so they are materialised once, not recomputed (a binary search over the
    # packed words) inside every synapse's gather and scatter, where XLA fused them.
    def body(state):
        first, idx, carry = state
        carry = visit(idx, carry)
        return first + CHUNK, _select(packed, n, CHUNK, first + CHUNK), carry

    start = (jnp.int32(0), _select(packed, n, CHUNK, 0), carry)
    return jax.lax.while_loop(lambda state: state[0] < count, body, start)[2]
