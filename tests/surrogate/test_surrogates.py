"""Surrogate spike functions: Heaviside forward, the published gradient backward, and
`smooth` its exact primitive; gradients through a small spiking network."""

import functools
import inspect
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

S = dx.surrogate


def _n(x, mean, std):
    return math.exp(-0.5 * ((x - mean) / std) ** 2) / (math.sqrt(2 * math.pi) * std)


def _sig(z):
    return 1 / (1 + math.exp(-z))


# Each surrogate with parameters away from its defaults, the points where its gradient
# has a kink or a jump, and its published gradient written out with `math`.
CASES = {  # name: () -> (instance, kinks, formula), built where x64 is on
    "Sigmoid": lambda: (S.Sigmoid(alpha=3.0), [], lambda x: 3 * _sig(3 * x) * (1 - _sig(3 * x))),
    "PiecewiseQuadratic": lambda: (
        S.PiecewiseQuadratic(alpha=2.0),
        [-0.5, 0.5],
        lambda x: max(0.0, 2 - 4 * abs(x)),
    ),
    "PiecewiseExp": lambda: (
        S.PiecewiseExp(alpha=1.5),
        [],
        lambda x: 0.75 * math.exp(-1.5 * abs(x)),
    ),
    "SoftSign": lambda: (S.SoftSign(alpha=2.0), [], lambda x: 1 / (1 + 2 * abs(x)) ** 2),
    "Arctan": lambda: (S.Arctan(alpha=2.0), [], lambda x: 1 / (1 + (math.pi * x) ** 2)),
    "ERF": lambda: (S.ERF(alpha=2.0), [], lambda x: 2 / math.sqrt(math.pi) * math.exp(-4 * x * x)),
    "PiecewiseLeakyRelu": lambda: (
        S.PiecewiseLeakyRelu(c=0.05, w=0.5),
        [-0.5, 0.5],
        lambda x: 2.0 if abs(x) <= 0.5 else 0.05,
    ),
    "SquarewaveFourierSeries": lambda: (
        S.SquarewaveFourierSeries(n=3, t_period=6.0),
        [],
        lambda x: 4 / 6 * sum(math.cos(k * 2 * math.pi * x / 6) for k in (1, 3, 5)),
    ),
    "S2NN": lambda: (
        S.S2NN(alpha=3.0, beta=0.5),
        [],
        lambda x: 3 * _sig(3 * x) * (1 - _sig(3 * x)) if x < 0 else 0.5 / (x + 1),
    ),
    "QPseudoSpike": lambda: (S.QPseudoSpike(alpha=3.0), [], lambda x: (1 + abs(x)) ** -3),
    "LeakyRelu": lambda: (S.LeakyRelu(alpha=0.2, beta=0.8), [], lambda x: 0.2 if x < 0 else 0.8),
    "LogTailedRelu": lambda: (
        S.LogTailedRelu(alpha=0.1),
        [1.0],
        lambda x: 0.1 if x <= 0 else (1.0 if x <= 1 else 1 / x),
    ),
    "ReluGrad": lambda: (
        S.ReluGrad(alpha=0.5, width=1.5),
        [-1.5, 1.5],
        lambda x: 0.5 * max(1.5 - abs(x), 0.0),
    ),
    "GaussianGrad": lambda: (
        S.GaussianGrad(sigma=0.8, alpha=0.7),
        [],
        lambda x: 0.7 * _n(x, 0, 0.8),
    ),
    "InvSquareGrad": lambda: (
        S.InvSquareGrad(alpha=10.0),
        [],
        lambda x: 1 / (10 * abs(x) + 1) ** 2,
    ),
    "MultiGaussianGrad": lambda: (
        S.MultiGaussianGrad(h=0.2, s=4.0, sigma=0.6, scale=0.9),
        [],
        lambda x: 0.9 * (1.2 * _n(x, 0, 0.6) - 0.2 * _n(x, 0.6, 2.4) - 0.2 * _n(x, -0.6, 2.4)),
    ),
    "SlayerGrad": lambda: (S.SlayerGrad(alpha=2.0), [], lambda x: math.exp(-2 * abs(x))),
}
NAMES = sorted(CASES)
POINTS = [-2.0, -0.7, -0.25, 0.0, 0.3, 0.5, 1.2, 2.5]


def test_every_surrogate_is_exported_and_tested():
    exported = {
        name
        for name, obj in vars(S).items()
        if inspect.isclass(obj) and issubclass(obj, S.AbstractSurrogate)
    }
    assert exported - {"AbstractSurrogate"} == set(CASES)
    assert len(CASES) == 17


def grid(kinks):
    """A grid with 0, the kinks and their float64 neighbours on both sides."""
    special = [0.0, *kinks]
    near = [np.nextafter(k, s) for k in special for s in (-np.inf, np.inf)]
    return np.concatenate([np.linspace(-4, 4, 81), special, near])


def pointwise(fn, other, x, points, steps32, steps64, t):
    """Everything the pointwise tests check for one surrogate."""
    y, y_dot = jax.jvp(fn, (points,), (t,))
    _, pullback = jax.vjp(fn, points)
    stacked = jax.tree.map(lambda a, b: jnp.stack([a, b]), fn, other)
    grad_x = jax.grad(lambda f, v: f(v), argnums=1)
    return dict(
        grad=jax.vmap(jax.grad(fn))(x),
        grad_smooth=jax.vmap(jax.grad(fn.smooth))(x),
        derivative=fn.derivative(x),
        published=fn.derivative(points),
        y=y,
        y_dot=y_dot,
        x_bar=pullback(t)[0],
        param_grads=eqx.filter_grad(lambda f: jnp.sum(f(points) * t))(fn),
        vmapped=jax.vmap(jax.vmap(grad_x, (None, 0)))(stacked, jnp.stack([points, -points])),
        stacked_derivative=jnp.stack([fn.derivative(points), other.derivative(-points)]),
        steps32=fn(steps32),
        steps64=fn(steps64),
        grad32=jax.grad(fn)(steps32[-1]),
    )


@functools.cache
def all_results():
    """The pointwise checks of every surrogate, in one compilation (17 separate ones
    cost seconds of the quick suite), with x64 on for the parameters too."""
    with jax.enable_x64(True):
        cases = {name: CASES[name]() for name in NAMES}
        points = {name: np.asarray(POINTS + kinks) for name, (_, kinks, _) in cases.items()}
        steps = [-3.0, -1e-30, -0.0, 0.0, 1e-30, 0.5, 7.0]
        args = {
            name: (
                fn,
                jax.tree.map(lambda p: 1.5 * p, fn),  # every parameter scaled, still valid
                jnp.asarray(grid(kinks)),
                jnp.asarray(points[name]),
                jnp.asarray(steps, jnp.float32),
                jnp.asarray(steps, jnp.float64),
                jnp.linspace(-2.0, 3.0, len(points[name])),
            )
            for name, (fn, kinks, _) in cases.items()
        }
        out = eqx.filter_jit(lambda a: {n: pointwise(*v) for n, v in a.items()})(args)
        out = jax.tree.map(np.asarray, out)
    for name, (_, _, formula) in cases.items():
        out[name]["expected"] = np.asarray([formula(p) for p in points[name]])
        out[name]["points"] = points[name]
        out[name]["t"] = np.asarray(args[name][-1])
    return out


def results(name):
    return all_results()[name]


@pytest.mark.parametrize("name", NAMES)
def test_forward_is_the_heaviside_step(name):
    r = results(name)
    for dtype in ("32", "64"):
        y = r["steps" + dtype]
        assert y.dtype == np.dtype("float" + dtype)
        np.testing.assert_array_equal(np.asarray(y), [0, 0, 1, 1, 1, 1, 1])
    assert r["grad32"].dtype == np.float32
    np.testing.assert_array_equal(r["y"], r["points"] >= 0)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_derivative_and_derivative_of_smooth(name):
    r = results(name)
    np.testing.assert_array_equal(r["grad"], r["derivative"])
    np.testing.assert_allclose(r["grad_smooth"], r["grad"], rtol=1e-12, atol=1e-14)
    assert np.all(np.isfinite(r["grad_smooth"]))


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_published_formula(name):
    r = results(name)
    np.testing.assert_allclose(r["published"], r["expected"], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_jvp_vjp_and_parameter_gradient(name):
    r = results(name)
    np.testing.assert_allclose(r["y_dot"], r["published"] * r["t"], rtol=1e-15)
    np.testing.assert_allclose(r["x_bar"], r["y_dot"], rtol=1e-15)
    leaves = jax.tree.leaves(r["param_grads"])
    assert leaves and all(np.all(np.asarray(g) == 0) for g in leaves)


@pytest.mark.parametrize("name", NAMES)
def test_vmap_over_inputs_and_parameters(name):
    r = results(name)
    np.testing.assert_allclose(r["vmapped"], r["stacked_derivative"], rtol=1e-14)


def test_integer_input_and_heaviside():
    assert S.Sigmoid()(jnp.arange(-2, 3)).tolist() == [0, 0, 1, 1, 1]
    y = S.Heaviside()(jnp.asarray([-1.0, 0.0]))
    assert y.dtype == jnp.bool_ and y.tolist() == [False, True]


@pytest.mark.parametrize("name", NAMES)
def test_bad_parameters_name_the_argument(name):
    cls = type(CASES[name]()[0])
    for arg in inspect.signature(cls.__init__).parameters:
        if arg == "self":
            continue
        for bad in (-1.0, float("nan")):
            with pytest.raises(ValueError, match=arg):
                cls(**{arg: bad})
    if cls is S.QPseudoSpike:
        with pytest.raises(ValueError, match="alpha must be greater than 1"):
            S.QPseudoSpike(alpha=1.0)


# --- a small spiking network: 3 inputs -> 4 leaky integrate-and-fire neurons, 50 steps.

N_STEPS, BETA, V_TH = 50, 0.9, 1.0


def network(spike_fn, w, drive):
    """Spike count of the neurons; reset by subtraction, `v - spike * v_th`, which keeps
    the gradient flowing through the reset when spikes are floats."""

    def step(v, x):
        v = BETA * v + x @ w
        s = spike_fn(v - V_TH)
        return v - s * V_TH, s

    _, spikes = jax.lax.scan(step, jnp.zeros(w.shape[1]), drive)
    return jnp.sum(spikes, dtype=w.dtype)


def straight_through(fn):
    """Heaviside forward (bit for bit: `s - s` is exactly 0), `jax.grad(fn.smooth)`
    backward: the surrogate's contract written without its custom JVP."""

    def spike(x):
        s = fn.smooth(x)
        return (x >= 0).astype(x.dtype) + (s - jax.lax.stop_gradient(s))

    return spike


@eqx.filter_jit
def network_gradients(fn, w, drive, dw):
    count, grad = jax.value_and_grad(lambda w: network(fn, w, drive))(w)
    count_st, grad_st = jax.value_and_grad(lambda w: network(straight_through(fn), w, drive))(w)
    _, tangent = jax.jvp(lambda w: network(fn, w, drive), (w,), (dw,))
    smooth_grad = jax.grad(lambda w: network(fn.smooth, w, drive))(w)
    eps = 1e-6
    basis = jnp.eye(w.size).reshape(-1, *w.shape)
    plus = jax.vmap(lambda e: network(fn.smooth, w + eps * e, drive))(basis)
    minus = jax.vmap(lambda e: network(fn.smooth, w - eps * e, drive))(basis)
    fd = ((plus - minus) / (2 * eps)).reshape(w.shape)
    return count, grad, count_st, grad_st, tangent, smooth_grad, fd


# Three shapes in the quick suite (global sigmoid; compact support with kinks; asymmetric
# with an unbounded smooth step), every surrogate with `-m slow`: ~1 s of compilation each.
QUICK_NETWORK = ("Sigmoid", "PiecewiseQuadratic", "S2NN")


@pytest.mark.parametrize(
    "name",
    [n if n in QUICK_NETWORK else pytest.param(n, marks=pytest.mark.slow) for n in NAMES],
)
def test_gradients_through_a_spiking_network(name, x64):
    fn = CASES[name]()[0]
    k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
    w = jax.random.uniform(k1, (3, 4), minval=0.1, maxval=0.6, dtype=jnp.float64)
    drive = jax.random.uniform(k2, (N_STEPS, 3), dtype=jnp.float64)
    dw = jax.random.normal(k3, (3, 4), dtype=jnp.float64)
    count, grad, count_st, grad_st, tangent, smooth_grad, fd = network_gradients(fn, w, drive, dw)

    assert 10 <= count <= 150  # the neurons spike, but not on every step
    # The surrogate's gradient along the spiking trajectory is the one of a network that
    # steps forward and backpropagates jax.grad(smooth): same spikes, same gradient.
    assert count_st == count
    np.testing.assert_allclose(grad, grad_st, rtol=1e-9, atol=1e-12 * np.abs(grad).max())
    assert np.abs(grad).max() > 0
    # Forward- and reverse-mode agree.
    np.testing.assert_allclose(tangent, jnp.vdot(grad, dw), rtol=1e-10)
    # The smooth network (spikes replaced by smooth(v - v_th)) is an ordinary
    # differentiable program: its gradient matches central finite differences.
    scale = np.abs(smooth_grad).max()
    assert scale > 0
    np.testing.assert_allclose(smooth_grad, fd, rtol=0, atol=1e-6 * scale)


def test_heaviside_network_has_no_gradient(x64):
    w = jnp.full((3, 4), 0.4)
    drive = jnp.ones((N_STEPS, 3))
    count, grad = jax.value_and_grad(lambda w: network(S.Heaviside(), w, drive))(w)
    assert count > 0
    assert np.all(np.asarray(grad) == 0)
    assert S.Heaviside()(jnp.asarray([-1.0, 0.0])).dtype == jnp.bool_
