"""Times on the step grid: what `with_dt` computes on the host, in float64, so that a
signal's edges and phase stay exact at any time of a run (a float32 time is 0.25 ms
coarse after one hour, 4 ms after ten).

Boundaries become step indices (int32): the step `i` starts at `i * dt`. Periodic
signals advance a phase held in 64-bit fixed point (two uint32 words, in units of
2^-64 cycles), so that the phase at step `i` is `phase0 + i * increment` modulo one
cycle, exact integer arithmetic whatever `i`.
"""

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Int, UInt

MAX_STEP = 2**31 - 1
"""The largest step index; boundaries beyond it (e.g. `t_end = inf`) never come."""


class Grid(eqx.Module):
    """A signal's or a spike train's times as whole steps of `dt` (made by its `with_dt`).

    **Arguments:**

    - `dt`: the step (ms) it was made for (alone: a parameter checked for that step).
    - `start`, `end`: the first step on, the first step off again.
    - `ends`: a `Section`'s section ends (steps).
    - `events`: a spike train's steps, one per spike.
    - `lead`: time (ms) from `t_start` to the start of step `start`, in `[0, dt)`.
    - `increment`, `phase0`: a periodic signal's cycles per step and cycles at step 0, in
      64-bit fixed point (uint32 words, high first).
    """

    dt: float = eqx.field(static=True)
    start: Int[Array, "..."] | None = None
    end: Int[Array, "..."] | None = None
    ends: Int[Array, " sections"] | None = None
    events: Int[Array, " events"] | None = None
    lead: Array | None = None
    increment: UInt[Array, "... 2"] | None = None
    phase0: UInt[Array, "... 2"] | None = None

    def on(self, i: Array) -> Array:
        """Whether step `i` lies in `[start, end)`."""
        assert self.start is not None and self.end is not None  # set by `with_dt`
        return (i >= self.start) & (i < self.end)


def step_at(x: ArrayLike, dt: float) -> Array:
    """The first step `i` whose start `i * dt` reaches the time `x` (ms), as int32.

    `x` is a stored parameter (float32 unless x64 is on), so it is forgiven its own
    rounding, up to a few units in its last place: `0.3` reaches step 3 at `dt = 0.1`
    even though float32's 0.3 lies a hair above. The forgiveness never exceeds half a
    step, so a time that float32 cannot place on the grid is not moved to a step
    before it."""
    return jnp.asarray(step_index(x, dt))


def step_index(x: ArrayLike, dt: float) -> np.ndarray:
    """`step_at` as a NumPy array, for the host-side checks of `with_dt` (a jax array
    made inside `jax.jit` is traced, and NumPy cannot read it back)."""
    x = np.asarray(x)
    eps = np.finfo(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32).eps
    q = x.astype(np.float64) / dt
    with np.errstate(invalid="ignore"):
        tol = np.minimum(4 * eps * np.abs(q) + 1e-9, 0.4999)
        i = np.ceil(q - np.where(np.isfinite(q), tol, 0.0))
    steps = np.where(np.isnan(i), MAX_STEP, np.clip(i, -MAX_STEP, MAX_STEP))
    return steps.astype(np.int32)


def fixed_phase(cycles) -> Array:
    """The fractional part of `cycles` (float64 on the host) as 64-bit fixed point: a
    uint32 array of shape `(..., 2)`, high word first."""
    frac = np.mod(np.asarray(cycles, np.float64), 1.0)
    hi = np.floor(frac * 2.0**32)
    lo = np.floor((frac * 2.0**32 - hi) * 2.0**32)
    hi, lo = np.clip(hi, 0, 2**32 - 1), np.clip(lo, 0, 2**32 - 1)
    return jnp.asarray(np.stack([hi, lo], axis=-1).astype(np.uint32))


def _mul_wide(a: Array, b: Array) -> tuple[Array, Array]:
    """The 64-bit product of uint32 `a` and `b` as (high, low) uint32 words."""
    mask = jnp.uint32(0xFFFF)
    a1, a0, b1, b0 = a >> 16, a & mask, b >> 16, b & mask
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = (p00 >> 16) + (p01 & mask) + (p10 & mask)
    high = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16)
    return high, (mid << 16) | (p00 & mask)


def phase_at(i: Array, increment: Array, phase0: Array, dtype) -> Array:
    """`phase0 + i * increment` modulo one cycle, in [0, 1), for a step `i >= 0`;
    `increment` and `phase0` from `fixed_phase`."""
    i = jnp.asarray(i).astype(jnp.uint32)
    inc_hi, inc_lo = increment[..., 0], increment[..., 1]
    carry_hi, low = _mul_wide(i, inc_lo)
    high = i * inc_hi + carry_hi  # modulo 2^32: whole cycles drop out
    low_sum = low + phase0[..., 1]
    high = high + phase0[..., 0] + (low_sum < low).astype(jnp.uint32)
    frac = high.astype(dtype) * (2.0**-32) + low_sum.astype(dtype) * (2.0**-64)
    # Rounding to float32 can give exactly 1.0 just below a whole cycle.
    return jnp.where(frac >= 1, jnp.zeros_like(frac), frac)
