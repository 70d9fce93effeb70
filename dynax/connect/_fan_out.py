"""Fixed fan-out connectivity: one padded row of targets per presynaptic neuron."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, Int


class FanOut(eqx.Module):
    """Connectivity from `n_pre` to `n_post` neurons as a dense `(n_pre, k)` table of targets.

    Row `i` lists the postsynaptic targets of presynaptic neuron `i`; rows with fewer than
    `k` targets are padded with the value `n_post`, which names no neuron. A per-synapse
    array (weights, delays) has the same `(n_pre, k)` shape, with anything in the padded
    slots. Spike propagation over this format reads one contiguous row per spike, with
    no row pointers, which is the fastest layout when fan-outs are (nearly) equal.

    **Arguments:**

    - `indices`: `(n_pre, k)` postsynaptic indices in `[0, n_post]` (`n_post` = padding).
    - `n_post`: number of postsynaptic neurons.
    """

    indices: Int[Array, "n_pre k"]
    n_post: int = eqx.field(static=True)

    def __init__(self, indices, n_post: int):
        if not isinstance(n_post, int | np.integer) or n_post <= 0:
            raise ValueError(f"n_post must be a positive int, got n_post={n_post!r}.")
        host = np.asarray(indices)
        if host.ndim != 2:
            raise ValueError(f"indices must have shape (n_pre, k), got {host.shape}.")
        if host.size and (host.min() < 0 or host.max() > n_post):
            raise ValueError(f"indices must lie in [0, n_post={n_post}] (n_post pads a row).")
        self.indices = jnp.asarray(host, jnp.int32)
        self.n_post = int(n_post)

    @property
    def n_pre(self) -> int:
        """Number of presynaptic neurons."""
        return self.indices.shape[0]

    @property
    def max_fan_out(self) -> int:
        """Width `k` of the table."""
        return self.indices.shape[1]

    @property
    def mask(self) -> Bool[Array, "n_pre k"]:
        """Which slots hold a connection (the others are padding)."""
        return self.indices < self.n_post
