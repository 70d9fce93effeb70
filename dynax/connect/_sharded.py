"""Connectivity partitioned by postsynaptic owner over the devices of a mesh."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from .._custom_types import Array, PyTree
from .._exchange import shard_map
from ..ops._fused import event_matvecs
from ..ops._kernels import AbstractKernel, Concrete
from ._connectivity import AbstractConnectivity, Invariant


class Sharded(AbstractConnectivity):
    r"""The connectivity `(n_pre, n_post)` split by postsynaptic owner over the axis
    `axis` of `mesh`: device $s$ of that axis holds block $s$ of the format's
    `column_blocks(weight, shards)`, the connections onto postsynaptic neurons $[s m, (s + 1) m)$,
    $m$ = `n_post / shards` (renumbered from 0), with their weights. Made by
    `dx.connect.partition`; `dx.shard` partitions every projection of a network this way.

    Its operators take the whole presynaptic vector on every device (replicated: the
    spikes a sharded network gathered) and give the postsynaptic result split along
    `axis`: each device applies its block with the block's own operator (the compiled
    CPU kernels, Pallas or XLA, as the unsplit format would), inside a `jax.shard_map`;
    `dx.ops.event_matvecs` runs all the sharded pairs it is given in one `jax.shard_map`
    (`event_matvecs_sharded`), fused on each device as they would be unsharded.
    Each postsynaptic neuron's sum is therefore formed on one device, over the same
    connections in the same order as without sharding. Per-connection weights are
    stacked `(shards, ...)` like the blocks (`weight_shape`), split along `axis` too.

    **Arguments:**

    - `blocks`: the array leaves of the blocks, stacked along a leading axis of length
      `shards` (global arrays split along `axis`).
    - `block`: the tree structure of one block (`jax.tree_util.tree_structure`), whose
      static fields are those of every block.
    - `n_pre`, `n_post`: the whole connectivity's sizes.
    - `mesh`, `axis`: the mesh and the name of its axis that splits the neurons.
    """

    blocks: list[Array]
    block: Any = eqx.field(static=True)
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    mesh: Mesh = eqx.field(static=True)
    axis: str = eqx.field(static=True)
    block_weight_shape: tuple[int, ...] = eqx.field(static=True)

    @property
    def shards(self) -> int:
        return self.mesh.shape[self.axis]

    def invariants(self) -> tuple[Invariant, ...]:
        """None here: each block was made (and checked) by its format's
        `column_blocks`."""
        return ()

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.shards, *self.block_weight_shape)

    def _template(self) -> AbstractConnectivity:
        """A block as the format it is (shapes only): for its class's choices."""
        shapes = [jax.ShapeDtypeStruct(x.shape[1:], x.dtype) for x in self.blocks]
        return jax.tree.unflatten(self.block, shapes)

    def _local(self, blocks) -> AbstractConnectivity:
        return jax.tree.unflatten(self.block, [x[0] for x in blocks])

    def check_weight(self, weight):
        if isinstance(weight, eqx.Module):  # a distribution (JitProb's), the same everywhere
            return self._template().check_weight(weight)
        return super().check_weight(weight)

    def resolve(self, kernel: "str | AbstractKernel") -> Concrete:
        """The kernel a block runs (that of its format)."""
        return self._template().resolve(kernel)

    # -- how the arguments are split -------------------------------------------------

    def _weight_spec(self, weight: PyTree) -> PyTree:
        def spec(w):
            return P(self.axis) if jnp.ndim(w) == 1 + len(self.block_weight_shape) else P()

        return jax.tree.map(spec, weight)

    def _local_weight(self, weight: PyTree) -> PyTree:
        n = 1 + len(self.block_weight_shape)
        return jax.tree.map(lambda w: w[0] if jnp.ndim(w) == n else w, weight)

    def _run(self, body, weight, args, arg_specs, out_spec):
        """`body(block, local weight, *args)` on every device of the mesh."""
        specs = ([P(self.axis)] * len(self.blocks), self._weight_spec(weight), *arg_specs)

        def local(blocks, w, *xs):
            return body(self._local(blocks), self._local_weight(w), *xs)

        return shard_map(local, self.mesh, specs, out_spec)(self.blocks, weight, *args)

    # -- the operators -----------------------------------------------------------------

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        split = P(self.axis)
        if add_to is None:
            return self._run(
                lambda c, w, e: c.event_columns(e, w, kernel, max_events),
                weight,
                (events,),
                (P(),),
                split,
            )
        return self._run(
            lambda c, w, e, a: c.event_columns(e, w, kernel, max_events, a),
            weight,
            (events, add_to),
            (P(), split),
            split,
        )

    def dense_columns(self, values, weight, transpose):
        if transpose:  # W v: each device's block gives part of every presynaptic sum

            def body(c, w, v):
                return jax.lax.psum(c.dense_columns(v, w, True), self.axis)

            return self._run(body, weight, (values,), (P(self.axis),), P())
        return self._run(
            lambda c, w, v: c.dense_columns(v, w, False), weight, (values,), (P(),), P(self.axis)
        )

    def ring_columns(self, events, weight, steps, head, ring):
        lead = P(None, self.axis)
        return self._run(
            lambda c, w, e, d, h, r: c.ring_columns(e, w, d[0], h, r),
            weight,
            (events, steps, head, ring),
            (P(), P(self.axis), P(), lead),
            lead,
        )

    def per_connection(self, x):
        return jax.device_put(jnp.asarray(x), NamedSharding(self.mesh, P(self.axis)))

    def native_add(self, events, weight, init):
        if not self._template().has_native:
            return None
        lead = (None,) * (init.ndim - 1)
        return self._run(
            lambda c, w, e, a: c.native_add(e, w, a),
            weight,
            (events, init),
            (P(), P(*lead, self.axis)),
            P(*lead, self.axis),
        )


def event_matvecs_sharded(
    spikes: list[Array],
    pairs: "list[tuple[Sharded, PyTree]]",
    kernel: "str | AbstractKernel",
    add_to: list[Array | None],
) -> list[Array]:
    """`dx.ops.event_matvecs` for pairs whose connectivity is `Sharded` over one axis of
    one mesh (the projections of a sharded network): one `jax.shard_map` in which each
    device runs `dx.ops.event_matvecs` over its own blocks, so that a device takes the
    path an unsharded network takes, with the same kernel: on a GPU, one Pallas launch
    for every projection (each active row found once per population), adding into the
    `add_to` buffers in place; on a CPU, the compiled kernels adding in place. Each
    distinct spike vector (by identity: a population's spikes, read by several
    projections) enters once, replicated."""
    first = pairs[0][0]
    mesh, axis = first.mesh, first.axis
    index: dict[int, int] = {}
    sources = [index.setdefault(id(e), len(index)) for e in spikes]
    distinct = list({id(e): e for e in spikes}.values())
    adds = [k for k, a in enumerate(add_to) if a is not None]

    def split(x) -> P:  # the postsynaptic (last) axis along `axis`
        return P(*([None] * (jnp.ndim(x) - 1)), axis)

    def local(blocks, weights, events, inits):
        mine = [(c._local(b), c._local_weight(w)) for (c, _), b, w in zip(pairs, blocks, weights)]
        into: list[Array | None] = [None] * len(pairs)
        for k, a in zip(adds, inits):
            into[k] = a
        outs = event_matvecs([events[s] for s in sources], mine, kernel=kernel, add_to=into)
        return tuple(outs)

    specs = (
        [[P(axis)] * len(c.blocks) for c, _ in pairs],
        [c._weight_spec(w) for c, w in pairs],
        [P()] * len(distinct),
        [split(add_to[k]) for k in adds],
    )
    out_specs = tuple(P(*([None] * (jnp.ndim(e) - 1)), axis) for e in spikes)
    run = shard_map(local, mesh, specs, out_specs)
    outs = run(
        [c.blocks for c, _ in pairs],
        [w for _, w in pairs],
        distinct,
        [add_to[k] for k in adds],
    )
    return list(outs)


def partition(
    conn: AbstractConnectivity, data: PyTree, mesh: Mesh, axis: str
) -> tuple[Sharded, PyTree]:
    """`conn` split by postsynaptic owner over the axis `axis` of `mesh` (see `Sharded`),
    with `data`, its weights (or a pytree of per-connection data: weights and delays):
    `(sharded connectivity, data)`, each per-connection array stacked `(shards, ...)` like
    the blocks (split along `axis`), scalars and distributions as they were. The blocks
    are made on the host by the format's `column_blocks` and placed on the devices,
    once. `n_post` must be divisible by the number of devices along `axis`."""
    mesh = Mesh(mesh.devices, mesh.axis_names)  # Auto axes, as `dx.shard`'s
    if axis not in mesh.shape:
        raise ValueError(f"the mesh has no axis {axis!r}; its axes are {tuple(mesh.shape)}.")
    shards = mesh.shape[axis]
    if conn.n_post % shards:
        raise ValueError(
            f"{type(conn).__name__} has n_post={conn.n_post}, which {shards} devices cannot "
            f"share equally: population sizes must be multiples of the number of devices "
            f"along the mesh axis {axis!r}."
        )
    parts = conn.column_blocks(data, shards)
    structures = {jax.tree.structure(c) for c, _ in parts}
    if len(structures) != 1:  # a format's `column_blocks` promises one structure
        raise AssertionError(f"{type(conn).__name__}.column_blocks gave blocks unlike each other.")
    split = NamedSharding(mesh, P(axis))

    def stack(*xs):
        if not eqx.is_array(xs[0]) or jnp.ndim(xs[0]) == 0:  # the same for every block
            return xs[0]
        return jax.device_put(np.stack([np.asarray(x) for x in xs]), split)

    leaves = [jax.tree.leaves(c) for c, _ in parts]
    blocks = [jax.device_put(np.stack([np.asarray(x) for x in xs]), split) for xs in zip(*leaves)]
    data = jax.tree.map(stack, *[d for _, d in parts])
    sharded = Sharded(
        blocks=blocks,
        block=structures.pop(),
        n_pre=conn.n_pre,
        n_post=conn.n_post,
        mesh=mesh,
        axis=axis,
        block_weight_shape=parts[0][0].weight_shape,
    )
    return sharded, data
