"""Penalised linear readouts fitted offline: lasso and elastic net, by coordinate descent
on the Gram matrix."""

from functools import partial

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float
from ._readout import Readout, _centre, _check_count, _check_scalar, _check_xy, _readout


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
