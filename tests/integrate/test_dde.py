import math

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.integrate import History, ddeint


def retarded(t, tau=1.0):
    """y' = -y(t - tau), y = 1 for t <= 0, by the method of steps: for t in
    [(m-1) tau, m tau], y(t) = sum_{k=0}^{m} (-1)^k (t - (k-1) tau)^k / k!."""
    m = math.floor(t / tau) + 1
    return sum((-1) ** k * (t - (k - 1) * tau) ** k / math.factorial(k) for k in range(m + 1))


def test_closed_form_is_the_method_of_steps():
    # On each interval the sum solves y' = -y(t - tau) and is continuous at m tau.
    for tau in (1.0, 0.95):
        for t in np.linspace(0.05, 3.0, 13):
            h = 1e-6
            slope = (retarded(t + h, tau) - retarded(t - h, tau)) / (2 * h)
            lagged = retarded(t - tau, tau) if t > tau else 1.0
            assert slope == pytest.approx(-lagged, abs=1e-6)
        for m in (1, 2, 3):
            t = m * tau
            assert retarded(t - 1e-12, tau) == pytest.approx(retarded(t + 1e-12, tau), abs=1e-9)


def solve(f, method, dt, n, max_delay, y0=1.0, before=None, **kwargs):
    """The value after `n` steps, from one jitted lax.scan."""
    step = ddeint(f, method, max_delay=max_delay, **kwargs)

    @jax.jit
    def run():
        history = step.init(y0, dt=dt, before=before)
        history, _ = jax.lax.scan(lambda h, _: (step(h, h.t, dt), None), history, None, length=n)
        return history.value

    return run()


def order(dts, errors):
    return np.polyfit(np.log(dts), np.log(errors), 1)[0]


def lag(tau):
    return lambda t, y, history, args: -history(t - tau)


def test_grid_aligned_delay(x64):
    # Stages at half steps read the history halfway between grid values: linear
    # interpolation costs dt^2/12 at t = 3 here; cubic interpolation removes it.
    err = abs(float(solve(lag(1.0), "rk4", 0.01, 300, 1.0)) - retarded(3.0))
    assert err < 1e-5
    err = abs(float(solve(lag(1.0), "rk4", 0.01, 300, 1.0, interpolation="cubic")) - retarded(3.0))
    assert err < 1e-9


@pytest.mark.parametrize(
    "method, interpolation, expected",
    # RK4 with linear interpolation with the slow tests (a 4-minute quick suite)
    [
        pytest.param("rk4", "linear", 2.0, marks=pytest.mark.slow),
        ("euler", "linear", 1.0),
        ("rk4", "cubic", 3.0),
    ],
)
def test_order_with_delay_off_the_grid(x64, method, interpolation, expected):
    # Two elements with their own delays, 1 and 0.95 (one read per element), at
    # dt = 0.03 / 2^k: tau / dt is never an integer, so every read interpolates.
    taus = jnp.array([1.0, 0.95])
    dts = [0.03 / 2**k for k in range(4 if interpolation == "linear" else 3)]
    errors = []
    for dt in dts:
        n = round(3.0 / dt)
        y = solve(lag(taus), method, dt, n, 1.0, y0=jnp.ones(2), interpolation=interpolation)
        expected_y = [retarded(n * dt, 1.0), retarded(n * dt, 0.95)]
        errors.append(np.abs(np.asarray(y) - expected_y))
    errors = np.array(errors)
    for k in range(2):
        assert abs(order(dts, errors[:, k]) - expected) < 0.25, errors
    bound = {"euler": 3e-3, "linear": 2e-6, "cubic": 5e-9}
    assert errors[-1].max() < bound[method if method == "euler" else interpolation]


@pytest.mark.parametrize("method", ["exp_euler", "backward_euler", diffrax.Tsit5()])
def test_other_ode_methods(x64, method):
    y = solve(lag(1.0), method, 0.01, 300, 1.0)
    tol = 1e-5 if isinstance(method, diffrax.AbstractSolver) else 1e-2
    assert abs(float(y) - retarded(3.0)) < tol


def cos_history(t):
    """y' = -y(t - 1), y = cos t for t <= 0, by the method of steps."""
    if t <= 1:
        return 1 - math.sin(1) - math.sin(t - 1)
    return (1 - math.sin(1)) * (2 - t) + math.cos(1) - math.cos(t - 2)


def test_history_function(x64):
    # The pre-history is evaluated exactly: the error is the integrator's alone.
    dts = [0.03 / 2**k for k in range(3)]
    errors = []
    for dt in dts:
        n = round(2.0 / dt)
        y = solve(lag(1.0), "rk4", dt, n, 1.0, before=jnp.cos)
        errors.append(abs(float(y) - cos_history(n * dt)))
    assert abs(order(dts, errors) - 2.0) < 0.2, errors
    assert errors[-1] < 3e-6


def test_history_array(x64):
    c = jnp.array([1.0, 2.0, -3.0])
    y = solve(lag(1.0), "rk4", 0.01, 300, 1.0, y0=c, before=c)
    np.testing.assert_allclose(y, np.asarray(c) * retarded(3.0), atol=1e-4)
    # A pytree state and a scalar pre-history broadcast to it.
    f = lambda t, y, h, args: {"a": -h(t - 1.0)["a"], "b": -2 * h(t - 1.0)["b"]}
    y = solve(f, "rk4", 0.01, 100, 1.0, y0={"a": 1.0, "b": jnp.ones(2)}, before=1.0)
    np.testing.assert_allclose(y["a"], 0.0, atol=1e-12)
    np.testing.assert_allclose(y["b"], -1.0, atol=1e-12)


def test_history_jump_at_t0(x64):
    # y(0) = 0 but y = 1 before: y = -t on [0, 1], -1 + (t - 1)^2 / 2 on [1, 2]. The jump
    # is not tracked, so the error is first order, but it is read on the right side.
    errors = []
    for dt in (0.02, 0.01):
        y = solve(lag(1.0), "rk4", dt, round(2.0 / dt), 1.0, y0=0.0, before=1.0)
        errors.append(abs(float(y) - (-0.5)))
    assert errors[1] < 0.6 * errors[0] and errors[1] < 2e-3, errors


@pytest.mark.slow  # quick-suite budget (CI, 2 cores)
def test_state_dependent_delay(x64):
    # tau(y) = 0.5 + 0.5 |y| <= max_delay = 1: self-convergence of rk4 at order 2.
    f = lambda t, y, h, args: -h(t - jnp.minimum(0.5 + 0.5 * jnp.abs(y), 1.0))
    dts = [0.02 / 2**k for k in range(3)]
    values = [float(solve(f, "rk4", dt, round(3.0 / dt), 1.0)) for dt in dts]
    errors = np.abs(np.diff(values))  # successive differences converge at the same order
    assert abs(order(dts[1:], errors) - 2.0) < 0.25, errors
    assert errors[-1] < 3e-6


@pytest.mark.slow  # quick-suite budget (CI, 2 cores)
def test_neutral_delay(x64):
    # y' = a y(t - 1) + y'(t - 1) / 2 with a = 1/2 - 1/e has the solution y = e^{-t}.
    a = 0.5 - 1 / math.e
    f = lambda t, y, h, args: a * h(t - 1.0) + 0.5 * h.derivative(t - 1.0)
    before = lambda t: jnp.exp(-t)
    dts = [0.03 / 2**k for k in range(2)]
    errors = []
    for dt in dts:
        n = round(3.0 / dt)
        y = solve(f, "rk4", dt, n, 1.0, before=before, interpolation="cubic")
        errors.append(abs(float(y) - math.exp(-n * dt)))
    assert abs(order(dts, errors) - 3.0) < 0.25, errors
    assert errors[-1] < 1e-7


def test_history_reads(x64):
    # Grid values y_j = j^2 at t = 1 + 0.5 j; before = 10 t for t < 1.
    @jax.jit
    def reads():
        h = History.create(0.0, t0=1.0, dt=0.5, max_delay=1.0, before=lambda t: 10 * t)
        for j in range(1, 7):
            h = h.push(float(j**2))
        times = jnp.array([3.75, 5.0, 2.0, 0.5, 2.5, 2.75])
        return h, jax.vmap(h)(times), h(times[:2]), h.derivative(jnp.array([3.5, 0.0]))

    h, values, per_element, slopes = reads()
    assert h.length == 4 and int(h.n) == 6 and float(h.t) == 4.0 and float(h.value) == 36.0
    np.testing.assert_allclose(
        values,
        [
            30.5,  # between 25 and 36
            36.0,  # after the newest value: frozen
            9.0,  # older than the buffer (L = 4 values): its oldest entry, not 4
            5.0,  # before t0: the pre-history
            9.0,  # max_delay + one step back from the newest entry: still exact
            12.5,
        ],
    )
    np.testing.assert_allclose(per_element, [30.5, 36.0])  # a scalar y at several times
    # Midpoint slopes 22 (at 3.75) and 18 (at 3.25), interpolated at 3.5; before: 10.
    np.testing.assert_allclose(slopes, [20.0, 10.0])


def test_grid_point_reads_agree_under_jit(x64):
    # Stages at t and t + dt read grid points. XLA folds t0 = 0 and dt into constants
    # and contracts multiply-adds differently in different fusions; reads must not land
    # a step off (they did, from step 216 on, before positions were snapped).
    def run():
        h = History.create(1.0, dt=0.01, max_delay=1.0)

        def body(h, _):
            reads = [h(h.t + c * 0.01 - 1.0) for c in (0.0, 1.0)]
            return h.push(h.value - 0.005 * (reads[0] + reads[1])), jnp.stack(reads)

        return jax.lax.scan(body, h, None, length=300)[1]

    np.testing.assert_allclose(jax.jit(run)(), run(), rtol=0, atol=1e-14)


def test_mackey_glass_is_chaotic():
    # float32 throughout; 1000 time units at dt = 0.1.
    def f(t, x, history, args):
        x_tau = history(t - 17.0)
        return 0.2 * x_tau / (1 + x_tau**10) - 0.1 * x

    step = ddeint(f, "rk4", max_delay=17.0)

    @jax.jit
    def run():
        h = step.init(1.2, dt=0.1)
        return jax.lax.scan(lambda h, _: (step(h, h.t, 0.1), h.value), h, None, length=10000)

    h, xs = run()
    assert xs.dtype == jnp.float32 and h.t.dtype == jnp.float32
    xs = np.asarray(xs)
    assert np.all(np.isfinite(xs)) and xs.min() > 0 and xs.max() < 1.5
    late = xs[5000:]
    assert late.std() > 0.05
    # Not periodic either: the maxima of the late trajectory take many distinct values.
    peaks = late[1:-1][(late[1:-1] > late[:-2]) & (late[1:-1] > late[2:])]
    assert len(np.unique(np.round(peaks, 2))) > 10


def test_sde_with_delay(x64):
    # dy = -y(t - 1) dt + sigma dW: linear, so the mean of Euler–Maruyama paths equals
    # the deterministic Euler solution; on [0, 1], y = 1 - t + sigma W(t).
    sigma, dt, n, paths = 0.2, 0.01, 300, 2000
    g = lambda t, y, h, args: sigma * jnp.ones_like(y)
    step = ddeint(lag(1.0), "euler_maruyama", g=g, max_delay=1.0)

    def path(key):
        h = step.init(1.0, dt=dt)
        keys = jax.random.split(key, n)
        h, ys = jax.lax.scan(lambda h, k: (step(h, h.t, dt, None, k), h.value), h, keys)
        return ys[100], h.value

    y1, y3 = jax.jit(jax.vmap(path))(jax.random.split(jax.random.key(0), paths))
    mean = float(solve(lag(1.0), "euler", dt, n, 1.0))
    assert abs(float(y3.mean()) - mean) < 4 * float(y3.std()) / math.sqrt(paths)
    assert float(y1.var()) == pytest.approx(sigma**2 * 1.0, rel=0.15)
    assert float(y3.std()) > sigma / 2


def test_gradient_matches_finite_differences(x64):
    # d y(2) / d a for y' = -a y(t - tau(y)) - y, tau(y) = 0.7 (1 + tanh(y) / 2): the
    # gradient flows through the coefficient, the history and the interpolation weight.
    dt, n = 0.05, 40
    f = lambda t, y, h, a: -a * h(t - 0.7 * (1 + 0.5 * jnp.tanh(y))) - y
    step = ddeint(f, "rk4", max_delay=1.05)

    def final(a):
        h = step.init(1.0, dt=dt)
        h, _ = jax.lax.scan(lambda h, _: (step(h, h.t, dt, a), None), h, None, length=n)
        return h.value

    # One compilation: the finite difference uses the values of the same value_and_grad.
    value_and_grad = jax.jit(jax.value_and_grad(final))
    grad = float(value_and_grad(1.3)[1])
    eps = 1e-6
    fd = (float(value_and_grad(1.3 + eps)[0]) - float(value_and_grad(1.3 - eps)[0])) / (2 * eps)
    assert grad == pytest.approx(fd, rel=1e-6)


def test_validation():
    f = lag(1.0)
    with pytest.raises(ValueError, match="max_delay"):
        ddeint(f, max_delay=0.0)
    with pytest.raises(ValueError, match="max_delay"):
        ddeint(f, max_delay=-1.0)
    with pytest.raises(ValueError, match="unknown ODE method"):
        ddeint(f, "rk5", max_delay=1.0)
    with pytest.raises(ValueError, match="interpolation"):
        ddeint(f, max_delay=1.0, interpolation="spline")
    step = ddeint(f, max_delay=1.0)
    with pytest.raises(ValueError, match="dt"):
        step.init(1.0, dt=0.0)
    with pytest.raises(ValueError, match="before"):
        step.init(jnp.ones(3), dt=0.1, before=jnp.ones(2))
    with pytest.raises(ValueError, match="before"):
        step.init(jnp.ones(3), dt=0.1, before=lambda t: jnp.ones(4))
    with pytest.raises(ValueError, match="before"):
        step.init({"a": 1.0}, dt=0.1, before={"b": 1.0})
    h = step.init(1.0, dt=0.1)
    with pytest.raises(ValueError, match="dt"):
        step(h, 0.0, 0.2)
    with pytest.raises(ValueError, match="key"):
        step(h, 0.0, 0.1, None, jax.random.key(0))
    noisy = ddeint(f, g=lambda t, y, h, a: y, max_delay=1.0)
    with pytest.raises(ValueError, match="key"):
        noisy(h, 0.0, 0.1)
    with pytest.raises(ValueError, match="options"):
        ddeint(f, g=lambda t, y, h, a: y, max_delay=1.0, adaptive=True)


def test_public_names():
    assert dx.integrate.ddeint is ddeint and dx.integrate.History is History
