"""An input given one value per step: a recorded or precomputed time series."""

import equinox as eqx
import numpy as np

from .._checks import to_float
from .._custom_types import Array, ArrayLike
from .._system import check_dt


class TimeSeries(eqx.Module):
    """An input given per step: `values[k]` is the input during the `k`-th step of the
    run (`dx.simulate` scans it alongside the steps, chunk by chunk).

    A plain 1-d array in `inputs=` is refused as ambiguous (one value per step, or one
    per neuron?); wrap it in `TimeSeries` or in [`dynax.inputs.Constant`][]. A plain
    array of 2 or more dimensions whose leading axis has one row per step is read as a
    time series too, at the run's `dt`.

    **Arguments:**

    - `values`: the input of each step, time first: shape `(n_steps, ...)` (unit of the
      target, e.g. nA for a current).
    - `dt`: the step (ms) the values belong to; `dx.simulate` raises when it runs with
      another `dt`, so a series is never silently stretched or squeezed.
    """

    values: Array
    dt: float = eqx.field(static=True)

    def __init__(self, values: ArrayLike, dt: float):
        self.values = to_float(values, "values")
        check_dt(dt)
        self.dt = float(dt)

    def __check_init__(self):
        if self.values.ndim == 0:
            raise ValueError("values must have a leading time axis, got a scalar.")

    def check(self, dt: float, n_steps: int, name: str) -> None:
        """Raise unless these values are `n_steps` steps of `dt` ms."""
        if not np.isclose(self.dt, dt, rtol=1e-9, atol=0.0):
            raise ValueError(
                f"{name} is a TimeSeries with dt={self.dt:g} ms, but the run has dt={dt:g} ms."
            )
        if self.values.shape[0] != n_steps:
            raise ValueError(
                f"{name} is a TimeSeries of {self.values.shape[0]} steps, but the run has "
                f"{n_steps} steps."
            )
