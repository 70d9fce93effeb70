"""Export of recorded spikes and signals to `neo` objects, so that `elephant` and the rest
of the Neo ecosystem can take over the analysis (needs `pip install "dynax[neo]"`)."""

from typing import Any

import jax.numpy as jnp
import numpy as np

from .._custom_types import ArrayLike
from .._system import check_dt
from ._rates import _spacing, _step_interval


def _neo() -> tuple[Any, Any]:
    """`(neo, quantities)`, imported on first use: neither is a dependency of dynax."""
    try:
        import neo
        import quantities
    except ImportError as e:
        raise ImportError(
            "exporting to neo needs the optional packages neo and quantities: "
            'pip install "dynax[neo]"'
        ) from e
    return neo, quantities


def _units(quantities: Any, units: str) -> Any:
    try:
        return quantities.Quantity(1.0, units).units
    except (LookupError, ValueError, TypeError, AttributeError, SyntaxError) as e:
        raise ValueError(
            f'units must be a unit that quantities knows ("mV", "nA", "Hz", "dimensionless", '
            f"...), got units={units!r}."
        ) from e


def to_neo_spiketrains(
    spikes: ArrayLike, dt: float | None = None, *, t: ArrayLike | None = None
) -> list:
    r"""The recorded spikes as one `neo.SpikeTrain` per neuron (times in ms).

    A spike in row $k$ is placed at the end of that row's step, $t_k$ (`records["t"]`,
    or $(k + 1)\,dt$ without `t`), as [`dynax.plot.raster`][] draws it; each train spans
    `t_start` = $t_0 - dt$ to `t_stop` = $t_{T-1}$, carries the sampling rate
    $1000/dt$ Hz and the annotation `neuron` (its column).

    **Arguments:**

    - `spikes`: `(T, n)` bool records of single steps (`dx.simulate` with `every=1`);
      integer counts carry no spike times and are refused.
    - `dt`: the simulation step (ms).
    - `t`: the records' times (ms), `records["t"]`, checked against `dt`.

    Returns a list of `n` `neo.SpikeTrain`s.

    ??? cite "Reference"

        Garcia, S., et al. (2014). Neo: an object model for handling electrophysiology
        data in multiple formats. *Frontiers in Neuroinformatics*, 8, 10.
    """
    neo, pq = _neo()
    spikes = jnp.asarray(spikes)
    interval = _step_interval(spikes, dt, t, "to_neo_spiketrains")
    fired = np.asarray(spikes).reshape(spikes.shape[0], -1) != 0
    times = (
        interval * np.arange(1, fired.shape[0] + 1)
        if t is None
        else np.asarray(t, dtype=np.float64)
    )
    t_start, t_stop = times[0] - interval, times[-1]
    rate = (1000.0 / interval) * pq.Hz
    return [
        neo.SpikeTrain(
            times[fired[:, i]],
            t_stop=t_stop,
            units="ms",
            t_start=t_start,
            sampling_rate=rate,
            neuron=i,
        )
        for i in range(fired.shape[1])
    ]


def to_neo_analogsignal(
    signal: ArrayLike,
    dt: float | None = None,
    *,
    t: ArrayLike | None = None,
    units: str = "dimensionless",
    name: str | None = None,
) -> Any:
    r"""A recorded signal as a `neo.AnalogSignal` (one channel per column).

    The first sample is at $t_0$ (`records["t"][0]`, or $dt$ without `t`, as
    `dx.simulate` records the state at the end of each step) and the samples are
    `dt` ms apart (or the spacing of `t`, for records taken every $k$ steps).

    **Arguments:**

    - `signal`: `(T,)` or `(T, k)` samples, e.g. `records["E.v"]` in mV.
    - `dt`: the time between samples (ms); needed unless `t` is given (which then sets
      it: records taken every $k$ steps are $k\,dt$ apart).
    - `t`: the records' times (ms), evenly spaced; they set the sampling period and
      `t_start`.
    - `units`: the signal's unit, any name that `quantities` knows (`"mV"`, `"nA"`,
      `"Hz"`, `"uA/cm**2"`, ...).
    - `name`: the signal's name.

    ??? cite "Reference"

        Garcia, S., et al. (2014). Neo: an object model for handling electrophysiology
        data in multiple formats. *Frontiers in Neuroinformatics*, 8, 10.
    """
    neo, pq = _neo()
    x = np.asarray(signal)
    if x.ndim not in (1, 2) or x.shape[0] < 1:
        raise ValueError(f"signal must have shape (T,) or (T, k), got shape {x.shape}.")
    if t is not None:
        spacing = _spacing(t, x.shape[0])
        t_start = float(np.asarray(t, dtype=np.float64)[0])
        if spacing is None:
            if dt is None:
                raise ValueError("a single record needs dt (ms) for its sampling period.")
            spacing = float(dt)
    elif dt is not None:
        spacing, t_start = float(dt), float(dt)
    else:
        raise ValueError("give the time between samples dt (ms) or the records' times t.")
    check_dt(spacing)
    return neo.AnalogSignal(
        x.reshape(x.shape[0], -1),
        units=_units(pq, units),
        sampling_period=spacing * pq.ms,
        t_start=t_start * pq.ms,
        name=name,
    )
