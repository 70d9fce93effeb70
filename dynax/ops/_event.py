"""Event-driven propagation of spikes over sparse connectivity."""

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float
from ..connect import CSR


def event_csr_matvec(
    events: Array, conn: CSR, weight: ArrayLike, *, max_events: int | None = None
) -> Float[Array, " n_post"]:
    r"""$y_j = \sum_i e_i W_{ij}$ over the connections in `conn`, touching only the rows of
    presynaptic neurons with $e_i \ne 0$.

    Up to `max_events` active rows (default `max(32, n_pre // 16)`) are gathered at a
    cost O(max_events × max fan-out); a step with more events falls back to a pass over
    every connection, so the result is exact either way.

    **Arguments:**

    - `events`: `(n_pre,)` spikes (bool) or event values (float).
    - `conn`: the connectivity.
    - `weight`: a scalar (homogeneous) or a `(nnz,)` array ordered like `conn.indices`.
    """
    if events.shape != (conn.n_pre,):
        raise ValueError(f"events has shape {events.shape}, expected ({conn.n_pre},).")
    weight = jnp.asarray(weight)
    homogeneous = weight.ndim == 0
    dtype = jnp.result_type(weight.dtype, float)
    values = events.astype(dtype)
    k = min(conn.n_pre, max_events or max(32, conn.n_pre // 16))
    width = max(conn.max_fan_out, 1)

    def few(_):
        (idx,) = jnp.nonzero(events, size=k, fill_value=conn.n_pre)
        indptr = jnp.concatenate([conn.indptr, conn.indptr[-1:]])  # row n_pre is empty
        start = indptr[idx]
        length = indptr[idx + 1] - start
        offset = jnp.arange(width)
        valid = offset[None, :] < length[:, None]
        pos = jnp.where(valid, start[:, None] + offset[None, :], 0)
        target = jnp.where(valid, conn.indices[pos], conn.n_post)
        scale = jnp.concatenate([values, jnp.zeros(1, dtype)])[idx][:, None]
        w = scale * (weight if homogeneous else jnp.where(valid, weight[pos], 0))
        w = jnp.broadcast_to(w, target.shape)
        return jnp.zeros(conn.n_post + 1, dtype).at[target.ravel()].add(w.ravel())[:-1]

    def every(_):
        w = values[conn.rows] * weight
        return jax.ops.segment_sum(w, conn.indices, conn.n_post)

    if k == conn.n_pre:
        return every(None)
    return jax.lax.cond(jnp.count_nonzero(events) <= k, few, every, None)
