import itertools

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

import dynax as dx
from dynax.integrate import TABLEAUX, ButcherTableau, odeint

# A smooth test problem with two leaves: y' = y cos t (y = e^{sin t}, non-autonomous) and
# a nonlinear coupled pair p' = p (1 - p), q' = q (1 - p) (p = 1/(1 + e^{-t}), q = 2p).
# Nonlinear, so that methods of the same order give different errors.


def field(t, y, args):
    p, q = y["logistic"]
    return {"exp": y["exp"] * jnp.cos(t), "logistic": (p * (1 - p), q * (1 - p))}


def exact(t):
    p = 1 / (1 + np.exp(-t))
    return {"exp": np.exp(np.sin(t)), "logistic": (p, 2 * p)}


Y0 = {"exp": 1.0, "logistic": (0.5, 1.0)}
T_END = 2.0


def fitted_order(method, dts):
    stepper = odeint(field, method=method)

    @jax.jit
    def final(dt, n):
        y0 = jax.tree.map(jnp.asarray, Y0)
        return jax.lax.fori_loop(0, n, lambda i, y: stepper(y, i * dt, dt, None), y0)

    errors = []
    for dt in dts:
        n = round(T_END / dt)
        y = final(dt, n)
        err = jax.tree.map(lambda a, b: abs(float(a) - b), y, exact(T_END))
        errors.append(max(jax.tree.leaves(err)))
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    return slope, errors


NOMINAL = {name: tableau.order for name, tableau in TABLEAUX.items()}
NOMINAL.update(exp_euler=1, backward_euler=1)


@pytest.mark.parametrize("method", list(NOMINAL))
def test_convergence_order_of_named_methods(x64, method):
    slope, errors = fitted_order(method, [0.05 / 2**k for k in range(4)])
    assert abs(slope - NOMINAL[method]) < 0.2, (method, slope, errors)


@pytest.mark.parametrize(
    "solver, order", [(diffrax.Tsit5(), 5), (diffrax.Dopri8(), 8), (diffrax.Kvaerno5(), 5)]
)
def test_convergence_order_of_diffrax_solvers_stepped_per_dt(x64, solver, order):
    # At least the solver's order: Tsit5's small leading error constants make it look
    # like order 5.8 at these steps (its order-6 terms dominate).
    slope, errors = fitted_order(solver, [0.5, 0.25, 0.125])
    assert slope > order - 0.2, (slope, errors)


def test_user_tableau_equals_named_method(x64):
    classic = ButcherTableau(
        a=[[0.5], [0.0, 0.5], [0.0, 0.0, 1.0]],
        b=[1 / 6, 1 / 3, 1 / 3, 1 / 6],
        c=[0.0, 0.5, 0.5, 1.0],
        order=4,
    )
    y = jax.tree.map(jnp.asarray, Y0)
    a = odeint(field, method=classic)(y, 0.3, 0.1, None)
    b = odeint(field, method="rk4")(y, 0.3, 0.1, None)
    assert jax.tree.all(jax.tree.map(lambda p, q: p == q, a, b))


def _order_conditions(tab):
    """Residuals of the rooted-tree order conditions up to order 4."""
    b, c = np.array(tab.b), np.array(tab.c)
    s = len(b)
    A = np.zeros((s, s))
    for i, row in enumerate(tab.a):
        A[i, : len(row)] = row
    Ac = A @ c
    conditions = {
        1: [b.sum() - 1],
        2: [b @ c - 1 / 2],
        3: [b @ c**2 - 1 / 3, b @ Ac - 1 / 6],
        4: [b @ c**3 - 1 / 4, b @ (c * Ac) - 1 / 8, b @ (A @ c**2) - 1 / 12, b @ (A @ Ac) - 1 / 24],
    }
    return conditions


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_named_tableaux_satisfy_their_order_conditions(name):
    tab = TABLEAUX[name]
    conditions = _order_conditions(tab)
    for order in range(1, tab.order + 1):
        np.testing.assert_allclose(conditions[order], 0.0, atol=1e-12, err_msg=f"{name} {order}")
    if tab.order < 4:  # and not of a higher order than claimed
        assert np.max(np.abs(conditions[tab.order + 1])) > 1e-6


# Membrane-like leaves, each elementwise linear: v' = (v_inf - v)/tau, and a gating
# variable m' = alpha (1 - m) - beta m, i.e. rate alpha + beta to alpha/(alpha+beta).
LINEAR_TAU, LINEAR_V_INF = np.array([5.0, 10.0, 20.0]), np.array([-50.0, 0.0, 30.0])


def _linear(t, y, args):
    v, m = y
    return (LINEAR_V_INF - v) / LINEAR_TAU, 0.3 * (1 - m) - 0.1 * m


@jax.jit
def _five_exp_euler_steps(y, dt):  # dt traced: one compilation for every dt
    step = odeint(_linear, method="exp_euler")
    return jax.lax.fori_loop(0, 5, lambda k, y: step(y, k * dt, dt, None), y)


@pytest.mark.parametrize("dt", [0.01, 0.7, 5.0, 40.0])
def test_exp_euler_is_exact_for_linear_equations(x64, dt):
    tau, v_inf = LINEAR_TAU, LINEAR_V_INF
    alpha, beta = 0.3, 0.1
    y = _five_exp_euler_steps((jnp.array([-70.0, -70.0, -70.0]), jnp.asarray(0.0)), dt)
    t = 5 * dt
    v_exact = v_inf + (-70.0 - v_inf) * np.exp(-t / tau)
    m_inf = alpha / (alpha + beta)
    m_exact = m_inf + (0.0 - m_inf) * np.exp(-(alpha + beta) * t)
    np.testing.assert_allclose(y[0], v_exact, rtol=0, atol=1e-10)
    np.testing.assert_allclose(y[1], m_exact, rtol=0, atol=1e-10)


def test_exp_euler_handles_a_zero_linear_part(x64):
    step = odeint(lambda t, y, a: jnp.full_like(y, 2.0), method="exp_euler")
    np.testing.assert_allclose(step(jnp.zeros(2), 0.0, 0.5, None), 1.0, atol=1e-15)
    grad = jax.grad(lambda y: step(y, 0.0, 0.5, None).sum())(jnp.zeros(2))
    np.testing.assert_allclose(grad, 1.0)


def test_backward_euler_is_stable_on_a_stiff_equation(x64):
    # y' = -k (y - cos t) with k dt = 100: explicit Euler explodes, backward Euler tracks
    # the slow manifold y ≈ cos t + sin t / k to O(1/k).
    k, dt = 1000.0, 0.1

    def stiff(t, y, args):
        return -k * (y - jnp.cos(t))

    for method, stable in [("backward_euler", True), ("euler", False)]:
        step = odeint(stiff, method=method)
        y, _ = jax.lax.scan(lambda y, i: (step(y, i * dt, dt, None), None), 1.0, jnp.arange(30))
        t = 30 * dt
        error = abs(float(y) - np.cos(t))
        assert (error < 2e-3) == stable, (method, error)


def test_float32_stays_float32():
    # Tracing fixes the dtype: eval_shape checks it without compiling each method.
    for method in ["rk4", "exp_euler", "backward_euler", diffrax.Tsit5()]:
        step = odeint(lambda t, y, a: -y / 10.0, method=method)
        y = jax.eval_shape(lambda: step(jnp.ones(3, jnp.float32), jnp.float32(0.0), 0.1, None))
        assert y.dtype == jnp.float32, method


def test_decorator_form():
    @odeint(method="heun")
    def decay(t, y, args):
        return -y * args

    np.testing.assert_allclose(decay(jnp.asarray(1.0), 0.0, 0.1, 2.0), 1 - 0.2 + 0.02, rtol=1e-6)


def lorenz(t, y, args):
    sigma, rho, beta = args
    x, yy, z = y[0], y[1], y[2]
    return jnp.stack([sigma * (yy - x), x * (rho - z) - yy, x * yy - beta * z])


@pytest.mark.slow  # quick-suite budget (CI, 2 cores)
def test_adaptive_solve_matches_dop853_on_lorenz(x64):
    args = (10.0, 28.0, 8.0 / 3.0)
    y0 = np.array([1.0, 1.0, 1.0])
    ts = np.linspace(0.0, 1.0, 11)
    ref = scipy.integrate.solve_ivp(
        lambda t, y: np.asarray(lorenz(t, y, args)),
        (0, 1),
        y0,
        method="DOP853",
        t_eval=ts,
        rtol=1e-12,
        atol=1e-12,
    ).y.T
    out_ts, ys = dx.integrate.solve(
        lorenz, jnp.asarray(y0), 0.0, 1.0, args=args, rtol=1e-10, atol=1e-10, saveat=ts
    )
    np.testing.assert_allclose(out_ts, ts)
    np.testing.assert_allclose(ys, ref, rtol=0, atol=1e-6)


# Hodgkin & Huxley (1952) squid axon, modern sign convention (mV, ms, mS/cm², µF/cm²).
def _rates(v, xp):
    a_m = 0.1 * (v + 40) / (1 - xp.exp(-(v + 40) / 10))
    b_m = 4 * xp.exp(-(v + 65) / 18)
    a_h = 0.07 * xp.exp(-(v + 65) / 20)
    b_h = 1 / (1 + xp.exp(-(v + 35) / 10))
    a_n = 0.01 * (v + 55) / (1 - xp.exp(-(v + 55) / 10))
    b_n = 0.125 * xp.exp(-(v + 65) / 80)
    return a_m, b_m, a_h, b_h, a_n, b_n


def _hh(y, xp):
    v, m, h, n = y
    a_m, b_m, a_h, b_h, a_n, b_n = _rates(v, xp)
    i_ion = 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77) + 0.3 * (v + 54.387)
    return (-i_ion, a_m * (1 - m) - b_m * m, a_h * (1 - h) - b_h * h, a_n * (1 - n) - b_n * n)


def _hh_initial():
    a_m, b_m, a_h, b_h, a_n, b_n = _rates(-65.0, np)
    # Rest gates with the membrane kicked to -50 mV: one action potential follows.
    return np.array([-50.0, a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)])


def test_adaptive_stepper_at_coarse_dt_matches_dop853_on_a_hodgkin_huxley_spike(x64):
    # The network dt is 0.5 ms, far too coarse for a fixed-step method through a spike;
    # the adaptive stepper sub-steps inside each dt and stays on the reference.
    dt, n = 0.5, 40
    y0 = _hh_initial()
    ref = scipy.integrate.solve_ivp(
        lambda t, y: np.array(_hh(y, np)),
        (0, dt * n),
        y0,
        method="DOP853",
        t_eval=dt * np.arange(1, n + 1),
        rtol=1e-12,
        atol=1e-12,
    ).y.T
    assert ref[:, 0].max() > 20.0  # it spikes
    step = odeint(
        lambda t, y, a: jnp.stack(_hh(y, jnp)),
        method=diffrax.Tsit5(),
        adaptive=True,
        rtol=1e-10,
        atol=1e-10,
    )

    def body(y, i):
        y = step(y, i * dt, dt, None)
        return y, y

    _, ys = jax.jit(lambda y: jax.lax.scan(body, y, jnp.arange(n)))(jnp.asarray(y0))
    np.testing.assert_allclose(ys, ref, rtol=0, atol=1e-6)
    fixed = odeint(lambda t, y, a: jnp.stack(_hh(y, jnp)), method="rk4")
    _, ys_rk4 = jax.lax.scan(
        lambda y, i: (fixed(y, i * dt, dt, None),) * 2, jnp.asarray(y0), jnp.arange(n)
    )
    # What sub-stepping buys: fixed-step RK4 at the same dt blows up during the spike.
    assert not np.all(np.abs(ys_rk4[:, 0] - ref[:, 0]) < 1.0)


def grad_and_central_difference(fn, x, eps=1e-6):
    """`(d fn / dx, the central difference)` from one compilation: the values at `x ± eps`
    come from the same jitted `value_and_grad` (a separate jit of `fn` compiled the
    forward pass a second time)."""
    value_and_grad = jax.jit(jax.value_and_grad(fn))
    grad = value_and_grad(x)[1]
    return grad, (value_and_grad(x + eps)[0] - value_and_grad(x - eps)[0]) / (2 * eps)


@pytest.mark.parametrize(
    "method, adaptive",
    [
        ("rk4", False),
        ("exp_euler", False),
        ("backward_euler", False),
        # Diffrax's adaptive solve under the stepper: 9 s of compilation; the gradient
        # through dx.integrate.solve with Diffrax is tested below in the quick suite.
        pytest.param(diffrax.Tsit5(), True, marks=pytest.mark.slow),
    ],
)
def test_gradient_through_stepper_matches_finite_differences(x64, method, adaptive):
    step = odeint(
        lambda t, y, k: -k * y**3 + jnp.sin(t),
        method=method,
        adaptive=adaptive,
        rtol=1e-10,
        atol=1e-10,
    )

    def run(k):
        y, _ = jax.lax.scan(
            lambda y, i: (step(y, 0.2 * i, 0.2, k), None), jnp.asarray([0.5, 1.5]), jnp.arange(10)
        )
        return jnp.sum(y**2)

    np.testing.assert_allclose(*grad_and_central_difference(run, 0.7), rtol=1e-6)


def test_gradient_through_solve_matches_finite_differences(x64):
    args = (10.0, 28.0, 8.0 / 3.0)

    def loss(rho):
        _, ys = dx.integrate.solve(
            lorenz, jnp.ones(3), 0.0, 0.5, args=(args[0], rho, args[2]), rtol=1e-11, atol=1e-11
        )
        return ys[-1, 2]

    np.testing.assert_allclose(*grad_and_central_difference(loss, 28.0), rtol=1e-5)


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(ValueError, match="rk4_38.*exp_euler.*backward_euler"):
        odeint(field, method="rk5")
    with pytest.raises(ValueError, match="Tsit5"):
        odeint(field, method="rk4", adaptive=True)
    with pytest.raises(ValueError, match="error estimate"):
        odeint(field, method=diffrax.Euler(), adaptive=True)
    with pytest.raises(ValueError, match="dt must be a positive number"):
        odeint(field, method="rk4")(jax.tree.map(jnp.asarray, Y0), 0.0, -0.1, None)
    with pytest.raises(ValueError, match="kvaerno5"):
        dx.integrate.solve(field, Y0, 0.0, 1.0, method="lsoda")
    with pytest.raises(ValueError, match="dt0"):
        dx.integrate.solve(field, Y0, 0.0, 1.0, method="euler")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(a=[[0.5]], b=[0.5, 0.6], c=[0.0, 0.5], order=2), "sum to 1"),
        (dict(a=[[0.5]], b=[0.0, 1.0], c=[0.0, 0.4], order=2), "c\\[1\\]"),
        (dict(a=[[0.5, 0.1]], b=[0.0, 1.0], c=[0.0, 0.5], order=2), "explicit"),
        (dict(a=[[0.5]], b=[0.0, 1.0], c=[0.0, 0.5, 1.0], order=2), "as many"),
    ],
)
def test_bad_tableaux_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ButcherTableau(**kwargs)


def test_fixed_step_solve_uses_dt0(x64):
    ts, ys = dx.integrate.solve(
        lambda t, y, a: -y, jnp.asarray(1.0), 0.0, 1.0, method="euler", dt0=0.25
    )
    np.testing.assert_allclose(ys[-1], 0.75**4)
    assert list(itertools.chain(np.asarray(ts))) == [1.0]


def test_forward_mode_through_solve(x64):
    # Forward-mode derivatives (jax.jvp / jacfwd, as used by fixed-point analysis) need
    # diffrax.ForwardMode(): d/dy0 of the linear flow y' = A y is exp(A t).
    A = jnp.array([[-1.0, 2.0], [-2.0, -1.0]])

    def flow(y0):
        _, ys = dx.integrate.solve(
            lambda t, y, a: A @ y,
            y0,
            0.0,
            1.5,
            rtol=1e-11,
            atol=1e-11,
            adjoint=diffrax.ForwardMode(),
        )
        return ys[-1]

    np.testing.assert_allclose(jax.jacfwd(flow)(jnp.ones(2)), scipy.linalg.expm(1.5 * A), atol=1e-8)
