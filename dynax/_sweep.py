"""`sweep`: run a function over a batch of parameters in one compilation, optionally
sharded across devices, processes, or a mesh with a batch axis and a neuron axis."""

from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def sweep(
    fn: Callable,
    params: Any,
    *args: Any,
    devices: Sequence[jax.Device] | int | None = None,
    mesh: Mesh | None = None,
    batch_axis: str = "batch",
):
    """`fn(p, *args)` for every entry `p` of a batch of parameters, vectorised with
    `eqx.filter_vmap`.

    A `dx.simulate` inside `fn` compiles once for the whole batch (and not again on a
    later sweep with the same shapes); the model reaches its `jit` as an argument, never
    as a baked-in constant, whether it is batched in `params` or shared in `args`.

    **Arguments:**

    - `fn`: maps one entry of the batch (and `args`) to a pytree of results, e.g.
      `lambda I, net: dx.simulate(net, net.init(key), dt=0.1, n_steps=1000,
      inputs={"E": I}, ...)[1]`.
    - `params`: a pytree whose array leaves all have the same leading (batch) size — a
      vector of currents, a dict of parameter grids, or a stacked model from
      `eqx.filter_vmap(make_model)(values)`.
    - `args`: further arguments passed to every call unbatched (e.g. a shared model,
      which may itself be sharded along its neuron axis).
    - `devices`: None for the default device; a list of devices (or their number, taken
      from `jax.devices()`) to shard the batch over with `jax.sharding`.
    - `mesh`: instead of `devices`, a `jax.sharding.Mesh` with an axis named `batch_axis`
      that the batch is sharded over. Its other axes are left to `fn`: a network sharded
      along the neuron axis of the same mesh runs each entry of the batch across that
      axis (`vmap` with `spmd_axis_name=batch_axis`, so that the collectives of its
      `shard_map` stay within one entry). A mesh of shape `(2, 2)` with axes
      `("batch", "neurons")` runs two networks at a time, each on two devices.
    - `batch_axis`: the name of the mesh axis the batch is sharded over.

    With `devices` or `mesh`, the results come back as global arrays sharded along the
    batch axis. A batch that is not a multiple of the number of shards is padded (its
    last entry repeated) and the padding dropped from the results, which are then laid
    out as JAX chooses (usually replicated). In a run of several processes
    (`jax.distributed.initialize`; `jax.devices()` then lists every process's devices),
    every process calls `sweep` with the same arguments; a result's shards then live in
    the processes that computed them, and
    `jax.experimental.multihost_utils.process_allgather(result, tiled=True)` brings the
    whole of it to each process.

    Returns the results stacked along a leading batch axis.
    """
    leaves = [x for x in jtu.tree_leaves(params) if eqx.is_array(x)]
    sizes = {jnp.shape(x)[0] if jnp.ndim(x) else None for x in leaves}
    if not leaves or len(sizes) != 1 or None in sizes:
        raise ValueError(
            "params must hold arrays with one common leading (batch) axis; "
            f"got leading sizes {sorted(map(str, sizes))}."
        )
    (size,) = sizes
    assert size is not None  # `None in sizes` raised above
    if devices is None and mesh is None:
        return eqx.filter_vmap(lambda p: fn(p, *args))(params)
    if devices is not None and mesh is not None:
        raise ValueError("pass either devices= or mesh=, not both.")
    if mesh is None:
        if isinstance(devices, int):
            available = jax.devices()
            if not 0 < devices <= len(available):
                raise ValueError(f"devices={devices} but {len(available)} devices are available.")
            devices = available[:devices]
        mesh = Mesh(np.array(devices), (batch_axis,))
    elif batch_axis not in mesh.axis_names:
        raise ValueError(
            f"the mesh has no axis {batch_axis!r} to shard the batch over; its axes are "
            f"{mesh.axis_names} (pass batch_axis=...)."
        )
    else:
        # The same devices and names with JAX's automatic sharding (`Auto` axes, Mesh's
        # default): `jax.make_mesh` now makes `Explicit` axes, which `spmd_axis_name`
        # finds only under `jax.set_mesh` and whose slicing wants explicit out shardings.
        mesh = Mesh(mesh.devices, mesh.axis_names)
    shards = mesh.shape[batch_axis]
    padded = -(-size // shards) * shards
    sharding = NamedSharding(mesh, PartitionSpec(batch_axis))
    params = jtu.tree_map(
        lambda x: _put(_pad(x, padded), sharding) if eqx.is_array(x) else x, params
    )
    # The batch axis of the mesh named for `fn`'s own shardings (a `shard_map` over the
    # neuron axis): each entry of the batch then keeps to its slice of the batch axis.
    # (`filter_vmap` passes `spmd_axis_name` on to `jax.vmap`; its type stubs omit it.)
    run = eqx.filter_vmap(lambda p: fn(p, *args), spmd_axis_name=batch_axis)  # type: ignore[call-overload]
    out = run(params)
    if padded == size:
        return out
    return jtu.tree_map(lambda x: x[:size] if eqx.is_array(x) else x, out)


def _pad(x: Any, padded: int) -> Any:
    """`x` with its last entry repeated up to `padded` entries along the batch axis."""
    if padded == x.shape[0]:
        return x
    return jnp.concatenate([x, jnp.repeat(x[-1:], padded - x.shape[0], axis=0)])


def _put(x: Any, sharding: NamedSharding) -> jax.Array:
    """`x` laid out with `sharding`, which may span several processes. A process can
    place only host data on devices of other processes (the same data in every process),
    so an array on one device goes through host memory."""
    if not isinstance(x, jax.Array) or jax.process_count() == 1 or not x.is_fully_addressable:
        return jax.device_put(x, sharding)
    if jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
        data = jax.device_put(np.asarray(jax.random.key_data(x)), sharding)
        return jax.random.wrap_key_data(data, impl=jax.random.key_impl(x))
    return jax.device_put(np.asarray(x), sharding)
