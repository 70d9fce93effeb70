"""The method protocol: one table of names, one object per name, ExpEuler's affine step."""

import diffrax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.integrate import METHODS

EXPECTED = {
    "euler": dx.integrate.Euler(),
    "midpoint": dx.integrate.Midpoint(),
    "heun": dx.integrate.Heun(),
    "ralston": dx.integrate.Ralston(),
    "rk3": dx.integrate.RK3(),
    "rk4": dx.integrate.RK4(),
    "ssprk3": dx.integrate.RungeKutta(dx.integrate.TABLEAUX["ssprk3"]),
    "exp_euler": dx.integrate.ExpEuler(),
    "backward_euler": dx.integrate.BackwardEuler(),
    "tsit5": dx.integrate.Diffrax(diffrax.Tsit5()),
    "euler_maruyama": dx.integrate.EulerMaruyama(),
    "euler_heun": dx.integrate.EulerHeun(),
    "milstein": dx.integrate.Milstein(),
    "milstein_grad_free": dx.integrate.DerivativeFreeMilstein(),
    "caputo_euler": dx.integrate.CaputoEuler(),
    "caputo_l1": dx.integrate.CaputoL1(),
    "gl_short_memory": dx.integrate.GrunwaldLetnikov(),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_name_stands_for_its_object(name):
    assert METHODS[name] == EXPECTED[name]
    assert type(METHODS[name]) is type(EXPECTED[name])


def test_a_name_is_the_same_method_in_odeint_solve_and_lif():
    f = lambda t, y, args: -y * jnp.cos(t)
    for name in ["euler", "rk4"]:
        assert dx.integrate.odeint(f, method=name).method == METHODS[name]
        assert dx.neurons.LIF(2, method=name).method == METHODS[name]
        # solve takes fixed steps of dt0 with the same method: the same numbers.
        _, ys = dx.integrate.solve(f, jnp.asarray(1.0), 0.0, 1.0, method=name, dt0=0.25)
        step, y = dx.integrate.odeint(f, method=name), jnp.asarray(1.0)
        for i in range(4):
            y = step(y, 0.25 * i, 0.25)
        np.testing.assert_allclose(ys[-1], y, rtol=1e-6, err_msg=name)


def test_an_ode_only_name_is_refused_by_sdeint_with_the_choices():
    f = g = lambda t, y, args: y
    with pytest.raises(ValueError, match="not an SDE method.*euler_maruyama"):
        dx.integrate.sdeint(f, g, "euler")
    with pytest.raises(ValueError, match="not an SDE method"):
        dx.integrate.sdeint(f, g, dx.integrate.RK4())
    with pytest.raises(ValueError, match="not an ODE method.*rk4"):
        dx.integrate.odeint(f, method="milstein")
    with pytest.raises(ValueError, match="unknown ODE method 'rk45'.*exp_euler"):
        dx.integrate.odeint(f, method="rk45")
    with pytest.raises(ValueError, match="exp_euler"):
        dx.neurons.LIF(2, method="rk45")
    with pytest.raises(ValueError, match="set them on the method object"):
        dx.integrate.odeint(f, method=dx.integrate.Diffrax(diffrax.Tsit5()), rtol=1e-3)


def test_sdeint_defaults_to_the_euler_method_of_its_calculus():
    f = g = lambda t, y, args: y
    assert dx.integrate.sdeint(f, g).method == dx.integrate.EulerMaruyama()
    assert dx.integrate.sdeint(f, g, sde_type="stratonovich").method == dx.integrate.EulerHeun()


@pytest.mark.parametrize("dt", [0.01, 1.0, 50.0])
def test_exp_euler_affine_step_is_the_exact_solution(x64, dt):
    # tau dy/dt = a - b y from y0: y(t) = a/b + (y0 - a/b) exp(-b t / tau).
    a, b, tau = (
        jnp.array([-65.0, 3.0, 0.5]),
        jnp.array([1.0, 2.5, 0.1]),
        jnp.array([10.0, 20.0, 5.0]),
    )
    y0 = jnp.array([-70.0, 0.0, 8.0])
    y = y0
    for i in range(3):
        y = dx.integrate.ExpEuler().affine_step(y, i * dt, dt, a, b, tau)
    exact = a / b + (y0 - a / b) * np.exp(-b * 3 * dt / tau)
    np.testing.assert_allclose(y, exact, rtol=1e-12, atol=1e-12)
    # ... which the generic step reaches too, through the linearisation.
    generic = dx.integrate.odeint(lambda t, y, args: (a - b * y) / tau, method="exp_euler")
    np.testing.assert_allclose(generic(y0, 0.0, dt), a / b + (y0 - a / b) * np.exp(-b * dt / tau))


def test_other_methods_take_the_affine_equation_through_their_step(x64):
    a, b, tau, y0, dt = 2.0, 1.5, 10.0, jnp.asarray(-1.0), 0.1
    rk4 = dx.integrate.RK4().affine_step(y0, 0.0, dt, a, b, tau)
    exact = a / b + (y0 - a / b) * np.exp(-b * dt / tau)
    assert abs(float(rk4 - exact)) < 1e-9 and float(rk4) != float(exact)
