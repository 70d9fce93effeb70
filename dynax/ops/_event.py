"""Event-driven propagation of spikes over sparse connectivity."""

import functools

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float
from ..connect import CSR
from ..connect._csr import csr_rows


def event_csr_matvec(
    events: Array, conn: CSR, weight: ArrayLike, *, max_events: int | None = None
) -> Float[Array, " n_post"]:
    r"""$y_j = \sum_i e_i W_{ij}$ over the connections in `conn`, touching only the rows of
    presynaptic neurons with $e_i \ne 0$.

    The active rows are compacted into the smallest of the buckets 32, 128, 512, …
    (× 4, up to `max_events`, default `n_pre // 4`) that holds them, at a cost
    O(bucket × max fan-out); a step with more events than `max_events` makes one pass
    over every connection instead, so the result is exact either way. Derivatives are those of the
    dense product: with respect to `weight`, and with respect to float `events` (also
    for the inactive ones, as surrogate-gradient training needs).

    **Arguments:**

    - `events`: `(n_pre,)` spikes (bool) or event values (float).
    - `conn`: the connectivity.
    - `weight`: a scalar (homogeneous) or a `(nnz,)` array ordered like `conn.indices`.
    """
    if events.shape != (conn.n_pre,):
        raise ValueError(f"events has shape {events.shape}, expected ({conn.n_pre},).")
    weight = jnp.asarray(weight)
    if weight.shape not in ((), (conn.nnz,)):
        raise ValueError(f"weight has shape {weight.shape}, expected () or ({conn.nnz},).")
    weight = weight.astype(jnp.result_type(weight.dtype, float))
    limit = min(conn.n_pre, max_events or conn.n_pre // 4)
    buckets = [32]
    while buckets[-1] * 4 <= limit:
        buckets.append(buckets[-1] * 4)
    buckets = tuple(b for b in buckets if b < conn.n_pre)
    meta = (conn.n_pre, conn.n_post, buckets, max(conn.max_fan_out, 1))
    return _matvec(meta, events, weight, conn.indptr, conn.indices)


def _all_connections(meta, values, weight, indptr, indices):
    n_post = meta[1]
    rows = csr_rows(indptr, indices.size)
    return jax.ops.segment_sum(values[rows] * weight, indices, n_post)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _matvec(meta, events, weight, indptr, indices):
    n_pre, n_post, buckets, width = meta
    values = events.astype(weight.dtype)

    def few(k):
        (idx,) = jnp.nonzero(events, size=k, fill_value=n_pre)
        padded = jnp.concatenate([indptr, indptr[-1:]])  # row n_pre is empty
        start = padded[idx]
        length = padded[idx + 1] - start
        offset = jnp.arange(width)
        valid = offset[None, :] < length[:, None]
        pos = jnp.where(valid, start[:, None] + offset[None, :], 0)
        target = jnp.where(valid, indices[pos], n_post)
        scale = jnp.concatenate([values, jnp.zeros(1, values.dtype)])[idx][:, None]
        w = scale * (weight if weight.ndim == 0 else jnp.where(valid, weight[pos], 0))
        w = jnp.broadcast_to(w, target.shape)
        return jnp.zeros(n_post + 1, w.dtype).at[target.ravel()].add(w.ravel())[:-1]

    def every():
        return _all_connections(meta, values, weight, indptr, indices)

    if not buckets:
        return every()
    branches = [functools.partial(few, k) for k in buckets] + [every]
    which = jnp.searchsorted(jnp.asarray(buckets), jnp.count_nonzero(events))
    return jax.lax.switch(which, branches)


@_matvec.defjvp
def _matvec_jvp(meta, primals, tangents):
    events, weight, indptr, indices = primals
    d_events, d_weight, _, _ = tangents
    out = _matvec(meta, events, weight, indptr, indices)
    d_out = _matvec(meta, events, d_weight, indptr, indices)
    if jnp.issubdtype(events.dtype, jnp.inexact):  # bool events have no tangent
        d_out = d_out + _all_connections(meta, d_events, weight, indptr, indices)
    return out, d_out
