"""Spike propagation over any connectivity format, and over several at once."""

import functools

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ..connect import CSR, FanOut, JitProb
from ..init import Normal, Uniform
from ._event import event_csr_matvec, event_fanout_matvec
from ._jitconn import _apply, _meta, pallas_target
from ._pallas import PALLAS, csr_target, fan_out_target, kernel_mode, launch

Connectivity = CSR | FanOut | JitProb


def event_matvec(
    events: Array, conn: Connectivity, weight: ArrayLike | Uniform | Normal, *, kernel="auto"
) -> Array:
    """$y = e W$ with the event-driven operator of `conn`'s format: `event_csr_matvec`,
    `event_fanout_matvec`, or for a `dx.connect.JitProb` `event_mv_prob_homo` (scalar
    `weight`), `_uniform` (`dx.init.Uniform`) or `_normal` (`dx.init.Normal`)."""
    if isinstance(conn, FanOut):
        return event_fanout_matvec(events, conn, weight, kernel=kernel)
    if isinstance(conn, CSR):
        return event_csr_matvec(events, conn, weight, kernel=kernel)
    a, b, dist = _jit_weights(weight)
    return _apply(events, a, b, conn.prob, conn.seed, conn.shape, False, None, dist, True, kernel)


def _jit_weights(weight) -> tuple[Array, Array, str]:
    """A `JitProb` projection's weight as the operators' `(a, b, dist)`: weights a + b r."""
    if isinstance(weight, Uniform):
        return weight.low, weight.high - weight.low, "uniform"
    if isinstance(weight, Normal):
        return weight.mean, weight.std, "normal"
    return jnp.asarray(weight), jnp.zeros(()), "homo"


def event_matvecs(
    spikes: Array, pairs: list[tuple[Connectivity, ArrayLike | Uniform | Normal]], *, kernel="auto"
) -> list[Array]:
    """`[event_matvec(spikes, conn, weight) for conn, weight in pairs]`: what a population
    projecting onto several others propagates each step. With the Pallas kernels (a
    GPU, `kernel="auto"`) and boolean spikes `(n_pre,)`, all of them run in one kernel,
    which finds each spiking row once. Derivatives (with respect to the weights) are
    those of the separate operators."""
    together = (
        kernel_mode(kernel) in PALLAS
        and spikes.dtype == jnp.bool_
        and spikes.ndim == 1
        and len(pairs) > 1
        and not any(isinstance(c, CSR) and c.nnz == 0 for c, _ in pairs)
    )
    if together:
        return list(_together(kernel, tuple(pairs), spikes))
    return [event_matvec(spikes, c, w, kernel=kernel) for c, w in pairs]


def _target(conn, weight, kernel):
    """The Pallas target of one pair, and the scalar weight applied to its output."""
    dtype = jnp.result_type(float)
    if isinstance(conn, JitProb):
        a, b, dist = _jit_weights(weight)
        meta = _meta(conn.shape, conn.prob, dist, None, dtype, kernel)
        return pallas_target(meta, jnp.asarray(a, dtype), jnp.asarray(b, dtype), conn.seed), None
    weight = jnp.asarray(weight, dtype)
    table = None if weight.ndim == 0 else weight
    if isinstance(conn, CSR):
        target = csr_target(conn.indptr, conn.indices, table, conn.n_post)
    else:
        target = fan_out_target(conn.indices, table, conn.n_post)
    return target, weight if weight.ndim == 0 else None


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _together(kernel, pairs, spikes):
    parts = [_target(c, w, kernel) for c, w in pairs]
    interpret = kernel_mode(kernel) == "interpret"
    outs = launch(spikes, [t for t, _ in parts], jnp.result_type(float), interpret)
    return tuple(out if scale is None else scale * out for out, (_, scale) in zip(outs, parts))


@_together.defjvp
def _together_jvp(kernel, primals, tangents):
    pairs, spikes = primals

    def separate(pairs):
        return tuple(event_matvec(spikes, c, w, kernel=kernel) for c, w in pairs)

    return _together(kernel, pairs, spikes), jax.jvp(separate, (pairs,), (tangents[0],))[1]
