"""Ring-buffer delays in whole time steps, and delays in ms waiting for their `dt`."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._custom_types import Array, ArrayLike, Int, PRNGKeyArray
from ._system import AbstractTimed, Context, DynamicalSystem, check_dt


def to_steps(delay: ArrayLike, dt: float) -> int | np.ndarray:
    """Delays in ms as whole steps of `dt` ms: the nearest integer, halves rounded up.

    A relative tolerance of 1e-9 absorbs floating-point noise, so `1.5 / 0.1` gives 15.
    A delay of `d` steps means a spike emitted in the step that ends at time $t$ reaches
    its synapses in the step that starts at $t + d\\,dt$; `d = 0` is the standard
    "read the previous step's spikes", i.e. no delay beyond the step itself.
    """
    check_dt(dt)
    d = np.asarray(delay, dtype=np.float64)
    if np.any(d < 0) or not np.all(np.isfinite(d)):
        raise ValueError(f"delay must be finite and non-negative (ms), got delay={delay!r}.")
    steps = np.floor(d / dt * (1 + 1e-9) + 0.5).astype(np.int64)
    return int(steps) if steps.ndim == 0 else steps


class DelayState(eqx.Module):
    """`buffer[(head - d) % length]` holds the value pushed `d` steps ago."""

    buffer: Array
    head: Int[Array, ""]


class Delay(DynamicalSystem):
    """A ring buffer holding the last `max_steps + 1` values of a signal of shape `(n,)`.

    `step(state, x, ctx)` pushes `x`; `read(state)` returns the value pushed `steps`
    pushes ago (0 is the value just pushed), for the whole signal or per element.

    **Arguments:**

    - `n`: size of the delayed signal.
    - `steps`: an int (homogeneous delay) or an int array of delays, ≥ 0, one per element
      of the signal.
    - `dtype`: dtype of the buffer (bool for spikes).
    """

    n: int = eqx.field(static=True)
    steps: Int[Array, "..."]
    max_steps: int = eqx.field(static=True)
    dtype: Any = eqx.field(static=True)

    def __init__(self, n: int, steps: ArrayLike, dtype=bool):
        steps_np = np.asarray(steps)
        if not np.issubdtype(steps_np.dtype, np.integer) or np.any(steps_np < 0):
            raise ValueError(
                f"steps must be non-negative integers (whole steps, not ms), got steps={steps!r}."
            )
        self.n = n
        self.steps = jnp.asarray(steps_np, jnp.int32)
        if steps_np.ndim and steps_np.shape != (n,):
            raise ValueError(f"per-element steps must have shape ({n},), got {steps_np.shape}.")
        self.max_steps = int(steps_np.max(initial=0))
        self.dtype = dtype

    @property
    def length(self) -> int:
        return self.max_steps + 1

    def init(self, key: PRNGKeyArray | None = None) -> DelayState:
        return DelayState(
            buffer=jnp.zeros((self.length, self.n), self.dtype), head=jnp.zeros((), jnp.int32)
        )

    def step(self, state: DelayState, input: Array, ctx: Context | None = None) -> DelayState:
        head = (state.head + 1) % self.length
        # A dynamic update, not `.at[head].set`: that reaches XLA as a scatter, which its
        # CPU backend guards with a bounds check and a select (three more kernels a
        # step), and head is always in range.
        value = jnp.asarray(input, state.buffer.dtype)
        buffer = jax.lax.dynamic_update_index_in_dim(state.buffer, value, head, 0)
        return DelayState(buffer=buffer, head=head)

    def read(self, state: DelayState) -> Array:
        """The delayed values, `(n,)`."""
        slot = (state.head - self.steps) % self.length
        if self.steps.ndim == 0:
            return state.buffer[slot]
        return state.buffer[slot, jnp.arange(self.n)]


class PreparedDelay(eqx.Module):
    """A delay in ms turned into steps of `dt` (by `with_dt`): the ring buffer `delay`,
    or None where every delay rounds to 0 steps (no buffer: the previous step's spikes);
    `steps`, for per-connection delays, the delay of each connection in steps."""

    dt: float = eqx.field(static=True)
    delay: Delay | None
    steps: Int[Array, "..."] | None = None


class PendingDelay(AbstractTimed):
    """The place of a ring buffer in an initial state made before `dt` is known.

    Its length depends on the step: a model holding delays in ms that was not prepared
    for a `dt` (`with_dt`) puts this in its `init()` state, and `dx.simulate` replaces it
    with the empty buffer for its `dt` (`with_dt(state, dt)`): no spike in flight. It has
    no arrays, so it costs nothing and is saved like any other part of a state.

    **Arguments:**

    - `n`: size of the delayed signal.
    - `max_delay`: the longest delay (ms).
    - `dtype`: dtype of the buffer (bool for spikes).
    """

    n: int = eqx.field(static=True)
    max_delay: float = eqx.field(static=True)
    dtype: Any = eqx.field(static=True)

    def with_dt(self, dt: float) -> DelayState | None:  # type: ignore[override]
        steps = to_steps(self.max_delay, dt)
        return Delay(self.n, steps, dtype=self.dtype).init() if steps else None
