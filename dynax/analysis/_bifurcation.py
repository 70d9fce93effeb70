"""Special points of branches: test functions, their location, the augmented fold and
Hopf systems, the first Lyapunov coefficient, and the result Modules they go into."""

import abc
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float

KINDS = {
    "LP": "fold (limit point, saddle-node) of equilibria",
    "H": "Hopf point",
    "BP": "branch point (pitchfork, transcritical)",
    "UZ": "user point (a target parameter value)",
    "LPC": "fold of limit cycles",
    "PD": "period doubling (flip) of limit cycles",
    "NS": "Neimark–Sacker (torus) bifurcation of limit cycles",
    "BT": "Bogdanov–Takens point",
    "CP": "cusp point",
    "GH": "generalised Hopf (Bautin) point",
}
"""The labels of special points (MatCont's) and what they are."""


class SpecialPoint(eqx.Module):
    r"""A special point of a branch: a bifurcation, or a point at a requested parameter
    value. It is also a row of its branch (`branch.x[point.index]`, ...).

    **Fields:**

    - `kind`: the label, one of `"LP"` (fold), `"H"` (Hopf), `"BP"` (branch point),
      `"UZ"` (a target value), `"LPC"` (fold of cycles), `"PD"` (period doubling),
      `"NS"` (Neimark–Sacker), `"BT"` (Bogdanov–Takens), `"CP"` (cusp), `"GH"`
      (generalised Hopf).
    - `index`: its row in the branch.
    - `x`: the state, `(n,)` (for a cycle, its point at phase 0).
    - `p`: the full parameter vector there, `(k,)`.
    - `param`: the indices in `p` of the continued parameter(s).
    - `omega`: at a Hopf point the angular frequency $\omega$ of the eigenvalues
      $\pm i\omega$ (rad per unit of time); NaN elsewhere.
    - `l1`: at a Hopf point the first Lyapunov coefficient (< 0: supercritical, a stable
      cycle is born; > 0: subcritical), with the eigenvector normalised to $|q| = 1$;
      NaN elsewhere.
    - `period`: at a Hopf point $2\pi/\omega$; at a special point of cycles their
      period; NaN elsewhere.
    """

    kind: str = eqx.field(static=True)
    index: int = eqx.field(static=True)
    x: Float[Array, " n"]
    p: Float[Array, " k"]
    param: tuple[int, ...] = eqx.field(static=True)
    omega: Float[Array, ""]
    l1: Float[Array, ""]
    period: Float[Array, ""]

    @property
    def value(self) -> Float[Array, " d"]:
        """The continued parameter value(s) at the point, `(1,)` or `(2,)`."""
        return self.p[jnp.asarray(self.param)]

    def __repr__(self) -> str:
        values = ", ".join(f"{float(v):.6g}" for v in np.asarray(self.value))
        extra = ""
        if np.isfinite(np.asarray(self.omega)):
            extra = f", omega={float(self.omega):.6g}, l1={float(self.l1):.4g}"
        elif np.isfinite(np.asarray(self.period)):
            extra = f", period={float(self.period):.6g}"
        return f"SpecialPoint({self.kind} at p=({values}){extra}, index={self.index})"


class AbstractBranch(eqx.Module):
    """A curve computed by continuation: equilibria, limit cycles or a codimension-2
    curve. `dx.plot.bifurcation` draws any of them through `lines` and `marker`."""

    points: eqx.AbstractVar[tuple[SpecialPoint, ...]]
    names: eqx.AbstractVar[tuple[str, ...]]
    param_names: eqx.AbstractVar[tuple[str, ...]]

    @abc.abstractmethod
    def labels(self, var: int) -> tuple[str, str]:
        """The axis labels of `lines(var)`."""

    def var_index(self, var: int | str) -> int:
        """The index of a state variable given by index or name."""
        if isinstance(var, str):
            if var not in self.names:
                raise ValueError(f"no variable {var!r}; the variables are {self.names}.")
            return self.names.index(var)
        if not 0 <= int(var) < len(self.names):
            raise ValueError(f"variable index {var} out of range for {len(self.names)}.")
        return int(var)

    @abc.abstractmethod
    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The curves to draw, each `(abscissa, ordinate, stable)` with `stable` a bool
        mask per point (solid where true, dashed where false): the continued parameter
        against state variable `var` (cycles: its maximum and minimum over a period;
        codimension-2 curves: the second parameter against the first)."""

    @abc.abstractmethod
    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        """Where `point` is drawn: one or more `(abscissa, ordinate)`."""

    def special(self, kind: str) -> tuple[SpecialPoint, ...]:
        """The special points of one kind (e.g. `"H"`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; the kinds are {sorted(KINDS)}.")
        return tuple(pt for pt in self.points if pt.kind == kind)


# ----------------------------------------------------------------------------- tests


def _sign_min(factors: Array) -> Array:
    """A continuous function that changes sign exactly where one of the (complex)
    `factors` passes through 0 when their product is real: the sign of the product times
    the smallest modulus. (The product itself over- or underflows for large systems.)"""
    if factors.shape[0] == 0:
        return jnp.ones((), jnp.real(factors).dtype)
    mag = jnp.abs(factors)
    unit = factors / jnp.where(mag > 0, mag, 1)
    return jnp.sign(jnp.real(jnp.prod(unit))) * jnp.min(mag)


def hopf_test(eigenvalues: Array) -> Array:
    r"""$\psi_H$: zero when two eigenvalues sum to zero (a pair $\pm i\omega$ at a Hopf
    point, or $\pm\lambda$ at a neutral saddle): the sign of $\prod_{i<j}(\lambda_i +
    \lambda_j)$, the determinant of the bialternate product $2A \odot I$, times the
    smallest $|\lambda_i + \lambda_j|$."""
    n = eigenvalues.shape[0]
    i, j = np.triu_indices(n, 1)
    return _sign_min(eigenvalues[i] + eigenvalues[j])


def period_doubling_test(multipliers: Array) -> Array:
    r"""$\psi_{PD}$: the sign of $\prod_i(\mu_i + 1)$ times $\min_i|\mu_i + 1|$."""
    return _sign_min(multipliers + 1)


def torus_test(multipliers: Array) -> Array:
    r"""$\psi_{NS}$: the sign of $\prod_{i<j}(\mu_i\mu_j - 1)$ over the non-trivial
    multipliers, times the smallest $|\mu_i\mu_j - 1|$."""
    n = multipliers.shape[0]
    i, j = np.triu_indices(n, 1)
    return _sign_min(multipliers[i] * multipliers[j] - 1)


def signed_det(M: Array) -> Array:
    """$\\mathrm{sign}(\\det M)\\,|\\det M|^{1/n}$: the determinant's sign change without
    its overflow."""
    sign, logdet = jnp.linalg.slogdet(M)
    return sign * jnp.exp(logdet / M.shape[0])


def illinois(
    evaluate: Callable[[float], tuple[Any, float]],
    s_hi: float,
    f_lo: float,
    f_hi: float,
    *,
    xtol: float,
    max_iter: int = 60,
) -> tuple[Any, float]:
    """The root in `s` of `evaluate(s) -> (result, f)` between `0` (value `f_lo`) and
    `s_hi` (value `f_hi`, of the other sign), by the Illinois variant of regula falsi
    (superlinear, and the bracket always shrinks). Returns the last result and its `s`."""
    a, b, fa, fb = 0.0, float(s_hi), float(f_lo), float(f_hi)
    side = 0
    result, s = None, 0.5 * b
    for _ in range(max_iter):
        s = (a * fb - b * fa) / (fb - fa) if fb != fa else 0.5 * (a + b)
        if not (min(a, b) < s < max(a, b)):
            s = 0.5 * (a + b)
        result, f = evaluate(s)
        if not np.isfinite(f):
            return result, s
        if f == 0:
            break
        if (f > 0) == (fb > 0):
            b, fb = s, f
            if side == -1:
                fa *= 0.5
            side = -1
        else:
            a, fa = s, f
            if side == 1:
                fb *= 0.5
            side = 1
        if abs(b - a) <= xtol * (1 + abs(s)):
            break
    return result, s


# ------------------------------------------------------------- augmented systems


def with_params(base: Array, idx: tuple[int, ...], values: Array) -> Array:
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
    idx: tuple[int, ...] = eqx.field(static=True)
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
    idx: tuple[int, ...] = eqx.field(static=True)
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


def newton_square(G: Callable, z: Array, tol: Array, max_iter: int = 30) -> tuple[Array, Array]:
    """Newton's method for a square system `G(z) = 0`; returns the root and whether it
    converged."""

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

    z, _, done, ok = jax.lax.while_loop(cond, body, (z, 0, jnp.array(False), jnp.array(True)))
    return z, done & ok


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
    vmapped nested forward-mode product."""
    A = jax.jacfwd(F)(x, p)
    n = A.shape[0]
    q = q / jnp.sqrt(jnp.real(jnp.vdot(q, q)))  # <q, q> = 1
    lam, left = jnp.linalg.eig(A.T)
    k = jnp.argmin(jnp.abs(lam + 1j * omega))
    pv = left[:, k]  # A^T pv = -i omega pv
    pv = pv / jnp.conj(jnp.vdot(pv, q))  # <pv, q> = 1
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
