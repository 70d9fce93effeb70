"""The diagonal linear part of a vector field, for exponential integrators."""

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

from .._custom_types import Array, PyTree
from .._system import check_dt as _check_dt


def diagonal_linearisation(fn, y: PyTree[Array]) -> tuple[PyTree[Array], PyTree[Array]]:
    r"""`fn(y)` and the diagonal of its Jacobian, by automatic differentiation.

    For each leaf $y_k$ of `y` this is $\partial f_k / \partial y_k$ applied to a vector
    of ones: one forward-mode pass per leaf. When $f_k$ depends on $y_k$ elementwise
    (neurons coupled only through their inputs, gating variables, ...) this is exactly
    the diagonal of the Jacobian; otherwise it is the row sums of that leaf's block,
    which still gives a consistent first-order exponential scheme.
    """
    leaves, treedef = jtu.tree_flatten(y)
    values, slopes = [], []
    for k, leaf in enumerate(leaves):

        def leaf_field(x, k=k):
            others = leaves[:k] + [x] + leaves[k + 1 :]
            return jtu.tree_leaves(fn(jtu.tree_unflatten(treedef, others)))[k]

        value, slope = jax.jvp(leaf_field, (leaf,), (jnp.ones_like(leaf),))
        values.append(value)
        slopes.append(slope)
    return jtu.tree_unflatten(treedef, values), jtu.tree_unflatten(treedef, slopes)


def check_dt(dt) -> None:
    """Raise a `ValueError` for a concrete step `dt` that is not positive (a traced `dt`
    passes: the steppers take it as an argument)."""
    if isinstance(dt, int | float):
        _check_dt(dt)


def phi1(z: Array) -> Array:
    r"""$\varphi_1(z) = (e^z - 1)/z$, with $\varphi_1(0) = 1$ (finite gradients at 0)."""
    zero = z == 0
    safe = jnp.where(zero, 1.0, z)
    return jnp.where(zero, 1.0, jnp.expm1(safe) / safe)
