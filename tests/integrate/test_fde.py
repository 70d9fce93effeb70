import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import erfcx, gamma

import dynax as dx

METHODS = ("caputo_euler", "caputo_l1", "gl_short_memory")
OBJECTS = {
    "caputo_euler": dx.integrate.CaputoEuler,
    "caputo_l1": dx.integrate.CaputoL1,
    "gl_short_memory": dx.integrate.GrunwaldLetnikov,
}


def mittag_leffler(alpha, z, n_terms=200):
    """$E_\\alpha(z) = \\sum_k z^k / \\Gamma(\\alpha k + 1)$ in float64 (|z| <= ~3)."""
    z = np.asarray(z, np.float64)[..., None]
    k = np.arange(n_terms)
    return np.sum(z**k / gamma(alpha * k + 1), axis=-1)


def relaxation(t, y, lam):
    return -lam * y


@functools.partial(jax.jit, static_argnames=("method", "n_steps", "num_memory"))
def solve(method, alpha, lam, dt, n_steps, num_memory):
    """$D^\\alpha y = -\\lambda y$, $y(0) = 1$: the values at $t_0, \\dots, t_N$."""
    stepper = dx.integrate.fdeint(relaxation, alpha, method=method, num_memory=num_memory)
    state = stepper.init(jnp.asarray(1.0))

    def body(state, i):
        state = stepper(state, i * dt, dt, lam)
        return state, state.y

    _, ys = jax.lax.scan(body, state, jnp.arange(n_steps))
    return jnp.concatenate([jnp.ones(1, ys.dtype), ys])


@eqx.filter_jit
@eqx.filter_jit
def _advance(stepper, state, t0, dt, n_steps, args):
    return jax.lax.fori_loop(0, n_steps, lambda i, s: stepper(s, t0 + i * dt, dt, args), state)


def advance(stepper, state, t0, dt, n_steps, args):
    """`n_steps` steps from `t0` (compiled once per stepper structure: all else is traced)."""
    return _advance(stepper, state, t0, dt, jnp.asarray(n_steps), args)


def test_mittag_leffler_reference_is_accurate():
    z = np.linspace(0.0, 3.2, 41)
    # E_{1/2}(-x) = exp(x^2) erfc(x) in closed form.
    np.testing.assert_allclose(mittag_leffler(0.5, -z), erfcx(z), rtol=0, atol=1e-11)
    # The series has converged: twice the terms changes nothing.
    np.testing.assert_allclose(mittag_leffler(0.8, -z), mittag_leffler(0.8, -z, 400), atol=1e-14)


def fitted_order(dts, errors):
    return np.polyfit(np.log(dts), np.log(errors), 1)[0]


@pytest.mark.parametrize("alpha", [0.5, 0.8])
@pytest.mark.parametrize("method", METHODS)
def test_relaxation_converges_to_mittag_leffler(x64, method, alpha):
    # One compilation per method: a 1024-step scan with a full memory; a coarser dt just
    # reads the first N steps (alpha and dt are traced).
    n_max, t_end = 1024, 3.0
    ns = np.array([64, 128, 256, 512, 1024])
    err_end, err_max, err_grid = [], [], []
    for n in ns:
        dt = t_end / n
        ys = np.asarray(solve(method, alpha, 1.0, dt, n_max, n_max))[: n + 1]
        t = dt * np.arange(n + 1)
        err = np.abs(ys - mittag_leffler(alpha, -(t**alpha)))
        err_end.append(err[-1])
        err_max.append(err[t >= 0.5].max())
        err_grid.append(err.max())
    dts = t_end / ns
    assert np.all(np.diff(err_end) < 0) and np.all(np.diff(err_max) < 0)
    # Measured (Ns 64..1024): at t = 3 ms the orders are 0.98-1.01 for all three methods
    # and both alphas; the max error over t >= 0.5 ms gives 0.98-1.03. All three
    # schemes are first order at a fixed t > 0 on this problem, despite the t^alpha
    # behaviour of y near t = 0, so the nominal order is 1.
    assert abs(fitted_order(dts, err_end) - 1.0) < 0.2
    assert abs(fitted_order(dts, err_max) - 1.0) < 0.2
    assert err_end[-1] < 3e-4
    if method == "caputo_euler":
        # Its first step has the series' coefficient 1 / Gamma(1 + alpha) (error
        # O(dt^{2 alpha})), so the max over the whole grid is first order too (measured
        # 0.96 and 1.02).
        assert abs(fitted_order(dts, err_grid) - 1.0) < 0.2
    else:
        # L1 and GL take the first step with Gamma(2 - alpha) dt^alpha f0 and dt^alpha f0:
        # an O(dt^alpha) error at t = dt that dominates the max over the whole grid (not
        # asserted to have an order: fits give 0.08-0.9, pre-asymptotic). It stays small.
        assert err_grid[-1] < 2e-2


def test_first_steps_match_their_formulas(x64):
    alpha, lam, dt = 0.6, 1.3, 0.1
    s = dt**alpha
    y1 = {
        "caputo_euler": 1 - lam * s / gamma(1 + alpha),
        "caputo_l1": 1 - lam * s * gamma(2 - alpha),
        "gl_short_memory": 1 - lam * s,
    }
    # Second step, written out from the docstring formulas with f_j = -lam y_j.
    y2 = {
        "caputo_euler": 1 - lam * s / gamma(1 + alpha) * ((2**alpha - 1) * 1 + y1["caputo_euler"]),
        "caputo_l1": y1["caputo_l1"]
        - lam * s * gamma(2 - alpha) * y1["caputo_l1"]
        - (2 ** (1 - alpha) - 1) * (y1["caputo_l1"] - 1),
        "gl_short_memory": 1
        - lam * s * y1["gl_short_memory"]
        + alpha * (y1["gl_short_memory"] - 1),
    }
    for method in METHODS:
        ys = np.asarray(solve(method, alpha, lam, dt, 2, 4))
        np.testing.assert_allclose(ys[1:], [y1[method], y2[method]], rtol=1e-14, err_msg=method)


def euler(f, y, dt, n_steps, args):
    for i in range(n_steps):
        y = jax.tree.map(lambda a, b: a + dt * b, y, f(i * dt, y, args))
    return y


def forced(t, y, args):
    # A nonlinear, time-dependent field on a pytree.
    return {"v": -(y["v"] ** 3) + jnp.sin(t) * y["w"], "w": args * (y["v"] - y["w"])}


@pytest.mark.parametrize("method", METHODS)
def test_alpha_one_is_explicit_euler(x64, method):
    # With a memory (5) much shorter than the run (60): at alpha = 1 nothing is forgotten.
    stepper = dx.integrate.fdeint(forced, 1.0, method=method, num_memory=5)
    y0 = {"v": jnp.array([0.3, -1.2]), "w": jnp.array([1.0, 0.5])}
    dt, n_steps = 0.05, 60
    state = advance(stepper, stepper.init(y0), 0.0, dt, n_steps, 0.7)
    expected = euler(forced, y0, dt, n_steps, 0.7)
    for key in y0:
        np.testing.assert_allclose(state.y[key], expected[key], rtol=1e-13, atol=1e-15)
    assert int(state.n) == n_steps


@pytest.mark.parametrize("method", METHODS)
def test_float32_stays_float32(method):
    stepper = dx.integrate.fdeint(relaxation, 1.0, method=method, num_memory=3)
    state = advance(stepper, stepper.init(jnp.ones(3, jnp.float32)), 0.0, 0.1, 10, 2.0)
    assert state.y.dtype == jnp.float32
    assert all(h.dtype == jnp.float32 for h in jax.tree.leaves(state.history))
    np.testing.assert_allclose(state.y, 0.8**10, rtol=1e-5)


def test_per_element_alpha_matches_scalar_runs(x64):
    alphas = jnp.array([0.4, 0.9])
    dt, n = 0.05, 40

    def run(alpha):
        stepper = dx.integrate.fdeint(relaxation, alpha, method=dx.integrate.CaputoL1(n))
        return advance(stepper, stepper.init(jnp.ones(2)), 0.0, dt, n, 1.0).y

    both = run(alphas)
    np.testing.assert_allclose(both[0], run(0.4)[0], rtol=1e-14)
    np.testing.assert_allclose(both[1], run(0.9)[1], rtol=1e-14)
    # alpha is an array field: a sweep over orders is a vmap.
    swept = jax.vmap(run)(alphas)
    np.testing.assert_allclose(jnp.diagonal(swept), both, rtol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_short_memory_error_shrinks_with_memory(x64, method):
    alpha, dt, n = 0.6, 0.05, 128
    # The full-memory run is the first n steps of the 1024-step one (already compiled).
    full = np.asarray(solve(method, alpha, 1.0, dt, 1024, 1024))[: n + 1]
    diffs = [
        np.abs(np.asarray(solve(method, alpha, 1.0, dt, n, m)) - full).max() for m in (4, 16, 64)
    ]
    assert diffs[0] > 1e-3  # truncation matters...
    assert np.all(np.diff(diffs) < 0)  # ...less and less as the memory grows
    assert diffs[-1] < 0.5 * diffs[0]
    # Truncation errors fall off slowly (the weights decay like a power of the lag): at
    # 64 of 128 steps they are still 0.03 (GL, Euler) to 0.09 (L1) here, with y(6.4) = 0.16.


@pytest.mark.parametrize("method", METHODS)
def test_gradients_match_finite_differences(x64, method):
    dt, n = 0.1, 20

    def y_final(alpha, lam):
        # Built inside the trace: alpha is a tracer (its range check is skipped).
        stepper = dx.integrate.fdeint(relaxation, alpha, method=method, num_memory=8)
        state = stepper.init(jnp.asarray(1.0))
        return jax.lax.fori_loop(0, n, lambda i, s: stepper(s, i * dt, dt, lam), state).y

    # One compilation: the finite differences use the values of the same value_and_grad.
    value_and_grad = jax.jit(jax.value_and_grad(y_final, argnums=(0, 1)))
    final = lambda alpha, lam: value_and_grad(alpha, lam)[0]
    alpha, lam, h = 0.7, 1.5, 1e-6
    g_alpha, g_lam = value_and_grad(alpha, lam)[1]
    fd_alpha = (final(alpha + h, lam) - final(alpha - h, lam)) / (2 * h)
    fd_lam = (final(alpha, lam + h) - final(alpha, lam - h)) / (2 * h)
    np.testing.assert_allclose(g_alpha, fd_alpha, rtol=1e-6)
    np.testing.assert_allclose(g_lam, fd_lam, rtol=1e-6)
    assert abs(g_alpha) > 1e-3 and abs(g_lam) > 1e-3


@pytest.mark.parametrize("method", METHODS)
def test_reset(x64, method):
    stepper = dx.integrate.fdeint(relaxation, 0.6, method=method, num_memory=6)
    state = stepper.init(jnp.array([1.0, 2.0]))
    # Before any step, a reset is a fresh start.
    fresh = stepper.reset(state, jnp.array([3.0, 4.0]))
    for a, b in zip(jax.tree.leaves(fresh), jax.tree.leaves(stepper.init(jnp.array([3.0, 4.0])))):
        np.testing.assert_array_equal(a, b)
    state = advance(stepper, state, 0.0, 0.1, 4, 1.0)
    # Resetting to the current value changes nothing (a jnp.where-masked reset).
    same = stepper.reset(state, state.y)
    for a, b in zip(jax.tree.leaves(same), jax.tree.leaves(state)):
        np.testing.assert_array_equal(a, b)
    reset = stepper.reset(state, jnp.array([-1.0, state.y[1]]))
    np.testing.assert_array_equal(reset.y, [-1.0, state.y[1]])
    np.testing.assert_array_equal(reset.history[:, 1], state.history[:, 1])
    # The next step starts from the new value: for GL and L1 the memory sees the jump.
    nxt = advance(stepper, reset, 0.4, 0.1, 1, 1.0)
    assert nxt.y[0] < 0
    if method == "caputo_l1":
        np.testing.assert_allclose(reset.history[0, 0], -1.0 - state.history[1:, 0].sum() - 1.0)
    if method == "gl_short_memory":
        np.testing.assert_allclose(reset.history[0, 0], -2.0)


@pytest.mark.parametrize("method", METHODS)
def test_reset_at_alpha_one_continues_as_euler(x64, method):
    stepper = dx.integrate.fdeint(relaxation, 1.0, method=method, num_memory=6)
    state = advance(stepper, stepper.init(jnp.asarray(1.0)), 0.0, 0.1, 6, 2.0)
    state = stepper.reset(state, 5.0)
    state = advance(stepper, state, 0.6, 0.1, 6, 2.0)
    np.testing.assert_allclose(state.y, 5.0 * 0.8**6, rtol=1e-13)


def test_validation():
    with pytest.raises(ValueError, match="alpha"):
        dx.integrate.fdeint(relaxation, 0.0)
    with pytest.raises(ValueError, match="alpha"):
        dx.integrate.fdeint(relaxation, 1.2)
    with pytest.raises(ValueError, match="alpha"):
        dx.integrate.fdeint(relaxation, jnp.array([0.5, -0.1]))
    with pytest.raises(ValueError, match="caputo_euler, caputo_l1, gl_short_memory"):
        dx.integrate.fdeint(relaxation, 0.5, method="adams")
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="num_memory"):
            dx.integrate.fdeint(relaxation, 0.5, num_memory=bad)
    stepper = dx.integrate.fdeint(relaxation, 0.5, num_memory=4)
    with pytest.raises(ValueError, match="dt"):
        eqx.filter_eval_shape(stepper, stepper.init(1.0), 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="broadcast"):
        bad = dx.integrate.fdeint(relaxation, jnp.full((2, 3), 0.5), num_memory=4)
        eqx.filter_eval_shape(bad, bad.init(jnp.ones(3)), 0.0, 0.1, 1.0)


@pytest.mark.parametrize("name", METHODS)
def test_a_name_is_its_method_object(name):
    method = OBJECTS[name]()
    assert dx.integrate.METHODS[name] == method
    assert type(dx.integrate.METHODS[name]) is type(method)
    assert method.num_memory == 1000 and method.order() == 1.0
    assert isinstance(method, dx.integrate.AbstractFDEMethod)
    assert dx.integrate.fdeint(relaxation, 0.5, method=name).method == method
    # num_memory with a name sets the object's memory; equal objects, equal steppers.
    stepper = dx.integrate.fdeint(relaxation, 0.5, method=name, num_memory=7)
    assert stepper.method == OBJECTS[name](num_memory=7)
    assert stepper.method != method
    assert dx.integrate.fdeint(relaxation, 0.5).method == dx.integrate.CaputoL1()


@pytest.mark.parametrize("name", METHODS)
def test_an_object_and_its_name_give_identical_results(name):
    # float32, a pytree, a per-element alpha, a memory shorter than the run and a reset.
    y0 = {"v": jnp.array([0.3, -1.2, 2.0]), "w": jnp.array([1.0, 0.5, -0.3])}
    alpha = jnp.array([0.4, 0.8, 1.0])

    def run(stepper):
        state = advance(stepper, stepper.init(y0), 0.0, 0.05, 12, 0.7)
        state = stepper.reset(state, {"v": -state.y["v"], "w": state.y["w"]})
        return advance(stepper, state, 0.6, 0.05, 12, 0.7)

    by_name = run(dx.integrate.fdeint(forced, alpha, method=name, num_memory=5))
    by_object = run(dx.integrate.fdeint(forced, alpha, method=OBJECTS[name](num_memory=5)))
    built = run(dx.integrate.FDEStepper(forced, alpha, OBJECTS[name](num_memory=5)))
    for other in (by_object, built):
        for a, b in zip(jax.tree.leaves(by_name), jax.tree.leaves(other), strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_bad_methods_and_memories_are_refused_with_the_choices():
    choices = "caputo_euler, caputo_l1, gl_short_memory"
    with pytest.raises(ValueError, match=f"unknown FDE method 'adams'.*{choices}.*CaputoL1"):
        dx.integrate.fdeint(relaxation, 0.5, method="adams")
    # A name of another family means the same method everywhere: fdeint refuses it.
    for ode_only in ("rk4", "euler", "exp_euler", "euler_maruyama"):
        with pytest.raises(ValueError, match=f"not a fractional.*{choices}"):
            dx.integrate.fdeint(relaxation, 0.5, method=ode_only)
    with pytest.raises(ValueError, match=f"RK4.*not a fractional.*{choices}"):
        dx.integrate.fdeint(relaxation, 0.5, method=dx.integrate.RK4())
    with pytest.raises(ValueError, match="not an ODE method"):
        dx.integrate.odeint(relaxation, method="caputo_l1")
    with pytest.raises(ValueError, match="not an SDE method"):
        dx.integrate.sdeint(relaxation, relaxation, "gl_short_memory")
    # The memory belongs to the object: given twice, it is refused rather than guessed.
    with pytest.raises(ValueError, match=r"num_memory.*CaputoL1\(num_memory=5\)"):
        dx.integrate.fdeint(relaxation, 0.5, method=dx.integrate.CaputoL1(), num_memory=5)
    with pytest.raises(ValueError, match="fractional method"):
        dx.integrate.FDEStepper(relaxation, 0.5, "caputo_l1")  # type: ignore[arg-type]
    for cls in OBJECTS.values():
        for bad in (0, -3, 2.5, True, None):
            with pytest.raises(ValueError, match=f"num_memory={bad!r}"):
                cls(num_memory=bad)
        assert cls(num_memory=np.int64(4)) == cls(4)
