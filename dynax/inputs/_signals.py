"""Deterministic input signals: pure functions of the time `ctx.t`.

Every signal is evaluated at the start `t` of the step `[t, t + dt)` and holds that
value during the step. Its on/off boundaries (`t_start`, `t_end`, section ends, the
edges of square pulses) are compared with `t` up to a few units in the last place, so
that a step starting at `t = i * dt` that equals a boundary in exact arithmetic counts as
having reached it even when rounding puts it a hair below.
"""

from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, RealScalarLike
from .._system import Context
from ._base import AbstractSignal
from ._checks import check_order, check_param, concrete, to_float, tolerance


def _reached(t: Array, boundary: Array) -> Array:
    """`t >= boundary`, forgiving the rounding of `t` and `boundary`."""
    return t + tolerance(t) + tolerance(boundary) >= boundary


def _window(t: Array, t_start: Array, t_end: Array) -> Array:
    """Whether `t` lies in `[t_start, t_end)`, up to rounding."""
    return _reached(t, t_start) & ~_reached(t, t_end)


class Constant(AbstractSignal):
    """A constant input: `value` at all times.

    **Arguments:**

    - `value`: the value (a scalar, or an array that broadcasts against its target);
      in the unit of the target, e.g. nA for a current.
    """

    value: Array

    def __init__(self, value: ArrayLike):
        self.value = to_float(value, "value")

    def __call__(self, ctx: Context) -> Array:
        return self.value


class Section(AbstractSignal):
    """A piecewise constant input: `values[j]` during the `j`-th of back-to-back sections.

    The sections start at $t = 0$: section $j$ covers
    $[s_j, s_j + d_j)$ with $s_j = \\sum_{k<j} d_k$. The value is 0 before $t = 0$ and
    after the last section ends.

    **Arguments:**

    - `values`: one value per section, scalars or arrays all of the same shape (or one
      array whose leading axis runs over the sections); unit of the target (e.g. nA).
    - `durations`: the duration of each section (ms), all positive; as many as `values`.

    !!! example

        ```python
        Section([0.0, 1.0, 0.0], [100.0, 300.0, 100.0])  # a 300 ms step of 1 from 100 ms
        ```
    """

    values: Array
    durations: Array

    def __init__(self, values: Sequence[ArrayLike] | ArrayLike, durations: Sequence[float]):
        if isinstance(values, str) or not np.iterable(values):
            raise ValueError(f"values must be a sequence of values, got values={values!r}.")
        arrays = [to_float(v, "values") for v in values]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"values must all have the same shape, got shapes {sorted(shapes)}.")
        self.values = jnp.stack(arrays) if arrays else jnp.zeros((0,))
        self.durations = to_float(durations, "durations")

    def __check_init__(self):
        if self.durations.ndim != 1:
            raise ValueError(
                f"durations must be a sequence of numbers, got shape {self.durations.shape}."
            )
        if self.durations.shape[0] != self.values.shape[0] or self.values.shape[0] == 0:
            raise ValueError(
                "values and durations must have the same non-zero length, got "
                f"len(values)={self.values.shape[0]} and "
                f"len(durations)={self.durations.shape[0]}."
            )
        check_param(self.durations, "durations", positive=True)

    def __call__(self, ctx: Context) -> Array:
        t = jnp.asarray(ctx.t)
        ends = jnp.cumsum(self.durations)
        n_sections = ends.shape[0]
        # Sections already over at t (a section is over from the step that starts at its end).
        done = jnp.sum(_reached(t, ends))
        on = _reached(t, jnp.zeros_like(t)) & (done < n_sections)
        value = self.values[jnp.minimum(done, n_sections - 1)]
        return jnp.where(on, value, jnp.zeros_like(value))


class Ramp(AbstractSignal):
    """A linear ramp from `start_value` at `t_start` to `end_value` at `t_end`.

    $$I(t) = I_0 + (I_1 - I_0)\\frac{t - t_0}{t_1 - t_0}$$

    for $t \\in [t_0, t_1)$, and 0 before `t_start` and from `t_end` on (the ramp does not
    hold its end value; add a [`dynax.inputs.Section`][] for that).

    **Arguments:**

    - `start_value`, `end_value`: the values at `t_start` and `t_end` (unit of the target,
      e.g. nA); scalars or arrays of the same shape.
    - `t_start`, `t_end`: start and end of the ramp (ms), `t_end > t_start`.
    """

    start_value: Array
    end_value: Array
    t_start: Array
    t_end: Array

    def __init__(
        self,
        start_value: ArrayLike,
        end_value: ArrayLike,
        t_start: RealScalarLike,
        t_end: RealScalarLike,
    ):
        self.start_value = to_float(start_value, "start_value")
        self.end_value = to_float(end_value, "end_value")
        self.t_start = to_float(t_start, "t_start")
        self.t_end = to_float(t_end, "t_end")

    def __check_init__(self):
        check_order(self.t_start, self.t_end)

    def __call__(self, ctx: Context) -> Array:
        t = jnp.asarray(ctx.t)
        frac = jnp.clip((t - self.t_start) / (self.t_end - self.t_start), 0.0, 1.0)
        value = self.start_value + (self.end_value - self.start_value) * frac
        return jnp.where(_window(t, self.t_start, self.t_end), value, jnp.zeros_like(value))


class Sinusoidal(AbstractSignal):
    """A sinusoid switched on during `[t_start, t_end)`.

    $$I(t) = A \\sin(2\\pi f t / 1000 + \\varphi) + I_\\mathrm{offset}$$

    with $t$ in ms and $f$ in Hz; $t$ is the absolute time (not counted from `t_start`),
    so `t_start`/`t_end` only gate the signal. The value is 0 outside `[t_start, t_end)`.

    **Arguments:**

    - `amplitude`: $A$ (unit of the target, e.g. nA).
    - `frequency`: $f$ (Hz), positive.
    - `phase`: $\\varphi$ (radians).
    - `offset`: added while the signal is on (unit of the target).
    - `t_start`, `t_end`: when the signal is on (ms), `t_end > t_start`.
    """

    amplitude: Array
    frequency: Array
    phase: Array
    offset: Array
    t_start: Array
    t_end: Array

    def __init__(
        self,
        amplitude: ArrayLike,
        frequency: ArrayLike,
        *,
        phase: ArrayLike = 0.0,
        offset: ArrayLike = 0.0,
        t_start: RealScalarLike = 0.0,
        t_end: RealScalarLike = float("inf"),
    ):
        self.amplitude = to_float(amplitude, "amplitude")
        self.frequency = to_float(frequency, "frequency")
        self.phase = to_float(phase, "phase")
        self.offset = to_float(offset, "offset")
        self.t_start = to_float(t_start, "t_start")
        self.t_end = to_float(t_end, "t_end")

    def __check_init__(self):
        check_param(self.frequency, "frequency", positive=True)
        check_order(self.t_start, self.t_end)

    def __call__(self, ctx: Context) -> Array:
        t = jnp.asarray(ctx.t)
        cycles = self.frequency * t / 1000.0
        # Keep only the fractional cycle: sin of a large float32 argument loses digits.
        cycles = cycles - jnp.floor(cycles)
        value = self.amplitude * jnp.sin(2 * jnp.pi * cycles + self.phase) + self.offset
        return jnp.where(_window(t, self.t_start, self.t_end), value, jnp.zeros_like(value))


class Square(AbstractSignal):
    """A square wave (pulse train) switched on during `[t_start, t_end)`.

    Each period $1000/f$ ms starts with its on-phase: the value is
    `offset + amplitude` during the first `duty` fraction of the period and `offset`
    during the rest. Periods are counted from `t_start`, so the first pulse starts at
    `t_start`. The value is 0 outside `[t_start, t_end)`.

    **Arguments:**

    - `amplitude`: height of the pulses above `offset` (unit of the target, e.g. nA).
    - `frequency`: pulses per second (Hz), positive.
    - `duty`: fraction of each period that is on, in $[0, 1]$.
    - `offset`: the value between pulses while the signal is on (unit of the target).
    - `t_start`, `t_end`: when the signal is on (ms), `t_end > t_start`.
    """

    amplitude: Array
    frequency: Array
    duty: Array
    offset: Array
    t_start: Array
    t_end: Array

    def __init__(
        self,
        amplitude: ArrayLike,
        frequency: ArrayLike,
        *,
        duty: ArrayLike = 0.5,
        offset: ArrayLike = 0.0,
        t_start: RealScalarLike = 0.0,
        t_end: RealScalarLike = float("inf"),
    ):
        self.amplitude = to_float(amplitude, "amplitude")
        self.frequency = to_float(frequency, "frequency")
        self.duty = to_float(duty, "duty")
        self.offset = to_float(offset, "offset")
        self.t_start = to_float(t_start, "t_start")
        self.t_end = to_float(t_end, "t_end")

    def __check_init__(self):
        check_param(self.frequency, "frequency", positive=True)
        check_param(self.duty, "duty", nonnegative=True)
        d = concrete(self.duty)
        if d is not None and not np.all(d <= 1):
            raise ValueError(f"duty must lie in [0, 1], got duty={d}.")
        check_order(self.t_start, self.t_end)

    def __call__(self, ctx: Context) -> Array:
        t = jnp.asarray(ctx.t)
        elapsed = t - self.t_start + tolerance(t) + tolerance(self.t_start)
        cycles = self.frequency * elapsed / 1000.0
        frac = cycles - jnp.floor(cycles)
        # The edge at the end of the on-phase is a boundary too: forgive its rounding.
        pulse = (frac + tolerance(cycles) < self.duty) | (self.duty >= 1)
        value = jnp.where(pulse, self.amplitude + self.offset, self.offset)
        return jnp.where(_window(t, self.t_start, self.t_end), value, jnp.zeros_like(value))
