"""`sweep`: run a function over a batch of parameters in one compilation, optionally
sharded across devices."""

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
    - `args`: further arguments passed to every call unbatched (e.g. a shared model).
    - `devices`: None for the default device; a list of devices (or their number, taken
      from `jax.devices()`) to shard the batch over with `jax.sharding`. The batch is
      padded to a multiple of the number of devices and the padding dropped afterwards.

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
    run = eqx.filter_vmap(lambda p: fn(p, *args))
    if devices is None:
        return run(params)
    if isinstance(devices, int):
        available = jax.devices()
        if not 0 < devices <= len(available):
            raise ValueError(f"devices={devices} but {len(available)} devices are available.")
        devices = available[:devices]
    devices = list(devices)
    padded = -(-size // len(devices)) * len(devices)

    def pad(x):
        if not eqx.is_array(x):
            return x
        extra = jnp.repeat(x[-1:], padded - size, axis=0)
        return jnp.concatenate([x, extra]) if padded > size else x

    mesh = Mesh(np.array(devices), ("batch",))
    sharding = NamedSharding(mesh, PartitionSpec("batch"))
    params = jtu.tree_map(
        lambda x: jax.device_put(pad(x), sharding) if eqx.is_array(x) else x, params
    )
    out = run(params)
    return jtu.tree_map(lambda x: x[:size] if eqx.is_array(x) else x, out)
