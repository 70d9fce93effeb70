"""Linearisation: Jacobians at points, their sorted eigenvalues and eigenvectors."""

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Complex

from .._custom_types import Array, ArrayLike, Float
from ._system import System


class Linearisation(eqx.Module):
    r"""The linearisation $\dot{\delta x} = J\,\delta x$ of a system at one point, or at a
    batch of points (a leading axis on every field), from
    [`dynax.analysis.linearise`][].

    **Fields:**

    - `x`: the points, `(n,)` or `(m, n)`.
    - `jacobian`: $J = \partial F/\partial x$ there, `(n, n)` or `(m, n, n)`; for a map,
      $\partial G/\partial x$ (the map's own Jacobian, $\partial F/\partial x + 1$).
    - `eigenvalues`: complex, sorted with the leading one first: by decreasing real part
      (for a map: by decreasing modulus), a conjugate pair positive imaginary part first.
    - `right`: the right eigenvectors as columns, `right[..., :, i]`, with
      $J v_i = \lambda_i v_i$, each of unit norm.
    - `left`: the left eigenvectors as columns, `left[..., :, i]`, with
      $w_i^\top J = \lambda_i w_i^\top$ (no conjugation), scaled so that
      $w_i^\top v_j = \delta_{ij}$: `left[..., :, i] @ delta_x` is the amplitude of mode
      $i$ in a perturbation.
    - `discrete`: whether the system is a map.
    """

    x: Float[Array, "*m n"]
    jacobian: Float[Array, "*m n n"]
    eigenvalues: Complex[Array, "*m n"]
    right: Complex[Array, "*m n n"]
    left: Complex[Array, "*m n n"]
    discrete: bool = eqx.field(static=True)

    @property
    def growth(self) -> Float[Array, "*m n"]:
        """The growth rate of each mode: $\\mathrm{Re}\\,\\lambda$ (per ms) for a flow,
        $\\log|\\mu|$ (per step) for a map."""
        if self.discrete:
            return jnp.log(jnp.abs(self.eigenvalues))
        return self.eigenvalues.real

    @property
    def stable(self) -> Array:
        """Whether every mode decays (linear stability; the leading growth rate < 0)."""
        return self.growth[..., 0] < 0


def linearise(
    system: System,
    x: Float[Array, "*m n"],
    p: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
) -> Linearisation:
    r"""The Jacobian of `system` at the point(s) `x` (forward-mode `jax.jacfwd`), its
    eigenvalues sorted by decreasing real part (modulus for a map) and its right and left
    eigenvectors.

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][].
    - `x`: one point, `(n,)`, or a batch, `(m, n)` (vmapped).
    - `p`: the parameters, `(k,)`, or a dict of some of them by name
      (`{"I_bias": 0.5}`, the others from `system.p0`); default `system.p0`.

    The eigendecomposition is `jnp.linalg.eig` (not differentiable for repeated
    eigenvalues; on accelerators where JAX lacks it, run this on the CPU).
    """
    x = jnp.asarray(x)
    p = system.parameters(p)
    if x.shape[-1:] != (system.n,):
        raise ValueError(f"x must have shape (..., {system.n}); got {x.shape}.")
    return _linearise(system, x, p)


@eqx.filter_jit
def _linearise(system: System, x: Array, p: Array) -> Linearisation:
    """`linearise` compiled (one program, not one per operation)."""
    jac = jax.jacfwd(system)
    if x.ndim == 1:
        J = jac(x, p)
    else:
        J = jax.vmap(jac, in_axes=(0, None))(x.reshape(-1, system.n), p).reshape(
            x.shape + (system.n,)
        )
    if system.discrete:
        J = J + jnp.eye(system.n, dtype=J.dtype)
    values, right, left = eigen(J, discrete=system.discrete)
    return Linearisation(x, J, values, right, left, system.discrete)


def eigen(J: Array, *, discrete: bool = False) -> tuple[Array, Array, Array]:
    """Sorted eigenvalues and right/left eigenvectors of `J`, `(..., n, n)` (see
    `Linearisation`)."""
    values, right = jnp.linalg.eig(J)
    order = sort_order(values, discrete=discrete)
    values = jnp.take_along_axis(values, order, axis=-1)
    right = jnp.take_along_axis(right, order[..., None, :], axis=-1)
    left = jnp.swapaxes(jnp.linalg.inv(right), -1, -2)
    return values, right, left


def sort_order(values: Array, *, discrete: bool = False) -> Array:
    """Indices that put eigenvalues leading first: by decreasing real part (modulus for a
    map), then decreasing imaginary part."""
    key = jnp.abs(values) if discrete else values.real
    # Round the key so that a conjugate pair (equal real parts up to rounding) is ordered
    # by its imaginary parts.
    scale = jnp.max(jnp.abs(values), axis=-1, keepdims=True) + 1.0
    eps = 64 * jnp.finfo(key.dtype).eps * scale
    key = jnp.round(key / eps)
    return jnp.lexsort((-values.imag, -key), axis=-1)


def as_points(x: Any, n: int) -> Array:
    """`x` as a batch of points, `(m, n)`: a single point `(n,)` becomes `(1, n)`, and for
    a one-variable system a vector `(m,)` becomes `(m, 1)`."""
    x = jnp.asarray(x)
    if x.ndim == 1:
        x = x[:, None] if n == 1 else x[None, :]
    if x.ndim != 2 or x.shape[1] != n:
        raise ValueError(f"points must have shape (m, {n}); got {x.shape}.")
    return x
