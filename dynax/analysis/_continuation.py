"""Pseudo-arclength continuation (Keller 1977) of equilibria in one parameter, and the
grid search it replaces.

The engine continues any curve $G(u) = 0$, $G: \\mathbb{R}^{N+1} \\to \\mathbb{R}^N$
(equilibria, fold and Hopf curves, limit cycles): one jitted `lax.while_loop` of
tangent predictor, Newton corrector on the arclength hyperplane and step-size control,
writing the accepted points into a fixed buffer. The problems are Modules with
`__call__(u, ref, data) -> (N,)` (`ref` is the previous point, a phase reference for
cycles) and `analyse(u, t, data) -> (info, tests)` (the test functions of special
points).
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Bool, Float
from ._bifurcation import (
    AbstractBranch,
    SpecialPoint,
    hopf_start,
    hopf_test,
    illinois,
    lyapunov_coefficient,
    newton_square,
    signed_det,
    with_params,
)
from ._system import System

_STATUS = {1: "max_points", 2: "bounds", 3: "step too small"}


# --------------------------------------------------------------------------- engine


class Settings(eqx.Module):
    """The continuation's step control (arrays, so that changing them does not
    recompile) and its static sizes."""

    ds: ArrayLike
    ds_min: ArrayLike
    ds_max: ArrayLike
    tol: ArrayLike
    cos_min: ArrayLike
    grow: ArrayLike
    max_points: int = eqx.field(static=True)
    max_newton: int = eqx.field(static=True)
    n_fast: int = eqx.field(static=True)


def settings(
    dtype: Any,
    *,
    ds: float,
    ds_min: float | None,
    ds_max: float | None,
    tol: float | None,
    max_points: int,
    max_newton: int = 10,
    cos_min: float = 0.9,
) -> Settings:
    """Checked `Settings`; defaults `ds_min = 1e-4 ds`, `ds_max = 20 ds` and a
    tolerance of `eps**0.65` (7e-11 in float64, 3e-5 in float32)."""
    if not ds > 0:
        raise ValueError(f"ds must be > 0; got {ds}.")
    if int(max_points) < 2:
        raise ValueError(f"max_points must be at least 2; got {max_points}.")
    ds_min = ds * 1e-4 if ds_min is None else ds_min
    ds_max = ds * 20 if ds_max is None else ds_max
    if not 0 < ds_min <= ds <= ds_max:
        raise ValueError(f"need 0 < ds_min <= ds <= ds_max; got {ds_min}, {ds}, {ds_max}.")
    tol = float(np.finfo(dtype).eps) ** 0.65 if tol is None else tol
    arr = lambda v: np.asarray(v, dtype)  # noqa: E731 (NumPy: no eager JAX op to compile)
    return Settings(
        arr(ds), arr(ds_min), arr(ds_max), arr(tol), arr(cos_min), arr(1.5),
        int(max_points), int(max_newton), 3,
    )  # fmt: skip


def float_dtype() -> np.dtype:
    """The floating dtype JAX computes in now (float64 with x64 enabled, else float32)."""
    return np.dtype(jnp.result_type(float))


def _wdot(w: Array, a: Array, b: Array) -> Array:
    return jnp.sum(w * a * b)


def _jac(problem: Any, u: Array, ref: Any, data: Any) -> tuple[Array, Array]:
    return problem.jacobian(u, ref, data), problem(u, ref, data)


def dense_jacobian(problem: Any, u: Array, ref: Any, data: Any) -> Array:
    """$\\partial G/\\partial u$ by forward mode, for problems without structure."""
    return jax.jacfwd(problem)(u, ref, data)


def _tangent(J: Array, w: Array, t_prev: Array) -> Array:
    """The unit (in the `w`-norm) null vector of `J` with positive product with `t_prev`."""
    A = jnp.concatenate([J, (w * t_prev)[None]])
    z = jnp.linalg.solve(A, jnp.zeros(A.shape[0], A.dtype).at[-1].set(1))
    return z / jnp.sqrt(_wdot(w, z, z))


def correct(problem, ref, data, guess, anchor, t, s, w, tol, max_newton):
    """Newton's method for $G(u) = 0$, $\\langle t, u - u_a\\rangle_w = s$ from `guess`;
    returns the point, the Jacobian of $G$ at the last iterate but one (for the tangent:
    it differs from the one at the point by the last, tiny, correction), the number of
    iterations (Jacobians) and whether it converged."""

    def cond(c):
        _, _, it, done, ok = c
        return (it < max_newton) & ~done & ok

    def body(c):
        u, _, it, _, _ = c
        J, r = _jac(problem, u, ref, data)
        A = jnp.concatenate([J, (w * t)[None]])
        b = jnp.concatenate([r, (_wdot(w, t, u - anchor) - s)[None]])
        du = jnp.linalg.solve(A, -b)
        u = u + du
        done = jnp.max(jnp.abs(du)) <= tol * (1 + jnp.max(jnp.abs(u)))
        return u, J, it + 1, done, jnp.all(jnp.isfinite(u))

    J0 = jax.eval_shape(lambda: _jac(problem, guess, ref, data)[0])
    init = (guess, jnp.zeros(J0.shape, J0.dtype), jnp.array(0), jnp.array(False), jnp.array(True))
    u, J, its, done, ok = jax.lax.while_loop(cond, body, init)
    return u, J, its, done & ok


@eqx.filter_jit
def run(problem, data, u0, t0, ref0, w, lo, hi, s: Settings):
    """Continue from `u0` along `t0` until `s.max_points` points, a point outside
    `[lo, hi]` (kept) or a step below `s.ds_min`. Returns the buffers of points and
    tangents, the index of the last point, the number of Jacobians, the status (1, 2,
    3: as listed), the last step size, point, tangent and phase reference."""
    mp = s.max_points
    U = jnp.zeros((mp, u0.shape[0]), u0.dtype).at[0].set(u0)
    Tg = jnp.zeros((mp, u0.shape[0]), u0.dtype).at[0].set(t0)

    def body(c):
        u, t, ref, ds, k, U, Tg, n_jac, status = c
        u_new, J, its, conv = correct(
            problem, ref, data, u + ds * t, u, t, ds, w, s.tol, s.max_newton
        )
        t_new = jnp.where(conv, _tangent(J, w, t), t)
        accept = conv & (_wdot(w, t, t_new) >= s.cos_min)
        k1 = k + accept.astype(k.dtype)
        slot = jnp.where(accept, k1, mp)
        U = U.at[slot].set(u_new, mode="drop")
        Tg = Tg.at[slot].set(t_new, mode="drop")
        faster = jnp.where(its <= s.n_fast, jnp.minimum(ds * s.grow, s.ds_max), ds)
        ds = jnp.where(accept, faster, 0.5 * ds)
        outside = jnp.any((u_new < lo) | (u_new > hi))
        status = jnp.select([accept & outside, k1 >= mp - 1, ds < s.ds_min], [2, 1, 3], 0).astype(
            status.dtype
        )
        keep = lambda new, old: jnp.where(accept, new, old)  # noqa: E731
        n_jac = n_jac + its
        return keep(u_new, u), keep(t_new, t), keep(u_new, ref), ds, k1, U, Tg, n_jac, status

    zero = jnp.array(0)
    init = (u0, t0, ref0, s.ds, zero, U, Tg, zero, zero)
    u, t, ref, ds, k, U, Tg, n_jac, status = jax.lax.while_loop(lambda c: c[-1] == 0, body, init)
    return U, Tg, k, n_jac, status, ds, u, t, ref


@eqx.filter_jit
def _analyse_block(problem, U, Tg, data):
    return jax.vmap(lambda u, t: problem.analyse(u, t, data))(U, Tg)


BLOCK = 64  # rows analysed per call: one compilation, and no work on the unused buffer


def analyse_rows(problem, U, Tg, data, count: int) -> tuple[Any, np.ndarray]:
    """`problem.analyse` at the first `count` rows of the buffers, in blocks of `BLOCK`
    rows (the last one padded), as NumPy."""
    U, Tg = np.asarray(U), np.asarray(Tg)
    size = min(BLOCK, U.shape[0])
    outs = []
    for start in range(0, count, size):
        idx = np.minimum(np.arange(start, start + size), U.shape[0] - 1)
        outs.append(jax.tree.map(np.asarray, _analyse_block(problem, U[idx], Tg[idx], data)))
    out = jax.tree.map(lambda *a: np.concatenate(a)[:count], *outs)
    return out[0], out[1]


class Trace(eqx.Module):
    """A continued curve as NumPy rows, before it becomes a result Module."""

    u: np.ndarray
    t: np.ndarray
    info: Any
    tests: np.ndarray
    found: list  # (row, kind, test index) of the located points
    n_jac: int
    status: str
    ds: Any = None  # the step size the last direction ended with


def trace(
    problem: Any,
    data: Any,
    u0: Any,
    t0: Any,
    w: Any,
    lo: Any,
    hi: Any,
    s: Settings,
    kinds: Sequence[str],
    *,
    both: bool,
    ref0: Any = None,
) -> Trace:
    """Continue (in one or both directions), analyse every point, then locate the special
    points where a test function changes sign and insert them as rows."""
    dt = float_dtype()
    u0, t0, w, lo, hi = (np.asarray(a, dt) for a in (u0, t0, w, lo, hi))
    ref0 = u0 if ref0 is None else np.asarray(ref0, dt)  # (all NumPy: no eager JAX ops)
    parts, n_jac, status = [], 0, []
    for sign in (-1, 1) if both else (1,):
        U, Tg, k, nj, st, ds_end, *_ = run(problem, data, u0, sign * t0, ref0, w, lo, hi, s)
        Tg = sign * np.asarray(Tg)  # the tangents along the final orientation, for the tests
        k = int(k)
        info, tests = analyse_rows(problem, U, Tg, data, k + 1)
        n_jac += int(nj) + k + 1
        status.append(_STATUS.get(int(st), "running"))
        take = lambda a: np.asarray(a)[: k + 1]  # noqa: E731
        part = (take(U), take(Tg), info, tests)
        if sign == -1:  # reversed, without its first point (the start, again in the next)
            part = (
                part[0][:0:-1],
                part[1][:0:-1],
                jax.tree.map(lambda a: a[:0:-1], part[2]),
                part[3][:0:-1],
            )
        parts.append(part)
    u = np.concatenate([q[0] for q in parts])
    t = np.concatenate([q[1] for q in parts])
    info = jax.tree.map(lambda *a: np.concatenate(a), *[q[2] for q in parts])
    tests = np.concatenate([q[3] for q in parts])
    out = Trace(u, t, info, tests, [], n_jac, "/".join(status), ds_end)
    return locate(problem, data, w, s, kinds, out)


def locate(problem, data, w, s: Settings, kinds: Sequence[str], tr: Trace) -> Trace:
    """Find each sign change of a test function between consecutive rows, locate its
    zero by regula falsi on the arclength, and insert the located points as rows."""
    new = []  # (position, u, t, info, tests, kind, j)
    inf = np.full(tr.u.shape[1], np.inf, tr.u.dtype)
    w = np.asarray(w, tr.u.dtype)
    exact = []  # (row, kind, j): a test function exactly zero at a row
    n_jac = tr.n_jac
    xtol = 1e3 * float(jnp.finfo(tr.u.dtype).eps)
    for j, kind in enumerate(kinds):
        f = tr.tests[:, j]
        if kind == "UZ":  # (the others can be 0 by construction at a start, e.g. a cycle's)
            zero = np.flatnonzero(f == 0)
            exact += [(int(i), kind, j) for i in zero if i == 0 or f[i - 1] != 0]
        for i in np.flatnonzero(np.isfinite(f[:-1]) & np.isfinite(f[1:]) & (f[:-1] * f[1:] < 0)):
            a, b, t = tr.u[i], tr.u[i + 1], tr.t[i]  # (b was found from a along t)
            s1 = float(np.sum(np.asarray(w) * t * (b - a)))
            if not s1 > 0:
                continue
            count = [0]

            def evaluate(sv: float, a=a, t=t, j=j, count=count):
                # one step of the compiled engine from `a` with ds = sv (no retry with a
                # smaller step, any turn accepted, stop after it: every point is
                # "outside" lo = +inf), then the compiled analysis of its buffer
                step = eqx.tree_at(
                    lambda q: (q.ds, q.ds_min, q.ds_max, q.cos_min),
                    s,
                    tuple(np.asarray(v, a.dtype) for v in (sv, 0.999 * sv, sv, -2.0)),
                )
                U, Tg, k, nj, *_ = run(problem, data, a, t, a, w, inf, inf, step)
                count[0] += int(nj)
                if int(k) != 1:
                    return None, float("nan")
                info, tests = analyse_rows(problem, U, Tg, data, 2)
                count[0] += 1
                row = jax.tree.map(lambda v: np.asarray(v)[1], (U, Tg, info, tests))
                return row, float(row[3][j])

            out, sv = illinois(evaluate, s1, float(f[i]), float(f[i + 1]), xtol=xtol)
            n_jac += count[0]
            if out is None:
                continue
            u, tn, info, tests = out
            new.append((i + sv / s1, u, tn, info, tests, kind, j))
    if not new:
        found = sorted(exact)
        return Trace(tr.u, tr.t, tr.info, tr.tests, found, n_jac, tr.status, tr.ds)
    new.sort(key=lambda r: r[0])
    pos = np.array([r[0] for r in new])
    at = np.floor(pos).astype(int) + 1  # inserted before row `at`
    rows = at + np.arange(len(new))  # their rows afterwards
    ins = lambda arr, vals: np.insert(arr, at, np.stack(vals), axis=0)  # noqa: E731
    u = ins(tr.u, [r[1] for r in new])
    t = ins(tr.t, [r[2] for r in new])
    info = jax.tree.map(lambda a, *v: ins(a, list(v)), tr.info, *[r[3] for r in new])
    tests = ins(tr.tests, [r[4] for r in new])
    found = [(int(row), r[5], r[6]) for row, r in zip(rows, new)]
    found += [(i + int(np.sum(at <= i)), kind, j) for i, kind, j in exact]
    return Trace(u, t, info, tests, sorted(found), n_jac, tr.status, tr.ds)


# ------------------------------------------------------------------------ problems


class EquilibriumProblem(eqx.Module):
    """Equilibria $F(x, p) = 0$ with $u = (x, p_i)$."""

    F: Any
    base: Array
    idx: int = eqx.field(static=True)
    targets: Array

    def x_p(self, u: Array) -> tuple[Array, Array]:
        return u[:-1], with_params(self.base, (self.idx,), u[-1:])

    def __call__(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        return self.F(*self.x_p(u))

    def jacobian(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        return dense_jacobian(self, u, ref, data)

    def analyse(self, u: Array, t: Array, data: Any = None) -> tuple[Array, Array]:
        x, p = self.x_p(u)
        Jx, Jp = jax.jacfwd(self.F, argnums=(0, 1))(x, p)
        lam = jnp.linalg.eigvals(Jx)
        bordered = jnp.concatenate(
            [jnp.concatenate([Jx, Jp[:, self.idx : self.idx + 1]], 1), t[None]]
        )
        tests = jnp.concatenate(
            [jnp.stack([t[-1], hopf_test(lam), signed_det(bordered)]), u[-1] - self.targets]
        )
        return lam, tests


def resolve(system: Any, param: int | str, p0: Any, what: str = "param") -> tuple[np.ndarray, int]:
    """The parameter vector and the index of `param` (a name needs a `System`)."""
    if isinstance(system, System):
        p0 = system.parameters(p0)  # None: p0; a dict: p0 with the named entries replaced
    elif p0 is None or isinstance(p0, Mapping):
        raise ValueError("p0 (the parameter vector) is required with a plain function F(x, p).")
    p = np.atleast_1d(np.asarray(p0, float_dtype()))
    if p.ndim != 1:
        raise ValueError(f"p0 must be a vector, shape (k,); got shape {p.shape}.")
    if isinstance(param, str):
        if not isinstance(system, System):
            raise ValueError(f"{what} given by name ({param!r}) needs a dx.analysis.System.")
        idx = system.param_index(param)
    else:
        idx = int(param)
        if not 0 <= idx < p.shape[0]:
            raise ValueError(f"{what} index {idx} is out of range for {p.shape[0]} parameters.")
    if isinstance(system, System) and system.discrete:
        raise ValueError("continuation supports flows only, not maps (discrete=True).")
    return p, idx


def _names(system: Any, n: int, k: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(system, System):
        return system.names, system.params
    return tuple(f"x[{i}]" for i in range(n)), tuple(f"p[{i}]" for i in range(k))


@eqx.filter_jit
def _start(F, x0, p, idx: int, tol):
    x, ok = newton_square(lambda y: F(y, p), x0, tol)
    Jx, Jp = jax.jacfwd(F, argnums=(0, 1))(x, p)
    t = jnp.linalg.svd(jnp.concatenate([Jx, Jp[:, idx : idx + 1]], 1))[2][-1]
    return jnp.concatenate([x, p[idx][None]]), jnp.where(t[-1] < 0, -t, t), ok


def start(F: Any, x0: Any, p: Any, idx: int, tol: Any) -> tuple[np.ndarray, np.ndarray]:
    """The equilibrium near `x0` at `p` (Newton at fixed p) and the branch's tangent
    there, with a positive parameter component."""
    u0, t0, ok = _start(F, x0, p, idx, tol)
    if not bool(ok):
        raise ValueError(
            "Newton's method found no equilibrium near x0 at p0; give a better x0 "
            "(e.g. from a simulation or dx.analysis fixed points)."
        )
    return np.asarray(u0), np.asarray(t0)


# ----------------------------------------------------------------------- the branch


class EquilibriumBranch(AbstractBranch):
    r"""A branch of equilibria $F(x, p) = 0$ in one parameter, from
    [`dynax.analysis.equilibrium_branch`][].

    **Fields:**

    - `x`: the equilibria, `(m, n)`, in the order of the branch (special points
      inserted at their place).
    - `p`: the continued parameter at each, `(m,)`.
    - `params`: the full parameter vector of the start, `(k,)` (the others stay fixed);
      `params_at(i)` is row `i`'s.
    - `eigenvalues`: of the Jacobian $F_x$, `(m, n)`, complex.
    - `stable`: whether every eigenvalue has a negative real part, `(m,)`.
    - `tangent`: the unit tangent $(\dot x, \dot p)$, `(m, n + 1)`.
    - `points`: the special points (`"LP"`, `"H"`, `"BP"`, `"UZ"`), each a row.
    - `param`, `names`, `param_names`: the continued parameter's index, the names of the
      variables and of the parameters (for plots).
    - `n_jacobians`: the Jacobian evaluations spent (corrector, tangents, eigenvalues,
      location of special points).
    - `status`: why each direction stopped (`"bounds"`, `"max_points"`, `"step too
      small"`).
    """

    x: Float[Array, "m n"]
    p: Float[Array, " m"]
    params: Float[Array, " k"]
    eigenvalues: Array
    stable: Bool[Array, " m"]
    tangent: Float[Array, "m n1"]
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
        return [(np.asarray(self.p), np.asarray(self.x[:, var]), np.asarray(self.stable))]

    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        return [(float(point.p[self.param]), float(point.x[var]))]


@eqx.filter_jit
def _hopf_data(F, x, p):
    """$\\omega$ and $\\ell_1$ at a Hopf point."""
    z, _, _, omega = hopf_start(F, x, p)
    n = x.shape[0]
    return omega, lyapunov_coefficient(F, x, p, omega, z[:n] + 1j * z[n : 2 * n] / omega)


def build_equilibrium_branch(
    F: Any, problem: EquilibriumProblem, tr: Trace, names, pnames
) -> EquilibriumBranch:
    """The Module, with $\\omega$ and $\\ell_1$ at the Hopf points (neutral saddles, where
    the Hopf test vanishes for a real pair $\\pm\\lambda$, are left out)."""
    idx = problem.idx
    u, lam = tr.u, tr.info
    dtype = u.dtype
    points = []
    base = np.asarray(problem.base)
    nan = np.asarray(np.nan, dtype)
    for row, kind, _ in tr.found:
        x, p = u[row, :-1], np.r_[base[:idx], u[row, -1], base[idx + 1 :]].astype(dtype)
        omega = l1 = period = nan
        if kind == "H":
            pair = lam[row][:, None] + lam[row][None, :]
            np.fill_diagonal(pair, np.inf)
            i, _ = np.unravel_index(np.argmin(np.abs(pair)), pair.shape)
            if abs(lam[row][i].imag) < 1e-6 * (1 + abs(lam[row][i])):
                continue  # a neutral saddle (real pair), not a Hopf point
            omega, l1 = (np.asarray(v) for v in _hopf_data(F, x, p))
            period = np.asarray(2 * np.pi / omega, dtype)
        xj, pj, oj, lj, tj = (jnp.asarray(v) for v in (x, p, omega, l1, period))
        points.append(SpecialPoint(kind, row, xj, pj, (idx,), oj, lj, tj))
    stable = np.all(np.real(lam) < 0, axis=1)
    return EquilibriumBranch(
        x=jnp.asarray(u[:, :-1]),
        p=jnp.asarray(u[:, -1]),
        params=jnp.asarray(problem.base),
        eigenvalues=jnp.asarray(lam),
        stable=jnp.asarray(stable),
        tangent=jnp.asarray(tr.t),
        points=tuple(points),
        param=idx,
        names=tuple(names),
        param_names=tuple(pnames),
        n_jacobians=tr.n_jac + 2 * len(points),
        status=tr.status,
    )


def equilibrium_branch(
    system: System | Callable[[Array, Array], Array],
    x0: Float[ArrayLike, " n"],
    p0: Float[ArrayLike, " k"] | Mapping[str, float] | None = None,
    *,
    param: int | str = 0,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> EquilibriumBranch:
    r"""Continue a branch of equilibria $F(x, p) = 0$ in one parameter by
    pseudo-arclength continuation, with their stability and special points.

    From an equilibrium near `x0` at `p0` (found by Newton's method at fixed $p$), each
    step predicts along the unit tangent $t$ of the curve $u = (x, p_i)$ — the null
    vector of $[F_x\ F_{p_i}]$ — and corrects with Newton's method on
    $F(u) = 0,\ t^\top(u - u_k) = \Delta s$ (Keller's pseudo-arclength condition), so
    that it passes folds where $p_i$ turns back. The step $\Delta s$ grows by 1.5 after
    a corrector of at most 3 iterations (up to `ds_max`) and halves after a failure or a
    turn of the tangent by more than 26°. The whole continuation is one jitted
    `lax.while_loop`.

    At each point the eigenvalues of $F_x$ give the stability, and test functions locate
    the special points: where one changes sign between two points, its zero is found by
    regula falsi (Illinois) on the arclength, each trial point corrected onto the branch,
    to the precision of the test function (about $10^{-13}$ in float64):

    - **fold** (`"LP"`): $\dot p_i$, the parameter component of the tangent;
    - **Hopf** (`"H"`): $\mathrm{sign}\prod_{i<j}(\lambda_i + \lambda_j)\cdot
      \min_{i<j}|\lambda_i + \lambda_j|$ (the determinant of the bialternate product
      $2F_x \odot I$, without its overflow); neutral saddles, where a real pair
      $\pm\lambda$ sums to zero, are discarded. At each Hopf point the frequency
      $\omega$ and the first Lyapunov coefficient $\ell_1$ (its sign: super- or
      subcritical) are computed;
    - **branch point** (`"BP"`, e.g. a pitchfork): $\det\begin{pmatrix}F_x & F_{p_i}\\
      t^\top\end{pmatrix}$; switch branches there with
      [`dynax.analysis.switch_branch`][];
    - **targets** (`"UZ"`): $p_i$ minus each value of `targets`.

    The augmented systems of folds and Hopf points (Newton's method on $F = 0$,
    $F_x v = 0$, ...) continue them in two parameters:
    [`dynax.analysis.fold_curve`][], [`dynax.analysis.hopf_curve`][].

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][] (from `flat_system`) or a function
      `F(x, p)`, `(n,)` from `(n,)` and `(k,)`.
    - `x0`: a guess of the equilibrium at `p0`, `(n,)`.
    - `p0`: the parameters, `(k,)`, or with a `System` a dict of some of them by name
      (the others from `system.p0`); default `system.p0` (required with a function).
    - `param`: the continued parameter, its index in `p` or (with a `System`) its name.
    - `bounds`: the parameter range; continuation stops at the first point outside it.
    - `ds`, `ds_min`, `ds_max`: first, smallest and largest arclength step (in the
      units of $(x, p)$); defaults `ds_min = 1e-4 ds`, `ds_max = 20 ds`.
    - `max_points`: the most points per direction.
    - `direction`: `+1` (increasing parameter first), `-1`, or `0` for both directions.
    - `targets`: parameter values at which to insert a point (`"UZ"`).
    - `tol`: Newton's tolerance (default `eps**0.65`: 7e-11 in float64). Enable
      float64 (`jax.config.update("jax_enable_x64", True)`) for accurate points.

    Returns an [`dynax.analysis.EquilibriumBranch`][].

    ??? cite "References"

        Keller, H. B. (1977). Numerical solution of bifurcation and nonlinear eigenvalue
        problems. In *Applications of Bifurcation Theory*, 359–384. Academic Press.

        Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory* (3rd ed.),
        chapter 10. Springer.

        Govaerts, W. (2000). *Numerical Methods for Bifurcations of Dynamical
        Equilibria*. SIAM.
    """
    p, idx = resolve(system, param, p0)
    x0 = np.atleast_1d(np.asarray(x0, float_dtype()))
    if direction not in (-1, 0, 1):
        raise ValueError(f"direction must be -1, 0 or 1; got {direction}.")
    lo, hi = (float(b) for b in bounds)
    if not lo < hi:
        raise ValueError(f"bounds must be (low, high) with low < high; got {bounds}.")
    s = settings(x0.dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=max_points)
    target = np.asarray(targets, x0.dtype).reshape(-1)
    problem = EquilibriumProblem(system, jnp.asarray(p), idx, jnp.asarray(target))
    u0, t0 = start(system, x0, p, idx, s.tol)
    if direction == -1:
        t0 = -t0
    n = x0.shape[0]
    w = np.ones(n + 1, x0.dtype)
    lo_u, hi_u = np.full(n + 1, -np.inf, x0.dtype), np.full(n + 1, np.inf, x0.dtype)
    lo_u[-1], hi_u[-1] = lo, hi
    kinds = ("LP", "H", "BP") + ("UZ",) * target.shape[0]
    tr = trace(problem, None, u0, t0, w, lo_u, hi_u, s, kinds, both=direction == 0)
    names, pnames = _names(system, n, p.shape[0])
    return build_equilibrium_branch(system, problem, tr, names, pnames)


def switch_branch(
    system: System | Callable[[Array, Array], Array],
    branch: EquilibriumBranch,
    point: SpecialPoint,
    *,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> EquilibriumBranch:
    r"""The other branch through a branch point (`"BP"`) of `branch`: at the branch point
    the null space of $[F_x\ F_{p_i}]$ is two-dimensional; the new branch starts along its
    direction orthogonal to the old tangent (both ways with `direction=0`).

    The arguments after `point` are those of [`dynax.analysis.equilibrium_branch`][].
    """
    if point.kind != "BP":
        raise ValueError(f"switch_branch starts at a branch point ('BP'); got {point.kind!r}.")
    if direction not in (-1, 0, 1):
        raise ValueError(f"direction must be -1, 0 or 1; got {direction}.")
    idx = branch.param
    dtype = np.dtype(branch.x.dtype)
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=max_points)
    target = jnp.asarray(np.asarray(targets, dtype).reshape(-1))
    problem = EquilibriumProblem(system, branch.params, idx, target)
    u0 = np.r_[np.asarray(point.x), np.asarray(point.p)[idx]].astype(dtype)
    null = np.asarray(_null_space(problem, u0))  # the two smallest right singular vectors
    t1 = np.asarray(branch.tangent)[point.index]
    a = null @ t1
    t2 = a[1] * null[0] - a[0] * null[1]
    t2 = t2 / np.linalg.norm(t2)
    if direction == -1:
        t2 = -t2
    n = point.x.shape[0]
    w = np.ones(n + 1, dtype)
    lo_u, hi_u = np.full(n + 1, -np.inf, dtype), np.full(n + 1, np.inf, dtype)
    lo_u[-1], hi_u[-1] = bounds
    kinds = ("LP", "H", "BP") + ("UZ",) * target.shape[0]
    tr = trace(problem, None, u0, t2, w, lo_u, hi_u, s, kinds, both=direction == 0)
    return build_equilibrium_branch(system, problem, tr, branch.names, branch.param_names)


@eqx.filter_jit
def _null_space(problem, u):
    return jnp.linalg.svd(jax.jacfwd(problem)(u))[2][-2:]


# --------------------------------------------------------------------- grid search


class GridEquilibria(eqx.Module):
    """Equilibria found by grid search, from [`dynax.analysis.grid_equilibria`][]:
    Newton's method from every guess at every parameter value.

    **Fields:**

    - `p`: the parameter values, `(M,)`.
    - `x`: the equilibria, `(M, K, n)`: at most one per guess, NaN where a guess did not
      converge or found an equilibrium found already.
    - `valid`: where `x` holds an equilibrium, `(M, K)`.
    - `stable`: their stability (every eigenvalue of $F_x$ with negative real part).
    - `n_jacobians`: the Jacobian evaluations spent (every guess runs as many Newton
      iterations as the slowest, as a vmapped loop does, plus one for the eigenvalues).
    - `n_needed`: the Jacobian evaluations that each guess needed by itself (its own
      Newton iterations plus one): the cost of a grid search that stops each guess
      when it converges.
    """

    p: Float[Array, " M"]
    x: Float[Array, "M K n"]
    valid: Bool[Array, "M K"]
    stable: Bool[Array, "M K"]
    n_jacobians: int = eqx.field(static=True)
    n_needed: int = eqx.field(static=True)

    def count(self) -> np.ndarray:
        """The number of distinct equilibria at each parameter value, `(M,)`."""
        return np.asarray(self.valid).sum(axis=1)


@eqx.filter_jit
def _grid(F, base, idx: int, values, guesses, tol, max_iter: int):
    def one(pv, x0):
        p = base.at[idx].set(pv)
        G = lambda x: F(x, p)  # noqa: E731

        def cond(c):
            _, it, done = c
            return (it < max_iter) & ~done

        def body(c):
            x, it, _, _ = c
            J, r = jax.jacfwd(lambda y: (G(y), G(y)), has_aux=True)(x)
            dx = jnp.linalg.solve(J, -r)
            x = x + dx
            small = jnp.max(jnp.abs(dx)) <= tol * (1 + jnp.max(jnp.abs(x)))
            return x, it + 1, small | ~jnp.all(jnp.isfinite(x)), small

        init = (x0, jnp.array(0), jnp.array(False), jnp.array(False))
        x, its, _, converged = jax.lax.while_loop(lambda c: cond(c[:3]), body, init)
        r = G(x)
        ok = converged & jnp.all(jnp.isfinite(x)) & (jnp.max(jnp.abs(r)) <= jnp.sqrt(tol))
        lam = jnp.linalg.eigvals(jax.jacfwd(G)(x))
        return x, ok, jnp.all(jnp.real(lam) < 0), its

    inner = jax.vmap(one, in_axes=(None, 0))
    return jax.vmap(inner, in_axes=(0, None))(values, guesses)


def grid_equilibria(
    system: System | Callable[[Array, Array], Array],
    values: Float[ArrayLike, " M"],
    guesses: Float[ArrayLike, "K n"],
    p0: Float[ArrayLike, " k"] | Mapping[str, float] | None = None,
    *,
    param: int | str = 0,
    tol: float | None = None,
    max_iter: int = 50,
    unique_tol: float = 1e-6,
) -> GridEquilibria:
    """Equilibria by grid search, the method continuation replaces: Newton's method from
    each of `guesses` at each parameter value in `values` (one vmapped call), then the
    converged points de-duplicated (closer than `unique_tol`) and classified.

    It finds what the guesses reach, but misses nothing between guesses only if they are
    dense, and spends $M K$ Newton solves where a branch needs a few per point (see
    `benchmarks/continuation.py`).

    **Arguments:** `system` and `p0`, `param` as in
    [`dynax.analysis.equilibrium_branch`][]; `values`, `(M,)`, the parameter values;
    `guesses`, `(K, n)`, the initial guesses, the same at every value; `tol` Newton's
    tolerance; `max_iter` its iteration limit.
    """
    p, idx = resolve(system, param, p0)
    guesses = np.asarray(guesses, float_dtype())
    if guesses.ndim != 2:
        raise ValueError(f"guesses must have shape (K, n); got {guesses.shape}.")
    values = np.asarray(values, guesses.dtype).reshape(-1)
    tol_ = float(np.finfo(guesses.dtype).eps) ** 0.65 if tol is None else tol
    x, ok, stable, its = _grid(system, p, idx, values, guesses, np.asarray(tol_, p.dtype), max_iter)
    x, ok = np.asarray(x), np.asarray(ok).copy()
    for m in range(x.shape[0]):  # keep the first of each group of equal equilibria
        for k in range(x.shape[1]):
            if ok[m, k]:
                close = np.linalg.norm(x[m, k + 1 :] - x[m, k], axis=-1) < unique_tol
                ok[m, k + 1 :] &= ~close
    x = np.where(ok[..., None], x, np.nan)
    n_lanes = int(np.prod(ok.shape))
    n_jac = n_lanes * (int(np.max(its)) + 1)
    n_needed = int(np.sum(its)) + n_lanes
    stable = jnp.asarray(np.asarray(stable) & ok)
    return GridEquilibria(
        jnp.asarray(values), jnp.asarray(x), jnp.asarray(ok), stable, n_jac, n_needed
    )
