"""The compiled engine of every continuation: pseudo-arclength continuation (Keller
1977) of a curve $G(u) = 0$, $G: \\mathbb{R}^{N+1} \\to \\mathbb{R}^N$ (equilibria,
fold and Hopf curves, limit cycles), with step control and the location of the zeros of
test functions, as one `lax.while_loop` over a fixed buffer of rows.

A problem is a Module with `__call__(u, ref, data) -> (N,)` and `jacobian(u, ref, data)`
(`ref` is the previous point, a phase reference for cycles) and `analyse(u, t, data) ->
(info, tests)`: what is kept at each point and the test functions of its special points.

Each pass of the loop runs the same corrector: either a step of the continuation, or one
trial point of the regula falsi (Illinois) that locates a test function's zero between
the last point and the new one. Only the control flow differs between the two, so the
program holds one corrector and one analysis, and under `jax.vmap` a batch of curves
runs together whatever each is doing.
"""

from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Int

STATUS = {1: "max_points", 2: "bounds", 3: "step too small", 4: "no start"}
"""Why a direction of a continuation stopped (0: not run)."""


class Settings(eqx.Module):
    """The continuation's step control (arrays, so that changing them does not
    recompile) and its static sizes."""

    ds: ArrayLike
    ds_min: ArrayLike
    ds_max: ArrayLike
    tol: ArrayLike
    cos_min: ArrayLike
    grow: ArrayLike
    xtol: ArrayLike
    max_points: int = eqx.field(static=True)
    max_newton: int = eqx.field(static=True)
    n_fast: int = eqx.field(static=True)
    max_locate: int = eqx.field(static=True)


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
    eps = float(np.finfo(dtype).eps)
    tol = eps**0.65 if tol is None else tol
    arr = lambda v: np.asarray(v, dtype)  # noqa: E731 (NumPy: no eager JAX op to compile)
    return Settings(
        arr(ds), arr(ds_min), arr(ds_max), arr(tol), arr(cos_min), arr(1.5), arr(1e3 * eps),
        int(max_points), int(max_newton), 3, 60,
    )  # fmt: skip


def float_dtype() -> np.dtype:
    """The floating dtype JAX computes in now (float64 with x64 enabled, else float32)."""
    return np.dtype(jnp.result_type(float))


def wdot(w: Array, a: Array, b: Array) -> Array:
    return jnp.sum(w * a * b)


def dense_jacobian(problem: Any, u: Array, ref: Any, data: Any) -> Array:
    """$\\partial G/\\partial u$ by forward mode, for problems without structure."""
    return jax.jacfwd(problem)(u, ref, data)


def tangent(lu: Any, w: Array) -> Array:
    r"""The unit (in the `w`-norm) null vector $z$ of $J$, from the LU factors of the
    bordered matrix $(J;\ w t_\text{prev})$ that the corrector's last step solved with:
    $(J;\ w t_\text{prev})\,z = e_{N+1}$, so $\langle t_\text{prev}, z\rangle_w > 0$."""
    z = jax.scipy.linalg.lu_solve(lu, jnp.zeros(lu[0].shape[0], lu[0].dtype).at[-1].set(1))
    return z / jnp.sqrt(wdot(w, z, z))


def correct(problem, ref, data, guess, anchor, t, s, w, tol, max_newton):
    """Newton's method for $G(u) = 0$, $\\langle t, u - u_a\\rangle_w = s$ from `guess`;
    returns the point, the LU factors of the bordered Jacobian $(G_u;\\ w t)$ of the last
    step (at the last iterate but one: for the tangent, which it gives up to the last,
    tiny, correction), the number of iterations (Jacobians) and whether it converged."""

    def cond(c):
        _, _, it, done, ok = c
        return (it < max_newton) & ~done & ok

    def body(c):
        u, _, it, _, _ = c
        J, r = problem.jacobian(u, ref, data), problem(u, ref, data)
        A = jnp.concatenate([J, (w * t)[None]])
        b = jnp.concatenate([r, (wdot(w, t, u - anchor) - s)[None]])
        lu = jax.scipy.linalg.lu_factor(A)
        du = jax.scipy.linalg.lu_solve(lu, -b)
        u = u + du
        done = jnp.max(jnp.abs(du)) <= tol * (1 + jnp.max(jnp.abs(u)))
        return u, lu, it + 1, done, jnp.all(jnp.isfinite(u))

    n1 = guess.shape[0]
    lu0 = (jnp.eye(n1, dtype=guess.dtype), jnp.arange(n1, dtype=jnp.int32))
    init = (guess, lu0, jnp.array(0), jnp.array(False), jnp.array(True))
    u, lu, its, done, ok = jax.lax.while_loop(cond, body, init)
    return u, lu, its, done & ok


class Curve(eqx.Module):
    """A continued curve: fixed buffers of rows, the first `size` of them used, in the
    order of the curve (the second direction, reversed, before the first), each
    row a point `u`, its unit tangent `t` (oriented along the first direction), what
    `analyse` kept (`info`), its test functions, and `found`: the index of the test
    function whose zero the row is (located, or exactly zero there), -1 for others."""

    u: Array
    t: Array
    info: Any
    tests: Array
    found: Int[Array, " rows"]
    size: Int[Array, ""]
    n_jac: Int[Array, ""]
    status: Int[Array, " 2"]  # (first direction, second), codes of STATUS
    ds: Array  # the step size the continuation ended with


class _Carry(NamedTuple):
    u: Array  # the last point, its tangent (along the direction run), its tests
    t: Array
    tests: Array
    ds: Array  # the next step
    m: Array  # points before u
    k: Array  # rows written
    # a new point, written already, whose test functions changed sign from u's: the zeros
    # in between are located before it becomes the last point
    locating: Array
    new: tuple  # (u, t, tests, which tests changed sign, why to stop there, arclength)
    j: Array  # the test function located, its bracket in arclength, values, last side
    a: Array
    b: Array
    fa: Array
    fb: Array
    side: Array
    it: Array
    rows: tuple  # the buffers: (u, t, tests, key) in one array, info, found
    n_jac: Array
    second: Array  # whether the second direction (against t0) runs
    status: Array  # why each direction stopped
    tests0: Array  # the start's tests, for the second direction (not read from the rows:
    # a read of the row buffer in the loop made XLA copy the whole buffer every pass)


def _first(mask: Array) -> Array:
    """The index of the first true entry of `mask`, -1 if none."""
    return jnp.where(jnp.any(mask), jnp.argmax(mask), -1)


def _secant(a, b, fa, fb):
    """The regula falsi's point between `a` and `b`, the midpoint where it falls outside."""
    den = jnp.where(fb != fa, fb - fa, 1)
    s = jnp.where(fb != fa, (a * fb - b * fa) / den, 0.5 * (a + b))
    inside = (jnp.minimum(a, b) < s) & (s < jnp.maximum(a, b))
    return jnp.where(inside, s, 0.5 * (a + b))


def _pick(flag, new, old):
    return jax.tree.map(lambda x, y: jnp.where(flag, x, y), new, old)


def capacity(max_points: int, n_tests: int) -> int:
    """The rows of a `Curve` of `trace`: `max_points` a direction, both directions, the
    zeros of `n_tests` test functions located at the last step, and a margin."""
    return 2 * max_points + 2 * (n_tests + 1) + 16


def trace(
    problem: Any,
    data: Any,
    u0: ArrayLike,
    t0: ArrayLike,
    ref0: ArrayLike,
    w: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
    s: Settings,
    exact: tuple[bool, ...],
    both: Any,
    go: Any = True,
    keep: Any = None,
) -> Curve:
    """Continue from `u0` along `t0` (and, with `both`, then along `-t0`) until
    `s.max_points` points in a direction, a point outside `[lo, hi]` (kept), or a step
    below `s.ds_min`. Between two points where a test function changes sign its zero is
    located by the Illinois regula falsi in the arclength, each trial point corrected
    onto the curve, and inserted as a row; a test function of `exact` marks a point where
    it is exactly zero; `keep(info, j)`, if given, says whether a located zero of test
    function `j` is a special point (else the row stays an ordinary one). `ref0` is the
    reference of the first step from `u0`. With `go` false nothing runs (status 4: no
    start)."""
    u0, t0, ref0, w, lo, hi = (jnp.asarray(a) for a in (u0, t0, ref0, w, lo, hi))
    dtype = u0.dtype
    n1 = u0.shape[0]
    # (the start is analysed by the loop's first pass, a step of length 0: one copy of the
    # analysis in the program)
    info0, tests0 = jax.eval_shape(problem.analyse, u0, t0, data)
    nt = tests0.shape[0]
    exact_ = jnp.asarray(exact, bool).reshape(nt)
    cap = capacity(s.max_points, nt)
    go, both = jnp.asarray(go, bool), jnp.asarray(both, bool)  # (traced: one compilation)

    # the rows: (u, t, tests, key) in one array (the key orders them at the end), what
    # `analyse` kept, and the index of the test function whose zero each is
    rows = (
        jnp.full((cap, 2 * n1 + nt + 1), jnp.inf, dtype),
        jax.tree.map(lambda x: jnp.zeros((cap,) + x.shape, x.dtype), info0),
        jnp.full(cap, -1, jnp.int32),
    )
    nan_tests = jnp.full(nt, jnp.nan, dtype)
    zero, z32, zf = jnp.array(0), jnp.zeros((), jnp.int32), jnp.zeros((), dtype)
    init = _Carry(
        u0, t0, nan_tests, jnp.asarray(s.ds, dtype), jnp.array(-1), zero, jnp.array(False),
        (u0, t0, nan_tests, jnp.zeros(nt, bool), z32, jnp.asarray(s.ds, dtype)), z32, zf, zf,
        zf, zf, z32, z32, rows, zero, jnp.array(False),
        jnp.where(go, 0, 4) * jnp.ones(2, jnp.int32), nan_tests,
    )  # fmt: skip

    def step(c: _Carry) -> _Carry:
        sign = jnp.where(c.second, -1, 1).astype(dtype)
        loc = c.locating
        s1 = c.new[5]
        first = c.m < 0  # (the start: a step of length 0 analyses and writes it)
        sig = jnp.where(loc, _secant(c.a, c.b, c.fa, c.fb), jnp.where(first, 0, c.ds))
        ref = jnp.where(c.m <= 0, ref0, c.u)
        u_c, lu, its, conv = correct(
            problem, ref, data, c.u + sig * c.t, c.u, c.t, sig, w, s.tol, s.max_newton
        )
        t_c = jnp.where(conv, tangent(lu, w), c.t)
        ok = conv & (loc | (wdot(w, c.t, t_c) >= s.cos_min))
        # (the start as given: at a Hopf point a cycle's tangent is not the null vector)
        u_c, t_c, ok = jnp.where(first, c.u, u_c), jnp.where(first, c.t, t_c), ok | first
        its = jnp.where(first, 0, its)
        # the tests along t0's orientation (a fold's is the tangent's parameter component)
        info_c, tests_c = problem.analyse(u_c, sign * t_c, data)
        tests_c = jnp.where(ok, tests_c, jnp.nan)
        n_jac = c.n_jac + its + ok
        i32 = lambda v: jnp.asarray(v, jnp.int32)  # noqa: E731 (the branches' types agree)
        f64 = lambda v: jnp.asarray(v, dtype)  # noqa: E731

        def stepping():
            """A step: accepted and written, or retried with half the step. A sign change
            of a test function starts locating its zero."""
            change = jnp.isfinite(c.tests) & jnp.isfinite(tests_c) & (c.tests * tests_c < 0)
            faster = jnp.where(its <= s.n_fast, jnp.minimum(c.ds * s.grow, s.ds_max), c.ds)
            ds = jnp.where(ok, jnp.where(first, c.ds, faster), 0.5 * c.ds)
            outside = jnp.any((u_c < lo) | (u_c > hi))
            full = (c.m + 2 >= s.max_points) | (c.k + nt + 2 > cap)
            code = i32(jnp.where(outside, 2, jnp.where(full, 1, 0)))
            new = _pick(ok, (u_c, t_c, tests_c, change, code, sig), c.new)
            more = ok & jnp.any(change)
            j = i32(jnp.argmax(change))
            bracket = (f64(0), sig, c.tests[j], tests_c[j], i32(0), i32(0))
            ex = i32(_first(exact_ & (tests_c == 0) & (c.tests != 0)))
            stop = jnp.where(ok & ~more, code, jnp.where(~ok & (ds < s.ds_min), 3, 0))
            key = sign * f64(c.m + 1)
            return ds, new, j, bracket, ok, key, ex, ok & ~more, more, i32(stop)

        def locating():
            """A trial point of the regula falsi (Illinois: halve the value kept twice),
            then the next zero to locate or the new point becomes the last one."""
            f = tests_c[c.j]
            same = (f > 0) == (c.fb > 0)
            a = jnp.where(same, c.a, sig)
            b = jnp.where(same, sig, c.b)
            fa = jnp.where(same, jnp.where(c.side == -1, 0.5 * c.fa, c.fa), f)
            fb = jnp.where(same, f, jnp.where(c.side == 1, 0.5 * c.fb, c.fb))
            it = c.it + 1
            close = jnp.abs(b - a) <= s.xtol * (1 + jnp.abs(sig))
            found = jnp.isfinite(f) & ((f == 0) | close | (it >= s.max_locate))
            end = found | ~jnp.isfinite(f)
            later = c.new[3] & (jnp.arange(nt) > c.j)
            more = jnp.any(later)
            fresh = end & more
            j = i32(jnp.where(fresh, jnp.argmax(later), c.j))
            bracket = _pick(
                fresh,
                (f64(0), s1, c.tests[j], c.new[2][j], i32(0), i32(0)),
                (a, b, fa, fb, i32(jnp.where(same, -1, 1)), i32(it)),
            )
            stop = i32(jnp.where(end & ~more, c.new[4], 0))
            key = sign * (c.m + sig / s1)
            which = c.j if keep is None else jnp.where(keep(info_c, c.j), c.j, -1)
            return c.ds, c.new, j, bracket, found, key, i32(which), end & ~more, ~end | more, stop

        # (a conditional: its outputs are computed once; selects of both would make XLA
        # copy the decisions into every fusion that writes a part of the carry)
        ds, new, j, bracket, write, key, which, finish, locating, code = jax.lax.cond(
            loc, locating, stepping
        )
        a, b, fa, fb, side, it = bracket

        # one row: the accepted point, or a located zero between the last and the new one
        flat = jnp.concatenate([u_c, sign * t_c, tests_c, key[None]])
        slot = jnp.where(write, c.k, cap)
        rows = jax.tree.map(
            lambda buf, v: buf.at[slot].set(v, mode="drop"), c.rows, (flat, info_c, which)
        )

        # why the running direction stops: at the new point, or for a step too small;
        # then the second direction starts from u0
        stop = code != 0
        status = c.status.at[c.second.astype(int)].set(code)
        turn = stop & ~c.second & both
        nxt = _Carry(
            jnp.where(turn, u0, jnp.where(finish, new[0], c.u)),
            jnp.where(turn, -t0, jnp.where(finish, new[1], c.t)),
            jnp.where(turn, c.tests0, jnp.where(finish, new[2], c.tests)),
            jnp.where(turn, s.ds, ds), jnp.where(turn, 0, c.m + finish), c.k + write,
            locating & ~stop, new, j, a, b, fa, fb, side, it, rows, n_jac, c.second | turn,
            status, jnp.where(first, tests_c, c.tests0),
        )  # fmt: skip
        return jax.tree.map(lambda x, y: jnp.asarray(x, y.dtype), nxt, c)

    def running(c: _Carry) -> Array:
        return c.status[c.second.astype(int)] == 0

    c = jax.lax.while_loop(running, step, init)
    flat, info, found = c.rows
    order = jnp.argsort(flat[:, -1])
    flat, info, found = jax.tree.map(lambda a: a[order], (flat, info, found))
    u, t, tests = flat[:, :n1], flat[:, n1 : 2 * n1], flat[:, 2 * n1 : -1]
    return Curve(u, t, info, tests, found, c.k, c.n_jac, c.status, c.ds)


trace_jit = eqx.filter_jit(trace)


class Rows(NamedTuple):
    """A `Curve` cut to its rows, as NumPy."""

    u: np.ndarray
    t: np.ndarray
    info: Any
    tests: np.ndarray
    found: list  # (row, test index)
    n_jac: int
    status: str
    ds: Any


def status_text(status: Any, both: bool) -> str:
    """The status codes as text, the second direction first (the order of the rows)."""
    codes = [int(v) for v in np.asarray(status)]
    codes = codes[::-1] if both else codes[:1]
    return "/".join(STATUS.get(v, "running") for v in codes)


def cut(curve: Curve, both: bool) -> Rows:
    """The used rows of a `Curve`, as NumPy."""
    k = int(curve.size)
    take = lambda a: np.asarray(a)[:k]  # noqa: E731
    found = take(curve.found)
    return Rows(
        take(curve.u),
        take(curve.t),
        jax.tree.map(take, curve.info),
        take(curve.tests),
        [(int(i), int(found[i])) for i in np.flatnonzero(found >= 0)],
        int(curve.n_jac),
        status_text(curve.status, both),
        curve.ds,
    )
