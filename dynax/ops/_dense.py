"""Compiled CPU kernels for event-driven products with a dense weight matrix.

A network of spiking neurons trained with surrogate gradients multiplies spike vectors by
dense weight matrices: $y = e W$ forward and $\\partial L / \\partial W = \\sum_b e_b^\\top
g_b$ backward. Spikes are mostly zeros (a few percent of the neurons fire in a step), so
both products need only the rows of $W$ (and of $\\partial L / \\partial W$) of the active
presynaptic neurons: `native/dense.cc` finds the nonzero entries of each event vector and
adds those rows, where a matrix product multiplies every row by its zero.
(`dx.connect.Dense` uses them; the derivative rule of `dx.connect` calls `outer` for the
weight gradient.) The third product of the backward pass, $g W^\\top$ (the gradient with
respect to the spikes, which the surrogate gradient needs for every neuron), stays a dense
matrix product.

Built on first use and cached like the kernels of `_native.py` (the same compiler, flags
and cache; `DYNAX_NATIVE=0` turns them off too), for bool, float32 or float64 events and
float32 or float64 weights.
"""

import functools
import os
from pathlib import Path

import jax
import jax.numpy as jnp
from jax.custom_batching import custom_vmap

from .._custom_types import Array
from . import _native

_PRECISION = jax.lax.Precision.HIGHEST

_SOURCE = Path(__file__).parent / "native" / "dense.cc"
_TARGETS = {"dynax_dense_event": "DynaxDenseEvent", "dynax_dense_outer": "DynaxDenseOuter"}


@functools.cache
def _library() -> tuple[object | None, str]:
    if os.environ.get("DYNAX_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None, "the compiled CPU kernels are turned off (DYNAX_NATIVE=0)"
    return _native.load(_SOURCE, targets=_TARGETS)


def available() -> bool:
    """Whether the kernels can be used (compiling them on first call)."""
    return _library()[0] is not None


def require():
    """Raise with the compiler's message when the kernels cannot be built."""
    library, why = _library()
    if library is None:
        raise RuntimeError(f"the compiled dense event kernels are not available: {why}")


def supports(events: Array, dtype) -> bool:
    """Whether the kernels take these events and this (weight and output) dtype."""
    floats = (jnp.float32, jnp.float64)
    return jnp.dtype(dtype) in floats and (events.dtype == jnp.bool_ or events.dtype in floats)


DENSE_ABOVE = 0.15
"""The fraction of nonzero events above which a call runs XLA's matrix product instead of
the kernel: on the 2-core development machine (AVX-512) the kernel adds about 17 G
entries a second, a 64 x 256 by 256 x 256 product took as long at 18-20 % nonzero
events (`benchmarks/README.md`, "Training throughput"), and the hidden neurons of a
network in training may fire that often."""


def event(events: Array, weight: Array, init: Array) -> Array:
    """`init + events @ weight` for events `(..., n_pre)` and weight `(n_pre, n_post)`,
    visiting the rows of the nonzero events only, added into `init` `(..., n_post)` in
    place (the weight's dtype); a matrix product instead when more than `DENSE_ABOVE` of
    the events are nonzero. `jax.vmap` over the events folds the batch into one call."""
    n_pre, n_post = weight.shape[-2:]
    if events.shape[-1] != n_pre or init.shape[-1] != n_post:
        raise ValueError(
            f"events {events.shape}, weight {weight.shape} and init {init.shape} do not match."
        )
    require()
    return _event(events, weight, init.astype(weight.dtype))


def _dense_above(events: Array) -> Array:
    return jnp.count_nonzero(events) > DENSE_ABOVE * events.size


def _event_kernel(events, weight, init):
    flat = weight.reshape(*weight.shape[:-2], weight.shape[-2] * weight.shape[-1])
    return _native._batched("dynax_dense_event", (1, 1, 1), ())(events, flat, init)


def _product(events, weight, init):
    return init + jnp.matmul(events.astype(weight.dtype), weight, precision=_PRECISION)


@custom_vmap
def _event(events, weight, init):
    args = (events, weight, init)
    return jax.lax.cond(_dense_above(events), _product, _event_kernel, *args)


@_event.def_vmap
def _event_rule(axis_size, in_batched, events, weight, init):
    if in_batched[1]:  # a batch of weights (a sweep): batched matrix products
        axes = [0 if b else None for b in in_batched]
        return jax.vmap(_product, in_axes=axes)(events, weight, init), True
    # The mapped axis leads: one call for the whole batch (and one switch).
    events = events if in_batched[0] else jnp.broadcast_to(events, (axis_size, *events.shape))
    init = init if in_batched[2] else jnp.broadcast_to(init, (axis_size, *init.shape))
    return _event(events, weight, init), True


def outer(events: Array, grad: Array) -> Array:
    """`events.T @ grad` for events `(..., rows, n_pre)` and grad `(..., rows, n_post)`:
    the `(..., n_pre, n_post)` weight gradient of `event`, adding `grad`'s rows into the
    rows of the nonzero events only (`grad`'s dtype), or a matrix product when more than
    `DENSE_ABOVE` of the events are nonzero. Its derivatives (for second derivatives of a
    loss) are matrix products."""
    if events.shape[-2] != grad.shape[-2]:
        raise ValueError(f"events {events.shape} and grad {grad.shape} do not match.")
    require()
    return _outer(events, grad)


def _outer_kernel(events, grad):
    lead = jnp.broadcast_shapes(events.shape[:-2], grad.shape[:-2])
    init = jnp.zeros((*lead, events.shape[-1], grad.shape[-1]), grad.dtype)
    return _native._batched("dynax_dense_outer", (2, 2, 2), ())(events, grad, init)


@custom_vmap
def _outer_switch(events, grad):
    return jax.lax.cond(_dense_above(events), _reference, _outer_kernel, events, grad)


@_outer_switch.def_vmap
def _outer_rule(axis_size, in_batched, events, grad):
    events = events if in_batched[0] else jnp.broadcast_to(events, (axis_size, *events.shape))
    grad = grad if in_batched[1] else jnp.broadcast_to(grad, (axis_size, *grad.shape))
    return _outer_switch(events, grad), True


@jax.custom_jvp
def _outer(events, grad):
    return _outer_switch(events, grad)


@_outer.defjvp
def _outer_jvp(primals, tangents):
    events, grad = primals
    d_events, d_grad = tangents
    out = _outer(events, grad)
    d_out = _reference(events, d_grad)
    if jnp.issubdtype(events.dtype, jnp.inexact):
        d_out = d_out + _reference(d_events, grad)
    return out, d_out


def _reference(events, grad):
    e = jnp.swapaxes(events, -1, -2).astype(grad.dtype)
    return jnp.matmul(e, grad, precision=_PRECISION)
