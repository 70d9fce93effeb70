"""Periodic orbits by orthogonal collocation: the collocation equations with an integral
phase condition, their sparse Jacobian, the Floquet multipliers from the collocation
blocks, the test functions of folds, period doublings and Neimark–Sacker points of
cycles, and the adaptive mesh."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike
from ._augmented import with_params
from ._bifurcation import period_doubling_test, torus_test


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


def cycle_problem(F, base, idx, targets, n, N, m) -> CycleProblem:
    z, wg = np.polynomial.legendre.leggauss(m)
    z, wg = (z + 1) / 2, wg / 2
    nodes = np.linspace(0, 1, m + 1)
    L, D = _lagrange(nodes, z)
    Lf, _ = _lagrange(nodes, np.linspace(0, 1, 4 * m + 1)[:-1])
    dt = base.dtype
    arr = lambda a: jnp.asarray(a, dt)  # noqa: E731
    return CycleProblem(F, base, targets, arr(L), arr(D), arr(wg), arr(Lf), idx, n, N, m)


def weights(mesh: Array, n: int, m: int, T0: ArrayLike) -> Array:
    """Arclength weights: each node's share of $\\int_0^1 |x|^2 d\\tau$; $1/T_0^2$ for the
    period (its relative change counts) and 1 for the parameter."""
    h = jnp.repeat(jnp.diff(mesh), m * n) / m
    T0 = jnp.asarray(T0, mesh.dtype)
    return jnp.concatenate([h, jnp.stack([1 / T0**2, jnp.ones_like(T0)])])


def node_times(mesh: Array, m: int) -> Array:
    """The phases of the `N m` nodes of a mesh of `N` intervals, in $[0, 1)$."""
    h = jnp.diff(mesh)
    return (mesh[:-1, None] + h[:, None] * jnp.arange(m)[None] / m).reshape(-1)


def _basis(m: int, sigma: Array) -> Array:
    """The Lagrange basis on `m + 1` equally spaced nodes of $[0, 1]$ at the points
    `sigma`, `(len(sigma), m + 1)`."""
    nodes = np.linspace(0, 1, m + 1)
    off = nodes[:, None] - nodes[None, :]
    denom = np.prod(np.where(np.eye(m + 1, dtype=bool), 1.0, off), axis=1)
    diff = sigma[:, None] - jnp.asarray(nodes, sigma.dtype)  # (Q, m + 1)
    eye = np.eye(m + 1, dtype=bool)
    return jnp.prod(jnp.where(eye, 1, diff[:, None, :]), axis=-1) / denom


def _search(a: Array, v: Array) -> Array:
    """`searchsorted(a, v, side="right")` by comparing all pairs: for a mesh of tens of
    points cheaper to compile and run than the default binary search's loop."""
    return jnp.searchsorted(a, v, side="right", method="compare_all")


def _interpolate(X: Array, mesh: Array, m: int, at: Array) -> Array:
    """The piecewise polynomial of nodes `X` on `mesh`, at the phases `at` (in [0, 1))."""
    N = mesh.shape[0] - 1
    Xw = jnp.concatenate([X, X[:1]])
    i = jnp.clip(_search(mesh, at) - 1, 0, N - 1)
    sigma = (at - mesh[i]) / (mesh[i + 1] - mesh[i])
    return jnp.einsum("qk,qkn->qn", _basis(m, sigma), Xw[i[:, None] * m + np.arange(m + 1)])


def remesh(
    u: Array, t: Array, mesh: Array, n: int, m: int, T0: ArrayLike, alpha: float = 0.7
) -> tuple[Array, Array, Array]:
    """A new mesh that equidistributes `alpha` times the arclength of the orbit in state
    space plus `1 - alpha` times the phase, with `u` and the tangent `t` interpolated
    (renormalised in the new mesh's weights). Traceable: it runs inside the compiled
    continuation, between its chunks."""
    N = mesh.shape[0] - 1
    X = u[:-2].reshape(N * m, n)
    Xw = jnp.concatenate([X, X[:1]])
    seg = jnp.linalg.norm(jnp.diff(Xw, axis=0), axis=1).reshape(N, m).sum(1)
    tiny = jnp.finfo(u.dtype).tiny  # (a constant cycle: the phase alone)
    mon = alpha * seg / jnp.maximum(seg.sum(), tiny) + (1 - alpha) * jnp.diff(mesh)
    cum = jnp.concatenate([jnp.zeros(1, u.dtype), jnp.cumsum(mon)])
    # the inverse of the piecewise linear cum(mesh) at equal steps
    cum = cum / cum[-1]
    level = jnp.linspace(0, 1, N + 1, dtype=u.dtype)
    j = jnp.clip(_search(cum, level), 1, N)
    new = mesh[j - 1] + (level - cum[j - 1]) * jnp.diff(mesh)[j - 1] / (cum[j] - cum[j - 1])
    new = new.at[0].set(0).at[-1].set(1)
    at = node_times(new, m)
    both = _interpolate(jnp.concatenate([X, t[:-2].reshape(N * m, n)], 1), mesh, m, at)
    Xn, Tn = both[:, :n], both[:, n:]
    un = jnp.concatenate([Xn.reshape(-1), u[-2:]])
    tn = jnp.concatenate([Tn.reshape(-1), t[-2:]])
    w = weights(new, n, m, T0)
    return un, tn / jnp.sqrt(jnp.sum(w * tn * tn)), new
