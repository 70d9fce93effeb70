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

A format that declares `event_weight_grad` (`dx.connect.Dense`) gets the weight term as
`_weight_p` instead, a primitive that is linear in the weight's tangent and whose transpose
(the gradient with respect to the weights, $\\sum_b e_b^\\top g_b$) is the format's
`weight_cotangent`, which visits only the rows with an event. Its forward is the format's
`event_columns` with the tangent as the weight; `jax.vmap` over the events folds the
mapped axis into the batch of columns (the batch of a whole training step becomes one
call), and any other vmap falls back to `dense_columns`.
"""

import functools

import jax
import jax.numpy as jnp
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir

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
        elif conn.event_weight_grad and len(leaves) == 1:
            d_out = d_out + weight_columns(conn, events, d.astype(out.dtype), static)
        else:
            unit[i] = d
            values = events.astype(out.dtype)
            d_out = d_out + conn.dense_columns(values, treedef.unflatten(unit), False)
    if not is_zero(d_events) and jnp.issubdtype(events.dtype, jnp.inexact):
        d_out = d_out + conn.dense_columns(d_events.astype(out.dtype), weight, False)
    return out, d_out


_event.defjvp(_event_jvp, symbolic_zeros=True)


# ---------------------------------------------------------------------------------------
# The weight term of formats with an event-driven weight gradient


def weight_columns(conn, events: Array, d_weight: Array, static) -> Array:
    """$e\\,\\delta W$ for events `(n_pre, batch)` and an array `d_weight` shaped like the
    weights, as `(n_post, batch)`: linear in `d_weight`, transposed by
    `conn.weight_cotangent` (see the module's docstring)."""
    leaves, treedef = jax.tree.flatten(conn)
    return _weight_p.bind(*leaves, events, d_weight, treedef=treedef, static=static)


def _split(args, treedef):
    *leaves, events, d_weight = args
    return treedef.unflatten(leaves), events, d_weight


def _weight_impl(*args, treedef, static):
    conn, events, d_weight = _split(args, treedef)
    kernel, max_events = static
    return conn.event_columns(events, d_weight, kernel, max_events)


def _weight_abstract(*args, treedef, static):
    conn, events, d_weight = _split(args, treedef)
    return jax.core.ShapedArray((conn.n_post, events.shape[1]), d_weight.dtype)


def _weight_jvp(primals, tangents, *, treedef, static):
    out = _weight_p.bind(*primals, treedef=treedef, static=static)
    conn, events, d_weight = _split(primals, treedef)
    _, d_events, dd_weight = _split(tangents, treedef)
    d_out = jnp.zeros_like(out)
    if type(dd_weight) is not ad.Zero:
        d_out = d_out + weight_columns(conn, events, dd_weight, static)
    if type(d_events) is not ad.Zero and jnp.issubdtype(events.dtype, jnp.inexact):
        d_out = d_out + conn.dense_columns(d_events.astype(out.dtype), d_weight, False)
    return out, d_out


def _weight_transpose(cotangent, *args, treedef, static):
    conn, events, d_weight = _split(args, treedef)
    if not ad.is_undefined_primal(d_weight) or ad.is_undefined_primal(events):
        raise NotImplementedError("the weight term is transposed in the weight only.")
    if type(cotangent) is ad.Zero:
        grad = ad.Zero(d_weight.aval)
    else:
        grad = conn.weight_cotangent(events, cotangent, static[0]).astype(d_weight.aval.dtype)
    return [None] * (len(args) - 1) + [grad]


def _weight_batch(args, dims, *, treedef, static):
    *leaf_dims, events_dim, weight_dim = dims
    if events_dim is not None and weight_dim is None and all(d is None for d in leaf_dims):
        *leaves, events, d_weight = args
        events = jnp.moveaxis(events, events_dim, 1)  # (n_pre, axis, batch)
        n_pre, size, batch = events.shape
        out = _weight_p.bind(
            *leaves, events.reshape(n_pre, size * batch), d_weight, treedef=treedef, static=static
        )
        return out.reshape(out.shape[0], size, batch), 1

    def dense(*args):
        conn, events, d_weight = _split(args, treedef)
        return conn.dense_columns(events.astype(d_weight.dtype), d_weight, False)

    return jax.vmap(dense, in_axes=dims)(*args), 0


_weight_p = Primitive("dynax_event_weight")
_weight_p.def_impl(_weight_impl)
_weight_p.def_abstract_eval(_weight_abstract)
ad.primitive_jvps[_weight_p] = _weight_jvp
ad.primitive_transposes[_weight_p] = _weight_transpose
batching.primitive_batchers[_weight_p] = _weight_batch
mlir.register_lowering(_weight_p, mlir.lower_fun(_weight_impl, multiple_results=False))
