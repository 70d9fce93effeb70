"""Every channel's steady state and time constant against its published formula,
written out here independently (NumPy, float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

ch = dx.channels
V = np.array([-90.0, -72.3, -61.0, -47.7, -33.3, -12.0, 0.7, 25.0])


def ab(alpha, beta, phi=1.0):
    """x_inf and tau from alpha and beta (1/ms)."""
    return alpha / (alpha + beta), 1.0 / (phi * (alpha + beta))


def hh_m(v):
    return ab(0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10)), 4 * np.exp(-(v + 65) / 18))


def hh_h(v):
    return ab(0.07 * np.exp(-(v + 65) / 20), 1 / (1 + np.exp(-(v + 35) / 10)))


def hh_n(v):
    return ab(0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10)), 0.125 * np.exp(-(v + 65) / 80))


def tm_m(v, VT=-63.0):
    a = 0.32 * (13 - v + VT) / (np.exp((13 - v + VT) / 4) - 1)
    b = 0.28 * (v - VT - 40) / (np.exp((v - VT - 40) / 5) - 1)
    return ab(a, b)


def tm_h(v, VT=-63.0):
    return ab(0.128 * np.exp((17 - v + VT) / 18), 4 / (1 + np.exp((40 - v + VT) / 5)))


def tm_n(v, VT=-63.0):
    a = 0.032 * (15 - v + VT) / (np.exp((15 - v + VT) / 5) - 1)
    return ab(a, 0.5 * np.exp((10 - v + VT) / 40))


def wb_m_inf(v):
    a = 0.1 * (v + 35) / (1 - np.exp(-0.1 * (v + 35)))
    return a / (a + 4 * np.exp(-(v + 60) / 18))


def wb_h(v):
    return ab(0.07 * np.exp(-(v + 58) / 20), 1 / (np.exp(-0.1 * (v + 28)) + 1), phi=5.0)


def wb_n(v):
    a = 0.01 * (v + 34) / (1 - np.exp(-0.1 * (v + 34)))
    return ab(a, 0.125 * np.exp(-(v + 44) / 80), phi=5.0)


def ml_w(v, V3=2.0, V4=30.0, phi=0.04):
    return 0.5 * (1 + np.tanh((v - V3) / V4)), 1 / (phi * np.cosh((v - V3) / (2 * V4)))


def yamada_p(v, tau_max=1000.0):
    p_inf = 1 / (1 + np.exp(-(v + 35) / 10))
    return p_inf, tau_max / (3.3 * np.exp((v + 35) / 20) + np.exp(-(v + 35) / 20))


# Channels are built inside the tests (under x64 where it is on) from these factories.
CASES = {
    "HHSodium": (ch.HHSodium, {}, {"m": hh_m, "h": hh_h}),
    "HHPotassium": (ch.HHPotassium, {}, {"n": hh_n}),
    "TraubMilesSodium": (ch.TraubMilesSodium, {}, {"m": tm_m, "h": tm_h}),
    "TraubMilesPotassium": (ch.TraubMilesPotassium, {}, {"n": tm_n}),
    "TraubMilesSodium-Bazhenov": (
        ch.TraubMilesSodium,
        {"V_T": -50.0},
        {"m": lambda v: tm_m(v, -50), "h": lambda v: tm_h(v, -50)},
    ),
    "TraubMilesPotassium-Bazhenov": (
        ch.TraubMilesPotassium,
        {"V_T": -50.0},
        {"n": lambda v: tm_n(v, -50)},
    ),
    "WangBuzsakiSodium": (ch.WangBuzsakiSodium, {}, {"h": wb_h}),
    "WangBuzsakiPotassium": (ch.WangBuzsakiPotassium, {}, {"n": wb_n}),
    "MorrisLecarPotassium-II": (ch.MorrisLecarPotassium, {}, {"w": ml_w}),
    "MorrisLecarPotassium-I": (
        ch.MorrisLecarPotassium,
        {"V3": 12.0, "V4": 17.4, "phi": 1 / 15},
        {"w": lambda v: ml_w(v, 12.0, 17.4, 1 / 15)},
    ),
    "YamadaPotassium": (ch.YamadaPotassium, {}, {"p": yamada_p}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_steady_state_and_time_constant_against_published_formula(x64, case):
    cls, kwargs, gates = CASES[case]
    channel = cls(**kwargs)
    v = jnp.asarray(V)
    state = channel.init(v, {})
    # dx/dt = (x_inf - x)/tau at x = 0 and x = 1 gives both x_inf and tau.
    d0 = channel.derivative(jax.tree.map(jnp.zeros_like, state), v, {})
    d1 = channel.derivative(jax.tree.map(jnp.ones_like, state), v, {})
    dt = 0.1
    stepped = channel.step(jax.tree.map(jnp.zeros_like, state), v, {}, dt)
    for name, formula in gates.items():
        x_inf, tau = formula(V)
        np.testing.assert_allclose(getattr(state, name), x_inf, rtol=1e-12, atol=1e-300)
        got_tau = 1.0 / (getattr(d0, name) - getattr(d1, name))
        np.testing.assert_allclose(got_tau, tau, rtol=1e-12)
        np.testing.assert_allclose(getattr(d0, name) * got_tau, x_inf, rtol=1e-12)
        # Rush-Larsen: the exact solution of the gate's equation with v held.
        exact = x_inf * (1 - np.exp(-dt / tau))
        np.testing.assert_allclose(getattr(stepped, name), exact, rtol=1e-12, atol=1e-300)


def test_currents_against_their_formulas(x64):
    v = jnp.asarray(V)
    s = {"m": 0.3, "h": 0.6, "n": 0.45, "w": 0.2, "p": 0.1}

    def current(channel, state):
        out = channel.current(state, v, {})
        return np.asarray(out.current - out.conductance * v)

    m, h, n, w, p = (s[k] for k in "mhnwp")
    np.testing.assert_allclose(
        current(ch.HHSodium(), ch.MHState(m=jnp.full(8, m), h=jnp.full(8, h))),
        120 * m**3 * h * (50 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.HHPotassium(), ch.NState(n=jnp.full(8, n))), 36 * n**4 * (-77 - V), rtol=1e-12
    )
    np.testing.assert_allclose(current(ch.Leak(), None), 0.3 * (-54.387 - V), rtol=1e-12)
    np.testing.assert_allclose(
        current(ch.TraubMilesSodium(), ch.MHState(m=jnp.full(8, m), h=jnp.full(8, h))),
        100 * m**3 * h * (50 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.TraubMilesPotassium(), ch.NState(n=jnp.full(8, n))),
        30 * n**4 * (-90 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.WangBuzsakiSodium(), ch.HState(h=jnp.full(8, h))),
        35 * wb_m_inf(V) ** 3 * h * (55 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.WangBuzsakiPotassium(), ch.NState(n=jnp.full(8, n))),
        9 * n**4 * (-90 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.MorrisLecarCalcium(), None),
        4.4 * 0.5 * (1 + np.tanh((V + 1.2) / 18)) * (120 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.MorrisLecarPotassium(), ch.WState(w=jnp.full(8, w))),
        8 * w * (-84 - V),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        current(ch.YamadaPotassium(), ch.PState(p=jnp.full(8, p))),
        0.07 * p * (-90 - V),
        rtol=1e-12,
    )


def test_float32_stays_float32():
    v = jnp.linspace(-80.0, 40.0, 5, dtype=jnp.float32)
    for cls, kwargs, _ in CASES.values():
        channel = cls(**kwargs)
        state = channel.init(v, {})
        for leaf in jax.tree.leaves(
            (state, channel.step(state, v, {}, 0.1), channel.current(state, v, {}))
        ):
            assert leaf.dtype == jnp.float32, type(channel).__name__


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="g must be non-negative"):
        ch.HHSodium(g=-1.0)
    with pytest.raises(ValueError, match="phi must be positive"):
        ch.WangBuzsakiPotassium(phi=0.0)
    with pytest.raises(ValueError, match="V4 must be positive"):
        ch.MorrisLecarPotassium(V4=-3.0)
    with pytest.raises(ValueError, match="tau_max must be positive"):
        ch.YamadaPotassium(tau_max=0.0)
