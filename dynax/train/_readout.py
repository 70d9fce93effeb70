"""Linear readouts fitted offline: ridge regression, least squares, lasso, elastic net,
multinomial logistic regression, and polynomial features to fit them on."""

import itertools
import math
from functools import partial
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from .._checks import concrete
from .._custom_types import Array, ArrayLike, Float, Int


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


# --------------------------------------------------------------------------------------
# Lasso and elastic net: coordinate descent on the Gram matrix.


def elastic_net(
    X: Float[ArrayLike, "n_samples n_features"],
    Y: Float[ArrayLike, " n_samples *n_out"],
    alpha: float | Float[ArrayLike, ""] = 1.0,
    l1_ratio: float | Float[ArrayLike, ""] = 0.5,
    *,
    fit_intercept: bool = True,
    n_iter: int = 1000,
    tol: float = 1e-6,
) -> Readout:
    r"""Elastic-net regression: the readout that minimises

    $$\frac{1}{2 n}\lVert Y - XW - \mathbf{1}b\rVert^2_F
    + \alpha\rho\,\lVert W\rVert_1 + \frac{\alpha(1 - \rho)}{2}\lVert W\rVert^2_F$$

    ($n$ samples, $\rho$ = `l1_ratio`; the convention of scikit-learn and glmnet, with
    the data term a *mean*, unlike [`dynax.train.ridge`][]'s sum). $\rho = 1$ is the
    lasso, $\rho = 0$ ridge regression with strength $n\alpha$. The bias is not
    penalised (the data are centred first).

    Solved by cyclic coordinate descent on the Gram matrix $G = X_c^\top X_c / n$
    (Friedman, Hastie & Tibshirani 2010): each sweep sets every weight in turn to its
    exact minimiser given the others, $w_j \leftarrow S(c_j - \sum_{k \ne j} G_{jk}
    w_k,\ \alpha\rho) / (G_{jj} + \alpha(1 - \rho))$ with $S$ the soft threshold,
    all outputs at once, inside a `lax.while_loop` that stops after `n_iter` sweeps or
    when a sweep changes no weight by more than `tol` × the largest weight. Each sweep
    costs $O(p^2)$ per output for $p$ features, after one $O(n p^2)$ product.

    **Arguments:**

    - `X`: the features `(n_samples, n_features)`.
    - `Y`: the targets `(n_samples, n_out)`, or `(n_samples,)` for one output.
    - `alpha`: the regularisation strength (≥ 0).
    - `l1_ratio`: the share $\rho$ of the L1 penalty, in [0, 1].
    - `fit_intercept`: fit an unpenalised bias (default) or none.
    - `n_iter`: the largest number of sweeps.
    - `tol`: the relative change below which a sweep counts as converged (≥ 0).

    **Returns:** a [`dynax.train.Readout`][].

    ??? cite "References"

        Zou, H., & Hastie, T. (2005). Regularization and variable selection via the
        elastic net. *J. R. Stat. Soc. B*, 67(2), 301–320.

        Friedman, J., Hastie, T., & Tibshirani, R. (2010). Regularization paths for
        generalized linear models via coordinate descent. *Journal of Statistical
        Software*, 33(1), 1–22.
    """
    X, Y, vector = _check_xy(X, Y)
    alpha = _check_scalar(alpha, "alpha").astype(X.dtype)
    l1_ratio = _check_scalar(l1_ratio, "l1_ratio", high=1.0).astype(X.dtype)
    n_iter = _check_count(n_iter, "n_iter")
    tol = float(_check_scalar(tol, "tol"))
    W, x_mean, y_mean = _elastic_net(X, Y, alpha, l1_ratio, fit_intercept, n_iter, tol)
    return _readout(W, x_mean, y_mean, vector)


@partial(jax.jit, static_argnums=(4, 5, 6))
def _elastic_net(X, Y, alpha, l1_ratio, fit_intercept, n_iter, tol):
    Xc, Yc, x_mean, y_mean = _centre(X, Y, fit_intercept)
    n = X.shape[0]
    G, c = Xc.T @ Xc / n, Xc.T @ Yc / n
    W = _coordinate_descent(G, c, alpha * l1_ratio, alpha * (1 - l1_ratio), n_iter, tol)
    return W, x_mean, y_mean


def lasso(
    X: Float[ArrayLike, "n_samples n_features"],
    Y: Float[ArrayLike, " n_samples *n_out"],
    alpha: float | Float[ArrayLike, ""] = 1.0,
    *,
    fit_intercept: bool = True,
    n_iter: int = 1000,
    tol: float = 1e-6,
) -> Readout:
    r"""Lasso regression (L1 penalty, sparse weights): the readout that minimises

    $$\frac{1}{2 n}\lVert Y - XW - \mathbf{1}b\rVert^2_F + \alpha \lVert W\rVert_1,$$

    [`dynax.train.elastic_net`][] with `l1_ratio=1` (coordinate descent; see there).
    At the solution every weight satisfies the KKT conditions: $\frac1n x_j^\top r =
    \alpha\,\mathrm{sign}(w_j)$ where $w_j \neq 0$ and $|\frac1n x_j^\top r| \le \alpha$
    where $w_j = 0$ ($r$ the residual); for $\alpha \ge \max_j |\frac1n x_j^\top Y_c|$
    all weights are zero.

    **Arguments:** as [`dynax.train.elastic_net`][], without `l1_ratio`.

    **Returns:** a [`dynax.train.Readout`][].

    ??? cite "Reference"

        Tibshirani, R. (1996). Regression shrinkage and selection via the lasso.
        *J. R. Stat. Soc. B*, 58(1), 267–288.
    """
    return elastic_net(X, Y, alpha, 1.0, fit_intercept=fit_intercept, n_iter=n_iter, tol=tol)


def _coordinate_descent(G: Array, c: Array, l1: Array, l2: Array, n_iter: int, tol: float):
    p = G.shape[0]
    diag = jnp.diagonal(G)
    denom = diag + l2
    safe = jnp.where(denom > 0, denom, 1.0)

    def update(j, W):
        rho = c[j] - G[j] @ W + diag[j] * W[j]
        w = jnp.sign(rho) * jnp.maximum(jnp.abs(rho) - l1, 0.0) / safe[j]
        return W.at[j].set(jnp.where(denom[j] > 0, w, 0.0))

    def sweep(carry):
        i, W, _ = carry
        new = jax.lax.fori_loop(0, p, update, W)
        change = jnp.max(jnp.abs(new - W)) / jnp.maximum(jnp.max(jnp.abs(new)), 1e-30)
        return i + 1, new, change

    def going(carry):
        i, _, change = carry
        return (i < n_iter) & (change > tol)

    W0 = jnp.zeros_like(c)
    inf = jnp.asarray(jnp.inf, c.dtype)
    return jax.lax.while_loop(going, sweep, (jnp.asarray(0), W0, inf))[1]


# --------------------------------------------------------------------------------------
# Multinomial logistic regression.


def logistic_regression(
    X: Float[ArrayLike, "n_samples n_features"],
    labels: Int[ArrayLike, " n_samples"],
    alpha: float | Float[ArrayLike, ""] = 1.0,
    *,
    n_classes: int | None = None,
    fit_intercept: bool = True,
    max_steps: int = 1000,
    tol: float | None = None,
) -> Readout:
    r"""Multinomial (softmax) logistic regression: the readout whose logits $z = xW + b$
    minimise the mean cross-entropy of the integer `labels` plus an L2 penalty,

    $$\frac{1}{n}\sum_{i=1}^n \Big(\log \sum_k e^{z_{ik}} - z_{i y_i}\Big)
    + \frac{\alpha}{2}\lVert W\rVert^2_F,$$

    the bias unpenalised (scikit-learn's `C` is $1/(n\alpha)$). The objective is convex;
    it is minimised by L-BFGS (`optimistix.LBFGS`) from $W = 0$, to a relative and
    absolute tolerance `tol` (default: 1e-6 in float32, 1e-10 in float64) or
    `max_steps` steps. With $\alpha = 0$ on linearly separable data there is no
    minimiser (the weights grow without bound) and the solve runs `max_steps`: use
    $\alpha > 0$. Two classes are fitted as two softmax outputs. The readout gives
    logits: `jnp.argmax(readout(x), -1)` is the predicted class,
    `jax.nn.softmax(readout(x))` the probabilities.

    **Arguments:**

    - `X`: the features `(n_samples, n_features)`.
    - `labels`: the classes `(n_samples,)`, integers in `[0, n_classes)`.
    - `alpha`: the L2 strength (≥ 0).
    - `n_classes`: the number of classes (≥ 2); default `max(labels) + 1`, which
      needs concrete labels (pass it under `jit`).
    - `fit_intercept`: fit an unpenalised bias (default) or none.
    - `max_steps`: the largest number of L-BFGS steps.
    - `tol`: the tolerance of the solve, or None for the default.

    **Returns:** a [`dynax.train.Readout`][] with `W` `(n_features, n_classes)`.

    ??? cite "Reference"

        Liu, D. C., & Nocedal, J. (1989). On the limited memory BFGS method for large
        scale optimization. *Mathematical Programming*, 45, 503–528.
    """
    X = _as_matrix(X)
    X = X.astype(jnp.result_type(X, float))
    labels = jnp.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(
            f"labels must have shape ({X.shape[0]},) (one per sample of X), got {labels.shape}."
        )
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}.")
    values = concrete(labels)
    if n_classes is None:
        if values is None:
            raise ValueError("n_classes must be given when labels are traced (under jit).")
        n_classes = max(int(values.max()) + 1, 2)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2, got n_classes={n_classes!r}.")
    n_classes = int(n_classes)
    if values is not None and (values.min() < 0 or values.max() >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes}), got values from {values.min()} to "
            f"{values.max()}."
        )
    alpha = _check_scalar(alpha, "alpha").astype(X.dtype)
    max_steps = _check_count(max_steps, "max_steps")
    if tol is None:
        tol = 1e-10 if X.dtype == jnp.float64 else 1e-6
    tol = float(_check_scalar(tol, "tol"))

    W, b = _logistic(X, labels, alpha, n_classes, fit_intercept, max_steps, tol)
    return Readout(W, b)


@partial(jax.jit, static_argnums=(3, 4, 5, 6))
def _logistic(X, labels, alpha, n_classes, fit_intercept, max_steps, tol):
    # Standardised features condition the problem; the solution is mapped back.
    mean = X.mean(axis=0) if fit_intercept else jnp.zeros(X.shape[1], X.dtype)
    scale = jnp.sqrt(jnp.mean((X - mean) ** 2, axis=0))
    scale = jnp.where(scale > 0, scale, 1.0)
    Z = (X - mean) / scale
    onehot = jax.nn.one_hot(labels, n_classes, dtype=X.dtype)

    def objective(params, _):
        V, c = params
        logits = Z @ V + (c if fit_intercept else 0.0)
        ce = jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.sum(onehot * logits, axis=1))
        return ce + 0.5 * alpha * jnp.sum((V / scale[:, None]) ** 2)

    params0 = (jnp.zeros((X.shape[1], n_classes), X.dtype), jnp.zeros(n_classes, X.dtype))
    solver = optx.LBFGS(rtol=tol, atol=tol)
    sol = optx.minimise(objective, solver, params0, max_steps=max_steps, throw=False)
    V, c = sol.value
    W = V / scale[:, None]
    b = (c - mean @ W) if fit_intercept else jnp.zeros(n_classes, X.dtype)
    return W, b


# --------------------------------------------------------------------------------------
# Polynomial features.


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
