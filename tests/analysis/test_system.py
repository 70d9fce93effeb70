"""dynax.analysis.flat_system: a model's vector field as F(x, p)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def fhn_system(**kwargs):
    fhn = dx.neurons.SpikingFHN(1)
    return dx.analysis.flat_system(
        fhn, params=("I_bias", "a", "tau"), y0=(-1.0, -0.5), names=("v", "w"), **kwargs
    )


def fhn_field(x, I, a=0.7, b=0.8, tau=12.5):
    v, w = x
    return np.array([v - v**3 / 3 - w + I, (v + a - b * w) / tau])


@pytest.mark.slow  # 6-14 s on the 2-core machine: the quick suite has a 4-minute budget
def test_fhn_field_and_jacobian(x64):
    F = fhn_system()
    assert F.names == ("v", "w") and F.params == ("I_bias", "a", "tau")
    np.testing.assert_allclose(F.p0, [0.0, 0.7, 12.5])
    x, p = jnp.array([-1.3, 0.4]), jnp.array([0.35, 0.6, 10.0])
    np.testing.assert_allclose(F(x, p), fhn_field(np.asarray(x), 0.35, 0.6, 0.8, 10.0), rtol=1e-12)
    np.testing.assert_allclose(F(x), fhn_field(np.asarray(x), 0.0), rtol=1e-12)
    J = F.jacobian(x, p)
    np.testing.assert_allclose(J, [[1 - 1.3**2, -1.0], [0.1, -0.08]], rtol=1e-12)
    # dF/dp: the input enters dv/dt with slope 1; a enters dw/dt with 1/tau
    Jp = jax.jacfwd(F, argnums=1)(x, p)
    np.testing.assert_allclose(Jp[:, 0], [1.0, 0.0], atol=1e-14)
    np.testing.assert_allclose(Jp[:, 1], [0.0, 0.1], atol=1e-14)
    # parameters by name: the others keep their defaults
    np.testing.assert_allclose(F.parameters({"a": 0.6}), [0.0, 0.6, 12.5])
    np.testing.assert_allclose(F(x, {"I_bias": 0.35, "a": 0.6, "tau": 10.0}), F(x, p))
    # vmapped over states and parameters
    xs, ps = jnp.stack([x, x + 1]), jnp.stack([p, p])
    out = jax.vmap(F)(xs, ps)
    np.testing.assert_allclose(out[1], fhn_field(np.asarray(x + 1), 0.35, 0.6, 0.8, 10.0))


def test_rate_model_state_module_and_input(x64):
    ww = dx.rates.WongWang(2)
    F = dx.analysis.flat_system(ww, params=("input",), input=jnp.zeros(2))
    assert F.names == ("S[0]", "S[1]")
    S = jnp.array([0.2, 0.4])
    ref = ww.vector_field(0.0, dx.rates.WongWangState(S=S), jnp.full(2, 0.01)).S
    np.testing.assert_allclose(F(S, jnp.array([0.01])), ref, rtol=1e-12)
    assert isinstance(F.unflatten(S), dx.rates.WongWangState)
    np.testing.assert_allclose(F.flatten(F.unflatten(S)), S)
    # The spontaneous state of the docstring is a fixed point without input.
    np.testing.assert_allclose(F(F.x0, jnp.zeros(1)), 0.0, atol=1e-6)


def test_fixed_and_parameter_variables(x64):
    hr = dx.neurons.HindmarshRose(1)
    full = dx.analysis.flat_system(hr, y0=(0.1, 0.2, 0.3), names=("x", "y", "z"))
    y = jnp.array([0.4, -0.5, 0.25])
    # z as a parameter (fast-slow): the fast subsystem in (x, y)
    fast = dx.analysis.flat_system(hr, params=("z",), y0=(0.1, 0.2, 0.3), names=("x", "y", "z"))
    assert fast.names == ("x", "y") and fast.n == 2 and fast.k == 1
    np.testing.assert_allclose(fast.p0, [0.3])
    np.testing.assert_allclose(fast(y[:2], y[2:]), full(y)[:2], rtol=1e-12)
    # y held fixed at a given value, by name
    held = dx.analysis.flat_system(hr, y0=(0.1, 0.2, 0.3), names=("x", "y", "z"), fixed={"y": -0.5})
    assert held.names == ("x", "z")
    np.testing.assert_allclose(held(y[jnp.array([0, 2])]), full(y)[jnp.array([0, 2])], rtol=1e-12)
    # a model field nested in the model and per-node parameters broadcast
    np.testing.assert_allclose(held.full(jnp.array([0.4, 0.25])), y)


def test_plain_function_and_map(x64):
    F = dx.analysis.flat_system(lambda y, p: p[0] + y**2, params={"r": -1.0}, y0=jnp.zeros(1))
    np.testing.assert_allclose(F(jnp.array([0.5])), [-0.75])
    G = dx.analysis.flat_system(
        lambda y, p: jnp.tanh(p[0] * y), params={"g": 2.0}, y0=jnp.zeros(3), discrete=True
    )
    x = jnp.array([0.1, -0.2, 0.3])
    np.testing.assert_allclose(G(x), np.tanh(2 * np.asarray(x)) - np.asarray(x), rtol=1e-12)
    assert G.discrete


def test_errors():
    fhn = dx.neurons.SpikingFHN(1)
    with pytest.raises(ValueError, match="no parameter 'c'"):
        dx.analysis.flat_system(fhn, params=("c",), y0=(0.0, 0.0))
    with pytest.raises(ValueError, match="need default values"):
        dx.analysis.flat_system(lambda y, p: y, params=("r",), y0=jnp.zeros(1))
    with pytest.raises(ValueError, match="y0 is required"):
        dx.analysis.flat_system(lambda y, p: y)
    with pytest.raises(ValueError, match="not a variable"):
        dx.analysis.flat_system(fhn, y0=(0.0, 0.0), names=("v", "w"), fixed=("u",))
    with pytest.raises(ValueError, match="one value"):
        dx.analysis.flat_system(
            dx.neurons.SpikingFHN(2, a=jnp.array([0.7, 0.8])),
            params=("a",),
            y0=(jnp.zeros(2), jnp.zeros(2)),
        )
    with pytest.raises(TypeError, match="model must be"):
        dx.analysis.flat_system(3.0)
