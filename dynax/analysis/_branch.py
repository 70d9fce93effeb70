"""Branches of equilibria: as the compiled continuation returns them (fixed-size arrays,
for `jax.jit`, `jax.vmap` and `jax.grad`) and cut to their points (for plots and
inspection)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Complex

from .._custom_types import Array, Bool, Float, Int
from ._bifurcation import AbstractBranch, SpecialPoint, kind_rows
from ._engine import status_text

EQUILIBRIUM_KINDS = ("LP", "H", "BP", "UZ")
"""The special points of a branch of equilibria, in the order of `BranchArrays.kind`."""


class EquilibriumBranch(AbstractBranch):
    r"""A branch of equilibria $F(x, p) = 0$ in one parameter, from
    [`dynax.analysis.equilibrium_branch`][] (or `BranchArrays.to_branch()`).

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

    def labels(self, var: int) -> tuple[str, str]:
        return self.param_names[self.param], self.names[var]

    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return [(np.asarray(self.p), np.asarray(self.x[:, var]), np.asarray(self.stable))]

    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        return [(float(point.p[self.param]), float(point.x[var]))]


class BranchArrays(eqx.Module):
    r"""A branch of equilibria as the compiled continuation returns it, from
    [`dynax.analysis.continue_equilibria`][]: every field an array of a fixed number of
    rows `R` (`2 max_points` and a few more), the first `size` of them the branch and the
    others NaN (the last row is always NaN), so that it comes out of `jax.jit` and
    `jax.vmap` (a batch of branches is one `BranchArrays` with a leading batch axis).

    Its folds and Hopf points (the first `refine` of each) are the roots of their
    augmented systems, found by Optimistix's Newton method; the others are located to
    the test functions' precision (about $10^{-13}$). All of them are differentiable in
    reverse mode (`jax.grad`, `jax.jacrev`, under `jax.vmap` too) with respect to the
    other parameters and to the model's arrays, by the implicit function theorem on
    their augmented systems: `x` and `p` at every fold and Hopf point, `omega` and `l1`
    at the first `refine` Hopf points. A derivative that reaches any other row or field
    (regular, branch and target points, `eigenvalues`, `tangent`, `omega` and `l1`
    where NaN) raises an error when it is computed, never a silent zero; see
    [`dynax.analysis.continue_equilibria`][].

    **Fields:**

    - `x`, `p`, `params`, `eigenvalues`, `stable`, `tangent`: as in
      [`dynax.analysis.EquilibriumBranch`][], `(R, ...)`.
    - `kind`: the special point at each row, `(R,)`: an index into `("LP", "H", "BP",
      "UZ")`, -1 for an ordinary point.
    - `omega`, `l1`: at a corrected Hopf point (the first `refine`) its angular
      frequency and first Lyapunov coefficient (differentiable too), NaN elsewhere,
      `(R,)`.
    - `size`: the number of rows used; `n_jacobians`: the Jacobian evaluations spent;
      `status`: why each direction stopped (codes: 1 `"max_points"`, 2 `"bounds"`, 3
      `"step too small"`, 4 no equilibrium at the start, 0 not run), `(2,)`, the first
      direction first.
    - `param`, `names`, `param_names`: as in `EquilibriumBranch`.
    """

    x: Float[Array, "R n"]
    p: Float[Array, " R"]
    params: Float[Array, " k"]
    eigenvalues: Complex[Array, "R n"]
    stable: Bool[Array, " R"]
    tangent: Float[Array, "R n1"]
    kind: Int[Array, " R"]
    omega: Float[Array, " R"]
    l1: Float[Array, " R"]
    size: Int[Array, ""]
    n_jacobians: Int[Array, ""]
    status: Int[Array, " 2"]
    param: int = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)
    param_names: tuple[str, ...] = eqx.field(static=True)

    def rows(self, kind: str, size: int) -> Int[Array, " size"]:
        """The rows of the first `size` special points of `kind` (`"LP"`, `"H"`, `"BP"`,
        `"UZ"`) along the branch, padded with -1 (the NaN row): `arrays.p[arrays.rows("H",
        2)]` are the first two Hopf points' parameter values, NaN where there are fewer.
        Works under `jax.jit`, `jax.vmap` and `jax.grad`."""
        return kind_rows(self.kind, EQUILIBRIUM_KINDS, kind, size)

    def params_at(self, i: int) -> Float[Array, " k"]:
        """The full parameter vector at row `i`."""
        return self.params.at[self.param].set(self.p[i])

    def to_branch(self) -> EquilibriumBranch:
        """The branch cut to its `size` rows, with its special points (outside `jax.jit`
        and for one branch: index a batch first, `jax.tree.map(lambda a: a[i], batch)`)."""
        if np.ndim(self.size) != 0:
            raise ValueError("to_branch takes one branch; index the batch first.")
        m = int(self.size)
        x, p, lam, stable, tangent, kind, omega, l1 = (
            np.asarray(a)[:m]
            for a in (self.x, self.p, self.eigenvalues, self.stable, self.tangent, self.kind,
                      self.omega, self.l1)
        )  # fmt: skip
        rows = np.flatnonzero(kind >= 0)
        params = np.repeat(np.asarray(self.params)[None], len(rows), 0)
        params[:, self.param] = p[rows]
        per_point = [
            (x[r], params[i], omega[r], l1[r], 2 * np.pi / omega[r]) for i, r in enumerate(rows)
        ]
        # (one transfer for everything: a transfer per array costs more than the rest)
        per_point, (x, p, lam, stable, tangent) = jax.device_put(
            (per_point, (x, p, lam, stable, tangent))
        )
        points = tuple(
            SpecialPoint(EQUILIBRIUM_KINDS[kind[r]], int(r), xr, pr, (self.param,), om, l1r, per)
            for r, (xr, pr, om, l1r, per) in zip(rows, per_point)
        )
        both = int(np.asarray(self.status)[1]) != 0
        return EquilibriumBranch(
            x=x,
            p=p,
            params=jnp.asarray(self.params),
            eigenvalues=lam,
            stable=stable,
            tangent=tangent,
            points=points,
            param=self.param,
            names=self.names,
            param_names=self.param_names,
            n_jacobians=int(self.n_jacobians),
            status=status_text(self.status, both),
        )
