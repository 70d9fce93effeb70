"""`rollout`: a batch of simulations, one per input sequence, for a loss to read."""

from typing import Any

import jax
import jax.tree_util as jtu
import numpy as np

from .._custom_types import PRNGKeyArray
from .._run import Monitor, simulate
from .._system import DynamicalSystem


def rollout(
    model: DynamicalSystem,
    inputs: Any,
    *,
    dt: float,
    monitors: dict[str, Monitor],
    key: PRNGKeyArray | None = None,
    every: int = 1,
    checkpoint: bool | int = False,
    unroll: int | None = None,
) -> dict[str, Any]:
    """Run `model` once per input sequence of a batch and return the records.

    Member `b` of the batch starts from `model.init(k_init)` and runs
    `dx.simulate(model, state, dt=dt, inputs=inputs[b], monitors=monitors, ...)`, all
    members in one `jax.vmap`. Differentiable, so that a loss of the records can be
    trained (`dx.train.make_step`).

    **Arguments:**

    - `model`: the model.
    - `inputs`: the batch of input sequences: an array `(batch, n_steps, ...)`, or a
      pytree of such arrays shaped like the model's `input` (e.g. `{"E": ...}`).
    - `dt`: time step (ms).
    - `monitors`: as for `dx.simulate` (`{name: path or function of the state}`).
    - `key`: PRNG key for the members' initial states and runs (split per member);
      None for deterministic models.
    - `every`: record every `every`-th step (as for `dx.simulate`).
    - `checkpoint`: gradient checkpointing of the time loop (as for `dx.simulate`):
      an int `k` keeps the state every `k` records and recomputes the rest in the
      backward pass, so that memory grows as n / k + k.
    - `unroll`: steps per iteration of the compiled loop (as for `dx.simulate`).

    **Returns:** the records of `dx.simulate`, each with a leading batch axis, and
    `"t"` (the record times in ms, shared by all members).
    """
    leaves = jtu.tree_leaves(inputs)
    if not leaves:
        raise ValueError("inputs must hold at least one array (batch, n_steps, ...).")
    shapes = {np.shape(x)[:2] for x in leaves if np.ndim(x) >= 2}
    if len(shapes) != 1 or len(leaves) != sum(np.ndim(x) >= 2 for x in leaves):
        raise ValueError(
            "every input leaf must be an array (batch, n_steps, ...) with the same batch "
            f"size and number of steps; got shapes {[np.shape(x) for x in leaves]}."
        )
    (batch, n_steps) = shapes.pop()
    keys = None if key is None else jax.random.split(key, batch)

    def one(x, k):
        k_init, k_run = (None, None) if k is None else jax.random.split(k)
        _, records = simulate(
            model,
            model.init(k_init),
            dt=dt,
            n_steps=n_steps,
            inputs=x,
            monitors=monitors,
            key=k_run,
            every=every,
            checkpoint=checkpoint,
            unroll=unroll,
        )
        records.pop("t")
        return records

    records = jax.vmap(one)(inputs, keys)
    # float64 from the step index, as `dx.simulate` gives it
    records["t"] = every * np.arange(1, n_steps // every + 1, dtype=np.int64) * dt
    return records
