"""Tests for `dx.integrate.sdeint`: strong orders, Itô vs Stratonovich, SRK solvers."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
import pytest

import dynax as dx

T = 1.0
N_FINE = 2**8  # finest grid; coarser increments are sums of the fine ones
N_PATHS = 2000
MU, SIGMA = 1.0, 1.0  # geometric Brownian motion dX = MU X dt + SIGMA X dW, X(0) = 1


def make_solver(step, y0):
    """A jitted `(dW, n, dt) -> y(n dt)` over many paths, compiled once for every `n`.

    `dW` has shape `(N_FINE, N_PATHS, ...)`; only its first `n` rows are used, so all the
    step sizes of an order test share one compilation.
    """

    @jax.jit
    def solve(dW, n, dt):
        def path(dW):
            body = lambda i, y: step.apply(y, i * dt, dt, None, dW[i])
            return jax.lax.fori_loop(0, n, body, y0)

        return jax.vmap(path, in_axes=1)(dW)

    return solve


def coarse(dW_fine, k):
    """The increments over `k` fine steps, zero-padded back to `N_FINE` rows."""
    n = N_FINE // k
    dW = dW_fine.reshape(n, k, *dW_fine.shape[1:]).sum(1)
    return np.concatenate([dW, np.zeros((N_FINE - n, *dW_fine.shape[1:]))])


def gbm(noise, sde_type):
    """`(y0, f, g, noise_shape, exact(W_T))` for geometric Brownian motion."""
    f = lambda t, y, args: MU * y
    if noise == "diagonal":
        y0, sig, m = jnp.asarray(1.0), np.asarray(SIGMA), ()
        g = lambda t, y, args: SIGMA * y
        exponent = lambda W: SIGMA * W
    elif noise == "scalar":  # two GBMs driven by one Wiener process
        y0, sig, m = jnp.ones(2), np.array([SIGMA, 0.5 * SIGMA]), ()
        g = lambda t, y, args: sig * y
        exponent = lambda W: sig * W[:, None]
    else:  # one GBM driven by two Wiener processes: commutative general noise
        y0, sig, m = jnp.ones(1), np.array([0.6, 0.8]) * SIGMA, (2,)
        g = lambda t, y, args: y[:, None] * sig
        exponent = lambda W: (W @ sig)[:, None]
    variance = np.sum(sig**2) if noise == "general" else sig**2  # per component
    ito_shift = 0.5 * variance if sde_type == "ito" else 0.0
    exact = lambda W: np.exp((MU - ito_shift) * T + exponent(W))
    return y0, f, g, m, exact


def strong_errors(method, sde_type, noise, ks=(16, 8, 4, 2, 1), seed=0):
    y0, f, g, m, exact = gbm(noise, sde_type)
    solve = make_solver(dx.integrate.sdeint(f, g, method, sde_type, noise), y0)
    dW_fine = np.random.default_rng(seed).normal(size=(N_FINE, N_PATHS, *m))
    dW_fine *= np.sqrt(T / N_FINE)
    x_exact = exact(dW_fine.sum(0)).reshape(N_PATHS, -1)
    dts, errors = [], []
    for k in ks:
        n = N_FINE // k
        x = np.asarray(solve(coarse(dW_fine, k), n, T / n)).reshape(N_PATHS, -1)
        dts.append(T / n)
        errors.append(np.mean(np.max(np.abs(x - x_exact), axis=1)))
    return np.array(dts), np.array(errors)


ORDER_CASES = [
    ("euler_maruyama", "ito", "diagonal", 0.5),
    ("milstein", "ito", "diagonal", 1.0),
    ("milstein_grad_free", "ito", "diagonal", 1.0),
    ("exp_euler", "ito", "diagonal", 0.5),
    # Euler–Heun and Heun have order 0.5 in general, 1.0 for commutative noise such as this.
    ("euler_heun", "stratonovich", "diagonal", 1.0),
    ("heun", "stratonovich", "diagonal", 1.0),
    ("milstein", "stratonovich", "diagonal", 1.0),
    ("milstein_grad_free", "stratonovich", "diagonal", 1.0),
    ("milstein", "ito", "scalar", 1.0),
    ("euler_maruyama", "ito", "general", 0.5),
    ("milstein", "ito", "general", 1.0),
    ("milstein_grad_free", "ito", "general", 1.0),
]


@pytest.mark.parametrize("method, sde_type, noise, order", ORDER_CASES)
def test_strong_order_on_geometric_brownian_motion(x64, method, sde_type, noise, order):
    dts, errors = strong_errors(method, sde_type, noise)
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    print(f"strong order {method} {sde_type} {noise}: {slope:.3f}")
    assert np.all(np.diff(errors) < 0)  # errors shrink with every halving
    assert abs(slope - order) < 0.2, (slope, errors)


def test_ito_and_stratonovich_differ_by_the_drift_correction(x64):
    # For GBM, log X_strat - log X_ito = SIGMA^2 T / 2 on every path. Milstein's strong
    # error at dt = 1/256 is ~0.01 (test above) against 0.5: allow 5 %.
    dW = np.random.default_rng(1).normal(size=(N_FINE, N_PATHS)) * np.sqrt(T / N_FINE)
    logs = {}
    for sde_type in ("ito", "stratonovich"):
        y0, f, g, _, _ = gbm("diagonal", sde_type)
        solve = make_solver(dx.integrate.sdeint(f, g, "milstein", sde_type), y0)
        logs[sde_type] = np.log(np.asarray(solve(dW, N_FINE, T / N_FINE)))
    shift = np.mean(logs["stratonovich"] - logs["ito"])
    print(f"mean log X_strat - log X_ito: {shift:.4f} (exact {0.5 * SIGMA**2 * T})")
    assert shift == pytest.approx(0.5 * SIGMA**2 * T, rel=0.05)


def test_ito_equals_stratonovich_with_corrected_drift(x64):
    # dy = f dt + g dW (Itô) is dy = (f - g g'/2) dt + g o dW (Stratonovich): on a shared
    # path two order-1 solves differ by O(dt); nonlinear multiplicative noise.
    f = lambda t, y, args: -y
    g = lambda t, y, args: 0.5 * jnp.sin(y) + 0.3
    dg = jax.grad(lambda y: g(0.0, y, None))
    f_strat = lambda t, y, args: f(t, y, args) - 0.5 * g(t, y, args) * dg(y)
    dW_fine = np.random.default_rng(2).normal(size=(N_FINE, N_PATHS)) * np.sqrt(T / N_FINE)
    y0 = jnp.asarray(0.5)
    ito = make_solver(dx.integrate.sdeint(f, g, "milstein", "ito"), y0)
    strat = make_solver(dx.integrate.sdeint(f_strat, g, "heun", "stratonovich"), y0)
    gaps = []
    for k in (16, 4):
        dW, n = coarse(dW_fine, k), N_FINE // k
        gaps.append(np.mean(np.abs(np.asarray(ito(dW, n, T / n) - strat(dW, n, T / n)))))
    print("Itô vs corrected Stratonovich, mean gap at dt = 1/16, 1/64:", gaps)
    assert gaps[1] < 1e-2
    assert gaps[0] / gaps[1] > 4 ** (1 - 0.25)  # order 1: dt / 4 gives ~4x smaller


THETA, NU, X0 = 1.0, 0.5, 1.0  # Ornstein–Uhlenbeck: dX = -THETA X dt + NU dW
N_OU = 20000  # paths


def ou_solver(method):
    """A jitted `(dt, n, key) -> X(n dt)` for `N_OU` Ornstein–Uhlenbeck paths."""
    f = lambda t, y, args: -THETA * y
    g = lambda t, y, args: NU * jnp.ones_like(y)
    step = dx.integrate.sdeint(f, g, method, "stratonovich")  # additive: Itô = Strat

    @jax.jit
    def solve(dt, n, key):
        body = lambda i, y: step(y, i * dt, dt, None, jax.random.fold_in(key, i))
        return jax.lax.fori_loop(0, n, body, jnp.full(N_OU, X0))

    return solve


def test_srk_solver_on_ornstein_uhlenbeck(x64):
    solver = diffrax.ShARK()
    solve = ou_solver(solver)
    x = np.asarray(solve(0.1, 10, jax.random.key(3)))
    mean = X0 * np.exp(-THETA * T)
    var = NU**2 / (2 * THETA) * (1 - np.exp(-2 * THETA * T))
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / N_OU)
    assert abs(x.var() - var) < 4 * var * np.sqrt(2 / (N_OU - 1))
    # The same key gives the same Brownian increments to every method: pathwise
    # agreement with Euler–Heun (Euler–Maruyama for additive noise, strong order 1) at
    # small dt.
    key = jax.random.key(4)
    srk, euler = solve(1 / 256, 256, key), ou_solver("euler_heun")(1 / 256, 256, key)
    gap = float(jnp.mean(jnp.abs(srk - euler)))
    print(f"ShARK vs euler at dt = 1/256: mean gap {gap:.2e}")
    assert gap < 2e-3


def test_diffrax_solvers_match_the_builtin_methods(x64):
    # One step on a pytree state with a shared increment: Diffrax's Euler, Heun,
    # EulerHeun, ItoMilstein are the built-in euler_maruyama, heun, euler_heun, milstein.
    f = lambda t, y, args: jtu.tree_map(lambda x: -x + jnp.cos(x), y)
    g = lambda t, y, args: jtu.tree_map(lambda x: 0.3 * x + 0.1 * x**2, y)
    y = {"a": jnp.array([0.5, 1.0, -0.2]), "b": jnp.asarray(0.7)}
    pairs = [
        (diffrax.Euler(), "euler_maruyama", "ito"),
        (diffrax.ItoMilstein(), "milstein", "ito"),
        (diffrax.Heun(), "heun", "stratonovich"),
        (diffrax.EulerHeun(), "euler_heun", "stratonovich"),
        (diffrax.StratonovichMilstein(), "milstein", "stratonovich"),
    ]

    @jax.jit
    def both(key):
        out = []
        for solver, method, sde_type in pairs:
            ours = dx.integrate.sdeint(f, g, method, sde_type)
            theirs = dx.integrate.sdeint(f, g, solver, sde_type)
            dW = ours.increment(y, 0.0, 0.1, None, key)
            out.append((ours.apply(y, 0.0, 0.1, None, dW), theirs.apply(y, 0.0, 0.1, None, dW)))
        return out

    for ours, theirs in both(jax.random.key(5)):
        for a, b in zip(jtu.tree_leaves(ours), jtu.tree_leaves(theirs)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_increments_have_the_right_distribution(x64):
    dt, n = 0.25, 50_000
    g = lambda t, y, args: jnp.ones_like(y)
    step = dx.integrate.sdeint(lambda t, y, args: -y, g, diffrax.ShARK(), "stratonovich")
    inc = step.increment(jnp.zeros(n), 0.0, dt, None, jax.random.key(6))
    assert isinstance(inc, diffrax.SpaceTimeLevyArea)
    tol = 4 * np.sqrt(2 / n)  # relative standard error of a sample variance
    assert float(jnp.var(inc.W)) == pytest.approx(dt, rel=tol)
    assert float(jnp.var(inc.H)) == pytest.approx(dt / 12, rel=tol)
    assert abs(float(jnp.corrcoef(inc.W, inc.H)[0, 1])) < 4 / np.sqrt(n)
    general = dx.integrate.sdeint(
        lambda t, y, a: -y, lambda t, y, a: jnp.ones((2, 3)), noise="general"
    )
    assert general.increment(jnp.zeros(2), 0.0, dt, None, jax.random.key(0)).shape == (3,)


def test_same_key_same_result_different_key_different_result():
    f = lambda t, y, args: jtu.tree_map(jnp.negative, y)
    g = lambda t, y, args: jtu.tree_map(lambda x: 0.2 * x, y)
    y = {"v": jnp.linspace(-1.0, 1.0, 5), "w": jnp.asarray(0.3)}
    step = dx.integrate.sdeint(f, g, "milstein", "stratonovich")
    run = jax.jit(lambda key: step(y, 0.0, 0.1, None, key))
    a, b, c = run(jax.random.key(0)), run(jax.random.key(0)), run(jax.random.key(1))
    assert all(jnp.array_equal(p, q) for p, q in zip(jtu.tree_leaves(a), jtu.tree_leaves(b)))
    assert all(not jnp.allclose(p, q) for p, q in zip(jtu.tree_leaves(a), jtu.tree_leaves(c)))


def test_float32_stays_float32_and_vmap_jit_work():
    f = lambda t, y, args: -y
    g = lambda t, y, args: 0.2 * y
    methods = ("milstein_grad_free", "exp_euler", diffrax.Euler())
    steppers = [dx.integrate.sdeint(f, g, method) for method in methods]
    one = lambda s, y, k: s(y, 0.0, 0.1, None, k)
    run = eqx.filter_jit(lambda ss, y, k: [jax.vmap(one, (None, 0, 0))(s, y, k) for s in ss])
    keys = jax.random.split(jax.random.key(0), 4)
    for out in run(steppers, jnp.ones((4, 3), jnp.float32), keys):
        assert out.dtype == jnp.float32 and out.shape == (4, 3)
        assert bool(jnp.all(jnp.isfinite(out)))


@pytest.mark.parametrize(
    "method, sde_type",
    [
        ("milstein", "ito"),
        ("milstein_grad_free", "ito"),
        ("exp_euler", "ito"),
        (diffrax.GeneralShARK(), "stratonovich"),
    ],
)
def test_gradient_matches_finite_differences(x64, method, sde_type):
    f = lambda t, y, p: -p["k"] * y + jnp.tanh(y)
    g = lambda t, y, p: p["s"] * jnp.sin(y) + 0.1
    step = dx.integrate.sdeint(f, g, method, sde_type)
    y = jnp.array([0.3, -0.8, 1.2])
    dW = step.increment(y, 0.0, 0.05, None, jax.random.key(7))
    # One compilation: the finite differences use the values of the same value_and_grad.
    loss = jax.jit(jax.value_and_grad(lambda p: jnp.sum(step.apply(y, 0.0, 0.05, p, dW) ** 2)))
    p = {"k": jnp.asarray(1.3), "s": jnp.asarray(0.4)}
    grads = loss(p)[1]
    h = 1e-6
    for name in p:
        up = loss({**p, name: p[name] + h})[0]
        down = loss({**p, name: p[name] - h})[0]
        assert float(grads[name]) == pytest.approx(float((up - down) / (2 * h)), rel=1e-6)


def test_bad_arguments_raise():
    f = g = lambda t, y, args: y
    with pytest.raises(ValueError, match="milstein_grad_free"):
        dx.integrate.sdeint(f, g, "runge_kutta")
    with pytest.raises(ValueError, match="the ito methods are"):
        dx.integrate.sdeint(f, g, "heun", "ito")
    with pytest.raises(ValueError, match="the stratonovich methods are"):
        dx.integrate.sdeint(f, g, "exp_euler", "stratonovich")
    with pytest.raises(ValueError, match="'diagonal', 'scalar', 'general'"):
        dx.integrate.sdeint(f, g, noise="additive")
    with pytest.raises(ValueError, match="sde_type"):
        dx.integrate.sdeint(f, g, sde_type="ItO")
    with pytest.raises(ValueError, match="stratonovich"):
        dx.integrate.sdeint(f, g, diffrax.ShARK(), "ito")  # SRK solvers are Stratonovich
    with pytest.raises(ValueError, match="Langevin"):
        dx.integrate.sdeint(f, g, diffrax.ShOULD(0.1), "stratonovich")
    with pytest.raises(ValueError, match="dt must be a positive number"):
        dx.integrate.sdeint(f, g)(jnp.ones(2), 0.0, 0.0, None, jax.random.key(0))
    general = dx.integrate.sdeint(f, g, noise="general")  # g returns (n,), not (n, m)
    with pytest.raises(ValueError, match=r"\(n, m\)"):
        general(jnp.ones(2), 0.0, 0.1, None, jax.random.key(0))
    shark = dx.integrate.sdeint(f, g, diffrax.ShARK(), "stratonovich")
    with pytest.raises(ValueError, match="Lévy area"):
        shark.apply(jnp.ones(2), 0.0, 0.1, None, jnp.zeros(2))
