"""Codimension 2: fold and Hopf curves in two parameters, with Bogdanov–Takens, cusp and
generalised Hopf points."""

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float
from ._augmented import FoldSystem, HopfSystem, fold_start, hopf_start
from ._bifurcation import AbstractBranch, SpecialPoint
from ._engine import cut, settings, trace_jit
from ._equilibria import names, param_index, parameters
from ._system import System


class Codim2Curve(AbstractBranch):
    r"""A curve of folds or Hopf points in two parameters, from
    [`dynax.analysis.codim2_curve`][].

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

    def labels(self, var: int) -> tuple[str, str]:
        return self.param_names[self.param[0]], self.param_names[self.param[1]]

    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        p = np.asarray(self.p)
        genuine = np.asarray(self.kappa) > 0 if self.kind == "H" else np.ones(len(p), bool)
        return [(p[:, 0], p[:, 1], genuine)]

    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        i, j = self.param
        return [(float(point.p[i]), float(point.p[j]))]


@eqx.filter_jit
def _start(kind: str, F, x, base, idx):
    """The augmented system at the start, its unknowns and their tangent (along which
    the second parameter grows)."""
    pv = base[jnp.asarray(idx)]
    if kind == "LP":
        v, c, b = fold_start(F, x, base)
        problem: FoldSystem | HopfSystem = FoldSystem(F, base, idx, c, b)
        u0 = jnp.concatenate([x, v / (c @ v), pv])
    else:
        z, c, d, _ = hopf_start(F, x, base)
        problem = HopfSystem(F, base, idx, c, d)
        u0 = jnp.concatenate([x, z, pv])
    t0 = jnp.linalg.svd(jax.jacfwd(problem)(u0))[2][-1]
    return problem, u0, jnp.where(t0[-1] < 0, -t0, t0)


def codim2_curve(
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
    r"""Continue a fold (`"LP"`) or a Hopf point (`"H"`) of a one-parameter branch in a
    second parameter: the curve of folds or of Hopf points in two parameters.

    **Folds.** The unknowns $(x, v, p_i, p_j)$ solve the standard augmented system
    $F(x, p) = 0,\ F_x v = 0,\ c^\top v = 1$ (Govaerts 2000), continued by
    pseudo-arclength. Along it two test functions locate

    - **Bogdanov–Takens** points (`"BT"`, a double zero eigenvalue): $w^\top v$, with
      $w$ the left null vector of $F_x$ (a bordered solve);
    - **cusp** points (`"CP"`, the fold's quadratic coefficient vanishes):
      $w^\top F_{xx}[v, v]$.

    **Hopf points.** The unknowns $(x, v_1, v_2, \kappa, p_i, p_j)$ solve
    $F = 0,\ F_x v_1 + v_2 = 0,\ F_x v_2 = \kappa v_1,\ c^\top v_1 = 1,\ d^\top v_1 = 0$:
    at a Hopf point $\kappa = \omega^2$ and $v_1 \mp i v_2/\omega$ span the eigenvectors
    of $\pm i\omega$. Unlike the system in $(\omega, \text{eigenvector})$ it stays regular
    where $\omega \to 0$, so the curve passes a **Bogdanov–Takens** point (`"BT"`,
    $\kappa = 0$) and continues as a curve of neutral saddles ($\kappa < 0$, drawn
    dashed). A **generalised Hopf** point (`"GH"`, where the Hopf bifurcation turns from
    super- to subcritical) is where the first Lyapunov coefficient $\ell_1$ changes sign.

    **Arguments:**

    - `system`: the system of the branch (a [`dynax.analysis.System`][] or `F(x, p)`).
    - `point`: the fold or Hopf point to start from, of a one-parameter branch.
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
    kind = point.kind
    if kind not in ("LP", "H"):
        raise ValueError(f"a codimension-2 curve starts at an 'LP' or 'H' point; got {kind!r}.")
    if len(point.param) != 1:
        raise ValueError("start a codimension-2 curve at a point of a one-parameter branch.")
    if direction not in (-1, 0, 1):
        raise ValueError(f"direction must be -1, 0 or 1; got {direction}.")
    i = point.param[0]
    dtype = np.dtype(point.x.dtype)
    base = np.asarray(parameters(system, point.p if p0 is None else p0, dtype))
    j = param_index(system, param2, base.shape[0], "param2")
    if j == i:
        raise ValueError(f"param2 must differ from the branch's parameter (index {i}).")
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=max_points)
    problem, u0, t0 = _start(kind, system, point.x, base, np.array([i, j]))
    t0 = -np.asarray(t0) if direction == -1 else np.asarray(t0)
    N1 = u0.shape[0]
    lo, hi = np.full(N1, -np.inf, dtype), np.full(N1, np.inf, dtype)
    (lo[-2], hi[-2]), (lo[-1], hi[-1]) = bounds
    w = np.ones(N1, dtype)
    both = direction == 0
    curve = trace_jit(problem, None, u0, t0, u0, w, lo, hi, s, (False, False), np.asarray(both))
    tr = cut(curve, both)
    labels = ("BT", "CP") if kind == "LP" else ("BT", "GH")
    n = point.x.shape[0]
    u = tr.u
    kappa = u[:, 3 * n] if kind == "H" else np.full(len(u), np.nan, dtype)
    points = []
    for row, test in tr.found:
        label = labels[test]
        omega = l1 = period = np.nan
        if label == "GH":
            omega = np.sqrt(kappa[row])
            l1, period = tr.tests[row, 1], 2 * np.pi / omega
        full = base.copy()
        full[[i, j]] = u[row, -2:]
        x, p = jnp.asarray(u[row, :n]), jnp.asarray(full)
        om, l1_, per = (jnp.asarray(v, dtype) for v in (omega, l1, period))
        points.append(SpecialPoint(label, row, x, p, (i, j), om, l1_, per))
    var_names, pnames = names(system, n, base.shape[0])
    return Codim2Curve(
        kind=kind,
        x=jnp.asarray(u[:, :n]),
        p=jnp.asarray(u[:, -2:]),
        params=jnp.asarray(base),
        kappa=jnp.asarray(kappa),
        points=tuple(points),
        param=(i, j),
        names=var_names,
        param_names=pnames,
        n_jacobians=tr.n_jac,
        status=tr.status,
    )
