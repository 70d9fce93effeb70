"""Polynomial features of the states, for linear readouts (and NG-RC's nonlinear
part)."""

import itertools
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float


def _monomials(n_features: int, degree: int) -> list[np.ndarray]:
    """The indices `(n_k, k)` of the monomials of each degree k = 1..degree."""
    return [
        np.array(list(itertools.combinations_with_replacement(range(n_features), k)), np.int32)
        for k in range(1, degree + 1)
    ]


def polynomial_features(
    X: Float[ArrayLike, "... n_features"], degree: int = 2, *, include_bias: bool = True
) -> Float[Array, "... n_monomials"]:
    r"""All monomials of the features up to `degree`: for $n$ features and degree $d$,
    the $\binom{n + d}{d}$ products $x_{i_1} x_{i_2} \cdots x_{i_k}$ with
    $i_1 \le \dots \le i_k$, $0 \le k \le d$ (the constant 1 for $k = 0$; left out with
    `include_bias=False`, leaving $\binom{n + d}{d} - 1$). Ordered by degree, then
    lexicographically in the indices (scikit-learn's order): for $(a, b)$ and $d = 2$,
    $(1, a, b, a^2, ab, b^2)$.

    **Arguments:**

    - `X`: the features `(..., n_features)` (any leading axes).
    - `degree`: the largest degree (an int ≥ 0).
    - `include_bias`: include the constant monomial 1 (default).

    **Returns:** an array `(..., n_monomials)`.
    """
    X = jnp.asarray(X)
    if X.ndim < 1 or X.shape[-1] < 1:
        raise ValueError(f"X must have at least one feature on its last axis, got {X.shape}.")
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or degree < 0:
        raise ValueError(f"degree must be an int >= 0, got degree={degree!r}.")
    if degree == 0 and not include_bias:
        raise ValueError("degree=0 with include_bias=False leaves no feature.")
    return _polynomial(X.astype(jnp.result_type(X, float)), int(degree), include_bias)


@partial(jax.jit, static_argnums=(1, 2))
def _polynomial(X, degree, include_bias):
    parts = [jnp.ones(X.shape[:-1] + (1,), X.dtype)] if include_bias else []
    for idx in _monomials(X.shape[-1], degree):
        parts.append(jnp.prod(X[..., idx], axis=-1))
    return jnp.concatenate(parts, axis=-1)
