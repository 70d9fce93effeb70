import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.channels._rates import rush_larsen, x_over_expm1


# float64 with the slow tests (a 4-minute quick suite; float32 is the default dtype)
@pytest.mark.parametrize("dtype", ["float32", pytest.param("float64", marks=pytest.mark.slow)])
def test_x_over_expm1_is_finite_with_a_finite_gradient_at_zero(dtype):
    with jax.enable_x64(dtype == "float64"):
        zero = jnp.zeros((), dtype)
        f = jax.jit(x_over_expm1)
        assert float(f(zero)) == 1.0
        # d/dx x/(e^x - 1) at 0 is -1/2 (Bernoulli B1).
        assert float(jax.grad(x_over_expm1)(zero)) == pytest.approx(-0.5, abs=1e-7)
        second = jax.grad(jax.grad(x_over_expm1))(zero)
        assert float(second) == pytest.approx(1.0 / 6.0, rel=1e-6)  # 2 * B2 / 2!
        # Continuity across the switch between the series and the direct formula.
        x = np.array([1e-4, -1e-4, 0.4999999, 0.5000001, -0.9999999, -1.0000001, 1.0000001])
        x = x.astype(dtype).astype(np.float64)
        tol = 2.5e-7 if dtype == "float32" else 5e-16
        np.testing.assert_allclose(f(jnp.asarray(x, dtype)), x / np.expm1(x), rtol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_x_over_expm1_against_numpy(dtype):
    with jax.enable_x64(dtype == "float64"):
        x = np.concatenate([np.linspace(-30, 30, 600), np.geomspace(1e-8, 1.0, 50)])
        x = np.concatenate([x, -x])
        x = x.astype(dtype).astype(np.float64)  # compare at the inputs actually given
        got = np.asarray(jax.jit(x_over_expm1)(jnp.asarray(x, dtype)))
        assert got.dtype == np.dtype(dtype)
        rtol = 3e-7 if dtype == "float32" else 1e-15
        np.testing.assert_allclose(got, x / np.expm1(x), rtol=rtol)
        grad = np.asarray(jax.jit(jax.vmap(jax.grad(x_over_expm1)))(jnp.asarray(x, dtype)))
        exact = (np.expm1(x) - x * np.exp(x)) / np.expm1(x) ** 2
        # The quotient rule cancels near 0: the differentiated series there.
        small = np.abs(x) < 0.1
        xs = x[small]
        exact[small] = -0.5 + xs / 6 - xs**3 / 180 + xs**5 / 5040 - xs**7 / 151200
        np.testing.assert_allclose(grad, exact, rtol=10 * rtol, atol=10 * rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hh_sodium_activation_at_its_singular_voltage(dtype):
    # alpha_m = 0.1 (v + 40) / (1 - exp(-(v + 40)/10)) is 0/0 at v = -40 mV: limit 1/ms.
    with jax.enable_x64(dtype == "float64"):
        na = dx.channels.HHSodium()
        v = jnp.asarray(-40.0, dtype)
        assert float(na.rates(v)[0]) == 1.0

        def current(v):
            state = na.init(v, {})
            return na.current(state, v, {}).current

        g = jax.grad(current)(v)
        assert np.isfinite(float(g))
        eps = 1e-3 if dtype == "float32" else 1e-6
        fd = (current(v + eps) - current(v - eps)) / (2 * eps)
        assert float(g) == pytest.approx(float(fd), rel=1e-2 if dtype == "float32" else 1e-7)


def test_rush_larsen_is_the_exact_solution_for_held_rates(x64):
    alpha, beta, x0, dt = 0.7, 0.2, 0.05, 3.0
    x_inf, tau = alpha / (alpha + beta), 1 / (alpha + beta)
    expected = x_inf + (x0 - x_inf) * np.exp(-dt / tau)
    assert float(rush_larsen(jnp.asarray(x0), alpha, beta, dt)) == pytest.approx(
        expected, rel=1e-15
    )
