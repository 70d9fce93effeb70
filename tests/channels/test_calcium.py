"""Calcium ions and driving forces: the Nernst potential, the GHK current, the first-order
and the pump/buffer pools against closed forms."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

C = dx.channels
R = 8.314462618  # J/(mol K)
F = 96485.33212  # C/mol


def nernst_mv(c_in, c_out, celsius, z=2):
    return 1e3 * R * (celsius + 273.15) / (z * F) * np.log(c_out / c_in)


def ghk_membrane(P, v, c_in, c_out, celsius, z=2):
    """GHK current density (µA/cm², outward positive) for P in cm/s, c in mM:
    P z F xi (ci - co e^-xi) / (1 - e^-xi); mM = 1e-6 mol/cm³ and µA = 1e-6 A cancel."""
    xi = z * F * v * 1e-3 / (R * (celsius + 273.15))
    if xi == 0:
        return P * z * F * (c_in - c_out)
    return P * z * F * xi * (c_in - c_out * np.exp(-xi)) / -np.expm1(-xi)


@eqx.filter_jit
def iterate(ion, state, current, dt, n):
    """`n` steps of `ion` with `current` (µA/cm², outward positive) held."""
    v = jnp.zeros_like(current)
    return jax.lax.fori_loop(0, n, lambda i, s: ion.step(s, current, v, dt), state)


@pytest.mark.parametrize(
    "c_in, c_out, celsius", [(5e-5, 2.0, 36.0), (2.4e-4, 2.0, 36.0), (1e-3, 1.5, 22.0)]
)
def test_nernst(x64, c_in, c_out, celsius):
    E = C.CalciumFixed(c_in=c_in, c_out=c_out, temperature=celsius).conditions(None).E
    np.testing.assert_allclose(float(E), nernst_mv(c_in, c_out, celsius), rtol=1e-12)
    if (c_in, celsius) == (5e-5, 36.0):
        assert 140.0 < float(E) < 142.0  # 13.32 mV * ln(40000) = 141.2 mV
    # The dynamic pools give the Nernst potential of their current concentration.
    for ion in (
        C.CalciumFirstOrder(c_rest=c_in, c_out=c_out, temperature=celsius),
        C.CalciumDetailed(c_init=c_in, c_out=c_out, temperature=celsius),
    ):
        cond = ion.conditions(ion.init(jnp.zeros(3)))
        np.testing.assert_allclose(cond.E, nernst_mv(c_in, c_out, celsius), rtol=1e-12)
        assert float(cond.valence) == 2 and float(cond.temperature) == celsius + 273.15


def test_fixed_reversal_overrides_nernst():
    cond = C.CalciumFixed(E=120.0).conditions(None)
    assert float(cond.E) == 120.0
    i = C.Ohmic().current(jnp.asarray(2.0), jnp.asarray(-60.0), cond)
    assert float(i.current - i.conductance * -60.0) == pytest.approx(2.0 * 180.0)


def test_ghk_against_the_flux_equation(x64):
    c_in, c_out, celsius, g = 2.4e-4, 2.0, 36.0, 1.5
    cond = C.CalciumFixed(c_in=c_in, c_out=c_out, temperature=celsius).conditions(None)
    E = float(cond.E)
    v_t = 1e3 * R * (celsius + 273.15) / (2 * F)
    P = g * v_t / (2 * F * c_out)  # cm/s: how GHK reads g
    vs = np.array([-310.0, -300.0, -120.0, -60.0, -1e-7, 0.0, 1e-7, 30.0, E - 1e-6, E, E + 1e-6])
    i = C.GHK().current(jnp.asarray(g), jnp.asarray(vs), cond)
    inward = np.asarray(i.current - i.conductance * vs)
    expected = [-ghk_membrane(P, v, c_in, c_out, celsius) for v in vs]
    np.testing.assert_allclose(inward, expected, rtol=1e-9, atol=1e-12)
    assert np.all(np.isfinite(i.conductance)) and np.all(i.conductance > 0)
    # Inward below the Nernst potential, zero there, outward above it.
    assert np.all(inward[vs < E - 1e-9] > 0) and np.all(inward[vs > E + 1e-9] < 0)
    assert abs(inward[vs == E][0]) < 1e-12
    # g is the slope of the membrane current at strongly negative potentials.
    assert (inward[0] - inward[1]) / 10.0 == pytest.approx(g, rel=1e-6)


def test_ghk_finite_in_float32_with_gradients():
    cond = C.CalciumFixed().conditions(None)

    @jax.jit
    @jax.vmap
    def value_and_grad(v):
        def inward(v):
            i = C.GHK().current(jnp.float32(2.0), v, cond)
            return i.current - i.conductance * v

        return jax.value_and_grad(inward)(v)

    value, grad = value_and_grad(jnp.stack([jnp.float32(0.0), cond.E, jnp.float32(-70.0)]))
    assert value.dtype == jnp.float32
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad)) and np.all(grad < 0)


def test_first_order_relaxes_with_tau(x64):
    ion = C.CalciumFirstOrder(tau=5.0, c_rest=2.4e-4, c_init=1e-3)
    state = iterate(ion, ion.init(jnp.zeros(2)), jnp.zeros(2), 0.1, 100)
    expected = 2.4e-4 + (1e-3 - 2.4e-4) * np.exp(-10.0 / 5.0)
    np.testing.assert_allclose(state.c, expected, rtol=1e-12)
    d = ion.derivative(state, jnp.zeros(2), jnp.zeros(2)).c
    np.testing.assert_allclose(d, -(state.c - 2.4e-4) / 5.0, rtol=1e-12)


def test_first_order_rise_under_constant_current(x64):
    # k = 1/(2 F d) = 5.18e-5 mM cm²/(ms µA) for d = 1 µm (Bazhenov et al. 1998 give
    # A = 5.1819e-5 with F = 96489); the steady rise is k * tau * |I_Ca|.
    tau, I = 5.0, -2.0
    ion = C.CalciumFirstOrder(tau=tau, depth=1.0)
    state, t = iterate(ion, ion.init(jnp.zeros(1)), jnp.full(1, I), 0.5, 30), 15.0
    k = (float(state.c[0]) - 2.4e-4) / (tau * abs(I)) / (1 - np.exp(-t / tau))
    assert k == pytest.approx(5.1819e-5, rel=1e-4)
    # An outward calcium current removes no calcium: the pool just relaxes to rest.
    out = ion.step(CalciumStateLike(1e-3), jnp.full(1, 5.0), jnp.zeros(1), 1.0)
    np.testing.assert_allclose(out.c, 2.4e-4 + (1e-3 - 2.4e-4) * np.exp(-1 / tau), rtol=1e-12)


def CalciumStateLike(c):
    return C.CalciumState(c=jnp.full(1, c))


def test_detailed_pump_steady_state_and_buffer(x64):
    k = 10 / (2 * F * 0.1)  # depth 0.1 µm
    K_T, K_d, I = 1e-4, 1e-4, -0.05
    influx = k * abs(I)
    c_star = K_d * influx / (K_T - influx)  # influx = K_T c / (c + K_d)
    for B_T in (0.0, 0.05):
        ion = C.CalciumDetailed(K_T=K_T, K_d=K_d, B_T=B_T, K_B=1e-3, c_init=1e-5)
        state = iterate(ion, ion.init(jnp.zeros(1)), jnp.full(1, I), 5.0, 400)
        np.testing.assert_allclose(state.c, c_star, rtol=1e-6)
    # The buffer slows the concentration by its free fraction and changes no fixed point.
    c = C.CalciumState(c=jnp.full(1, 3e-4))
    plain = C.CalciumDetailed().derivative(c, jnp.full(1, I), jnp.zeros(1)).c
    buffered = C.CalciumDetailed(B_T=0.05, K_B=1e-3).derivative(c, jnp.full(1, I), jnp.zeros(1)).c
    beta = 1 / (1 + 0.05 * 1e-3 / (1e-3 + 3e-4) ** 2)
    np.testing.assert_allclose(buffered, beta * plain, rtol=1e-12)


def test_detailed_stays_positive_at_large_steps():
    ion = C.CalciumDetailed(K_T=1e-2, tau=1.0)
    state = ion.init(jnp.zeros(4))
    for I in (-100.0, 0.0, 50.0):
        state = iterate(ion, state, jnp.full(4, I), 50.0, 1)
        assert bool(jnp.all(state.c > 0))


@pytest.mark.parametrize(
    "ion",
    [C.CalciumFirstOrder(), C.CalciumDetailed(tau=20.0, B_T=0.05)],
    ids=lambda ion: type(ion).__name__,
)
def test_step_agrees_with_derivative(x64, ion):
    state = C.CalciumState(c=jnp.array([1e-4, 5e-4, 2e-3]))
    current = jnp.array([-3.0, 0.0, 1.0])
    dt = 1e-7
    new = iterate(ion, state, current, dt, 1)
    d = ion.derivative(state, current, jnp.zeros(3))
    np.testing.assert_allclose((new.c - state.c) / dt, d.c, rtol=1e-5, atol=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="tau"):
        C.CalciumFirstOrder(tau=0.0)
    with pytest.raises(ValueError, match="c_out"):
        C.CalciumFixed(c_out=-1.0)
    with pytest.raises(ValueError, match="K_d"):
        C.CalciumDetailed(K_d=0.0)
    with pytest.raises(TypeError, match="driving"):
        C.HuguenardMcCormickCalciumT(driving="ghk")
