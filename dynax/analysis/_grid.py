"""Equilibria by grid search: Newton's method from many guesses at many parameter values,
the method continuation replaces (and the one to use without a known solution to start
from)."""

from collections.abc import Callable, Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Bool, Float
from ._augmented import newton_square
from ._engine import float_dtype
from ._equilibria import param_index, parameters
from ._system import System


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
        x, converged, its = newton_square(G, x0, tol, max_iter)
        ok = converged & (jnp.max(jnp.abs(G(x))) <= jnp.sqrt(tol))
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
    dtype = float_dtype()
    p = np.asarray(parameters(system, p0, dtype))
    idx = param_index(system, param, p.shape[0])
    guesses = np.asarray(guesses, dtype)
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
