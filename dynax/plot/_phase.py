"""Phase portraits, fixed-point projections and eigenvalue spectra (for dynax.analysis)."""

from typing import Any

import numpy as np

from ..analysis import (
    FixedPoints,
    Linearisation,
    PhasePlane1D,
    PhasePlane2D,
    SlowPoints,
)
from ._traces import _axes

# Marker and colour per stability class (LABELS order): filled for stable, open for
# unstable, a cross for saddles, a diamond where the linearisation does not decide.
_STYLE = {
    "stable node": dict(marker="o", color="k", fillstyle="full"),
    "unstable node": dict(marker="o", color="k", fillstyle="none"),
    "stable focus": dict(marker="o", color="tab:blue", fillstyle="full"),
    "unstable focus": dict(marker="o", color="tab:red", fillstyle="none"),
    "saddle": dict(marker="X", color="tab:purple", fillstyle="full"),
    "saddle-focus": dict(marker="P", color="tab:purple", fillstyle="full"),
    "centre": dict(marker="D", color="tab:green", fillstyle="none"),
    "degenerate": dict(marker="D", color="tab:orange", fillstyle="full"),
}


def _mark(ax: Any, xs: np.ndarray, ys: np.ndarray, labels: tuple[str, ...], size: float) -> None:
    shown: set[str] = set()
    for x, y, label in zip(xs, ys, labels):
        ax.plot(
            [x],
            [y],
            linestyle="none",
            markersize=size,
            markeredgewidth=1.5,
            zorder=5,
            label=None if label in shown else label,
            **_STYLE[label],
        )
        shown.add(label)


def phase_portrait(
    plane: PhasePlane1D | PhasePlane2D,
    *,
    x0: Any = None,
    duration: float | None = None,
    dt: float | None = None,
    num: int = 30,
    streamlines: bool = True,
    nullclines: bool | tuple[Any, Any] = True,
    fixed_points: bool | FixedPoints = True,
    cycle: Any = None,
    legend: bool = True,
    ax: Any = None,
) -> Any:
    """The phase portrait of a [`dynax.analysis.PhasePlane2D`][]: the vector field
    (streamlines, or arrows with `streamlines=False`), the nullclines, the fixed points
    marked by stability (filled: stable; open: unstable; ✕: saddle), trajectories from
    `x0`, and a limit cycle. For a [`dynax.analysis.PhasePlane1D`][], $dx/dt$ against $x$
    with the fixed points on the axis.

    **Arguments:**

    - `plane`: the phase plane (or line).
    - `x0`: initial conditions, `(m, 2)` (`(m,)` on a line), of trajectories to draw over
      `duration` ms (steps `dt`).
    - `num`: grid points along each axis for the field (nullclines use a grid 4× finer).
    - `streamlines`, `nullclines`: draw them (`nullclines` may also be the pair that
      `plane.nullclines()` returned, to draw those).
    - `fixed_points`: `True` to find and mark them, a
      [`dynax.analysis.FixedPoints`][] to mark those, `False` for none.
    - `cycle`: a [`dynax.analysis.Cycle`][] to draw (thick).
    - `legend`: show a legend of the nullclines and stability classes.
    - `ax`: matplotlib axes (default: a new figure's).

    Returns the axes.
    """
    ax = _axes(ax, (5, 4))
    if isinstance(plane, PhasePlane1D):
        return _phase_line(plane, ax, x0, duration, dt, fixed_points, legend)
    xname, yname = plane.names
    if streamlines:
        X, Y, U, V = (np.asarray(a, float) for a in plane.field(num))
        speed = np.hypot(U, V)
        ax.streamplot(
            X,
            Y,
            U,
            V,
            color=speed,
            cmap="Greys",
            density=1.0,
            linewidth=0.7,
            arrowsize=0.8,
            zorder=1,
        )
    else:
        X, Y, U, V = (np.asarray(a, float) for a in plane.field(max(num // 2, 5)))
        norm = np.maximum(np.hypot(U, V), 1e-30)
        ax.quiver(X, Y, U / norm, V / norm, color="0.6", angles="xy", zorder=1)
    if nullclines is not False:
        x_lines, y_lines = plane.nullclines(4 * num) if nullclines is True else nullclines
        for lines, colour, name in ((x_lines, "tab:orange", xname), (y_lines, "tab:cyan", yname)):
            for j, line in enumerate(lines):
                ax.plot(
                    line[:, 0],
                    line[:, 1],
                    color=colour,
                    lw=2,
                    zorder=3,
                    label=f"d{name}/dt = 0" if j == 0 else None,
                )
    if x0 is not None:
        if duration is None:
            raise ValueError("give the duration (ms) of the trajectories from x0.")
        runs = np.asarray(plane.trajectories(x0, duration, dt=dt).x)
        for run in runs:
            ax.plot(run[:, 0], run[:, 1], color="tab:green", lw=1.2, zorder=4)
            ax.plot(run[0, 0], run[0, 1], "o", color="tab:green", ms=3, zorder=4)
    if cycle is not None and len(cycle.x):
        xs = np.asarray(cycle.x)
        ax.plot(xs[:, 0], xs[:, 1], color="tab:red", lw=2.5, zorder=4, label="limit cycle")
    if fixed_points is not False:
        fp = plane.fixed_points() if fixed_points is True else fixed_points
        xs = np.asarray(fp.x)
        _mark(ax, xs[:, 0], xs[:, 1], fp.labels, 9)
    ax.set_xlim(*np.asarray(plane.x_range))
    ax.set_ylim(*np.asarray(plane.y_range))
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    if legend:
        ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


def _phase_line(
    plane: PhasePlane1D,
    ax: Any,
    x0: Any,
    duration: float | None,
    dt: float | None,
    fixed_points: bool | FixedPoints,
    legend: bool,
) -> Any:
    xs, f = (np.asarray(a, float) for a in plane.field(400))
    name = plane.system.names[0]
    ax.plot(xs, f, color="k", lw=1.5)
    ax.axhline(0.0, color="0.6", lw=0.8)
    if fixed_points is not False:
        fp = plane.fixed_points() if fixed_points is True else fixed_points
        pts = np.asarray(fp.x)[:, 0]
        _mark(ax, pts, np.zeros_like(pts), fp.labels, 9)
    if x0 is not None:
        if duration is None:
            raise ValueError("give the duration (ms) of the trajectories from x0.")
        runs = plane.trajectories(np.asarray(x0).reshape(-1), duration, dt=dt)
        end = np.asarray(runs.x)[:, -1, 0]
        for a, b in zip(np.asarray(x0).reshape(-1), end):
            ax.annotate("", (b, 0), (a, 0), arrowprops=dict(arrowstyle="->", color="tab:green"))
    ax.set_xlim(*np.asarray(plane.x_range))
    ax.set_xlabel(name)
    ax.set_ylabel(f"d{name}/dt")
    if legend and fixed_points is not False:
        ax.legend(loc="best", fontsize="small")
    return ax


def _points(points: Any) -> tuple[np.ndarray, tuple[str, ...] | None, Any]:
    if isinstance(points, FixedPoints | SlowPoints):
        return np.asarray(points.x), points.labels, points
    return np.asarray(points), None, None


def fixed_point_projection(
    points: Any,
    states: Any = None,
    *,
    modes: bool = True,
    scale: float | None = None,
    ax: Any = None,
) -> Any:
    """Fixed or slow points of a high-dimensional system on the first two principal
    components of the trajectories `states` (or of the points themselves): trajectories
    in grey, points marked by stability, and through each point a short segment along
    its leading mode (the slowest direction of a line attractor, the unstable one of a
    saddle), as in Sussillo & Barak (2013).

    **Arguments:**

    - `points`: a [`dynax.analysis.SlowPoints`][] or [`dynax.analysis.FixedPoints`][]
      (marked by stability), or an array `(m, n)`.
    - `states`: trajectories, `(..., T, n)` (any leading axes), that define the
      principal components and are drawn; default the points' own.
    - `modes`: draw the leading right eigenvector at each point (needs the points'
      eigenvectors: a `SlowPoints`/`FixedPoints` with their Jacobians).
    - `scale`: the segments' half length (default a tenth of the states' spread).
    - `ax`: matplotlib axes (default: a new figure's).

    Returns the axes; `ax.pca_basis` holds the mean and the two components, `(2, n)`.
    """
    x, labels, result = _points(points)
    data = x if states is None else np.asarray(states).reshape(-1, x.shape[-1])
    mean = data.mean(axis=0)
    _, _, vt = np.linalg.svd(data - mean, full_matrices=False)
    basis = vt[:2]
    ax = _axes(ax, (5, 4))
    if states is not None:
        runs = np.asarray(states).reshape(-1, np.shape(states)[-2], x.shape[-1])
        for run in runs:
            proj = (run - mean) @ basis.T
            ax.plot(proj[:, 0], proj[:, 1], color="0.7", lw=0.8, zorder=1)
    proj = (x - mean) @ basis.T
    if labels is None:
        ax.plot(proj[:, 0], proj[:, 1], "o", color="k", ms=5, zorder=5)
    else:
        _mark(ax, proj[:, 0], proj[:, 1], labels, 6)
    if modes and result is not None and len(x):
        J = np.asarray(result.jacobian, float)
        spread = np.sqrt(np.sum(np.var(data, axis=0)))
        half = 0.1 * spread if scale is None else scale
        for point, jac in zip(x, J):
            values, vectors = np.linalg.eig(jac)
            v = np.real(vectors[:, np.argmax(values.real)])
            seg = (np.stack([point - half * v, point + half * v]) - mean) @ basis.T
            ax.plot(seg[:, 0], seg[:, 1], color="tab:red", lw=1.2, zorder=4)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    if labels is not None and len(x):
        ax.legend(loc="best", fontsize="small")
    ax.pca_basis = (mean, basis)
    return ax


def eigenvalues(
    values: Any,
    *,
    discrete: bool | None = None,
    ax: Any = None,
    **kw: Any,
) -> Any:
    """The eigenvalues of Jacobians in the complex plane, with the stability boundary:
    the imaginary axis for a flow, the unit circle for a map.

    **Arguments:**

    - `values`: complex eigenvalues (any shape), or a [`dynax.analysis.Linearisation`][],
      [`dynax.analysis.FixedPoints`][] or [`dynax.analysis.SlowPoints`][] (all of
      theirs).
    - `discrete`: draw the unit circle (a map's boundary); default from a
      `Linearisation`, else `False`.
    - `ax`: matplotlib axes (default: a new figure's); `**kw` go to `ax.scatter`.

    Returns the axes.
    """
    if isinstance(values, Linearisation):
        discrete = values.discrete if discrete is None else discrete
        lam = np.asarray(values.eigenvalues)
    elif isinstance(values, FixedPoints | SlowPoints):
        lam = np.asarray(values.eigenvalues)
    else:
        lam = np.asarray(values)
    lam = lam.ravel().astype(complex)
    ax = _axes(ax, (4, 4))
    if discrete:
        theta = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.cos(theta), np.sin(theta), color="0.5", lw=1)
        ax.set_aspect("equal")
    else:
        ax.axvline(0.0, color="0.5", lw=1)
    ax.axhline(0.0, color="0.85", lw=0.8)
    kw = {"s": 14, "color": "k", **kw}
    ax.scatter(lam.real, lam.imag, zorder=3, **kw)
    size = float(np.max(np.abs(lam))) if lam.size else 1.0
    if lam.size and float(np.max(np.abs(lam.imag))) < 1e-3 * size:
        # real spectra: an imaginary axis of rounding errors would be scaled to 1e-7
        ax.set_ylim(-0.5 * size, 0.5 * size)
    ax.set_xlabel("Re λ" if not discrete else "Re μ")
    ax.set_ylabel("Im λ" if not discrete else "Im μ")
    return ax
