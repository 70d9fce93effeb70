"""Random numbers for a model's `step`: the same numbers as `jax.random` for a threefry key
(JAX's default), written so that XLA fuses each draw into the simulation loop.

Draw from the step's key, `dx.random.normal(ctx.key, (self.n,))`, where `jax.random.normal`
would do: the values are bit for bit those of `jax.random`, and on a CPU with JAX 0.10 a
draw costs a fraction of `jax.random`'s call inside a loop (the threefry hash becomes
integer operations of the step's own fused code, not a loop of its own). Every noise
source of dynax draws this way. Other key implementations fall back to `jax.random`.
"""

from .._random import fold_in as fold_in, normal as normal, uniform as uniform
