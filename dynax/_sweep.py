"""`sweep`: run a function over a batch of parameters in one compilation, optionally
sharded across devices."""

import functools
from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


@functools.lru_cache(maxsize=64)
def _batched(fn: Callable) -> Callable:
    return eqx.filter_jit(eqx.filter_vmap(fn))


def sweep(fn: Callable, params: Any, *, devices: Sequence[jax.Device] | int | None = None):
    """`fn` applied to every entry of a batch of parameters: `jax.vmap` under one `jit`.

    **Arguments:**

    - `fn`: maps one entry of the batch to a pytree of results, e.g.
      `lambda I: dx.simulate(model, state, dt=0.1, n_steps=1000, inputs=I, ...)[1]`.
      Pass the same function object to reuse the compilation.
    - `params`: a pytree whose array leaves all have the same leading (batch) size — a
      vector of currents, a dict of parameter grids, or a stacked model from
      `eqx.filter_vmap(make_model)(values)`.
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
    run = _batched(fn)
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
