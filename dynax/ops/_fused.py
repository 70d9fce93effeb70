"""Spike propagation over any connectivity format, and over several at once."""

import functools
from collections.abc import Sequence

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ..connect import CSR, FanOut, JitProb
from ..init import Normal, Uniform
from . import _native
from ._event import event_csr_matvec, event_fanout_matvec
from ._jitconn import _apply, _meta, pallas_target
from ._kernels import PALLAS, kernel_mode
from ._pallas import csr_target, fan_out_target, launch
from ._sparse import check_csr

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
    spikes: Array | Sequence[Array],
    pairs: list[tuple[Connectivity, ArrayLike | Uniform | Normal]],
    *,
    kernel="auto",
    add_to: list[Array | None] | None = None,
) -> list[Array]:
    """`[event_matvec(spikes, conn, weight) for conn, weight in pairs]`: what populations
    propagate each step. `spikes` is one event vector for every pair (a population
    projecting onto several others) or a list, one per pair (several populations); with
    `add_to`, each result is added to `add_to[k]` (a `(n_post,)` array, or None for
    nothing), as a synapse adds the arriving weights to its decayed variable.

    With the Pallas kernels (a GPU, `kernel="auto"`) and boolean spikes `(n_pre,)`, all of
    them run in one kernel, which finds each spiking row of each population once; it
    and the compiled CPU kernels (`kernel="native"`, or `"auto"` on a CPU) add into the
    `add_to` buffers in place (no zero-filled output, no separate sum). Derivatives
    (with respect to the weights and `add_to`) are those of the separate operators."""
    for conn, weight in pairs:
        _check_pair(conn, weight)
    per_pair = list(spikes) if isinstance(spikes, list | tuple) else [spikes] * len(pairs)
    add_to = [None] * len(pairs) if add_to is None else list(add_to)
    for name, given in (("spikes", per_pair), ("add_to", add_to)):
        if len(given) != len(pairs):
            raise ValueError(f"{name} has {len(given)} entries for {len(pairs)} pairs.")
    # The distinct event vectors (by identity: a population's spikes, passed once per
    # projection leaving it) and which one each pair reads.
    index: dict[int, int] = {}
    sources = tuple(index.setdefault(id(e), len(index)) for e in per_pair)
    distinct = list({id(e): e for e in per_pair}.values())
    mode, dtype = kernel_mode(kernel), jnp.result_type(float)
    # Boolean spikes only: float events (surrogate gradients) need the derivative with
    # respect to the events, which the separate operators give.
    if all(e.ndim == 1 and e.dtype == jnp.bool_ for e in distinct) and (
        (mode == "native" and dtype == jnp.float32)
        or (mode in PALLAS and not any(isinstance(c, CSR) and c.nnz == 0 for c, _ in pairs))
    ):
        inits = [jnp.zeros(c.n_post, dtype) if a is None else a for (c, _), a in zip(pairs, add_to)]
        return list(_together(kernel, sources, tuple(pairs), tuple(distinct), inits))
    outs = [event_matvec(e, c, w, kernel=kernel) for e, (c, w) in zip(per_pair, pairs)]
    return [out if a is None else a + out for out, a in zip(outs, add_to)]


def _check_pair(conn, weight) -> None:
    """Shapes the fused kernels rely on (static: checked at trace time, at no run cost)."""
    if isinstance(conn, JitProb):
        return
    if isinstance(conn, CSR):
        check_csr(conn)
    elif conn.indices.ndim != 2:
        raise ValueError(f"a FanOut table must be 2-d, got shape {conn.indices.shape}.")
    per_synapse = (conn.nnz,) if isinstance(conn, CSR) else conn.indices.shape
    shape = jnp.shape(weight)
    if shape not in ((), per_synapse):
        raise ValueError(f"weight has shape {shape}, expected () or {per_synapse}.")


def _target(conn, weight, kernel):
    """The Pallas target of one pair."""
    dtype = jnp.result_type(float)
    if isinstance(conn, JitProb):
        a, b, dist = _jit_weights(weight)
        meta = _meta(conn.shape, conn.prob, dist, None, dtype, kernel)
        return pallas_target(meta, jnp.asarray(a, dtype), jnp.asarray(b, dtype), conn.seed)
    weight = jnp.asarray(weight, dtype)
    if isinstance(conn, CSR):
        return csr_target(conn.indptr, conn.indices, weight, conn.n_post)
    return fan_out_target(conn.indices, weight, conn.n_post)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _together(kernel, sources, pairs, spikes, inits):
    mode = kernel_mode(kernel)
    if mode == "native":  # one call per pair, each adding into its buffer in place
        return tuple(
            _native_pair(kernel, c, w, spikes[s], a) for s, (c, w), a in zip(sources, pairs, inits)
        )
    targets = [_target(c, w, kernel) for c, w in pairs]
    dtype = jnp.result_type(float)
    return launch(list(spikes), targets, dtype, mode == "interpret", inits, sources)


def _native_pair(kernel, conn, weight, spikes, init):
    if isinstance(conn, CSR):
        return _native.csr(spikes, conn.indptr, conn.indices, weight, init)
    if isinstance(conn, FanOut):
        return _native.fan_out(spikes, conn.indices, weight, init)
    return init + event_matvec(spikes, conn, weight, kernel=kernel)


@_together.defjvp
def _together_jvp(kernel, sources, primals, tangents):
    pairs, spikes, inits = primals

    def separate(pairs, inits):
        return tuple(
            a + event_matvec(spikes[s], c, w, kernel=kernel)
            for s, (c, w), a in zip(sources, pairs, inits)
        )

    d_pairs, _, d_inits = tangents
    out = _together(kernel, sources, *primals)
    return out, jax.jvp(separate, (pairs, inits), (d_pairs, d_inits))[1]
