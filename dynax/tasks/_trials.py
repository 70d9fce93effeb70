"""The arrays a cognitive task returns, and the conversion of durations to steps."""

import math
from typing import NamedTuple

import jax
import numpy as np

from .._custom_types import Array, Bool, Float, Int


class Trials(NamedTuple):
    r"""A batch of trials of a cognitive task (a pytree: every leaf has the trial axis
    first, so `dx.train.fit` can draw mini-batches of it).

    - `inputs`: `(batch, n_steps, n_in)` float32, the input at each step of `dt` ms.
    - `labels`: `(batch,)` int32, the correct choice of each trial (for the tasks of
      `dynax.tasks`); `(batch, n_steps)` per step for
      [`dynax.tasks.from_neurogym`][] (neurogym's ground truth, 0 = fixate).
    - `mask`: `(batch, n_steps)` bool, the steps where the response is scored (the
      decision or recall period; for neurogym, the steps inside the trial).
    - `conditions`: a dict of per-trial arrays `(batch,)` describing each trial
      (e.g. `"coherence"`, `"n_left"`), for psychometric curves and tests.

    Unpack it as a tuple, `inputs, labels, mask, conditions = trials`, or by name.
    """

    inputs: Float[Array, "batch n_steps n_in"]
    labels: Int[Array, " batch"] | Int[Array, "batch n_steps"]
    mask: Bool[Array, "batch n_steps"]
    conditions: dict[str, Array]


def steps(duration: float, dt: float, name: str) -> int:
    """The number of steps of `dt` in `duration` (both ms), which must be a whole number."""
    if not (isinstance(duration, (int, float, np.floating, np.integer)) and duration >= 0):
        raise ValueError(f"{name} must be a duration >= 0 (ms), got {name}={duration!r}.")
    n = round(duration / dt)
    if not math.isclose(n * dt, duration, rel_tol=1e-6, abs_tol=1e-9):
        raise ValueError(
            f"{name}={duration!r} ms is not a whole number of steps of dt={dt!r} ms: "
            "choose durations that are multiples of dt."
        )
    return int(n)


def check_common(key, batch_size, dt) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got batch_size={batch_size!r}.")
    if not (isinstance(dt, (int, float)) and dt > 0 and math.isfinite(dt)):
        raise ValueError(f"dt must be a positive number (ms), got dt={dt!r}.")
    if not isinstance(key, jax.Array):
        raise ValueError(f"key must be a PRNG key (jax.random.key(seed)), got key={key!r}.")


def periods(dt: float, **durations: float) -> dict[str, slice]:
    """Consecutive periods (ms) as slices of steps, in the order given."""
    out, start = {}, 0
    for name, duration in durations.items():
        n = steps(duration, dt, name)
        out[name] = slice(start, start + n)
        start += n
    return out
