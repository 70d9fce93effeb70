"""Offline readouts: closed forms, NumPy's least squares, optimality conditions."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _data(n=60, p=7, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)  # non-zero means: the bias matters
    W = rng.normal(size=(p, k))
    Y = X @ W + 2.0 + 0.1 * rng.normal(size=(n, k))
    return X, Y


@pytest.mark.parametrize("solver", ["svd", "cholesky"])
def test_ridge_equals_closed_form(x64, solver):
    X, Y = _data()
    lam = 0.7
    r = dx.train.ridge(X, Y, lam, fit_intercept=False, solver=solver)
    W = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y)
    np.testing.assert_allclose(r.W, W, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(r.b, 0.0)
    # With a bias: the closed form of the augmented design, its bias row unpenalised.
    r = dx.train.ridge(X, Y, lam, solver=solver)
    A = np.c_[X, np.ones(len(X))]
    D = np.diag([lam] * X.shape[1] + [0.0])
    Wb = np.linalg.solve(A.T @ A + D, A.T @ Y)
    np.testing.assert_allclose(r.W, Wb[:-1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.b, Wb[-1], rtol=1e-10)
    np.testing.assert_allclose(r(X), A @ Wb, rtol=1e-10)


def test_ridge_single_output_traced_alpha_and_float32():
    X, Y = _data(k=1)
    r = dx.train.ridge(X, Y[:, 0], 0.5)
    assert r.W.shape == (X.shape[1],) and r.b.shape == () and r(X).shape == (X.shape[0],)
    # jit-able with a traced strength; a vmap over strengths is one solve each.
    alphas = jnp.array([0.0, 0.5, 50.0])
    Ws = jax.jit(jax.vmap(lambda a: dx.train.ridge(X, Y, a).W))(alphas)
    np.testing.assert_allclose(Ws[1], dx.train.ridge(X, Y, 0.5).W, rtol=1e-5)
    norms = np.linalg.norm(np.asarray(Ws).reshape(3, -1), axis=1)
    assert norms[0] > norms[1] > norms[2]  # shrinkage grows with alpha
    # float32 stays float32, with float32 accuracy even when the features differ in
    # scale by 1e4 (the SVD never squares X, and the columns are equilibrated).
    Xs = X * np.array([1e-2, 1, 1e2, 1, 1, 1, 1])
    r32 = dx.train.ridge(Xs.astype(np.float32), Y.astype(np.float32), 1e-3)
    assert r32.W.dtype == jnp.float32
    with jax.enable_x64(True):
        r64 = dx.train.ridge(Xs, Y, 1e-3)
        np.testing.assert_allclose(r32(Xs), r64(Xs), rtol=1e-5, atol=1e-5)


def test_least_squares_equals_numpy_lstsq(x64):
    X, Y = _data(n=40, p=6)
    r = dx.train.least_squares(X, Y, fit_intercept=False)
    np.testing.assert_allclose(r.W, np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-11)
    A = np.c_[X, np.ones(len(X))]
    Wb = np.linalg.lstsq(A, Y, rcond=None)[0]
    r = dx.train.least_squares(X, Y)
    np.testing.assert_allclose(r.W, Wb[:-1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.b, Wb[-1], rtol=1e-10)
    # Rank-deficient (a repeated column, fewer samples than features): the minimum-norm
    # solution, as lstsq.
    Xd = np.c_[X[:5], X[:5, :1]]
    ref = np.linalg.lstsq(Xd, Y[:5], rcond=None)[0]
    np.testing.assert_allclose(
        dx.train.least_squares(Xd, Y[:5], fit_intercept=False).W, ref, rtol=1e-9, atol=1e-12
    )
    # Full rank: ridge at alpha = 0 is least squares.
    np.testing.assert_allclose(dx.train.ridge(X, Y, 0.0).W, r.W, rtol=1e-9)


def _orthonormal_design(n=50, p=6, seed=1):
    """Centred columns with X^T X / n = I, and a target: the lasso's solution is then
    the soft-thresholded least-squares weights."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, p + 1)))
    # Drop the direction of the constant so that centring leaves the columns as they are.
    Q = Q - Q.mean(axis=0)
    Q, _ = np.linalg.qr(Q)
    X = np.sqrt(n) * Q[:, :p]
    y = X @ np.array([3.0, -2.0, 0.5, 0.05, 0.0, -0.3]) + 1.5 + 0.1 * rng.normal(size=n)
    return X, y


def test_lasso_matches_the_soft_threshold_and_kkt(x64):
    X, y = _orthonormal_design()
    n = len(y)
    alpha = 0.4
    r = dx.train.lasso(X, y, alpha, tol=1e-12)
    ols = X.T @ (y - y.mean()) / n
    expected = np.sign(ols) * np.maximum(np.abs(ols) - alpha, 0.0)
    np.testing.assert_allclose(r.W, expected, atol=1e-10)
    assert 0 < np.count_nonzero(expected) < len(expected)  # a sparse solution
    np.testing.assert_allclose(r.b, y.mean() - X.mean(axis=0) @ r.W, atol=1e-10)

    # KKT on a correlated design: |x_j.r/n| = alpha on the support, <= alpha off it.
    Xc, Yc = _data(n=80, p=10, k=2, seed=3)
    r = dx.train.lasso(Xc, Yc, 0.3, tol=1e-13, n_iter=10_000)
    resid = Yc - r(Xc)
    corr = (Xc - Xc.mean(0)).T @ resid / len(Xc)
    W = np.asarray(r.W)
    on = W != 0
    assert on.any() and (~on).any()
    np.testing.assert_allclose(corr[on], 0.3 * np.sign(W[on]), atol=1e-8)
    assert np.all(np.abs(corr[~on]) <= 0.3 + 1e-8)
    np.testing.assert_allclose(resid.mean(0), 0.0, atol=1e-10)  # unpenalised bias
    # Above alpha_max every weight is zero.
    alpha_max = np.abs((Xc - Xc.mean(0)).T @ (Yc - Yc.mean(0)) / len(Xc)).max()
    np.testing.assert_array_equal(dx.train.lasso(Xc, Yc, 1.01 * alpha_max).W, 0.0)


def test_elastic_net_closed_forms(x64):
    X, y = _orthonormal_design()
    n = len(y)
    alpha, rho = 0.5, 0.3
    r = dx.train.elastic_net(X, y, alpha, rho, tol=1e-12)
    ols = X.T @ (y - y.mean()) / n
    expected = np.sign(ols) * np.maximum(np.abs(ols) - alpha * rho, 0) / (1 + alpha * (1 - rho))
    np.testing.assert_allclose(r.W, expected, atol=1e-10)
    # l1_ratio = 0 is ridge regression with strength n alpha (mean vs sum of squares).
    Xc, Yc = _data(seed=4)
    en = dx.train.elastic_net(Xc, Yc, 0.2, 0.0, tol=1e-14, n_iter=20_000)
    np.testing.assert_allclose(en.W, dx.train.ridge(Xc, Yc, 0.2 * len(Xc)).W, atol=1e-9)


@pytest.mark.slow  # about 10 s on the 2-core machine: the quick suite has a 4-minute budget
def test_logistic_regression_separates_and_is_stationary(x64):
    rng = np.random.default_rng(0)
    centres = np.array([[3.0, 0.0], [-2.0, 2.5], [-2.0, -2.5]])
    labels = np.repeat(np.arange(3), 30)
    X = centres[labels] + 0.6 * rng.normal(size=(90, 2))
    alpha = 1e-3
    r = dx.train.logistic_regression(X, labels, alpha)
    assert r.W.shape == (2, 3) and r.b.shape == (3,)
    np.testing.assert_array_equal(np.argmax(r(X), axis=1), labels)  # separated

    def objective(W, b):
        z = X @ W + b
        ce = jnp.mean(jax.nn.logsumexp(z, axis=1) - z[jnp.arange(len(z)), labels])
        return ce + 0.5 * alpha * jnp.sum(W**2)

    gW, gb = jax.grad(objective, argnums=(0, 1))(r.W, r.b)
    assert float(jnp.max(jnp.abs(gW))) < 1e-7 and float(jnp.max(jnp.abs(gb))) < 1e-7
    # A stronger penalty gives smaller weights, still a stationary point.
    r2 = dx.train.logistic_regression(X, labels, 1.0)
    assert float(jnp.linalg.norm(r2.W)) < float(jnp.linalg.norm(r.W))


def test_polynomial_features_count_and_values():
    for n, d in [(1, 4), (4, 3), (6, 2)]:
        X = jnp.ones((5, n))
        assert dx.train.polynomial_features(X, d).shape == (5, math.comb(n + d, d))
    no_bias = dx.train.polynomial_features(jnp.ones((5, 6)), 2, include_bias=False)
    assert no_bias.shape == (5, math.comb(6 + 2, 2) - 1)
    a, b = 2.0, -3.0
    out = dx.train.polynomial_features(jnp.array([[a, b]]), 3)
    expected = [1, a, b, a * a, a * b, b * b, a**3, a * a * b, a * b * b, b**3]
    np.testing.assert_allclose(out[0], expected)
    # Any leading axes.
    assert dx.train.polynomial_features(jnp.ones((2, 3, 4)), 2).shape == (2, 3, 15)


def test_readout_and_bad_arguments():
    X, Y = _data()
    r = dx.train.Readout(jnp.ones((7, 3)))
    np.testing.assert_allclose(r(jnp.ones(7)), 7.0)
    assert r(jnp.ones((4, 2, 7))).shape == (4, 2, 3)
    bad = [
        (lambda: dx.train.Readout(jnp.ones((7, 3)), jnp.ones(2)), "b must have shape"),
        (lambda: dx.train.Readout(jnp.ones((2, 3, 4))), "W must have shape"),
        (lambda: r(jnp.ones(6)), "7 features"),
        (lambda: dx.train.ridge(X, Y[:-1]), "Y must have shape"),
        (lambda: dx.train.ridge(X[0], Y), "X must be a 2-D"),
        (lambda: dx.train.ridge(X, Y, -1.0), "alpha must be"),
        (lambda: dx.train.ridge(X, Y, solver="qr"), "solver must be one of"),
        (lambda: dx.train.elastic_net(X, Y, 1.0, 1.5), "l1_ratio must be"),
        (lambda: dx.train.lasso(X, Y, n_iter=0), "n_iter must be"),
        (lambda: dx.train.logistic_regression(X, np.full(60, 3), n_classes=3), "labels must lie"),
        (lambda: dx.train.logistic_regression(X, np.zeros(60)), "integer class"),
        (lambda: dx.train.logistic_regression(X, np.zeros(5, int)), "labels must have shape"),
        (lambda: dx.train.polynomial_features(X, -1), "degree must be"),
        (lambda: dx.train.polynomial_features(X, 0, include_bias=False), "no feature"),
    ]
    for make, message in bad:
        with pytest.raises(ValueError, match=message):
            make()
