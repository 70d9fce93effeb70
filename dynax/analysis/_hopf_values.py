"""$\\omega$ and $\\ell_1$ at the Hopf points of a branch of `equilibrium_branch` and
`switch_branch` (located points, not differentiable: `continue_equilibria` computes them,
differentiably, on the augmented systems)."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ._augmented import hopf_start, lyapunov_coefficient
from ._branch import BranchArrays

HOPF_ROWS = 8
"""The Hopf points whose omega and l1 a branch's program computes; the others (rare)
are computed afterwards, one call each."""


def hopf_rows(F: Any, arrays: BranchArrays) -> BranchArrays:
    """$\\omega$ and $\\ell_1$ at the first `HOPF_ROWS` Hopf points of `arrays`, from the
    eigenvalues there, inside a compiled program (not differentiable: for
    `equilibrium_branch` and `switch_branch`)."""
    R, n = arrays.x.shape
    if n < 2:
        return arrays
    rows = jnp.nonzero(arrays.kind == 1, size=HOPF_ROWS, fill_value=R)[0]
    x, p = jax.lax.stop_gradient((arrays.x, arrays.p))
    safe = jnp.where(rows < R, rows, 0)

    def values():
        params = jnp.broadcast_to(arrays.params, (HOPF_ROWS, arrays.params.shape[0]))
        params = params.at[:, arrays.param].set(p[safe])
        return jax.vmap(hopf_values, in_axes=(None, 0, 0))(F, x[safe], params)

    nan = jnp.full(HOPF_ROWS, jnp.nan, x.dtype)
    omega, l1 = jax.lax.cond(jnp.any(rows < R), values, lambda: (nan, nan))
    omega = arrays.omega.at[rows].set(omega, mode="drop")
    l1 = arrays.l1.at[rows].set(l1, mode="drop")
    return eqx.tree_at(lambda a: (a.omega, a.l1), arrays, (omega, l1))


def with_hopf_data(F: Any, arrays: BranchArrays) -> BranchArrays:
    """$\\omega$ and $\\ell_1$ at the Hopf points after the first `HOPF_ROWS` (which
    the branch's program computed), from the eigenvalues there."""
    rows = np.flatnonzero(np.asarray(arrays.kind) == 1)[HOPF_ROWS:]
    if len(rows) == 0:
        return arrays
    omega, l1 = np.array(arrays.omega), np.array(arrays.l1)
    x, pv, p = np.asarray(arrays.x), np.asarray(arrays.p), np.array(arrays.params)
    for row in rows:
        p[arrays.param] = pv[row]
        omega[row], l1[row] = _hopf_data(F, x[row], p)
    return eqx.tree_at(lambda a: (a.omega, a.l1), arrays, (jnp.asarray(omega), jnp.asarray(l1)))


def hopf_values(F, x, p):
    """$\\omega$ and the first Lyapunov coefficient $\\ell_1$ at the Hopf point `(x, p)`."""
    z, _, _, omega = hopf_start(F, x, p)
    n = x.shape[0]
    return omega, lyapunov_coefficient(F, x, p, omega, z[:n] + 1j * z[n : 2 * n] / omega)


_hopf_data = eqx.filter_jit(hopf_values)
