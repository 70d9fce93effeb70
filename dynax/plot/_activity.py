"""Population activity: a raster above its population rate, and a bump of activity
over a 1-D population (a continuous attractor network)."""

import numpy as np

from ._raster import raster
from ._traces import _axes, _times


def raster_with_rate(
    spikes,
    t=None,
    *,
    dt: float | None = None,
    window: float | None = None,
    axes=None,
    markersize: float = 1.0,
):
    """A spike raster above the population rate on a shared time axis.

    **Arguments:**

    - `spikes`: `(T, n)` bool spikes of single steps (`dx.simulate` with `every=1`).
    - `t`: `(T,)` record times (ms), e.g. `records["t"]`; or give `dt`.
    - `dt`: the simulation step (ms); taken from `t`'s spacing if not given.
    - `window`: the width (ms) of the centred boxcar that smooths the rate (see
      [`dynax.measure.population_rate`][]); default none.
    - `axes`: a pair of matplotlib axes (raster, rate); default a new figure's, the
      raster three times as tall as the rate.

    Returns `(ax_raster, ax_rate)`.
    """
    import matplotlib.pyplot as plt

    from ..measure import population_rate

    spikes = np.asarray(spikes)
    times = _times(spikes.shape[0], t, dt)
    if dt is None:
        if times.shape[0] < 2:
            raise ValueError("give dt (ms): one record has no spacing to take it from.")
        dt = float(times[1] - times[0])
    if axes is None:
        fig, axes = plt.subplots(
            2, 1, sharex=True, figsize=(8, 5), gridspec_kw={"height_ratios": [3, 1]}
        )
    ax_raster, ax_rate = axes
    raster(spikes, times, ax=ax_raster, markersize=markersize)
    ax_raster.set_xlabel("")
    rate = np.asarray(population_rate(spikes, dt, t=None if t is None else times, window=window))
    ax_rate.plot(times, rate, "k", lw=0.8)
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_ylabel("rate (Hz)")
    return ax_raster, ax_rate


def bump(
    activity,
    t=None,
    *,
    dt: float | None = None,
    positions=None,
    ax=None,
    cmap: str = "viridis",
    colorbar: bool = True,
    label: str = "activity",
):
    """The activity of a 1-D population over time as an image (time on x, the neurons'
    preferred positions on y): the bump of a continuous attractor network and how it
    moves.

    **Arguments:**

    - `activity`: `(T, n)` records (firing rates, synaptic inputs, ...), time first.
    - `t`: `(T,)` record times (ms); or give `dt`.
    - `positions`: `(n,)` the neurons' preferred positions (e.g. `-π` to `π`), evenly
      spaced and increasing; default the neuron index.
    - `ax`: matplotlib axes (default: a new figure's).
    - `cmap`, `colorbar`, `label`: the image's colour map, whether to draw a colour bar,
      and its label.

    Returns the axes; `ax.images[0].get_array()` is `activity.T`.
    """
    u = np.asarray(activity)
    if u.ndim != 2:
        raise ValueError(f"activity must have shape (T, n), got shape {u.shape}.")
    times = _times(u.shape[0], t, dt)
    if positions is None:
        positions = np.arange(u.shape[1], dtype=float)
    positions = np.asarray(positions, dtype=float)
    if positions.shape != (u.shape[1],):
        raise ValueError(f"positions must have shape ({u.shape[1]},), got {positions.shape}.")
    # Pixel edges half a step beyond the first and last sample, so each pixel is centred
    # on its time and position.
    half_t = (times[-1] - times[0]) / max(1, len(times) - 1) / 2
    half_x = (positions[-1] - positions[0]) / max(1, len(positions) - 1) / 2
    extent = (times[0] - half_t, times[-1] + half_t, positions[0] - half_x, positions[-1] + half_x)
    ax = _axes(ax, (8, 4))
    image = ax.imshow(u.T, aspect="auto", origin="lower", extent=extent, cmap=cmap)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("position")
    return ax
