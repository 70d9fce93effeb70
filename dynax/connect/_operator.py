"""The one derivative rule of the event operators, shared by every connectivity format.

A format's `event_columns` (the fast path: bucketed XLA, compiled CPU or Pallas kernels,
none of which JAX can differentiate or transpose) gives the value; the derivatives come
from its `dense_columns`, plain JAX that is linear in the values and in the weight:

- with respect to the weight, the operator is linear: a scalar weight leaf contributes
  its tangent times the operator with that leaf set to 1 (and the others to 0), which
  is the fast path again and transposes as a product with a constant; an array leaf
  contributes `dense_columns` with that leaf's tangent;
- with respect to float events (surrogate gradients), the derivative is that of the
  dense product, inactive rows included: `dense_columns` of the tangent.
"""

import functools

import jax
import jax.numpy as jnp

from .._custom_types import Array, PyTree
from ..ops._compact import is_zero


def event_columns(
    conn, events: Array, weight: PyTree, kernel, max_events, add_to: Array | None = None
) -> Array:
    """`add_to` + $e W$ for events `(n_pre, batch)` over `conn`, as `(n_post, batch)`,
    with `kernel` (concrete, see `dx.ops.resolve`) and the derivatives described above."""
    return _event((kernel, max_events), conn, events, weight, add_to)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _event(static, conn, events, weight, add_to):
    kernel, max_events = static
    return conn.event_columns(events, weight, kernel, max_events, add_to)


def _event_jvp(static, primals, tangents):
    conn, events, weight, add_to = primals
    _, d_events, d_weight, d_add_to = tangents
    out = _event(static, conn, events, weight, add_to)
    d_out = jnp.zeros_like(out) if add_to is None or is_zero(d_add_to) else d_add_to
    leaves, treedef = jax.tree.flatten(weight)
    d_leaves = treedef.flatten_up_to(d_weight)
    for i, (leaf, d) in enumerate(zip(leaves, d_leaves)):
        if is_zero(d):
            continue
        unit = [jnp.zeros_like(x) for x in leaves]
        if leaf.ndim == 0:
            unit[i] = jnp.ones_like(leaf)
            d_out = d_out + d * _event(static, conn, events, treedef.unflatten(unit), None)
        else:
            unit[i] = d
            values = events.astype(out.dtype)
            d_out = d_out + conn.dense_columns(values, treedef.unflatten(unit), False)
    if not is_zero(d_events) and jnp.issubdtype(events.dtype, jnp.inexact):
        d_out = d_out + conn.dense_columns(d_events.astype(out.dtype), weight, False)
    return out, d_out


_event.defjvp(_event_jvp, symbolic_zeros=True)
