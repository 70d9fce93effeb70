"""Continuation of limit cycles from a Hopf point (orthogonal collocation, see
`_collocation.py`), with their stability and the folds, period doublings and
Neimark–Sacker points of cycles."""

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, Float
from ._augmented import hopf_start
from ._bifurcation import AbstractBranch, SpecialPoint
from ._collocation import CycleProblem, cycle_problem, node_times, remesh, weights
from ._engine import cut, settings, trace_jit
from ._equilibria import names
from ._system import System


class CycleBranch(AbstractBranch):
    r"""A branch of limit cycles in one parameter, from
    [`dynax.analysis.limit_cycle_branch`][].

    **Fields:**

    - `times`: the times of the stored points of each cycle, `(m, M)`, in
      $[0, T)$ (the mesh adapts along the branch).
    - `x`: the cycles at those times, `(m, M, n)`.
    - `period`: $T$, `(m,)` (in the system's unit of time).
    - `p`: the continued parameter, `(m,)`; `params` the full parameter vector of the
      start, `(k,)`; `params_at(i)` row `i`'s.
    - `multipliers`: the Floquet multipliers, `(m, n)`, complex: one is 1 (the trivial
      one, along the orbit); the others inside the unit circle for a stable cycle.
    - `stable`: whether every non-trivial multiplier has modulus < 1.
    - `x_max`, `x_min`: each variable's maximum and minimum over the cycle, `(m, n)`.
    - `points`: the special points: `"LPC"` (fold of cycles), `"PD"` (period doubling),
      `"NS"` (Neimark–Sacker), `"UZ"` (targets).
    - `param`, `names`, `param_names`, `n_jacobians`, `status`: as in
      [`dynax.analysis.EquilibriumBranch`][].
    """

    times: Float[Array, "m M"]
    x: Float[Array, "m M n"]
    period: Float[Array, " m"]
    p: Float[Array, " m"]
    params: Float[Array, " k"]
    multipliers: Array
    stable: Bool[Array, " m"]
    x_max: Float[Array, "m n"]
    x_min: Float[Array, "m n"]
    points: tuple[SpecialPoint, ...]
    param: int = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)
    param_names: tuple[str, ...] = eqx.field(static=True)
    n_jacobians: int = eqx.field(static=True)
    status: str = eqx.field(static=True)

    def labels(self, var: int) -> tuple[str, str]:
        return self.param_names[self.param], self.names[var]

    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        p, stable = np.asarray(self.p), np.asarray(self.stable)
        return [
            (p, np.asarray(self.x_max[:, var]), stable),
            (p, np.asarray(self.x_min[:, var]), stable),
        ]

    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        p = float(point.p[self.param])
        return [
            (p, float(self.x_max[point.index, var])),
            (p, float(self.x_min[point.index, var])),
        ]


_hopf_start = eqx.filter_jit(hopf_start)


def limit_cycle_branch(
    system: System | Callable[[Array, Array], Array],
    point: SpecialPoint,
    *,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    period_max: float | None = None,
    n_intervals: int = 40,
    degree: int = 4,
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 200,
    adapt: int = 10,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> CycleBranch:
    r"""Continue the limit cycles born at a Hopf point, by orthogonal collocation and
    pseudo-arclength continuation (the method of AUTO and MatCont).

    A cycle is $x(\tau) = x(tT)$ on $\tau \in [0, 1)$: on each of `n_intervals` mesh
    intervals a polynomial of degree `degree` (values at equally spaced nodes, continuous
    and periodic) satisfies $x' = T F(x, p)$ at the Gauss–Legendre points (the
    collocation points); the phase is fixed by $\int_0^1 x(\tau)\cdot
    x_\text{prev}'(\tau)\,d\tau = 0$ against the previous cycle. The unknowns
    $(x(\cdot), T, p)$ are continued by pseudo-arclength with the $L^2$ norm over $\tau$;
    every `adapt` points the mesh is redistributed to equidistribute the orbit's
    arclength (sharp spikes and near-homoclinic cycles get more intervals).

    The branch starts at the Hopf point, along the eigenvector's oscillation
    $v_1\cos 2\pi\tau - (v_2/\omega)\sin 2\pi\tau$ with period $2\pi/\omega$. At every
    cycle the Floquet multipliers are the eigenvalues of the monodromy matrix, the
    product of the collocated variational equation's transfer matrices over the
    intervals (AUTO's condensation, here dense). Test functions locate

    - **folds of cycles** (`"LPC"`): the tangent's parameter component (for a planar
      system, whose multipliers are exact, the non-trivial multiplier minus 1);
    - **period doublings** (`"PD"`, a multiplier at −1): $\mathrm{sign}\prod(\mu_i + 1)
      \cdot \min|\mu_i + 1|$;
    - **Neimark–Sacker** points (`"NS"`, a complex pair on the unit circle):
      $\prod_{i<j}(\mu_i\mu_j - 1)$ over the non-trivial multipliers;
    - **targets** (`"UZ"`): the parameter at each value of `targets`.

    **Arguments:**

    - `system`: the system (a [`dynax.analysis.System`][] or `F(x, p)`).
    - `point`: a Hopf point (`"H"`) of an [`dynax.analysis.EquilibriumBranch`][].
    - `bounds`: the parameter range; the branch stops at the first cycle outside it.
    - `period_max`: the branch stops at a longer period (default 20 times the period at
      the Hopf point: a cycle approaching a homoclinic orbit).
    - `n_intervals`, `degree`: the collocation mesh (intervals) and the polynomials'
      degree (4 is AUTO's default).
    - `ds`, `ds_min`, `ds_max`: first, smallest and largest step, in the $L^2$ norm of
      the cycle (about its amplitude) plus period and parameter.
    - `max_points`: the most cycles.
    - `adapt`: redistribute the mesh every `adapt` points (0: never).
    - `targets`, `tol`: as in [`dynax.analysis.equilibrium_branch`][].

    Returns a [`dynax.analysis.CycleBranch`][].

    ??? cite "References"

        Doedel, E. J., Keller, H. B., & Kernévez, J. P. (1991). Numerical analysis and
        control of bifurcation problems (II): bifurcation in infinite dimensions.
        *International Journal of Bifurcation and Chaos*, 1(4), 745–772.

        Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory* (3rd ed.),
        section 10.3. Springer.
    """
    if point.kind != "H":
        raise ValueError(f"limit_cycle_branch starts at a Hopf point ('H'); got {point.kind!r}.")
    if len(point.param) != 1:
        raise ValueError("start the cycles at a Hopf point of a one-parameter branch.")
    if n_intervals < 2 or degree < 1:
        raise ValueError(f"need n_intervals >= 2 and degree >= 1; got {n_intervals}, {degree}.")
    idx = point.param[0]
    dtype = np.dtype(point.x.dtype)
    x, base = np.asarray(point.x), np.asarray(point.p, dtype)
    n, N, m = x.shape[0], int(n_intervals), int(degree)
    z, _, _, om = _hopf_start(system, jnp.asarray(x), jnp.asarray(base))
    v1, v2 = np.asarray(z[:n]), np.asarray(z[n : 2 * n])
    omega = float(om)
    T0 = 2 * np.pi / omega
    mesh = np.linspace(0, 1, N + 1)
    tau = node_times(mesh, m)
    phi = np.cos(2 * np.pi * tau)[:, None] * v1 - np.sin(2 * np.pi * tau)[:, None] * v2 / omega
    w = weights(mesh, n, m, T0)
    t0 = np.concatenate([phi.reshape(-1), [0.0, 0.0]])
    t0 /= np.sqrt(np.sum(w * t0 * t0))
    u0 = np.concatenate([np.tile(np.asarray(x), N * m), [T0, float(base[idx])]])
    target = np.asarray(targets, dtype).reshape(-1)
    prob = cycle_problem(system, jnp.asarray(base), idx, jnp.asarray(target), n, N, m)
    lo, hi = np.full(u0.shape[0], -np.inf, dtype), np.full(u0.shape[0], np.inf, dtype)
    lo[-2], hi[-2] = 0.0, 20 * T0 if period_max is None else period_max
    lo[-1], hi[-1] = bounds
    chunk = max_points if adapt <= 0 else min(adapt + 1, max_points)
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=chunk)
    kinds = ("LPC", "PD", "NS") + ("UZ",) * target.shape[0]
    exact = (False, False, False) + (True,) * target.shape[0]
    rows: list[tuple] = []  # (u, mesh, info, found-or-None)
    found: list[tuple[int, str]] = []
    n_jac, status = 0, "max_points"
    u, t, ref = u0, t0, u0 + ds * t0
    while True:
        curve = trace_jit(
            prob, mesh.astype(dtype), u, t, ref, w, lo, hi, s, exact, np.asarray(False)
        )
        tr = cut(curve, False)
        n_jac += tr.n_jac
        first = 0 if not rows else 1  # a later chunk starts at the previous one's end
        offset = len(rows) - first
        found += [(row + offset, kinds[j]) for row, j in tr.found if row >= first]
        for i in range(first, len(tr.u)):
            rows.append((tr.u[i], mesh, jax.tree.map(lambda a, i=i: a[i], tr.info)))
        status = tr.status
        if status != "max_points" or len(rows) >= max_points:
            break
        u, t = tr.u[-1], tr.t[-1]  # an engine point: special points are inserted before it
        if adapt > 0:
            u, t, mesh = remesh(u, t, mesh, n, m, T0)
            w = weights(mesh, n, m, T0)
        ref = u
        s = eqx.tree_at(lambda q: q.ds, s, tr.ds)
    return _build(system, prob, rows, found, n_jac, status, dtype)


def _build(system, problem: CycleProblem, rows, found, n_jac, status, dtype) -> CycleBranch:
    n, m = problem.n, problem.m
    us = np.stack([r[0] for r in rows])
    X = us[:, :-2].reshape(len(rows), -1, n)
    T, p = us[:, -2], us[:, -1]
    times = np.stack([node_times(r[1], m) for r in rows]) * T[:, None]
    mu = np.stack([r[2][0] for r in rows])
    xmax = np.stack([r[2][1] for r in rows])
    xmin = np.stack([r[2][2] for r in rows])
    nontrivial = np.take_along_axis(mu, np.argsort(np.abs(mu - 1), axis=1)[:, 1:], axis=1)
    stable = np.all(np.abs(nontrivial) < 1, axis=1)
    points = []
    nan = jnp.asarray(np.nan, dtype)
    base = np.asarray(problem.base)
    for row, kind in found:
        # A located point must show its multiplier: where the cycles are too unstable or
        # too stable for the multipliers to be accurate (near a homoclinic orbit, in a
        # canard) a test function may change sign by round-off alone.
        rest = nontrivial[row]
        if kind == "PD" and not np.min(np.abs(rest + 1)) < 1e-3:
            continue
        if kind == "LPC" and not np.min(np.abs(rest - 1)) < 1e-2:
            continue
        if kind == "NS":
            k = np.argmin(np.abs(np.abs(rest) - 1))
            if abs(rest[k].imag) < 1e-6 or abs(abs(rest[k]) - 1) > 1e-3:
                continue  # a neutral saddle cycle (real pair), not a torus bifurcation
        full = base.copy()
        full[problem.idx] = p[row]
        x, per = jnp.asarray(X[row, 0]), jnp.asarray(T[row])
        points.append(SpecialPoint(kind, row, x, jnp.asarray(full), (problem.idx,), nan, nan, per))
    var_names, pnames = names(system, n, problem.base.shape[0])
    return CycleBranch(
        times=jnp.asarray(times),
        x=jnp.asarray(X),
        period=jnp.asarray(T),
        p=jnp.asarray(p),
        params=problem.base,
        multipliers=jnp.asarray(mu),
        stable=jnp.asarray(stable),
        x_max=jnp.asarray(xmax),
        x_min=jnp.asarray(xmin),
        points=tuple(points),
        param=problem.idx,
        names=var_names,
        param_names=pnames,
        n_jacobians=n_jac,
        status=status,
    )
