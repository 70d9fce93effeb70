"""Deterministic input signals: pure functions of time.

Every signal is evaluated at the start of the step `[t, t + dt)` and holds that value
during the step. In `dx.simulate` the signals with times (`Section`, `Ramp`,
`Sinusoidal`, `Square`) are prepared for the run's `dt` first (`with_dt`): their edges
become step indices and their phase a 64-bit fixed-point count, computed on the host in
float64, so that they stay exact at any time of a run and read only the integer step
`ctx.i`. Called with a `Context` of one's own, a signal not prepared for its `dt` reads
the floating-point `ctx.t` and compares it with its edges up to a few units in the last
place (a step starting at `t = i * dt` that equals an edge in exact arithmetic counts as
having reached it even when rounding puts it a hair below).
"""

from collections.abc import Sequence

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._checks import check_order, check_param, concrete, to_float, to_time, tolerance
from .._custom_types import Array, ArrayLike, RealScalarLike
from .._system import AbstractTimed, Context
from ._base import AbstractSignal
from ._grid import Grid, fixed_phase, phase_at, step_at


def _prepared(signal, ctx: Context) -> Grid | None:
    """The signal's grid where it was prepared for `ctx.dt` (`with_dt`), else `None`."""
    grid = signal.grid
    return grid if grid is not None and grid.dt == ctx.dt else None


def _with_grid(signal, grid: Grid):
    return eqx.tree_at(lambda s: s.grid, signal, grid, is_leaf=lambda x: x is None)


def _window_grid(t_start: ArrayLike, t_end: ArrayLike, dt: float) -> dict:
    start = step_at(t_start, dt)
    lead = np.asarray(start, np.float64) * dt - np.asarray(t_start, np.float64)
    return dict(start=start, end=step_at(t_end, dt), lead=jnp.asarray(lead, jnp.result_type(float)))


def _reached(t: Array, boundary: Array | np.ndarray) -> Array:
    """`t >= boundary`, forgiving the rounding of `t` and `boundary`."""
    return t + tolerance(t) + tolerance(jnp.asarray(boundary)) >= boundary


def _window(t: Array, t_start: Array | np.ndarray, t_end: Array | np.ndarray) -> Array:
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


class Section(AbstractSignal, AbstractTimed):
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
    durations: Array | np.ndarray  # float64 NumPy where concrete (`to_time`)
    grid: Grid | None

    def __init__(self, values: Sequence[ArrayLike] | ArrayLike, durations: Sequence[float]):
        if isinstance(values, str) or not np.iterable(values):
            raise ValueError(f"values must be a sequence of values, got values={values!r}.")
        arrays = [to_float(v, "values") for v in values]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"values must all have the same shape, got shapes {sorted(shapes)}.")
        self.values = jnp.stack(arrays) if arrays else jnp.zeros((0,))
        self.durations = to_time(durations, "durations")
        self.grid = None

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

    def with_dt(self, dt: float) -> "Section":
        """The section ends as steps (float64 on the host: the ends are cumulative)."""
        durations = concrete(self.durations)
        if durations is None:  # traced (built under vmap): the float path
            return self
        ends = np.cumsum(durations.astype(np.float64))
        return _with_grid(self, Grid(dt, ends=step_at(ends, dt)))

    def __call__(self, ctx: Context) -> Array:
        n_sections = self.durations.shape[0]
        if (grid := _prepared(self, ctx)) is not None:
            assert grid.ends is not None  # set by `with_dt`
            i = jnp.asarray(ctx.i)
            done = jnp.sum(i >= grid.ends)
            on = (i >= 0) & (done < n_sections)
        else:
            t = jnp.asarray(ctx.t)
            # Sections over at t (a section is over from the step that starts at its end).
            done = jnp.sum(_reached(t, jnp.cumsum(self.durations)))
            on = _reached(t, jnp.zeros_like(t)) & (done < n_sections)
        value = self.values[jnp.minimum(done, n_sections - 1)]
        return jnp.where(on, value, jnp.zeros_like(value))


class Ramp(AbstractSignal, AbstractTimed):
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
    t_start: Array | np.ndarray  # float64 NumPy where concrete (`to_time`)
    t_end: Array | np.ndarray
    grid: Grid | None

    def __init__(
        self,
        start_value: ArrayLike,
        end_value: ArrayLike,
        t_start: RealScalarLike,
        t_end: RealScalarLike,
    ):
        self.start_value = to_float(start_value, "start_value")
        self.end_value = to_float(end_value, "end_value")
        self.t_start = to_time(t_start, "t_start")
        self.t_end = to_time(t_end, "t_end")
        self.grid = None

    def __check_init__(self):
        check_order(self.t_start, self.t_end)

    def with_dt(self, dt: float) -> "Ramp":
        """The start and end as steps."""
        if concrete(self.t_start) is None or concrete(self.t_end) is None:
            return self
        return _with_grid(self, Grid(dt, **_window_grid(self.t_start, self.t_end, dt)))

    def __call__(self, ctx: Context) -> Array:
        if (grid := _prepared(self, ctx)) is not None:
            assert grid.start is not None and grid.lead is not None  # set by `with_dt`
            # Time since t_start from the whole steps since the first step on: exact
            # integers, then a float of the size of the ramp, not of the run.
            since = (jnp.asarray(ctx.i) - grid.start) * ctx.dt + grid.lead
            on = grid.on(jnp.asarray(ctx.i))
        else:
            t = jnp.asarray(ctx.t)
            since = t - self.t_start
            on = _window(t, self.t_start, self.t_end)
        frac = jnp.clip(since / (self.t_end - self.t_start), 0.0, 1.0)
        value = self.start_value + (self.end_value - self.start_value) * frac
        return jnp.where(on, value, jnp.zeros_like(value))


class Sinusoidal(AbstractSignal, AbstractTimed):
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
    t_start: Array | np.ndarray  # float64 NumPy where concrete (`to_time`)
    t_end: Array | np.ndarray
    grid: Grid | None

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
        self.t_start = to_time(t_start, "t_start")
        self.t_end = to_time(t_end, "t_end")
        self.grid = None

    def __check_init__(self):
        check_param(self.frequency, "frequency", positive=True)
        check_order(self.t_start, self.t_end)

    def with_dt(self, dt: float) -> "Sinusoidal":
        """The window as steps, the cycles per step and at step 0 in fixed point."""
        f, start, end = (concrete(x) for x in (self.frequency, self.t_start, self.t_end))
        if f is None or start is None or end is None:
            return self
        window = _window_grid(self.t_start, self.t_end, dt)
        per_step = fixed_phase(f.astype(np.float64) * dt / 1000.0)
        return _with_grid(self, Grid(dt, increment=per_step, phase0=fixed_phase(0.0), **window))

    def __call__(self, ctx: Context) -> Array:
        dtype = jnp.result_type(self.frequency)
        if (grid := _prepared(self, ctx)) is not None:
            assert grid.increment is not None and grid.phase0 is not None  # set by `with_dt`
            i = jnp.asarray(ctx.i)
            cycles = phase_at(i, grid.increment, grid.phase0, dtype)
            on = grid.on(i)
        else:
            t = jnp.asarray(ctx.t)
            cycles = self.frequency * t / 1000.0
            # Keep only the fractional cycle: sin of a large argument loses digits.
            cycles = cycles - jnp.floor(cycles)
            on = _window(t, self.t_start, self.t_end)
        value = self.amplitude * jnp.sin(2 * jnp.pi * cycles + self.phase) + self.offset
        return jnp.where(on, value, jnp.zeros_like(value))


class Square(AbstractSignal, AbstractTimed):
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
    t_start: Array | np.ndarray  # float64 NumPy where concrete (`to_time`)
    t_end: Array | np.ndarray
    grid: Grid | None

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
        self.t_start = to_time(t_start, "t_start")
        self.t_end = to_time(t_end, "t_end")
        self.grid = None

    def __check_init__(self):
        check_param(self.frequency, "frequency", positive=True)
        check_param(self.duty, "duty", nonnegative=True)
        d = concrete(self.duty)
        if d is not None and not np.all(d <= 1):
            raise ValueError(f"duty must lie in [0, 1], got duty={d}.")
        check_order(self.t_start, self.t_end)

    def with_dt(self, dt: float) -> "Square":
        """The window as steps, the cycles per step and at step 0 (periods counted from
        `t_start`) in fixed point."""
        f, start, end = (concrete(x) for x in (self.frequency, self.t_start, self.t_end))
        if f is None or start is None or end is None:
            return self
        f = f.astype(np.float64)
        window = _window_grid(self.t_start, self.t_end, dt)
        per_step = fixed_phase(f * dt / 1000.0)
        at_zero = fixed_phase(-f * start.astype(np.float64) / 1000.0)
        return _with_grid(self, Grid(dt, increment=per_step, phase0=at_zero, **window))

    def __call__(self, ctx: Context) -> Array:
        if (grid := _prepared(self, ctx)) is not None:
            assert grid.increment is not None and grid.phase0 is not None  # set by `with_dt`
            i = jnp.asarray(ctx.i)
            frac = phase_at(i, grid.increment, grid.phase0, self.duty.dtype)
            # An edge that falls on a step in exact arithmetic rounds (to float32) to the
            # same number as `duty`, so the step is off, as it is in exact arithmetic.
            pulse = (frac < self.duty) | (self.duty >= 1)
            on = grid.on(i)
        else:
            t = jnp.asarray(ctx.t)
            elapsed = t - self.t_start + tolerance(t) + tolerance(jnp.asarray(self.t_start))
            cycles = self.frequency * elapsed / 1000.0
            frac = cycles - jnp.floor(cycles)
            # The edge at the end of the on-phase is a boundary too: forgive its rounding.
            pulse = (frac + tolerance(cycles) < self.duty) | (self.duty >= 1)
            on = _window(t, self.t_start, self.t_end)
        value = jnp.where(pulse, self.amplitude + self.offset, self.offset)
        return jnp.where(on, value, jnp.zeros_like(value))
