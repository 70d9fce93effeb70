"""Matrices: connectivity, and functional connectivity (empirical beside simulated)."""

import numpy as np

from ._traces import _axes


def _matrix2d(matrix, name: str) -> np.ndarray:
    m = np.asarray(matrix)
    if m.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix, got shape {m.shape}.")
    return m


def connectivity(
    matrix,
    *,
    ax=None,
    cmap: str = "viridis",
    colorbar: bool = True,
    label: str = "weight",
    xlabel: str = "postsynaptic",
    ylabel: str = "presynaptic",
    **kw,
):
    """A connectivity matrix as an image with a colour bar.

    **Arguments:**

    - `matrix`: `(n_pre, n_post)`, dynax's convention (row = source, column = target),
      e.g. a dense weight matrix or a structural connectome.
    - `ax`: matplotlib axes (default: a new figure's).
    - `cmap`, `colorbar`, `label`: colour map, whether to draw a colour bar, its label.
    - `xlabel`, `ylabel`: the axes' labels (`"region"` for a connectome).
    - `**kw` go to `ax.imshow` (`vmin`, `vmax`, `norm`, ...).

    Returns the axes; `ax.images[0].get_array()` is the matrix.
    """
    m = _matrix2d(matrix, "matrix")
    ax = _axes(ax, (5, 4))
    image = ax.imshow(m, cmap=cmap, interpolation="nearest", **kw)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def fc_comparison(
    empirical,
    simulated,
    *,
    axes=None,
    cmap: str = "RdBu_r",
    vmin: float = -1.0,
    vmax: float = 1.0,
):
    """Empirical and simulated functional connectivity side by side, on one colour
    scale, with their agreement $r$ = [`dynax.measure.fc_correlation`][] (the Pearson
    correlation of the entries above the diagonal) in the simulated one's title.

    **Arguments:**

    - `empirical`, `simulated`: `(n, n)` FC matrices.
    - `axes`: a pair of matplotlib axes; default a new figure's.
    - `cmap`, `vmin`, `vmax`: colour map and range (correlations: −1 to 1).

    Returns `(ax_empirical, ax_simulated)`.
    """
    import matplotlib.pyplot as plt

    from ..measure import fc_correlation

    emp = _matrix2d(empirical, "empirical")
    sim = _matrix2d(simulated, "simulated")
    if emp.shape != sim.shape or emp.shape[0] != emp.shape[1]:
        raise ValueError(
            f"empirical and simulated must be square and of one shape, got {emp.shape} "
            f"and {sim.shape}."
        )
    r = float(fc_correlation(emp, sim))
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 4), constrained_layout=True)
    ax_emp, ax_sim = axes
    titles = ("empirical FC", f"simulated FC (r = {r:.3f})")
    for ax, m, title in zip(axes, (emp, sim), titles):
        image = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("region")
    ax_emp.set_ylabel("region")
    ax_sim.figure.colorbar(image, ax=[ax_emp, ax_sim], label="correlation", shrink=0.8)
    return ax_emp, ax_sim
