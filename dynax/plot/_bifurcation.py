"""Bifurcation diagrams and fast–slow overlays."""

from typing import Any

import numpy as np

from ..analysis._bifurcation import AbstractBranch
from ..analysis._branch import EquilibriumBranch
from ..analysis._codim2 import Codim2Curve
from ._traces import _axes

_MARKERS = {  # kind: (marker, colour, size)
    "LP": ("s", "k", 6),
    "H": ("o", "tab:red", 7),
    "BP": ("^", "tab:blue", 7),
    "UZ": ("x", "0.4", 6),
    "LPC": ("s", "tab:green", 6),
    "PD": ("D", "tab:purple", 6),
    "NS": ("p", "tab:cyan", 7),
    "BT": ("*", "k", 12),
    "CP": ("P", "tab:brown", 8),
    "GH": ("h", "tab:orange", 8),
}


def bifurcation(
    *branches,
    var: int | str = 0,
    ax=None,
    colors=None,
    labels=None,
    legend: bool = True,
    lw: float = 1.5,
):
    """A bifurcation diagram: branches from `dynax.analysis` (equilibria, limit cycles,
    codimension-2 curves) with stable parts solid and unstable ones dashed, and their
    special points marked (fold ■, Hopf ●, branch point ▲, fold of cycles ■ green,
    period doubling ◆, Bogdanov–Takens ★, cusp ✚, generalised Hopf ⬢).

    An equilibrium branch is drawn as state variable `var` against the continued
    parameter; a cycle branch as the maximum and the minimum of `var` over each cycle;
    a fold or Hopf curve as its second parameter against its first (dashed on a Hopf
    curve's neutral saddles).

    **Arguments:**

    - `branches`: [`dynax.analysis.EquilibriumBranch`][],
      [`dynax.analysis.CycleBranch`][], [`dynax.analysis.Codim2Curve`][].
    - `var`: the state variable (index or name).
    - `ax`: matplotlib axes (default: a new figure's).
    - `colors`: one colour per branch (default: equilibria black, others the colour
      cycle).
    - `labels`: one legend label per branch (default none).
    - `legend`: add a legend of line styles and special points.
    - `lw`: line width.

    Returns the axes.
    """
    from matplotlib.lines import Line2D

    if not branches:
        raise ValueError("give at least one branch.")
    if colors is not None and len(colors) != len(branches):
        raise ValueError(f"got {len(colors)} colours for {len(branches)} branches.")
    if labels is not None and len(labels) != len(branches):
        raise ValueError(f"got {len(labels)} labels for {len(branches)} branches.")
    ax = _axes(ax, (6, 4))
    kinds: list[str] = []
    cycle = 0
    for b, branch in enumerate(branches):
        if not isinstance(branch, AbstractBranch):
            raise TypeError(f"not a branch of dynax.analysis: {type(branch).__name__}.")
        v = branch.var_index(var)
        if colors is not None:
            color = colors[b]
        elif isinstance(branch, EquilibriumBranch):
            color = "k"
        else:
            color = f"C{cycle}"
            cycle += 1
        first = True
        for a, y, stable in branch.lines(v):
            for run_a, run_y, s in _runs(a, y, stable):
                label = labels[b] if labels is not None and first else None
                ax.plot(run_a, run_y, "-" if s else "--", color=color, lw=lw, label=label)
                first = False
        for point in branch.points:
            marker, mcolor, size = _MARKERS[point.kind]
            for px, py in branch.marker(point, v):
                ax.plot(px, py, marker, color=mcolor, ms=size, mec="k", mew=0.5, zorder=5)
            if point.kind not in kinds:
                kinds.append(point.kind)
    xl, yl = branches[0].labels(branches[0].var_index(var))
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    if legend:
        curves = all(isinstance(b, Codim2Curve) for b in branches)
        solid, dashed = ("bifurcation", "neutral saddle") if curves else ("stable", "unstable")
        handles = [
            Line2D([], [], color="0.3", ls="-", label=solid),
            Line2D([], [], color="0.3", ls="--", label=dashed),
        ]
        for kind in kinds:
            marker, mcolor, size = _MARKERS[kind]
            handles.append(
                Line2D([], [], ls="", marker=marker, color=mcolor, ms=size, mec="k", mew=0.5,
                       label=kind)
            )  # fmt: skip
        existing, _ = ax.get_legend_handles_labels()
        ax.legend(handles=existing + handles, fontsize="small", ncol=2)
    return ax


def _runs(a: np.ndarray, y: np.ndarray, stable: np.ndarray):
    """Runs of equal stability, each sharing its end point with the next one."""
    out = []
    start = 0
    for i in range(1, len(a) + 1):
        if i == len(a) or stable[i] != stable[start]:
            stop = min(i + 1, len(a))
            out.append((a[start:stop], y[start:stop], bool(stable[start])))
            start = i
    return out


def fast_slow(diagram: Any, slow, fast, *, var: int | str = 0, ax=None, **kw):
    """A fast–slow diagram: the fast subsystem's bifurcation diagram in the slow variable
    (from `dynax.analysis.fast_slow`) with a trajectory of the full system over it.

    **Arguments:**

    - `diagram`: a [`dynax.analysis.FastSlow`][].
    - `slow`, `fast`: the trajectory's slow variable and the fast variable `var`, `(T,)`
      each (e.g. $z(t)$ and $x(t)$ of a Hindmarsh–Rose simulation).
    - `var`: the fast variable drawn (index or name).
    - `ax`: matplotlib axes (default: a new figure's); `**kw` go to
      [`dynax.plot.bifurcation`][].

    Returns the axes.
    """
    slow, fast = np.asarray(slow), np.asarray(fast)
    if slow.shape != fast.shape or slow.ndim != 1:
        raise ValueError(f"slow and fast must be (T,) each; got {slow.shape}, {fast.shape}.")
    ax = _axes(ax, (7, 4.5))
    ax.plot(slow, fast, color="0.55", lw=0.6, alpha=0.8, label="trajectory", zorder=0)
    return bifurcation(*diagram.branches, var=var, ax=ax, **kw)
