"""dx.init: sample moments against closed forms, exact structure, dtypes, validation."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import dynax as dx

N = 100_000  # samples per moment test; tolerances are 5 standard errors


def assert_moments(x, mean, var, n_se=5.0):
    """Sample mean and variance within `n_se` standard errors of the closed forms; the
    variance's standard error is estimated from the sample's fourth central moment."""
    x = np.asarray(x, np.float64).ravel()
    n = x.size
    m, v = x.mean(), x.var()
    assert abs(m - mean) < n_se * math.sqrt(var / n), (m, mean)
    m4 = np.mean((x - m) ** 4)
    assert abs(v - var) < n_se * math.sqrt((m4 - v**2) / n), (v, var)


KEY = jax.random.key(0)


@pytest.mark.parametrize(
    "init, mean, var",
    [
        (dx.init.Uniform(-60.0, -50.0), -55.0, 100.0 / 12),
        (dx.init.Normal(0.3, 0.2), 0.3, 0.04),
        (dx.init.LogNormal(0.5, 0.25), 0.5, 0.0625),
        (dx.init.LogNormal(2.0, 3.0), 2.0, 9.0),
        (dx.init.Gamma(2.5, 0.4), 2.5 * 0.4, 2.5 * 0.16),
        (dx.init.Gamma(0.5, 2.0), 1.0, 2.0),
        (dx.init.ExponentialDistribution(1.5), 1.5, 2.25),
    ],
)
def test_moments_match_closed_forms(init, mean, var):
    assert_moments(init(KEY, (N,)), mean, var)


def test_lognormal_parameters_are_those_of_the_weight_not_its_log():
    m, s = 0.5, 0.25
    x = np.asarray(dx.init.LogNormal(m, s)(KEY, (N,)), np.float64)
    assert x.min() > 0
    sigma2 = math.log(1 + (s / m) ** 2)
    mu = math.log(m) - sigma2 / 2
    assert_moments(np.log(x), mu, sigma2)
    # std = 0 gives the constant `mean`.
    np.testing.assert_allclose(dx.init.LogNormal(m, 0.0)(KEY, (5,)), m, rtol=1e-6)


def truncated_moments(mu, sigma, low, high):
    a, b = (low - mu) / sigma, (high - mu) / sigma
    z = stats.norm.cdf(b) - stats.norm.cdf(a)
    pa, pb = stats.norm.pdf(a), stats.norm.pdf(b)
    apa = 0.0 if np.isinf(a) else a * pa
    bpb = 0.0 if np.isinf(b) else b * pb
    mean = mu + sigma * (pa - pb) / z
    var = sigma**2 * (1 + (apa - bpb) / z - ((pa - pb) / z) ** 2)
    return mean, var


@pytest.mark.parametrize(
    "mu, sigma, low, high",
    [(0.5, 0.2, 0.0, np.inf), (0.0, 1.0, -1.0, 2.0), (1.0, 2.0, 0.0, 1.5), (0.0, 1.0, 1.0, 3.0)],
)
def test_truncated_normal_stays_in_bounds_with_the_truncated_moments(mu, sigma, low, high):
    x = np.asarray(dx.init.TruncatedNormal(mu, sigma, low, high)(KEY, (N,)))
    assert x.min() >= low and x.max() <= high
    mean, var = truncated_moments(mu, sigma, low, high)
    assert_moments(x, mean, var)


def test_heterogeneous_bounds_broadcast_over_the_last_axis():
    low = jnp.array([-1.0, 0.0, 0.5])
    x = np.asarray(dx.init.TruncatedNormal(0.0, 1.0, low, 2.0)(KEY, (N, 3)))
    for c in range(3):
        assert x[:, c].min() >= low[c]
        assert_moments(x[:, c], *truncated_moments(0.0, 1.0, float(low[c]), 2.0))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_variance_scaling_variance_is_scale_over_fan(mode, distribution):
    shape = (3, 200, 300)  # a kernel axis of 3 multiplies both fans: 600 in, 900 out
    fan = {"fan_in": 600, "fan_out": 900, "fan_avg": 750}[mode]
    scale = 2.0
    x = np.asarray(dx.init.VarianceScaling(scale, mode, distribution)(KEY, shape))
    var = scale / fan
    assert_moments(x, 0.0, var)
    bound = {"truncated_normal": 2.0 / 0.87962566103423978, "uniform": math.sqrt(3.0)}
    if distribution in bound:
        assert np.abs(x).max() <= bound[distribution] * math.sqrt(var) * (1 + 1e-6)


def test_variance_scaling_fans_of_a_weight_matrix_are_n_pre_and_n_post():
    x = dx.init.VarianceScaling(1.0, "fan_out", "normal")(KEY, (100, 1000))
    assert_moments(x, 0.0, 1.0 / 1000)
    x = dx.init.VarianceScaling(1.0, "fan_in", "normal")(KEY, (N,))  # 1-d: fan = n
    assert_moments(x, 0.0, 1.0 / N)


@pytest.mark.parametrize(
    "named, scale, mode, distribution",
    [
        (dx.init.KaimingNormal, 2.0, "fan_in", "truncated_normal"),
        (dx.init.KaimingUniform, 2.0, "fan_in", "uniform"),
        (dx.init.XavierNormal, 1.0, "fan_avg", "truncated_normal"),
        (dx.init.XavierUniform, 1.0, "fan_avg", "uniform"),
        (dx.init.LecunNormal, 1.0, "fan_in", "truncated_normal"),
        (dx.init.LecunUniform, 1.0, "fan_in", "uniform"),
    ],
)
def test_named_variance_scalings(named, scale, mode, distribution):
    expected = dx.init.VarianceScaling(scale, mode, distribution)(KEY, (30, 40))
    np.testing.assert_array_equal(named()(KEY, (30, 40)), expected)
    other = named(3.0, "fan_out")
    assert float(other.scale) == 3.0 and other.mode == "fan_out"


@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (2, 10, 20)])
def test_orthogonal_is_scale_times_semi_orthogonal(x64, shape):
    scale = 1.7
    w = np.asarray(dx.init.Orthogonal(scale)(KEY, shape)).reshape(-1, shape[-1])
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, scale**2 * np.eye(min(rows, cols)), atol=1e-12)
    # Haar: entries average zero with variance scale² min(rows, cols) / (rows cols).
    assert abs(w.mean()) < 5 * scale / math.sqrt(max(rows, cols) * rows * cols) ** 0.5 + 0.05


def test_orthogonal_float32_is_orthogonal_to_single_precision():
    w = np.asarray(dx.init.Orthogonal()(KEY, (20, 50)), np.float64)
    np.testing.assert_allclose(w @ w.T, np.eye(20), atol=1e-5)


def test_delta_orthogonal_has_an_orthogonal_centre_tap_and_zeros_elsewhere(x64):
    w = np.asarray(dx.init.DeltaOrthogonal(0.5)(KEY, (3, 5, 20, 50)))
    centre = w[1, 2]
    np.testing.assert_allclose(centre @ centre.T, 0.25 * np.eye(20), atol=1e-12)
    others = w.copy()
    others[1, 2] = 0.0
    assert np.all(others == 0.0)


def test_identity():
    np.testing.assert_array_equal(dx.init.Identity(2.0)(None, (3, 5)), 2.0 * np.eye(3, 5))
    np.testing.assert_array_equal(dx.init.Identity()(None, (4, 2)), np.eye(4, 2))
    diag = jnp.array([1.0, -2.0])
    np.testing.assert_array_equal(dx.init.Identity(diag)(None, (2, 2)), np.diag(diag))
    with pytest.raises(ValueError, match="2-d"):
        dx.init.Identity()(None, (3,))


def gauss(d, sigma):
    return np.exp(-(np.asarray(d, np.float64) ** 2) / (2 * sigma**2))


def test_gaussian_decay_equals_the_formula_at_known_distances(x64):
    sigma, w_max = 2.0, 0.7
    # 3-4-5 triangle: distance 5 between the two neurons.
    g = dx.init.GaussianDecay(sigma, w_max, pre=[[0.0, 0.0]], post=[[3.0, 4.0], [0.0, 1.0]])
    np.testing.assert_allclose(
        g(None, (1, 2)), [[w_max * gauss(5, sigma), w_max * gauss(1, sigma)]]
    )
    np.testing.assert_allclose(g.profile(jnp.array([0.0, 2.0])), w_max * gauss([0, 2], sigma))
    # Default geometry: neuron k at k on a line.
    i = np.arange(7)
    line = dx.init.GaussianDecay(sigma, w_max)(None, (7, 7))
    np.testing.assert_allclose(line, w_max * gauss(i[:, None] - i[None, :], sigma))


def test_periodic_distances_wrap(x64):
    ring = dx.init.GaussianDecay(1.5, 1.0, period=10.0)
    w = np.asarray(ring(None, (10, 10)))
    i = np.arange(10)
    d = np.abs(i[:, None] - i[None, :])
    np.testing.assert_allclose(w, gauss(np.minimum(d, 10 - d), 1.5))
    assert w[0, 9] == w[0, 1]
    # A 5 x 5 torus given as a grid: (0, 0) and (4, 4) are sqrt(2) apart.
    torus = dx.init.GaussianDecay(1.0, 1.0, pre=(5, 5), period=5.0)
    np.testing.assert_allclose(torus.distance(jnp.array(0), jnp.array(24)), math.sqrt(2))
    flat = dx.init.GaussianDecay(1.0, 1.0, pre=(5, 5))
    np.testing.assert_allclose(flat.distance(jnp.array(0), jnp.array(24)), math.sqrt(32))


def test_dog_decay_and_per_connection_weights(x64):
    se, si, ae, ai = 1.0, 3.0, 1.0, 0.4
    dog = dx.init.DOGDecay(se, si, ae, ai, pre=np.linspace(0.0, 9.0, 10), period=10.0)
    d = np.array([0.0, 1.0, 2.5, 5.0])
    np.testing.assert_allclose(dog.profile(d), ae * gauss(d, se) - ai * gauss(d, si))
    dense = np.asarray(dog(None, (10, 10)))
    assert dense[0, 0] == pytest.approx(ae - ai) and dense[0, 5] < 0  # the Mexican hat
    conn = dx.connect.FixedProb(0.3)(10, 10, jax.random.key(1))
    rows, cols = np.asarray(conn.rows), np.asarray(conn.indices)
    np.testing.assert_allclose(dog.pairs(conn.rows, conn.indices), dense[rows, cols])


def test_distance_profile_positions_must_fit_the_shape():
    g = dx.init.GaussianDecay(1.0, pre=(4, 4), post=np.zeros((3, 2)))
    assert g(None, (16, 3)).shape == (16, 3)
    with pytest.raises(ValueError, match="16 pre and 3 post"):
        g(None, (16, 16))
    with pytest.raises(ValueError, match="same dimension"):
        dx.init.GaussianDecay(1.0, pre=(4, 4), post=np.zeros(3))
    with pytest.raises(ValueError, match="period must be positive"):
        dx.init.GaussianDecay(1.0, period=0.0)


def test_clip_bounds_and_passes_interior_values_unchanged():
    inner = dx.init.Normal(0.0, 1.0)
    raw = np.asarray(inner(KEY, (N,)))
    x = np.asarray(dx.init.Clip(inner, -0.5, 1.0)(KEY, (N,)))
    assert x.min() == -0.5 and x.max() == 1.0
    inside = (raw > -0.5) & (raw < 1.0)
    np.testing.assert_array_equal(x[inside], raw[inside])
    # One-sided, and the mass below the bound sits on it.
    y = np.asarray(dx.init.Clip(inner, low=0.0)(KEY, (N,)))
    assert y.min() == 0.0 and y.max() == raw.max()
    p = np.mean(y == 0.0)
    assert abs(p - 0.5) < 5 * math.sqrt(0.25 / N)


ALL = [
    dx.init.Zero(),
    dx.init.Fill(-65.0),
    dx.init.Uniform(1.0, 3.0),
    dx.init.Normal(0.0, 1.0),
    dx.init.TruncatedNormal(0.5, 0.2, 0.0),
    dx.init.LogNormal(1.0, 0.5),
    dx.init.Gamma(2.0, 1.0),
    dx.init.ExponentialDistribution(1.0),
    dx.init.VarianceScaling(1.0, "fan_avg", "uniform"),
    dx.init.KaimingNormal(),
    dx.init.KaimingUniform(),
    dx.init.XavierNormal(),
    dx.init.XavierUniform(),
    dx.init.LecunNormal(),
    dx.init.LecunUniform(),
    dx.init.Orthogonal(),
    dx.init.DeltaOrthogonal(),
    dx.init.Identity(),
    dx.init.GaussianDecay(1.0),
    dx.init.DOGDecay(1.0, 2.0, 1.0, 0.5),
    dx.init.Clip(dx.init.Normal(0.0, 1.0), -1.0, 1.0),
]
DETERMINISTIC = (
    dx.init.Zero,
    dx.init.Fill,
    dx.init.Identity,
    dx.init.GaussianDecay,
    dx.init.DOGDecay,
)


def shape_for(init):
    # Shapes that the tests above already compiled each sampler for (eager ops compile
    # once per shape and dtype): (N,) for the elementwise samplers, (30, 40) as in the
    # named variance scalings, (20, 50) as in the float32 orthogonality test.
    if isinstance(init, dx.init.DeltaOrthogonal):
        return (3, 4, 5)
    if isinstance(init, dx.init.VarianceScaling):
        return (30, 40)
    if isinstance(init, dx.init.Orthogonal):
        return (20, 50)
    if isinstance(init, dx.init.Identity | dx.init.GaussianDecay | dx.init.DOGDecay):
        return (4, 5)
    return (N,)


@pytest.mark.parametrize("init", ALL, ids=lambda i: type(i).__name__)
def test_same_key_same_array_and_float32_by_default(init):
    shape = shape_for(init)
    a, b = init(KEY, shape), init(KEY, shape)
    assert a.shape == shape and a.dtype == jnp.float32
    np.testing.assert_array_equal(a, b)
    if isinstance(init, DETERMINISTIC):
        np.testing.assert_array_equal(init(None, shape), a)
    else:
        assert not np.array_equal(init(jax.random.key(1), shape), a)
        with pytest.raises(ValueError, match="key=None"):
            init(None, shape)


@pytest.mark.parametrize("init", [dx.init.Normal(0.0, 1.0), dx.init.Orthogonal(), dx.init.Zero()])
def test_an_explicit_dtype_is_respected(init):
    # Tracing fixes the dtype: eval_shape checks it without compiling the sampler.
    for dtype in (jnp.float16, jnp.bfloat16):
        assert jax.eval_shape(lambda: init(KEY, (4, 5), dtype)).dtype == dtype


@pytest.mark.parametrize("init", ALL, ids=lambda i: type(i).__name__)
def test_float64_under_x64(x64, init):
    # Tracing fixes the dtype; eval_shape checks it without compiling every sampler again.
    out = jax.eval_shape(lambda: init(KEY, shape_for(init)))
    assert out.shape == shape_for(init) and out.dtype == jnp.float64


def test_parameters_are_arrays_that_vmap():
    means = jnp.array([0.0, 10.0, 20.0])
    stacked = eqx.filter_vmap(lambda m: dx.init.TruncatedNormal(m, 1.0, m - 1.0, m + 1.0))(means)
    x = eqx.filter_vmap(lambda init: init(KEY, (N // 10,)))(stacked)
    for row, m in zip(np.asarray(x), np.asarray(means)):
        assert m - 1 <= row.min() and row.max() <= m + 1
        assert_moments(row, *truncated_moments(float(m), 1.0, float(m) - 1, float(m) + 1))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: dx.init.Normal(0.0, -1.0), "std must be non-negative"),
        (lambda: dx.init.Uniform(2.0, 1.0), "low <= high"),
        (lambda: dx.init.TruncatedNormal(0.0, 1.0, 1.0, 1.0), "low < high"),
        (lambda: dx.init.TruncatedNormal(0.0, 0.0), "std must be positive"),
        (lambda: dx.init.LogNormal(0.0, 1.0), "mean must be positive"),
        (lambda: dx.init.LogNormal(1.0, -1.0), "std must be non-negative"),
        (lambda: dx.init.Gamma(0.0, 1.0), "shape must be positive"),
        (lambda: dx.init.Gamma(1.0, -1.0), "scale must be positive"),
        (lambda: dx.init.ExponentialDistribution(0.0), "scale must be positive"),
        (lambda: dx.init.VarianceScaling(0.0), "scale must be positive"),
        (lambda: dx.init.VarianceScaling(1.0, "fan_mean"), "'fan_in', 'fan_out', 'fan_avg'"),
        (lambda: dx.init.VarianceScaling(1.0, "fan_in", "cauchy"), "'truncated_normal', 'norm"),
        (lambda: dx.init.KaimingNormal(mode="fan"), "Unknown mode='fan'"),
        (lambda: dx.init.Orthogonal(-1.0), "scale must be positive"),
        (lambda: dx.init.DeltaOrthogonal(0.0), "scale must be positive"),
        (lambda: dx.init.GaussianDecay(0.0), "sigma must be positive"),
        (lambda: dx.init.DOGDecay(1.0, -2.0, 1.0, 1.0), "sigma_i must be positive"),
        (lambda: dx.init.DOGDecay(1.0, 2.0, 1.0, -1.0), "max_i must be non-negative"),
        (lambda: dx.init.Clip(dx.init.Zero(), 1.0, 0.0), "low < high"),
        (lambda: dx.init.Clip(1.0), "needs an initialiser"),
        (lambda: dx.init.Orthogonal()(KEY, (5,)), "at least 2 axes"),
        (lambda: dx.init.DeltaOrthogonal()(KEY, (5, 5)), "at least 3 axes"),
    ],
)
def test_bad_parameters_raise_naming_the_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()
