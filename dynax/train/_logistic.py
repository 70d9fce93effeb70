"""Multinomial logistic regression: a linear classifier fitted offline."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from .._checks import concrete
from .._custom_types import ArrayLike, Float, Int
from ._readout import Readout, _as_matrix, _check_count, _check_scalar


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
