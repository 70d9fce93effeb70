"""Power spectra."""

import numpy as np

from ._traces import _axes


def spectrum(freqs, psd, *, labels=None, log: bool = True, ax=None, **kw):
    """A power spectrum, e.g. `dx.plot.spectrum(*dx.measure.power_spectrum(x, dt))`.

    **Arguments:**

    - `freqs`: `(m,)` frequencies (Hz).
    - `psd`: `(m,)` or `(m, k)` spectral density (signal unit² / Hz), one line per
      column.
    - `labels`: one label per column, shown in a legend.
    - `log`: logarithmic frequency and power axes (the frequency 0 is left out);
      otherwise linear ones.
    - `ax`: matplotlib axes (default: a new figure's); `**kw` go to `ax.plot`.

    Returns the axes.
    """
    f = np.asarray(freqs)
    p = np.asarray(psd)
    if f.ndim != 1 or p.shape[:1] != f.shape or p.ndim > 2:
        raise ValueError(f"psd must have shape (m,) or (m, k) for m = {f.shape} frequencies.")
    p = p.reshape(p.shape[0], -1)
    if labels is not None and len(labels) != p.shape[1]:
        raise ValueError(f"got {len(labels)} labels for {p.shape[1]} spectra.")
    if log:
        keep = f > 0
        f, p = f[keep], p[keep]
    ax = _axes(ax, (6, 4))
    lines = ax.plot(f, p, **kw)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    if labels is not None:
        for line, label in zip(lines, labels):
            line.set_label(label)
        ax.legend(fontsize="small")
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power spectral density (/Hz)")
    return ax
