"""dynax.analysis.fixed_point: implicit gradients against finite differences and the
implicit function theorem's closed form."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

A, B, TAU = 0.7, 0.8, 12.5


def fhn():
    model = dx.neurons.SpikingFHN(1, a=A, b=B, tau=TAU)
    return dx.analysis.flat_system(
        model, params=("I_bias", "a", "tau"), y0=(-1.0, -0.5), names=("v", "w")
    )


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_gradients_equal_finite_differences(x64):
    F = fhn()
    x0 = jnp.array([-1.0, -0.5])

    @jax.jit
    def v_star(p):
        return dx.analysis.fixed_point(F, x0, p)[0]

    p = jnp.array([0.2, A, TAU])
    g = jax.jit(jax.grad(v_star))(p)
    h = 1e-6
    steps = h * np.eye(3)
    fd = (jax.vmap(v_star)(p + steps) - jax.vmap(v_star)(p - steps)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-10)
    # the closed form: g(v) = v - v^3/3 - (v + a)/b + I = 0, dv/dI = -1/g'(v),
    # dv/da = (1/b)/g'(v); tau does not move the equilibrium
    v = float(v_star(p))
    slope = 1 - v**2 - 1 / B
    np.testing.assert_allclose(g, [-1 / slope, 1 / (B * slope), 0.0], rtol=1e-10, atol=1e-12)
    # forward mode and vmap over parameters agree
    np.testing.assert_allclose(jax.jit(jax.jacfwd(v_star))(p), g, rtol=1e-10)
    ps = jnp.stack([p, p.at[0].set(0.3)])
    gs = jax.vmap(jax.grad(v_star))(ps)
    np.testing.assert_allclose(gs[0], g, rtol=1e-10)


@pytest.mark.slow  # about 10 s on the 2-core machine: the quick suite has a 4-minute budget
def test_gradient_of_the_trace_and_of_model_fields(x64):
    # Tr J at the equilibrium: the Hopf test function, differentiated through x*(p)
    F = fhn()
    x0 = jnp.array([-1.0, -0.5])

    @jax.jit
    def trace(p):
        x = dx.analysis.fixed_point(F, x0, p)
        return jnp.trace(F.jacobian(x, p))

    p = jnp.array([0.25, A, TAU])
    g = jax.jit(jax.grad(trace))(p)
    h = 1e-5
    steps = h * np.eye(3)
    fd = (jax.vmap(trace)(p + steps) - jax.vmap(trace)(p - steps)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-10)
    # gradients reach the model's own fields (b here, not a parameter of the System)

    def v_of_system(system):
        return dx.analysis.fixed_point(system, x0)[0]

    grads = eqx.filter_jit(eqx.filter_grad(v_of_system))(F)
    v = float(eqx.filter_jit(v_of_system)(F))
    slope = 1 - v**2 - 1 / B
    # dv/db = -(v + a)/b^2 / g'(v)
    np.testing.assert_allclose(grads.model.b, [-(v + A) / B**2 / slope], rtol=1e-9)
