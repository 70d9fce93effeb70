"""Spike propagation over any connectivity format, and over several at once."""

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import jax
import jax.numpy as jnp

from .._custom_types import Array
from ._kernels import AbstractKernel, Native, Pallas
from ._pallas import launch

if TYPE_CHECKING:
    from ..connect import AbstractConnectivity


def event_matvec(
    events: Array,
    conn: "AbstractConnectivity",
    weight: Any,
    *,
    kernel: "str | AbstractKernel" = "auto",
) -> Array:
    """$y = e W$ over any connectivity: `conn.event_matvec(events, weight, kernel=kernel)`
    (for a `dx.connect.JitProb`, `weight` may be `dx.init.Uniform` or `Normal`)."""
    return conn.event_matvec(events, weight, kernel=kernel)


def event_matvecs(
    spikes: Array | Sequence[Array],
    pairs: "list[tuple[AbstractConnectivity, Any]]",
    *,
    kernel: "str | AbstractKernel" = "auto",
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
    if not pairs:
        return []
    pairs = [(conn, conn.check_weight(weight)) for conn, weight in pairs]
    # Not a list or tuple: one event vector (an array) for every pair.
    per_pair: list[Array] = (
        list(spikes) if isinstance(spikes, list | tuple) else [cast(Array, spikes)] * len(pairs)
    )
    add_to = [None] * len(pairs) if add_to is None else list(add_to)
    for name, given in (("spikes", per_pair), ("add_to", add_to)):
        if len(given) != len(pairs):
            raise ValueError(f"{name} has {len(given)} entries for {len(pairs)} pairs.")
    out: list[Array | None] = [None] * len(pairs)
    for ks in _sharded_groups(pairs):  # per device, on its blocks: the path below
        from ..connect._sharded import event_matvecs_sharded  # connect imports ops

        sums = event_matvecs_sharded(
            [per_pair[k] for k in ks],
            [cast(Any, pairs[k]) for k in ks],
            kernel,
            [add_to[k] for k in ks],
        )
        for k, total in zip(ks, sums):
            out[k] = total
    kernels = tuple(conn.resolve(kernel) for conn, _ in pairs)
    dtype = jnp.result_type(float)
    # Fused: boolean spikes `(n_pre,)` over a format with compiled kernels of the kernel
    # chosen (float events, for surrogate gradients, need the derivative with respect to
    # the events, which the separate operators give). The others run separately.
    fused = [
        k
        for k, (e, (c, w), kern) in enumerate(zip(per_pair, pairs, kernels))
        if e.ndim == 1
        and e.dtype == jnp.bool_
        and out[k] is None
        and (
            (isinstance(kern, Native) and dtype == jnp.float32)
            or (isinstance(kern, Pallas) and c.pallas_target(w) is not None)
        )
    ]
    if len({type(kernels[k]) for k in fused}) > 1:
        fused = []  # one kind per launch (a device has one of them)
    if fused:
        # The distinct event vectors (by identity: a population's spikes, passed once
        # per projection leaving it) and which one each pair reads.
        index: dict[int, int] = {}
        sources = tuple(index.setdefault(id(per_pair[k]), len(index)) for k in fused)
        distinct = tuple({id(per_pair[k]): per_pair[k] for k in fused}.values())
        inits = [
            jnp.zeros(pairs[k][0].n_post, dtype) if add_to[k] is None else add_to[k] for k in fused
        ]
        group = tuple(pairs[k] for k in fused)
        sums = _together(tuple(kernels[k] for k in fused), sources, group, distinct, inits)
        for k, total in zip(fused, sums):
            out[k] = total
    for k, (e, (c, w), kern, a) in enumerate(zip(per_pair, pairs, kernels, add_to)):
        if out[k] is None:
            y = c.event_matvec(e, w, kernel=kern)
            out[k] = y if a is None else a + y
    return cast(list[Array], out)


def _sharded_groups(pairs) -> list[list[int]]:
    """The pairs whose connectivity is split over a mesh (`dx.connect.Sharded`), grouped
    by mesh and axis: each group runs in one `jax.shard_map`."""
    from ..connect._sharded import Sharded  # connect imports ops

    groups: dict[Any, list[int]] = {}
    for k, (conn, _) in enumerate(pairs):
        if isinstance(conn, Sharded):
            groups.setdefault((conn.mesh, conn.axis), []).append(k)
    return list(groups.values())


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _together(kernels, sources, pairs, spikes, inits):
    if isinstance(kernels[0], Native):  # one call per pair, each adding into its buffer
        outs = []
        for s, (c, w), a, k in zip(sources, pairs, inits, kernels):
            out = c.native_add(spikes[s], w, a)
            outs.append(a + c.event_matvec(spikes[s], w, kernel=k) if out is None else out)
        return tuple(outs)
    targets = [c.pallas_target(w) for c, w in pairs]
    dtype = jnp.result_type(float)
    return launch(list(spikes), targets, dtype, kernels[0].interpret, inits, sources)


@_together.defjvp
def _together_jvp(kernels, sources, primals, tangents):
    pairs, spikes, inits = primals

    def separate(pairs, inits):
        return tuple(
            a + c.event_matvec(spikes[s], w, kernel=k)
            for s, (c, w), a, k in zip(sources, pairs, inits, kernels)
        )

    d_pairs, _, d_inits = tangents
    out = _together(kernels, sources, *primals)
    return out, jax.jvp(separate, (pairs, inits), (d_pairs, d_inits))[1]
