"""The augmented systems of folds and Hopf points, their starts, the first Lyapunov
coefficient, and the differentiable correction of located points: Newton's method on the
augmented system by Optimistix, whose implicit adjoint gives the derivatives of a fold or
Hopf point with respect to every other parameter."""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx

from .._custom_types import Array


def with_params(base: Array, idx: Any, values: Array) -> Array:
    """`base` with the entries `idx` replaced by `values`."""
    return base.at[jnp.asarray(idx)].set(values.astype(base.dtype))


def jvp_x(F: Callable, x: Array, p: Array, v: Array) -> Array:
    """$F_x(x, p)\\,v$ by one forward-mode product."""
    return jax.jvp(lambda y: F(y, p), (x,), (v,))[1]


class FoldSystem(eqx.Module):
    r"""Folds of equilibria: unknowns $(x, v, p_\text{idx})$,
    $F(x, p) = 0,\ F_x v = 0,\ c^\top v = 1$ (the standard augmented system; square
    with one parameter, a curve with two)."""

    F: Any
    base: Array
    idx: Array  # (data, not static: one compilation for every pair of parameters)
    c: Array
    b: Array  # a left null vector near the start, bordering the left-null-vector solve

    def split(self, u: Array) -> tuple[Array, Array, Array]:
        n = self.c.shape[0]
        return u[:n], u[n : 2 * n], with_params(self.base, self.idx, u[2 * n :])

    def __call__(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        x, v, p = self.split(u)
        return jnp.concatenate([self.F(x, p), jvp_x(self.F, x, p, v), (self.c @ v - 1)[None]])

    def jacobian(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        return jax.jacfwd(self)(u)

    def left_vector(self, x: Array, p: Array) -> Array:
        """$w$ with $F_x^\top w = -g c$, $b^\top w = 1$ (bordered; $g = 0$ on the fold)."""
        n = x.shape[0]
        A = jax.jacfwd(self.F)(x, p)
        M = jnp.block([[A.T, self.c[:, None]], [self.b[None, :], jnp.zeros((1, 1), A.dtype)]])
        rhs = jnp.zeros(n + 1, A.dtype).at[-1].set(1)
        return jnp.linalg.solve(M, rhs)[:n]

    def tests(self, u: Array, t: Array, data: Any = None) -> Array:
        """Along a fold curve: Bogdanov–Takens ($w^\\top v$) and cusp
        ($w^\\top F_{xx}[v, v]$)."""
        x, v, p = self.split(u)
        w = self.left_vector(x, p)
        bvv = second_derivative(self.F, x, p, v, v)
        return jnp.stack([w @ v, w @ bvv])

    def analyse(self, u: Array, t: Array, data: Any = None) -> tuple[Array, Array]:
        tests = self.tests(u, t)
        return tests, tests


class HopfSystem(eqx.Module):
    r"""Hopf points: unknowns $(x, v_1, v_2, \kappa, p_\text{idx})$,
    $F = 0,\ F_x v_1 + v_2 = 0,\ F_x v_2 - \kappa v_1 = 0,\ c^\top v_1 = 1,\
    d^\top v_1 = 0$. At a Hopf point $\kappa = \omega^2$ and $v_1 - i v_2/\omega$ is the
    eigenvector of $-i\omega$; the system stays regular at a Bogdanov–Takens point
    ($\kappa = 0$) and beyond it, on the neutral saddles ($\kappa < 0$, eigenvalues
    $\pm\sqrt{-\kappa}$)."""

    F: Any
    base: Array
    idx: Array
    c: Array
    d: Array

    def split(self, u: Array) -> tuple[Array, Array, Array, Array, Array]:
        n = self.c.shape[0]
        x, v1, v2 = u[:n], u[n : 2 * n], u[2 * n : 3 * n]
        return x, v1, v2, u[3 * n], with_params(self.base, self.idx, u[3 * n + 1 :])

    def __call__(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        x, v1, v2, kappa, p = self.split(u)
        return jnp.concatenate(
            [
                self.F(x, p),
                jvp_x(self.F, x, p, v1) + v2,
                jvp_x(self.F, x, p, v2) - kappa * v1,
                (self.c @ v1 - 1)[None],
                (self.d @ v1)[None],
            ]
        )

    def jacobian(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        return jax.jacfwd(self)(u)

    def tests(self, u: Array, t: Array, data: Any = None) -> Array:
        """Along a Hopf curve: Bogdanov–Takens ($\\kappa$) and generalised Hopf ($\\ell_1$,
        NaN on neutral saddles)."""
        x, v1, v2, kappa, p = self.split(u)
        omega = jnp.sqrt(jnp.where(kappa > 0, kappa, 1.0))
        l1 = lyapunov_coefficient(self.F, x, p, omega, v1 + 1j * v2 / omega)
        return jnp.stack([kappa, jnp.where(kappa > 0, l1, jnp.nan)])

    def analyse(self, u: Array, t: Array, data: Any = None) -> tuple[Array, Array]:
        tests = self.tests(u, t)
        return tests, tests


def hopf_start(F: Callable, x: Array, p: Array) -> tuple[Array, Array, Array, Array]:
    """From a point near a Hopf point: the eigenvalue pair nearest the imaginary axis
    gives $(v_1, v_2, \\kappa)$ and the normalising vectors $(c, d)$ of `HopfSystem`."""
    A = jax.jacfwd(F)(x, p)
    lam, vec = jnp.linalg.eig(A)
    score = jnp.where(jnp.imag(lam) > 0, jnp.abs(jnp.real(lam)), jnp.inf)
    k = jnp.argmin(score)
    omega, q = jnp.abs(jnp.imag(lam[k])), vec[:, k]
    # rotate q so that its real and imaginary parts are orthogonal (better conditioned)
    q = q * jnp.exp(-0.5j * jnp.angle(jnp.sum(q * q)))
    q = jnp.conj(q)  # the eigenvector of -i omega, q = v1 - i v2/omega
    v1, v2 = jnp.real(q), -omega * jnp.imag(q)
    scale = v1 @ v1
    c = v1 / scale
    d = v2 - (v2 @ v1) / scale * v1
    d = d / jnp.linalg.norm(d)
    return jnp.concatenate([v1, v2, (omega**2)[None]]), c, d, omega


def fold_start(F: Callable, x: Array, p: Array) -> tuple[Array, Array, Array]:
    """From a point near a fold: the right and left singular vectors of the smallest
    singular value of $F_x$ give $v$, the normalising $c$ and the border $b$."""
    A = jax.jacfwd(F)(x, p)
    U, _, Vh = jnp.linalg.svd(A)
    v, w = Vh[-1], U[:, -1]
    return v, v / (v @ v), w


def newton_square(
    G: Callable, z: Array, tol: Array, max_iter: int = 30
) -> tuple[Array, Array, Array]:
    """Newton's method for a square system `G(z) = 0`; returns the root, whether it
    converged, and the iterations."""

    def cond(c):
        _, it, done, ok = c
        return (it < max_iter) & ~done & ok

    def body(c):
        z, it, _, _ = c
        J, r = jax.jacfwd(lambda y: (G(y), G(y)), has_aux=True)(z)
        dz = jnp.linalg.solve(J, -r)
        z = z + dz
        done = jnp.max(jnp.abs(dz)) <= tol * (1 + jnp.max(jnp.abs(z)))
        return z, it + 1, done, jnp.all(jnp.isfinite(z))

    init = (z, jnp.array(0), jnp.array(False), jnp.array(True))
    z, its, done, ok = jax.lax.while_loop(cond, body, init)
    return z, done & ok, its


# ------------------------------------------------------- derivatives and normal forms


def _multilinear(F: Callable, x: Array, p: Array, vecs: tuple[Array, ...]) -> Array:
    """$D^k F(x)[v_1, \\dots, v_k]$ by nested forward-mode products; complex directions
    are split into real and imaginary parts (the form is multilinear)."""
    for i, v in enumerate(vecs):
        if jnp.iscomplexobj(v):
            re = vecs[:i] + (jnp.real(v),) + vecs[i + 1 :]
            im = vecs[:i] + (jnp.imag(v),) + vecs[i + 1 :]
            return _multilinear(F, x, p, re) + 1j * _multilinear(F, x, p, im)

    def d(f, v):
        return lambda y: jax.jvp(f, (y,), (v,))[1]

    f = lambda y: F(y, p)  # noqa: E731
    for v in vecs:
        f = d(f, v)
    return f(x)


def second_derivative(F: Callable, x: Array, p: Array, a: Array, b: Array) -> Array:
    """$B(a, b) = F_{xx}(x, p)[a, b]$."""
    return _multilinear(F, x, p, (a, b))


def lyapunov_coefficient(F: Callable, x: Array, p: Array, omega: Array, q: Array) -> Array:
    r"""The first Lyapunov coefficient at a Hopf point $(x, p)$ with eigenvalues
    $\pm i\omega$ and $A q = i\omega q$ (Kuznetsov 2004, eq. 3.20):

    $$\ell_1 = \frac{1}{2\omega}\mathrm{Re}\big[\langle p, C(q, q, \bar q)\rangle
    - 2\langle p, B(q, A^{-1}B(q, \bar q))\rangle
    + \langle p, B(\bar q, (2i\omega - A)^{-1}B(q, q))\rangle\big],$$

    $\langle q, q\rangle = 1$, $A^\top p = -i\omega p$, $\langle p, q\rangle = \bar p^\top q
    = 1$ (MatCont's normalisation: for $\dot x = \mu x - \omega y + \sigma x r^2$,
    $\dot y = \omega x + \mu y + \sigma y r^2$ it gives $\ell_1 = 2\sigma/\omega$). The
    complex forms are sums of real ones, $q = a + ib$; each group of real forms is one
    vmapped nested forward-mode product. Differentiable in all its arguments."""
    A = jax.jacfwd(F)(x, p)
    n = A.shape[0]
    q = q / jnp.sqrt(jnp.real(jnp.vdot(q, q)))  # <q, q> = 1
    # A^T pv = -i omega pv with <pv, q> = 1, from a bordered solve (regular where -i omega
    # is simple; differentiable, where an eigenvector from `eig` is not)
    corner = jnp.zeros((1, 1), q.dtype)
    M = jnp.block([[A.T + 1j * omega * jnp.eye(n), q[:, None]], [jnp.conj(q)[None], corner]])
    pv = jnp.linalg.solve(M, jnp.zeros(n + 1, M.dtype).at[-1].set(1))[:n]
    a, b = jnp.real(q), jnp.imag(q)
    B = jax.vmap(lambda u, v: _multilinear(F, x, p, (u, v)))
    C = jax.vmap(lambda u, v, z: _multilinear(F, x, p, (u, v, z)))
    Baa, Bbb, Bab = B(jnp.stack([a, b, a]), jnp.stack([a, b, b]))
    h11 = jnp.linalg.solve(A, Baa + Bbb)  # A^{-1} B(q, conj q), real
    rhs = (Baa - Bbb + 2j * Bab).astype(jnp.result_type(q))  # B(q, q)
    h20 = jnp.linalg.solve(2j * omega * jnp.eye(n, dtype=rhs.dtype) - A, rhs)
    c, d = jnp.real(h20), jnp.imag(h20)
    Bah, Bbh, Bac, Bbd, Bad, Bbc = B(
        jnp.stack([a, b, a, b, a, b]), jnp.stack([h11, h11, c, d, d, c])
    )
    Caaa, Cabb, Caab, Cbbb = C(
        jnp.stack([a, a, a, b]), jnp.stack([a, b, a, b]), jnp.stack([a, b, b, b])
    )
    cqqq = Caaa + Cabb + 1j * (Caab + Cbbb)  # C(q, q, conj q)
    bqh = Bah + 1j * Bbh  # B(q, h11)
    bqh20 = Bac + Bbd + 1j * (Bad - Bbc)  # B(conj q, h20)
    val = jnp.vdot(pv, cqqq) - 2 * jnp.vdot(pv, bqh) + jnp.vdot(pv, bqh20)
    return jnp.real(val) / (2 * omega)


# --------------------------------------------------- differentiable located points


def frozen(tree: Any) -> Any:
    """`tree` with every array leaf cut from differentiation (`lax.stop_gradient`)."""
    return jax.tree.map(lambda a: jax.lax.stop_gradient(a) if eqx.is_array(a) else a, tree)


def _newton(G: Callable, z0: Array, args: Any, tol: Any, max_steps: int):
    """Optimistix's Newton on `G(z, args) = 0` with the implicit adjoint; returns the root,
    whether it converged, and the number of steps (Jacobians)."""
    sol: Any = optx.root_find(
        G,
        optx.Newton(rtol=tol, atol=tol),
        z0,
        args=args,
        max_steps=max_steps,
        adjoint=optx.ImplicitAdjoint(),
        throw=False,
    )
    ok = (sol.result == optx.RESULTS.successful) & jnp.all(jnp.isfinite(sol.value))
    return sol.value, ok, jnp.asarray(sol.stats["num_steps"], jnp.int32)


def _masked(system: Callable) -> Callable:
    """The augmented system where `valid`, else `z - z0` (a regular stand-in, so that the
    padding of a batch of points costs one step and makes no NaN in the derivatives)."""

    def G(z, args):
        F, p, c, d, z0, valid = args
        return jnp.where(valid, system(F, p, c, d)(z), z - z0)

    return G


def refine_folds(F, p, idx: int, x, pv, valid, tol, max_steps: int = 20):
    r"""Folds located near `(x, pv)` (`(m, n)`, `(m,)`; `valid`, `(m,)`, marks the real
    ones) corrected by Newton's method on $F = 0,\ F_x v = 0,\ c^\top v = 1$ in
    $(x, v, p_\text{idx})$ (Optimistix, implicit adjoint): the result is differentiable
    with respect to `p` and to the arrays in `F`. Returns $x$, $p_\text{idx}$, whether
    each converged, and the Newton steps."""
    Fs, ps = frozen(F), jax.lax.stop_gradient(p)
    x, pv = jax.lax.stop_gradient((x, pv))  # (the start only)
    n = x.shape[1]
    e0 = jnp.zeros(n, x.dtype).at[0].set(1)

    def start(xr, pr, ok):
        v, c, b = fold_start(Fs, xr, ps.at[idx].set(pr))
        z0 = jnp.concatenate([xr, v / (c @ v), pr[None]])
        safe = jnp.concatenate([xr, e0, pr[None]])
        return jnp.where(ok, z0, safe), jnp.where(ok, c, e0), jnp.where(ok, b, e0)

    z0, c, b = jax.vmap(start)(x, pv, valid)
    G = _masked(lambda F_, p_, c_, b_: FoldSystem(F_, p_, jnp.asarray([idx]), c_, b_))
    solve = lambda z0_, c_, b_, ok: _newton(G, z0_, (F, p, c_, b_, z0_, ok), tol, max_steps)  # noqa: E731
    z, ok, steps = jax.vmap(solve)(z0, c, b, valid)
    return z[:, :n], z[:, -1], ok & valid, steps


def refine_hopf(F, p, idx: int, x, pv, valid, tol, max_steps: int = 20):
    r"""Hopf points located near `(x, pv)` corrected by Newton's method on
    `HopfSystem` in $(x, v_1, v_2, \kappa, p_\text{idx})$ (Optimistix, implicit adjoint),
    differentiable with respect to `p` and to the arrays in `F`. Returns $x$,
    $p_\text{idx}$, $\omega = \sqrt\kappa$, the first Lyapunov coefficient, whether each
    converged, and the Newton steps."""
    Fs, ps = frozen(F), jax.lax.stop_gradient(p)
    x, pv = jax.lax.stop_gradient((x, pv))  # (the start only)
    n = x.shape[1]
    e0, e1 = jnp.eye(n, dtype=x.dtype)[:2]

    def start(xr, pr, ok):
        zh, c, d, _ = hopf_start(Fs, xr, ps.at[idx].set(pr))
        z0 = jnp.concatenate([xr, zh, pr[None]])
        safe = jnp.concatenate([xr, e0, e1, jnp.ones(1, x.dtype), pr[None]])
        return jnp.where(ok, z0, safe), jnp.where(ok, c, e0), jnp.where(ok, d, e1)

    z0, c, d = jax.vmap(start)(x, pv, valid)
    G = _masked(lambda F_, p_, c_, d_: HopfSystem(F_, p_, jnp.asarray([idx]), c_, d_))
    solve = lambda z0_, c_, d_, ok: _newton(G, z0_, (F, p, c_, d_, z0_, ok), tol, max_steps)  # noqa: E731
    z, ok, steps = jax.vmap(solve)(z0, c, d, valid)
    ok = ok & valid & (z[:, 3 * n] > 0)
    kappa = jnp.where(ok, z[:, 3 * n], 1.0)
    omega = jnp.sqrt(kappa)

    def l1(zr, om):
        q = zr[n : 2 * n] + 1j * zr[2 * n : 3 * n] / om
        return lyapunov_coefficient(F, zr[:n], p.at[idx].set(zr[-1]), om, q)

    return z[:, :n], z[:, -1], omega, jax.vmap(l1)(z, omega), ok, steps


def correct_points(F, p, idx: int, x, pv, kind, size: int, tol):
    r"""The first `size` folds and Hopf points corrected on their augmented systems, with
    $\omega$ and $\ell_1$ at the Hopf points, and the rows corrected (those whose Newton's
    method converged). Called on constants: the derivatives of the points come from
    `differentiable_rows`, not through the `lax.cond` here (under `jax.vmap` its
    transpose runs the branch not taken, on the zero residuals of the one taken: a
    singular linear solve)."""
    R, n = x.shape
    nan = jnp.full(R, jnp.nan, x.dtype)
    omega, l1, n_jac = nan, nan, jnp.array(0)
    refined = jnp.zeros(R, bool)
    for code in (0, 1) if n >= 2 else (0,):  # (a Hopf point needs two dimensions)
        rows = jnp.nonzero(kind == code, size=size, fill_value=0)[0]
        valid = kind[rows] == code
        refine = refine_folds if code == 0 else refine_hopf
        out = jax.lax.cond(
            jnp.any(valid),
            lambda refine=refine, rows=rows, valid=valid: refine(
                F, p, idx, x[rows], pv[rows], valid, tol
            ),
            lambda rows=rows, valid=valid: _no_points(code, x[rows], pv[rows], valid),
        )
        xr, pr, ok, steps = out[0], out[1], out[-2], out[-1]
        put = jnp.where(ok, rows, R)
        x, pv = x.at[put].set(xr, mode="drop"), pv.at[put].set(pr, mode="drop")
        refined = refined.at[put].set(True, mode="drop")
        if code == 1:
            omega, l1 = omega.at[put].set(out[2], mode="drop"), l1.at[put].set(out[3], mode="drop")
        n_jac = n_jac + jnp.sum(jnp.where(valid, steps + code, 0))
    return x, pv, omega, l1, n_jac, refined


def _no_points(code: int, x, pv, valid):
    """What `refine_folds` (code 0) or `refine_hopf` (1) return when there is nothing."""
    no, zero = valid & False, jnp.zeros(valid.shape, jnp.int32)
    if code == 0:
        return x, pv, no, zero
    nan = jnp.full(valid.shape, jnp.nan, x.dtype)
    return x, pv, nan, nan, no, zero
