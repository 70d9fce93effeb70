"""Signals over time."""

from typing import Any

import numpy as np


def _times(n_rows: int, t: Any, dt: float | None) -> np.ndarray:
    """The records' times (ms): `t`, or `(k + 1) dt` as `dx.simulate` records them."""
    if t is None:
        if dt is None:
            raise ValueError("give the record times t or the step dt (ms).")
        return dt * np.arange(1, n_rows + 1)
    t = np.asarray(t)
    if t.shape != (n_rows,):
        raise ValueError(f"t has shape {t.shape}, but the records have {n_rows} rows.")
    return t


def _axes(ax: Any, figsize: tuple[float, float] = (8, 3)) -> Any:
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize).gca() if ax is None else ax


def traces(
    signals,
    t=None,
    *,
    dt: float | None = None,
    labels=None,
    ylabel: str | None = None,
    ax=None,
    **kw,
):
    """Signals over time, one line per column (e.g. membrane potentials, rates).

    **Arguments:**

    - `signals`: `(T,)` or `(T, k)` records, time first.
    - `t`: `(T,)` record times (ms), e.g. `records["t"]`; or give `dt` for `t = (k+1) dt`.
    - `labels`: one label per column, shown in a legend.
    - `ylabel`: the y axis' label (the signal and its unit, e.g. `"v (mV)"`).
    - `ax`: matplotlib axes (default: a new figure's); `**kw` go to `ax.plot`.

    Returns the axes.
    """
    x = np.asarray(signals)
    if x.ndim not in (1, 2):
        raise ValueError(f"signals must have shape (T,) or (T, k), got shape {x.shape}.")
    x = x.reshape(x.shape[0], -1)
    times = _times(x.shape[0], t, dt)
    if labels is not None and len(labels) != x.shape[1]:
        raise ValueError(f"got {len(labels)} labels for {x.shape[1]} signals.")
    ax = _axes(ax)
    lines = ax.plot(times, x, **kw)
    if labels is not None:
        for line, label in zip(lines, labels):
            line.set_label(label)
        ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("time (ms)")
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax
