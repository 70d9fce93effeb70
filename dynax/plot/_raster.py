"""Spike raster plots."""

import numpy as np


def raster(spikes, t=None, *, dt: float | None = None, ax=None, markersize: float = 1.0, **kw):
    """Scatter plot of spikes: time (ms) on x, neuron index on y.

    **Arguments:**

    - `spikes`: `(T, n)` recorded spikes.
    - `t`: `(T,)` record times (ms), e.g. `records["t"]`; or give `dt` for `t = (k+1) dt`.
    - `ax`: matplotlib axes (default: a new figure's).

    Returns the axes.
    """
    import matplotlib.pyplot as plt

    spikes = np.asarray(spikes)
    if t is None:
        if dt is None:
            raise ValueError("give the record times t or the step dt.")
        t = dt * np.arange(1, spikes.shape[0] + 1)
    t = np.asarray(t)
    if t.shape != spikes.shape[:1]:
        raise ValueError(f"t has shape {t.shape}, spikes has {spikes.shape[0]} rows.")
    if ax is None:
        ax = plt.figure(figsize=(8, 4)).gca()
    steps, neurons = np.nonzero(spikes.reshape(spikes.shape[0], -1))
    ax.plot(t[steps], neurons, ".k", markersize=markersize, **kw)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    return ax
