"""Continuation of limit cycles from a Hopf point: orthogonal collocation with an
integral phase condition, Floquet multipliers from the collocation blocks, and the
folds, period doublings and Neimark–Sacker points of cycles."""

from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, Float
from ._bifurcation import (
    AbstractBranch,
    SpecialPoint,
    hopf_start,
    period_doubling_test,
    torus_test,
    with_params,
)
from ._continuation import settings, trace
from ._system import System


def _lagrange(nodes: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and derivatives of the Lagrange basis on `nodes` at the points `at`:
    `(len(at), len(nodes))` each."""
    k = len(nodes)
    val = np.ones((len(at), k))
    der = np.zeros((len(at), k))
    for j in range(k):
        others = [i for i in range(k) if i != j]
        denom = np.prod([nodes[j] - nodes[i] for i in others])
        val[:, j] = np.prod([at - nodes[i] for i in others], axis=0) / denom
        for drop in others:
            rest = [i for i in others if i != drop]
            der[:, j] += np.prod([at - nodes[i] for i in rest], axis=0) / denom
    return val, der


class CycleProblem(eqx.Module):
    r"""Periodic orbits $x(\tau)$, $\tau \in [0, 1)$, of $\dot x = F(x, p)$ with period
    $T$: $x' = T F(x, p)$ at the Gauss points of `N` mesh intervals, each holding a
    polynomial of degree `m` through `m + 1` equally spaced nodes (shared at the mesh
    points, periodic), and the phase condition $\int_0^1 x \cdot x_\text{ref}'\,d\tau =
    0$. Unknowns $u = (X, T, p_i)$, `X` the `N m` nodes; `data` is the mesh."""

    F: Any
    base: Array
    targets: Array
    L: Array
    D: Array
    wg: Array
    Lf: Array  # the basis at a finer set of points, for the maximum and minimum
    idx: int = eqx.field(static=True)
    n: int = eqx.field(static=True)
    N: int = eqx.field(static=True)
    m: int = eqx.field(static=True)

    def split(self, u: Array) -> tuple[Array, Array, Array]:
        X = u[:-2].reshape(self.N * self.m, self.n)
        return X, u[-2], with_params(self.base, (self.idx,), u[-1:])

    def blocks(self, X: Array) -> Array:
        """The `(N, m + 1, n)` nodes of each interval (the last wraps to the first)."""
        return X[self._nodes()]

    def __call__(self, u: Array, ref: Array, mesh: Array) -> Array:
        X, T, p = self.split(u)
        Xb = self.blocks(X)
        h = jnp.diff(mesh)
        xc = jnp.einsum("lk,jkn->jln", self.L, Xb)
        dxc = jnp.einsum("lk,jkn->jln", self.D, Xb) / h[:, None, None]
        f = jax.vmap(jax.vmap(self.F, (0, None)), (0, None))(xc, p)
        dref = jnp.einsum("lk,jkn->jln", self.D, self.blocks(self.split(ref)[0]))
        phase = jnp.sum(self.wg[None, :, None] * xc * dref)
        return jnp.concatenate([(dxc - T * f).reshape(-1), phase[None]])

    def _local(self, Xj: Array, hj: Array, T: Array, p: Array) -> Array:
        """The collocation residual of one interval, `(m, n)`, from its `(m + 1, n)` nodes."""
        return (self.D @ Xj) / hj - T * jax.vmap(self.F, (0, None))(self.L @ Xj, p)

    def jacobian(self, u: Array, ref: Array, mesh: Array) -> Array:
        """The sparse structure assembled densely: each interval's block by forward mode
        over its own `m + 1` nodes only (not over all `N m` of them), the period's and
        the parameter's columns, and the phase condition's row."""
        X, T, p = self.split(u)
        n, m, N = self.n, self.m, self.N
        M = N * m * n
        Xb = self.blocks(X)
        h = jnp.diff(mesh)
        Jl = jax.vmap(jax.jacfwd(self._local), (0, 0, None, None))(Xb, h, T, p)
        rows, cols = self._pattern()
        J = jnp.zeros((M + 1, M + 2), u.dtype).at[rows, cols].set(Jl.reshape(-1))
        xc = jnp.einsum("lk,jkn->jln", self.L, Xb).reshape(-1, n)
        Fp = lambda x: jax.jvp(
            lambda q: self.F(x, q), (p,), (jnp.zeros_like(p).at[self.idx].set(1),)
        )  # noqa: E731
        f, fp = jax.vmap(Fp)(xc)
        J = J.at[:M, M].set(-f.reshape(-1)).at[:M, M + 1].set(-T * fp.reshape(-1))
        dref = jnp.einsum("lk,jkn->jln", self.D, self.blocks(self.split(ref)[0]))
        phase = jnp.einsum("l,lk,jln->jkn", self.wg, self.L, dref)  # (N, m + 1, n)
        nodes = self._nodes()
        J = J.at[M, (nodes[:, :, None] * n + np.arange(n)).reshape(-1)].add(phase.reshape(-1))
        return J

    def _nodes(self) -> np.ndarray:
        return (np.arange(self.N)[:, None] * self.m + np.arange(self.m + 1)[None]) % (
            self.N * self.m
        )

    def _pattern(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of each entry of the interval blocks `(N, m, n, m + 1, n)`."""
        N, m, n = self.N, self.m, self.n
        row = (np.arange(N)[:, None, None] * m + np.arange(m)[None, :, None]) * n + np.arange(n)
        col = self._nodes()[:, :, None] * n + np.arange(n)  # (N, m + 1, n)
        rows = np.broadcast_to(row[:, :, :, None, None], (N, m, n, m + 1, n))
        cols = np.broadcast_to(col[:, None, None, :, :], (N, m, n, m + 1, n))
        return rows.reshape(-1), cols.reshape(-1)

    def multipliers(self, u: Array, mesh: Array) -> Array:
        """The Floquet multipliers: eigenvalues of the monodromy matrix, the product of
        the transfer matrices of the collocated variational equation over the intervals.
        A planar system's are exact instead: 1 and, by Liouville's formula, the
        determinant $\\exp\\int_0^T \\mathrm{tr}\\,F_x\\,dt$ (the eigenvalues of the product
        lose both where the cycle is strongly unstable, as canards are)."""
        X, T, p = self.split(u)
        n, m = self.n, self.m
        if n == 2:
            xc = jnp.einsum("lk,jkn->jln", self.L, self.blocks(X))
            tr = jax.vmap(jax.vmap(lambda x: jnp.trace(jax.jacfwd(self.F)(x, p))))(xc)
            integral = jnp.sum(jnp.diff(mesh)[:, None] * self.wg[None] * tr)
            return jnp.stack([jnp.ones((), u.dtype), jnp.exp(T * integral)]).astype(
                jnp.result_type(u.dtype, jnp.complex64)
            )

        J = jax.vmap(jax.jacfwd(self._local), (0, 0, None, None))(
            self.blocks(X), jnp.diff(mesh), T, p
        )
        J = J.reshape(self.N, m * n, (m + 1) * n)
        P = -jnp.linalg.solve(J[:, :, n:], J[:, :, :n])[:, -n:, :]  # (N, n, n)

        # The multipliers are the N-th powers of the eigenvalues of the cyclic block
        # matrix C (C^N is block-diagonal with the monodromy matrix's conjugates): its
        # eigenvalues are spread as mu^(1/N), so a multiplier of 1e20 does not drown the
        # trivial one as it does in the product of the transfer matrices. One root of each
        # multiplier lies in the sector |arg - pi/(2N)| < pi/N.
        N = self.N
        C = jnp.zeros((N, N, n, n), u.dtype)
        C = C.at[(np.arange(N) + 1) % N, np.arange(N)].set(P)
        lam = jnp.linalg.eigvals(C.transpose(0, 2, 1, 3).reshape(N * n, N * n))
        key = jnp.abs(jnp.angle(lam * jnp.exp(-0.5j * jnp.pi / N)))
        return lam[jnp.argsort(key)[:n]] ** N

    def analyse(self, u: Array, t: Array, mesh: Array) -> tuple[Any, Array]:
        mu = self.multipliers(u, mesh)
        order = jnp.argsort(jnp.abs(mu - 1))
        nontrivial = mu[order][1:]
        X, T, p = self.split(u)
        fine = jnp.einsum("lk,jkn->jln", self.Lf, self.blocks(X)).reshape(-1, self.n)
        # the fold of cycles: the tangent's parameter component; for a planar system the
        # exact non-trivial multiplier minus 1 (on a branch as steep as a canard explosion
        # the tangent's component is round-off)
        fold = jnp.real(mu[1]) - 1 if self.n == 2 else t[-1]
        tests = jnp.concatenate(
            [
                jnp.stack([fold, period_doubling_test(mu), torus_test(nontrivial)]),
                u[-1] - self.targets,
            ]
        )
        return (mu, jnp.max(fine, 0), jnp.min(fine, 0)), tests


def _problem(F, base, idx, targets, n, N, m) -> CycleProblem:
    z, wg = np.polynomial.legendre.leggauss(m)
    z, wg = (z + 1) / 2, wg / 2
    nodes = np.linspace(0, 1, m + 1)
    L, D = _lagrange(nodes, z)
    Lf, _ = _lagrange(nodes, np.linspace(0, 1, 4 * m + 1)[:-1])
    dt = base.dtype
    arr = lambda a: jnp.asarray(a, dt)  # noqa: E731
    return CycleProblem(F, base, targets, arr(L), arr(D), arr(wg), arr(Lf), idx, n, N, m)


def _weights(mesh: np.ndarray, n: int, m: int, T0: float) -> np.ndarray:
    """Arclength weights: each node's share of $\\int_0^1 |x|^2 d\\tau$; $1/T_0^2$ for the
    period (its relative change counts) and 1 for the parameter."""
    h = np.repeat(np.diff(mesh), m) / m
    return np.concatenate([np.repeat(h, n), [1.0 / T0**2, 1.0]])


def _node_times(mesh: np.ndarray, m: int) -> np.ndarray:
    h = np.diff(mesh)
    return (mesh[:-1, None] + h[:, None] * np.arange(m)[None] / m).reshape(-1)


def _interpolate(X: np.ndarray, mesh: np.ndarray, m: int, at: np.ndarray) -> np.ndarray:
    """The piecewise polynomial of nodes `X` on `mesh`, at the phases `at` (in [0, 1))."""
    N = len(mesh) - 1
    Xw = np.concatenate([X, X[:1]])
    i = np.clip(np.searchsorted(mesh, at, side="right") - 1, 0, N - 1)
    sigma = (at - mesh[i]) / (mesh[i + 1] - mesh[i])
    nodes = np.linspace(0, 1, m + 1)
    out = np.zeros((len(at), X.shape[1]))
    for q in range(len(at)):
        val, _ = _lagrange(nodes, np.array([sigma[q]]))
        out[q] = val[0] @ Xw[i[q] * m : i[q] * m + m + 1]
    return out


def remesh(u, t, mesh, n: int, m: int, T0: float, alpha: float = 0.7):
    """A new mesh that equidistributes `alpha` times the arclength of the orbit in state
    space plus `1 - alpha` times the phase, with `u` and the tangent `t` interpolated."""
    N = len(mesh) - 1
    X = u[:-2].reshape(N * m, n)
    Xw = np.concatenate([X, X[:1]])
    seg = np.linalg.norm(np.diff(Xw, axis=0), axis=1).reshape(N, m).sum(1)
    h = np.diff(mesh)
    mon = alpha * seg / max(seg.sum(), 1e-300) + (1 - alpha) * h
    cum = np.concatenate([[0.0], np.cumsum(mon)])
    cum /= cum[-1]
    new = np.interp(np.linspace(0, 1, N + 1), cum, mesh)
    new[0], new[-1] = 0.0, 1.0
    at = _node_times(new, m)
    Xn = _interpolate(X, mesh, m, at)
    Tn = _interpolate(t[:-2].reshape(N * m, n), mesh, m, at)
    un = np.concatenate([Xn.reshape(-1), u[-2:]])
    tn = np.concatenate([Tn.reshape(-1), t[-2:]])
    w = _weights(new, n, m, T0)
    return un, tn / np.sqrt(np.sum(w * tn * tn)), new


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

    def params_at(self, i: int) -> Float[Array, " k"]:
        """The full parameter vector at row `i`."""
        return self.params.at[self.param].set(self.p[i])

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
    tau = _node_times(mesh, m)
    phi = np.cos(2 * np.pi * tau)[:, None] * v1 - np.sin(2 * np.pi * tau)[:, None] * v2 / omega
    w = _weights(mesh, n, m, T0)
    t0 = np.concatenate([phi.reshape(-1), [0.0, 0.0]])
    t0 /= np.sqrt(np.sum(w * t0 * t0))
    u0 = np.concatenate([np.tile(np.asarray(x), N * m), [T0, float(base[idx])]])
    target = np.asarray(targets, dtype).reshape(-1)
    problem = _problem(system, jnp.asarray(base), idx, jnp.asarray(target), n, N, m)
    lo, hi = np.full(u0.shape[0], -np.inf, dtype), np.full(u0.shape[0], np.inf, dtype)
    lo[-2], hi[-2] = 0.0, 20 * T0 if period_max is None else period_max
    lo[-1], hi[-1] = bounds
    chunk = max_points if adapt <= 0 else min(adapt + 1, max_points)
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=chunk)
    kinds = ("LPC", "PD", "NS") + ("UZ",) * target.shape[0]
    rows: list[tuple] = []  # (u, mesh, info, found-or-None)
    found: list[tuple[int, str]] = []
    n_jac, status = 0, "max_points"
    u, t, ref = u0, t0, u0 + ds * t0
    while True:
        tr = trace(problem, mesh.astype(dtype), u, t, w, lo, hi, s, kinds, both=False, ref0=ref)
        n_jac += tr.n_jac
        first = 0 if not rows else 1  # a later chunk starts at the previous one's end
        offset = len(rows) - first
        found += [(row + offset, kind) for row, kind, _ in tr.found if row >= first]
        for i in range(first, len(tr.u)):
            rows.append((tr.u[i], mesh, jax.tree.map(lambda a, i=i: a[i], tr.info)))
        status = tr.status
        if status != "max_points" or len(rows) >= max_points:
            break
        u, t = tr.u[-1], tr.t[-1]  # an engine point: special points are inserted before it
        if adapt > 0:
            u, t, mesh = remesh(u, t, mesh, n, m, T0)
            w = _weights(mesh, n, m, T0)
        ref = u
        s = eqx.tree_at(lambda q: q.ds, s, tr.ds)
    return _build(system, problem, rows, found, n_jac, status, dtype)


def _build(system, problem: CycleProblem, rows, found, n_jac, status, dtype) -> CycleBranch:
    n, m = problem.n, problem.m
    us = np.stack([r[0] for r in rows])
    X = us[:, :-2].reshape(len(rows), -1, n)
    T, p = us[:, -2], us[:, -1]
    times = np.stack([_node_times(r[1], m) for r in rows]) * T[:, None]
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
    if isinstance(system, System):
        names, pnames = system.names, system.params
    else:
        names = tuple(f"x[{q}]" for q in range(n))
        pnames = tuple(f"p[{q}]" for q in range(problem.base.shape[0]))
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
        names=names,
        param_names=pnames,
        n_jacobians=n_jac,
        status=status,
    )
