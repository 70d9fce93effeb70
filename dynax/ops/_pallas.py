"""Pallas (Triton) kernels for event-driven propagation on GPU.

On a GPU, the bucketed compaction of the XLA path costs a `lax.switch`, and XLA runs a
conditional by copying its predicate to the host: one device–host synchronisation per
step, which dominated below about 400 000 neurons on an H100. These kernels read the
event vector directly instead. Program `i` owns the presynaptic rows `[i B, (i + 1) B)`;
it returns at once unless one of them is active, and otherwise adds the contributions of
its active rows to the output with atomic adds. There is no host round trip and no
compaction, and a step costs O(n_pre / B) idle programs plus the work of the active rows.

The kernels take a single event column (`(n_pre,)`, bool or float); batches go through
the XLA path. `interpret=True` runs them through Pallas's interpreter (on CPU), which is
how CI checks them against the XLA path.
"""

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as plt

from .._custom_types import Array

_ROWS = 32  # presynaptic rows per program: one warp's lanes
_CHUNK = 32  # CSR connections read per row and iteration


KERNELS = ("auto", "xla", "pallas")


def pallas_mode(kernel: str) -> bool | None:
    """None for the XLA path, else the `interpret` flag of these kernels: `kernel="xla"`
    never takes them, `"auto"` takes them on a GPU, `"pallas"` always (interpreted off
    a GPU, which is slow: for tests)."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}.")
    on_gpu = jax.default_backend() == "gpu"
    if kernel == "xla" or (kernel == "auto" and not on_gpu):
        return None
    return not on_gpu


def _add(out_ref, target, value, mask, interpret):
    """`out[target] += value` where `mask`, atomically."""
    if interpret:
        # The interpreter's atomic add takes no mask and keeps one of several updates to
        # the same entry: read–modify–write the whole output instead (same result).
        n = out_ref.shape[0]
        value = jnp.broadcast_to(value, target.shape)
        out_ref[...] = out_ref[...].at[jnp.where(mask, target, n)].add(value, mode="drop")
    else:
        plt.atomic_add(out_ref, (target,), jnp.broadcast_to(value, target.shape), mask=mask)


def _block_events(events_ref, n_pre, dtype):
    """This program's rows, their event values (as `dtype`) and activity."""
    rows = pl.program_id(0) * _ROWS + jnp.arange(_ROWS)
    inside = rows < n_pre
    values = plt.load(events_ref.at[jnp.minimum(rows, n_pre - 1)], mask=inside, other=0)
    values = jnp.where(inside, values.astype(dtype), 0)
    return rows, values, values != 0


def _call(body, n_pre, n_post, dtype, interpret, *args):
    zeros = jnp.zeros(n_post, dtype)
    return pl.pallas_call(
        body,
        out_shape=jax.ShapeDtypeStruct((n_post,), dtype),
        grid=(pl.cdiv(n_pre, _ROWS),),
        input_output_aliases={len(args): 0},
        interpret=interpret,
        compiler_params=plt.CompilerParams(num_warps=1, num_stages=1),
    )(*args, zeros)


def fan_out_event(events, indices, weight, n_post, dtype, interpret=False) -> Array:
    """$y = e W$ over a `(n_pre, k)` table of targets (`n_post` pads); `weight` is None
    (unit weights) or an `(n_pre, k)` table."""
    n_pre, k = indices.shape
    width = pl.next_power_of_2(k)  # Triton blocks have power-of-two sides

    def body(events_ref, indices_ref, *refs):
        *weight_ref, _, out_ref = refs
        rows, values, active = _block_events(events_ref, n_pre, dtype)

        @pl.when(jnp.max(active.astype(jnp.int32)) > 0)
        def _():
            slot = jnp.arange(width)[None, :]
            mask = active[:, None] & (slot < k)
            pos = jnp.minimum(rows, n_pre - 1)[:, None] * k + jnp.minimum(slot, k - 1)
            target = plt.load(indices_ref.at[pos], mask=mask, other=n_post)
            mask = mask & (target < n_post)
            contrib = values[:, None]
            if weight_ref:
                contrib = contrib * plt.load(weight_ref[0].at[pos], mask=mask, other=0)
            _add(out_ref, target, contrib.astype(dtype), mask, interpret)

    args = (events, indices.reshape(-1)) + (() if weight is None else (weight.reshape(-1),))
    return _call(body, n_pre, n_post, dtype, interpret, *args)


def csr_event(events, indptr, indices, weight, n_post, dtype, interpret=False) -> Array:
    """$y = e W$ over CSR arrays; `weight` is None (unit weights) or `(nnz,)`."""
    n_pre = indptr.shape[0] - 1

    def body(events_ref, indptr_ref, indices_ref, *refs):
        *weight_ref, _, out_ref = refs
        rows, values, active = _block_events(events_ref, n_pre, dtype)

        @pl.when(jnp.max(active.astype(jnp.int32)) > 0)
        def _():
            start = plt.load(indptr_ref.at[jnp.minimum(rows, n_pre)], mask=active, other=0)
            end = plt.load(indptr_ref.at[jnp.minimum(rows + 1, n_pre)], mask=active, other=0)
            longest = jnp.max(end - start)

            def chunk(c, carry):
                pos = start[:, None] + c * _CHUNK + jnp.arange(_CHUNK)[None, :]
                mask = pos < end[:, None]
                pos = jnp.where(mask, pos, 0)
                target = plt.load(indices_ref.at[pos], mask=mask, other=n_post)
                contrib = values[:, None]
                if weight_ref:
                    contrib = contrib * plt.load(weight_ref[0].at[pos], mask=mask, other=0)
                _add(out_ref, target, contrib.astype(dtype), mask, interpret)
                return carry

            jax.lax.fori_loop(0, (longest + _CHUNK - 1) // _CHUNK, chunk, 0)

    args = (events, indptr, indices) + (() if weight is None else (weight,))
    return _call(body, n_pre, n_post, dtype, interpret, *args)


def jitconn_event(events, meta, a, b, seed, row_keys, connection, interpret=False) -> Array:
    """$y = e W$ for the just-in-time matrix of `_jitconn` (`meta`, weights `a + b r`),
    regenerating the rows of active neurons draw by draw with its `row_keys` and
    `connection`, so that both paths apply the same matrix."""
    n_pre, n_post, k = meta[:3]
    dist, dtype = meta[5], meta[7]

    def body(events_ref, a_ref, b_ref, seed_ref, _, out_ref):
        rows, values, active = _block_events(events_ref, n_pre, dtype)

        @pl.when(jnp.max(active.astype(jnp.int32)) > 0)
        def _():
            keys = row_keys(seed_ref[0], rows, dist)

            def more(carry):  # stop when every active row has passed its last column
                t, col = carry
                return (t < k) & (jnp.max(jnp.where(active & (col < n_post), 1, 0)) > 0)

            def draw(carry):
                t, col = carry
                skip, w = connection(meta, keys, t, a_ref[0], b_ref[0])
                col = col + skip + 1
                _add(out_ref, col, (values * w).astype(dtype), active & (col < n_post), interpret)
                return t + 1, col

            jax.lax.while_loop(more, draw, (0, jnp.full(_ROWS, -1, jnp.int32)))

    scalars = (a.reshape(1), b.reshape(1), seed.astype(jnp.int32).reshape(1))
    return _call(body, n_pre, n_post, dtype, interpret, events, *scalars)
