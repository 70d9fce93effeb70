"""The derivatives of a branch from `continue_equilibria`, computed at gradient time only:
every located fold and Hopf point by the implicit function theorem on its augmented
system, and an error where a cotangent reaches a row that has no derivative."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array
from ._augmented import refine_folds, refine_hopf

_CHUNK = 4
"""Points differentiated per pass of the backward loop (which runs until all are done)."""

_REGULAR = (
    "continue_equilibria: a gradient reached a regular point of the branch (or a branch "
    "point 'BP' or a target point 'UZ'): its x and p are where the continuation stepped, "
    "not functions of the parameters, and have no derivative. Only the folds ('LP') and "
    "Hopf points ('H') are differentiable (select them with arrays.rows(kind, size)); "
    "for a differentiable equilibrium at a given parameter value use "
    "dx.analysis.fixed_point."
)
_LINEAR = (
    "continue_equilibria: a gradient reached the eigenvalues or the tangent of the "
    "branch, which are not differentiable; differentiate x and p of a fold or Hopf "
    "point and compute the eigenvalues from jax.jacfwd(F)(x, p) there."
)
_HOPF_DATA = (
    "continue_equilibria: a gradient reached omega or l1 of a row that is not one of "
    "the first `refine` Hopf points (they are NaN there): they are computed, and "
    "differentiable, only at those; raise refine= (default 8)."
)
_FAILED = (
    "continue_equilibria: Newton's method on the augmented system did not converge at "
    "a fold or Hopf point whose derivative was asked for (a degenerate point, e.g. a "
    "cusp or a Bogdanov-Takens point): its derivative is not defined there."
)


@eqx.filter_custom_vjp
def _guard(diff, kind, refined, used, idx: int, tol):
    """The identity on the rows `diff[:6]`; see `differentiable_rows`."""
    return diff[:6]


@_guard.def_fwd
def _fwd(perturbed, diff, kind, refined, used, idx, tol):
    return diff[:6], None


@_guard.def_bwd
def _bwd(residuals, ct, perturbed, diff, kind, refined, used, idx, tol):
    x, pv, omega, l1, lam, tangent, F, p, witness = diff
    ct_x, ct_p, ct_om, ct_l1, ct_lam, ct_t = (
        jnp.zeros_like(a) if g is None else g for g, a in zip(ct, (x, pv, omega, l1, lam, tangent))
    )
    n = x.shape[1]
    hit = jnp.any(ct_x != 0, axis=1) | (ct_p != 0)
    hit_hopf = (ct_om != 0) | (ct_l1 != 0)
    special = (kind == 0) | ((kind == 1) & (n >= 2))
    need = used & special & (hit | hit_hopf)
    dyn_F, static_F = eqx.partition(F, eqx.is_inexact_array)
    g_F, g_p, failed = _points(
        dyn_F, static_F, p, idx, x, pv, kind, need, (ct_x, ct_p, ct_om, ct_l1), tol
    )
    rows = x, pv, omega, l1, lam, tangent  # (constants: from the loop or on constants)
    grads = (*(None for _ in rows), g_F, g_p, eqx.filter(witness, eqx.is_inexact_array))
    grads = (*grads[:-1], jax.tree.map(lambda _: None, grads[-1]))
    regular = jnp.any(used & ~special & hit)
    linear = jnp.any(used & (jnp.any(ct_lam != 0, axis=1) | jnp.any(ct_t != 0, axis=1)))
    hopf_data = jnp.any(used & ~refined & hit_hopf)
    grads = eqx.error_if(grads, regular, _REGULAR)
    grads = eqx.error_if(grads, linear, _LINEAR)
    grads = eqx.error_if(grads, hopf_data, _HOPF_DATA)
    return eqx.error_if(grads, failed, _FAILED)


def _points(dyn_F, static_F, p, idx, x, pv, kind, need, ct, tol):
    r"""The cotangents of the model's arrays and of `p` from the folds and Hopf points
    marked by `need`, `_CHUNK` at a time: each corrected by Newton's method on its
    augmented system from its value on the branch (a step or two: it is there to the
    test functions' precision, or already corrected) by Optimistix, whose implicit
    adjoint gives $-\bar z^\top G_z^{-1} G_\theta$; and whether Newton's method failed at
    one."""
    ct_x, ct_p, ct_om, ct_l1 = ct
    # (the padding of a pass takes row 0, a point of the branch: finite, as the masked
    # system's derivatives must be to give no NaN)
    x, pv = jnp.nan_to_num(x), jnp.nan_to_num(pv)
    g = jax.tree.map(jnp.zeros_like, (dyn_F, p))
    failed = jnp.array(False)
    for code in (0, 1) if x.shape[1] >= 2 else (0,):

        def body(c, code=code):
            todo, g, failed = c
            rows = jnp.nonzero(todo, size=_CHUNK, fill_value=0)[0]
            valid = jnp.arange(_CHUNK) < jnp.sum(todo)
            mask = valid.astype(x.dtype)

            def solve(dF, p_):
                F = eqx.combine(dF, static_F)
                if code == 0:
                    xr, pr, ok, _ = refine_folds(F, p_, idx, x[rows], pv[rows], valid, tol)
                    return (xr, pr), ok
                xr, pr, om, l1, ok, _ = refine_hopf(F, p_, idx, x[rows], pv[rows], valid, tol)
                return (xr, pr, om, l1), ok

            out, vjp, ok = eqx.filter_vjp(solve, dyn_F, p, has_aux=True)
            cts = (ct_x[rows] * mask[:, None], ct_p[rows] * mask)
            if code == 1:
                cts += (ct_om[rows] * mask, ct_l1[rows] * mask)
            g = jax.tree.map(jnp.add, g, vjp(cts))
            todo = todo.at[rows].set(todo[rows] & ~valid)
            return todo, g, failed | jnp.any(valid & ~ok)

        todo = need & (kind == code)
        _, g, failed = jax.lax.while_loop(lambda c: jnp.any(c[0]), body, (todo, g, failed))
    return g[0], g[1], failed


def differentiable_rows(
    F: Any, p: Array, idx: int, rows: tuple, kind: Array, refined: Array, used: Array,
    tol: Any, witness: Any,
) -> tuple:  # fmt: skip
    r"""The branch's `rows = (x, p, omega, l1, eigenvalues, tangent)`, computed as
    constants to differentiation, given their derivatives with respect to `p` (the
    parameter vector) and to the arrays of `F`.

    At a fold or Hopf point ($\mathtt{kind}$ 0 or 1) they are those of the point's
    $x$, $p_\text{idx}$ (and at the `refined` Hopf points $\omega$, $\ell_1$) as a root
    of its augmented system $G(z, \theta) = 0$: $\partial z/\partial\theta =
    -G_z^{-1}G_\theta$, computed on the backward pass only, for the points a cotangent
    reaches. A cotangent that reaches a row without a derivative raises, at gradient
    time: a regular, branch or target point; an eigenvalue or a tangent; $\omega$ or
    $\ell_1$ where they are NaN. `witness`: the continuation's other inputs (start,
    bounds), whose derivative is zero, so that a derivative with respect to them alone
    still reaches the errors. Reverse mode only (`jax.grad`, `jax.jacrev`, `jax.vjp`)."""
    return _guard((*rows, F, p, witness), kind, refined, used, idx, tol)
