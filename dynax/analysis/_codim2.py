"""Codimension 2: fold and Hopf curves in two parameters, with Bogdanov–Takens, cusp and
generalised Hopf points."""

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float
from ._bifurcation import (
    AbstractBranch,
    FoldSystem,
    HopfSystem,
    SpecialPoint,
    fold_start,
    hopf_start,
)
from ._continuation import resolve, settings, trace
from ._system import System


class Codim2Curve(AbstractBranch):
    r"""A curve of folds or Hopf points in two parameters, from
    [`dynax.analysis.fold_curve`][] or [`dynax.analysis.hopf_curve`][].

    **Fields:**

    - `kind`: `"LP"` (folds) or `"H"` (Hopf points).
    - `x`: the equilibria along the curve, `(m, n)`.
    - `p`: the two parameters, `(m, 2)`, in the order of `param`.
    - `params`: the full parameter vector of the start, `(k,)`; `params_at(i)` is row
      `i`'s.
    - `kappa`: on a Hopf curve $\kappa = \omega^2$ (the eigenvalues $\pm i\omega$); past a
      Bogdanov–Takens point $\kappa < 0$, where the curve continues as one of neutral
      saddles (eigenvalues $\pm\sqrt{-\kappa}$); NaN on a fold curve.
    - `points`: the special points: `"BT"`, `"CP"` on a fold curve, `"BT"`, `"GH"` on a
      Hopf curve.
    - `param`, `names`, `param_names`, `n_jacobians`, `status`: as in
      [`dynax.analysis.EquilibriumBranch`][].
    """

    kind: str = eqx.field(static=True)
    x: Float[Array, "m n"]
    p: Float[Array, "m 2"]
    params: Float[Array, " k"]
    kappa: Float[Array, " m"]
    points: tuple[SpecialPoint, ...]
    param: tuple[int, int] = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)
    param_names: tuple[str, ...] = eqx.field(static=True)
    n_jacobians: int = eqx.field(static=True)
    status: str = eqx.field(static=True)

    def params_at(self, i: int) -> Float[Array, " k"]:
        """The full parameter vector at row `i`."""
        return self.params.at[jnp.asarray(self.param)].set(self.p[i])

    def labels(self, var: int) -> tuple[str, str]:
        return self.param_names[self.param[0]], self.param_names[self.param[1]]

    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        p = np.asarray(self.p)
        genuine = np.asarray(self.kappa) > 0 if self.kind == "H" else np.ones(len(p), bool)
        return [(p[:, 0], p[:, 1], genuine)]

    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        i, j = self.param
        return [(float(point.p[i]), float(point.p[j]))]


def _codim2(
    kind: str,
    system,
    point: SpecialPoint,
    param2,
    p0,
    bounds,
    ds,
    ds_min,
    ds_max,
    max_points,
    direction,
    tol,
) -> Codim2Curve:
    if point.kind != kind:
        raise ValueError(f"this curve starts at a {kind!r} point; got a {point.kind!r} point.")
    if len(point.param) != 1:
        raise ValueError("start a codimension-2 curve at a point of a one-parameter branch.")
    i = point.param[0]
    base, j = resolve(system, param2, point.p if p0 is None else p0, "param2")
    base = base.astype(point.x.dtype)
    if j == i:
        raise ValueError(f"param2 must differ from the branch's parameter (index {i}).")
    if direction not in (-1, 0, 1):
        raise ValueError(f"direction must be -1, 0 or 1; got {direction}.")
    x = point.x
    dtype = x.dtype
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=max_points)
    pv = base[jnp.asarray([i, j])]
    if kind == "LP":
        v, c, b = fold_start(system, x, base)
        problem: FoldSystem | HopfSystem = FoldSystem(system, base, (i, j), c, b)
        u0 = jnp.concatenate([x, v / (c @ v), pv])
        kinds = ("BT", "CP")
    else:
        z, c, d, _ = hopf_start(system, x, base)
        problem = HopfSystem(system, base, (i, j), c, d)
        u0 = jnp.concatenate([x, z, pv])
        kinds = ("BT", "GH")
    t0 = jnp.linalg.svd(jax.jacfwd(problem)(u0))[2][-1]
    t0 = jnp.where(t0[-1] < 0, -t0, t0)
    if direction == -1:
        t0 = -t0
    N1 = u0.shape[0]
    (lo_i, hi_i), (lo_j, hi_j) = bounds
    lo = jnp.full(N1, -jnp.inf, dtype).at[-2:].set(jnp.asarray([lo_i, lo_j], dtype))
    hi = jnp.full(N1, jnp.inf, dtype).at[-2:].set(jnp.asarray([hi_i, hi_j], dtype))
    w = jnp.ones(N1, dtype)
    tr = trace(problem, None, u0, t0, w, lo, hi, s, kinds, both=direction == 0)
    n = x.shape[0]
    u = tr.u
    full = lambda row: base.at[jnp.asarray([i, j])].set(u[row, -2:])  # noqa: E731
    nan = jnp.asarray(np.nan, dtype)
    kappa = u[:, 3 * n] if kind == "H" else np.full(len(u), np.nan)
    points = []
    for row, label, _ in tr.found:
        omega = l1 = period = nan
        if label == "GH":
            omega = jnp.sqrt(jnp.asarray(kappa[row], dtype))
            l1 = jnp.asarray(tr.tests[row, 1], dtype)
            period = 2 * jnp.pi / omega
        points.append(
            SpecialPoint(label, row, jnp.asarray(u[row, :n]), full(row), (i, j), omega, l1, period)
        )
    if isinstance(system, System):
        names, pnames = system.names, system.params
    else:
        names = tuple(f"x[{q}]" for q in range(n))
        pnames = tuple(f"p[{q}]" for q in range(base.shape[0]))
    return Codim2Curve(
        kind=kind,
        x=jnp.asarray(u[:, :n]),
        p=jnp.asarray(u[:, -2:]),
        params=base,
        kappa=jnp.asarray(kappa, dtype),
        points=tuple(points),
        param=(i, j),
        names=names,
        param_names=pnames,
        n_jacobians=tr.n_jac,
        status=tr.status,
    )


def fold_curve(
    system: System | Callable[[Array, Array], Array],
    point: SpecialPoint,
    param2: int | str,
    p0: Array | None = None,
    *,
    bounds: tuple[tuple[float, float], tuple[float, float]] = (
        (-np.inf, np.inf),
        (-np.inf, np.inf),
    ),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    tol: float | None = None,
) -> Codim2Curve:
    r"""Continue a fold (`"LP"`) of equilibria in two parameters.

    The unknowns $(x, v, p_i, p_j)$ solve the standard augmented system
    $F(x, p) = 0,\ F_x v = 0,\ c^\top v = 1$ (Govaerts 2000), continued by
    pseudo-arclength. Along it two test functions locate

    - **Bogdanov–Takens** points (`"BT"`, a double zero eigenvalue): $w^\top v$, with
      $w$ the left null vector of $F_x$ (a bordered solve);
    - **cusp** points (`"CP"`, the fold's quadratic coefficient vanishes):
      $w^\top F_{xx}[v, v]$.

    **Arguments:**

    - `system`: the system of the branch (a [`dynax.analysis.System`][] or `F(x, p)`).
    - `point`: the special point to start from, of a one-parameter branch.
    - `param2`: the second parameter, its index or (with a `System`) its name.
    - `p0`: the parameters; default those of `point`.
    - `bounds`: `((low, high), (low, high))` of the branch's parameter and `param2`; the
      curve stops at the first point outside.
    - `ds`, `ds_min`, `ds_max`, `max_points`, `direction`, `tol`: as in
      [`dynax.analysis.equilibrium_branch`][] (`direction` orients `param2`).

    ??? cite "References"

        Govaerts, W. (2000). *Numerical Methods for Bifurcations of Dynamical
        Equilibria*, chapters 4 and 6. SIAM.

        Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory* (3rd ed.),
        sections 8.4, 8.3 and 10.2. Springer.
    """
    return _codim2(
        "LP", system, point, param2, p0, bounds, ds, ds_min, ds_max, max_points, direction, tol
    )


def hopf_curve(
    system: System | Callable[[Array, Array], Array],
    point: SpecialPoint,
    param2: int | str,
    p0: Array | None = None,
    *,
    bounds: tuple[tuple[float, float], tuple[float, float]] = (
        (-np.inf, np.inf),
        (-np.inf, np.inf),
    ),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    tol: float | None = None,
) -> Codim2Curve:
    r"""Continue a Hopf point (`"H"`) in two parameters.

    The unknowns $(x, v_1, v_2, \kappa, p_i, p_j)$ solve
    $F = 0,\ F_x v_1 + v_2 = 0,\ F_x v_2 = \kappa v_1,\ c^\top v_1 = 1,\ d^\top v_1 = 0$:
    at a Hopf point $\kappa = \omega^2$ and $v_1 \mp i v_2/\omega$ span the eigenvectors
    of $\pm i\omega$. Unlike the system in $(\omega, \text{eigenvector})$ it stays regular
    where $\omega \to 0$, so the curve passes a **Bogdanov–Takens** point (`"BT"`,
    $\kappa = 0$) and continues as a curve of neutral saddles ($\kappa < 0$, drawn
    dashed). A **generalised Hopf** point (`"GH"`, where the Hopf bifurcation turns from
    super- to subcritical) is where the first Lyapunov coefficient $\ell_1$ changes sign.

    **Arguments:**

    - `system`: the system of the branch (a [`dynax.analysis.System`][] or `F(x, p)`).
    - `point`: the special point to start from, of a one-parameter branch.
    - `param2`: the second parameter, its index or (with a `System`) its name.
    - `p0`: the parameters; default those of `point`.
    - `bounds`: `((low, high), (low, high))` of the branch's parameter and `param2`; the
      curve stops at the first point outside.
    - `ds`, `ds_min`, `ds_max`, `max_points`, `direction`, `tol`: as in
      [`dynax.analysis.equilibrium_branch`][] (`direction` orients `param2`).

    ??? cite "References"

        Govaerts, W. (2000). *Numerical Methods for Bifurcations of Dynamical
        Equilibria*, chapter 6. SIAM.

        Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory* (3rd ed.),
        sections 8.4, 8.3 and 10.2. Springer.
    """
    return _codim2(
        "H", system, point, param2, p0, bounds, ds, ds_min, ds_max, max_points, direction, tol
    )
