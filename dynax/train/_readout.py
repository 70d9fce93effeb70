"""Linear readouts fitted offline: the `Readout` they all return, ridge regression and
least squares, and the argument checks and centring the other fits (`_penalised.py`,
`_logistic.py`) share."""

import math
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import concrete
from .._custom_types import Array, ArrayLike, Float


class Readout(eqx.Module):
    r"""A linear readout $y = x W + b$ of the features `x` (the states of a reservoir,
    the monitored variables of any model, polynomial features of them).

    Made by the fitting functions of `dynax.train` ([`dynax.train.ridge`][],
    [`dynax.train.least_squares`][], [`dynax.train.lasso`][],
    [`dynax.train.elastic_net`][], [`dynax.train.logistic_regression`][]) or directly
    from weights. It is a pytree like any model, so it can also be trained by gradient
    descent (`dx.train.make_step`) or online (`dx.train.RLS`).

    **Arguments:**

    - `W`: the weights `(n_features, n_out)`, or `(n_features,)` for a single output
      (then the readout gives one number per feature vector).
    - `b`: the bias `(n_out,)` (or `()`); default zero.

    Calling it on `x` of shape `(..., n_features)` gives `(..., n_out)` (or `(...)`).
    """

    W: Float[Array, " n_features *n_out"]
    b: Float[Array, " *n_out"]

    def __init__(self, W: ArrayLike, b: ArrayLike | None = None):
        W = jnp.asarray(W)
        if not jnp.issubdtype(W.dtype, jnp.floating):
            W = W.astype(jnp.result_type(float))
        if W.ndim not in (1, 2):
            raise ValueError(
                f"W must have shape (n_features, n_out) or (n_features,), got shape {W.shape}."
            )
        b = jnp.zeros(W.shape[1:], W.dtype) if b is None else jnp.asarray(b, W.dtype)
        if b.shape != W.shape[1:]:
            raise ValueError(
                f"b must have shape {W.shape[1:]} (that of W {W.shape} without its first axis), "
                f"got shape {b.shape}."
            )
        self.W = W
        self.b = b

    @property
    def n_features(self) -> int:
        """The number of input features."""
        return self.W.shape[0]

    def __call__(self, x: Float[Array, "... n_features"]) -> Float[Array, "..."]:
        x = jnp.asarray(x)
        if x.ndim < 1 or x.shape[-1] != self.W.shape[0]:
            raise ValueError(
                f"x must have {self.W.shape[0]} features on its last axis, got shape {x.shape}."
            )
        return x @ self.W + self.b


# --------------------------------------------------------------------------------------
# Argument checks (at call time, where the values are concrete).


def _as_matrix(X: Any, name: str = "X") -> Array:
    X = jnp.asarray(X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features) with at least one sample "
            f"and one feature, got shape {X.shape}."
        )
    return X


def _check_xy(X: Any, Y: Any) -> tuple[Array, Array, bool]:
    """`X`, `Y` as float arrays of one dtype, `Y` as 2-D, and whether it was 1-D."""
    X, Y = _as_matrix(X), jnp.asarray(Y)
    if Y.ndim not in (1, 2) or Y.shape[0] != X.shape[0]:
        raise ValueError(
            f"Y must have shape (n_samples, n_out) or (n_samples,) with the n_samples = "
            f"{X.shape[0]} of X, got shape {Y.shape}."
        )
    dtype = jnp.result_type(X, Y, float)
    vector = Y.ndim == 1
    return X.astype(dtype), (Y[:, None] if vector else Y).astype(dtype), vector


def _check_scalar(x: Any, name: str, *, low: float = 0.0, high: float = math.inf) -> Array:
    arr = jnp.asarray(x)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}.")
    value = concrete(arr)
    if value is not None and not (np.isfinite(value) and low <= value <= high):
        bounds = f"in [{low}, {high}]" if math.isfinite(high) else f">= {low}"
        raise ValueError(f"{name} must be a finite number {bounds}, got {name}={x!r}.")
    return arr


def _check_count(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {name}={n!r}.")
    return int(n)


def _centre(X: Array, Y: Array, fit_intercept: bool) -> tuple[Array, Array, Array, Array]:
    if not fit_intercept:
        return X, Y, jnp.zeros(X.shape[1], X.dtype), jnp.zeros(Y.shape[1], Y.dtype)
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    return X - x_mean, Y - y_mean, x_mean, y_mean


def _readout(W: Array, x_mean: Array, y_mean: Array, vector: bool) -> Readout:
    b = y_mean - x_mean @ W
    return Readout(W[:, 0], b[0]) if vector else Readout(W, b)


_SOLVERS = ("svd", "cholesky")


# --------------------------------------------------------------------------------------
# Least squares and ridge: closed forms.


def ridge(
    X: Float[ArrayLike, "n_samples n_features"],
    Y: Float[ArrayLike, " n_samples *n_out"],
    alpha: float | Float[ArrayLike, ""] = 1.0,
    *,
    fit_intercept: bool = True,
    solver: str = "svd",
) -> Readout:
    r"""Ridge regression (Tikhonov regularisation): the readout that minimises

    $$\lVert Y - XW - \mathbf{1}b\rVert^2_F + \alpha \lVert W\rVert^2_F,$$

    in closed form $W = (X_c^\top X_c + \alpha I)^{-1} X_c^\top Y_c$ on the centred
    $X_c = X - \bar X$, $Y_c = Y - \bar Y$, and $b = \bar Y - \bar X W$: the bias is not
    penalised (with `fit_intercept=False`, no centring and $b = 0$: then
    $W = (X^\top X + \alpha I)^{-1} X^\top Y$ exactly). $\alpha$ is in the units of
    $X^\top X$ (a sum over samples, not a mean: it weighs less as samples are added).

    Both solvers first scale the columns of $X_c$ to unit RMS, $X_c = X_s D$, and solve
    for $V = D W$ (the same solution: only the rounding changes), so that features of
    very different sizes (the monomials of NG-RC span five decades) keep float32
    accurate. The default solver writes the penalty as extra rows and takes the thin
    SVD of $[X_s;\ \sqrt{\alpha} D^{-1}]$: it never forms $X^\top X$, so it loses no
    precision to its squared condition number, and with $\alpha = 0$ it is least
    squares (singular values below machine precision count as zero).
    `solver="cholesky"` solves the normal equations $(X_s^\top X_s + \alpha D^{-2}) V
    = X_s^\top Y_c$ instead: cheaper for very many samples, and it needs $\alpha > 0$
    or full column rank.

    jit-able and differentiable; `alpha` may be traced (a `vmap` over strengths).

    **Arguments:**

    - `X`: the features `(n_samples, n_features)`.
    - `Y`: the targets `(n_samples, n_out)`, or `(n_samples,)` for one output.
    - `alpha`: the regularisation strength (≥ 0).
    - `fit_intercept`: fit an unpenalised bias (default) or none.
    - `solver`: `"svd"` (default) or `"cholesky"`.

    **Returns:** a [`dynax.train.Readout`][].

    ??? cite "References"

        Hoerl, A. E., & Kennard, R. W. (1970). Ridge regression: biased estimation for
        nonorthogonal problems. *Technometrics*, 12(1), 55–67.

        Lukoševičius, M. (2012). A practical guide to applying echo state networks. In
        *Neural Networks: Tricks of the Trade* (pp. 659–686). Springer.
    """
    X, Y, vector = _check_xy(X, Y)
    alpha = _check_scalar(alpha, "alpha").astype(X.dtype)
    if solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {_SOLVERS}, got solver={solver!r}.")
    W, x_mean, y_mean = _ridge(X, Y, alpha, fit_intercept, solver)
    return _readout(W, x_mean, y_mean, vector)


@partial(jax.jit, static_argnums=(3, 4))
def _ridge(X, Y, alpha, fit_intercept, solver):
    Xc, Yc, x_mean, y_mean = _centre(X, Y, fit_intercept)
    # Columns scaled to unit RMS (W = V / d): the solution is the same, but features
    # of very different sizes (monomials, NG-RC) no longer cost float32 its accuracy.
    d = jnp.sqrt(jnp.mean(Xc**2, axis=0))
    d = jnp.where(d > 0, d, 1.0)
    Xs = Xc / d
    if solver == "svd":
        # The penalty alpha |V / d|^2 as extra rows: min |[Xs; sqrt(alpha)/d] V - [Yc; 0]|.
        p = Xc.shape[1]
        A = jnp.concatenate([Xs, jnp.diag(jnp.sqrt(alpha) / d)])
        B = jnp.concatenate([Yc, jnp.zeros((p, Yc.shape[1]), Yc.dtype)])
        U, s, Vt = jnp.linalg.svd(A, full_matrices=False)
        # Directions of (numerically) zero variance get no weight, as in lstsq.
        keep = s > _cutoff(s, A.shape)
        V = Vt.T @ (jnp.where(keep, 1.0 / jnp.where(keep, s, 1.0), 0.0)[:, None] * (U.T @ B))
    else:
        G = Xs.T @ Xs + jnp.diag(alpha / d**2)
        V = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(G), Xs.T @ Yc)
    return V / d[:, None], x_mean, y_mean


def _cutoff(s: Array, shape: tuple[int, ...], rcond: float | None = None) -> Array:
    eps = jnp.finfo(s.dtype).eps * max(shape) if rcond is None else rcond
    return eps * jnp.max(s, initial=0.0)


def least_squares(
    X: Float[ArrayLike, "n_samples n_features"],
    Y: Float[ArrayLike, " n_samples *n_out"],
    *,
    fit_intercept: bool = True,
    rcond: float | None = None,
) -> Readout:
    r"""Linear least squares: the readout that minimises $\lVert Y - XW - \mathbf{1}b
    \rVert^2_F$, the minimum-norm one when $X$ is rank-deficient (as `numpy.linalg.lstsq`),
    from the SVD pseudo-inverse of the centred features (singular values below
    `rcond` × the largest count as zero; default machine epsilon × max(n_samples,
    n_features), NumPy's). With `fit_intercept=False`, no bias.

    **Arguments:**

    - `X`: the features `(n_samples, n_features)`.
    - `Y`: the targets `(n_samples, n_out)`, or `(n_samples,)` for one output.
    - `fit_intercept`: fit a bias (default) or none.
    - `rcond`: relative cut-off of the singular values (≥ 0), or None for the default.

    **Returns:** a [`dynax.train.Readout`][].
    """
    X, Y, vector = _check_xy(X, Y)
    if rcond is not None:
        rcond = float(_check_scalar(rcond, "rcond"))
    W, x_mean, y_mean = _least_squares(X, Y, fit_intercept, rcond)
    return _readout(W, x_mean, y_mean, vector)


@partial(jax.jit, static_argnums=(2, 3))
def _least_squares(X, Y, fit_intercept, rcond):
    Xc, Yc, x_mean, y_mean = _centre(X, Y, fit_intercept)
    U, s, Vt = jnp.linalg.svd(Xc, full_matrices=False)
    keep = s > _cutoff(s, Xc.shape, rcond)
    d = jnp.where(keep, 1.0 / jnp.where(keep, s, 1.0), 0.0)
    W = Vt.T @ (d[:, None] * (U.T @ Yc))
    return W, x_mean, y_mean
