"""The thalamic and calcium-dependent channels: steady states and time constants against
the published formulas (written out here, with their temperature factors), and the
rebound burst of a thalamic relay neuron (Huguenard & McCormick 1992)."""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

C = dx.channels
V = np.array([-100.0, -85.0, -80.5, -79.5, -74.0, -70.0, -62.0, -50.0, -27.0, -10.0, 20.0])


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def q10(q, celsius, reference):
    return q ** ((celsius - reference) / 10.0)


@eqx.filter_jit
def kinetics(channel, v, ions):
    """Each gate's (x_inf, tau) through the channel protocol: the gates' equations are
    dx/dt = (x_inf - x)/tau, so the derivative at x = 0 and x = 1 gives both."""
    state = channel.init(v, ions)
    d0 = channel.derivative(jax.tree.map(jnp.zeros_like, state), v, ions)
    d1 = channel.derivative(jax.tree.map(jnp.ones_like, state), v, ions)
    out = {}
    for f in dataclasses.fields(state):
        a, b = getattr(d0, f.name), getattr(d1, f.name)
        tau = 1.0 / (a - b)
        out[f.name] = (a * tau, tau, getattr(state, f.name))
    return out


def assert_kinetics(channel, expected, v=V, ions=None):
    got = kinetics(channel, jnp.asarray(v), ions or {})
    assert set(got) == set(expected)
    for gate, (x_inf, tau) in expected.items():
        inf, t, init = got[gate]
        np.testing.assert_allclose(inf, x_inf, rtol=1e-9, atol=1e-300, err_msg=gate)
        np.testing.assert_allclose(init, x_inf, rtol=1e-9, atol=1e-300, err_msg=gate)
        np.testing.assert_allclose(t, tau, rtol=1e-9, err_msg=gate)


def test_huguenard_mccormick_t(x64):
    phi_m, phi_h = q10(5.0, 36, 24), q10(3.0, 36, 24)
    tau_h = np.where(V < -80, np.exp((V + 467) / 66.6), 28 + np.exp(-(V + 22) / 10.5))
    assert_kinetics(
        C.HuguenardMcCormickCalciumT(),
        {
            "m": (
                1 / (1 + np.exp(-(V + 57) / 6.2)),
                (0.612 + 1 / (np.exp(-(V + 132) / 16.7) + np.exp((V + 16.8) / 18.2))) / phi_m,
            ),
            "h": (1 / (1 + np.exp((V + 81) / 4)), tau_h / phi_h),
        },
    )
    # The shift moves every curve: h_inf at v with shift 2 is h_inf at v + 2 unshifted.
    shifted = kinetics(C.HuguenardMcCormickCalciumT(v_shift=2.0), jnp.asarray(V - 2.0), {})
    np.testing.assert_allclose(shifted["h"][0], 1 / (1 + np.exp((V + 81) / 4)), rtol=1e-12)


def test_huguenard_prince_t(x64):
    phi = q10(2.5, 36, 24)
    assert_kinetics(
        C.HuguenardPrinceCalciumT(),
        {
            "m": (
                1 / (1 + np.exp(-(V + 50) / 7.4)),
                (3 + 1 / (np.exp((V + 25) / 10) + np.exp(-(V + 100) / 15))) / phi,
            ),
            "h": (
                1 / (1 + np.exp((V + 78) / 5)),
                (85 + 1 / (np.exp((V + 46) / 4) + np.exp(-(V + 405) / 50))) / phi,
            ),
        },
    )


def test_reuveni_hva(x64):
    phi = q10(2.3, 36, 23)
    with np.errstate(invalid="ignore", divide="ignore"):
        a_m = 0.055 * (-27 - V) / (np.exp((-27 - V) / 3.8) - 1)
    a_m = np.where(V == -27.0, 0.055 * 3.8, a_m)  # the limit at the 0/0
    b_m = 0.94 * np.exp((-75 - V) / 17)
    a_h = 0.000457 * np.exp((-13 - V) / 50)
    b_h = 0.0065 / (np.exp((-V - 15) / 28) + 1)
    assert_kinetics(
        C.ReuveniCalciumHVA(),
        {
            "m": (a_m / (a_m + b_m), 1 / (phi * (a_m + b_m))),
            "h": (a_h / (a_h + b_h), 1 / (phi * (a_h + b_h))),
        },
    )


def test_inoue_strowbridge_l(x64):
    assert_kinetics(
        C.InoueStrowbridgeCalciumL(),
        {
            "m": (
                1 / (1 + np.exp(-(V + 10) / 4)),
                0.4 + 0.7 / (np.exp(-(V + 5) / 15) + np.exp((V + 5) / 15)),
            ),
            "h": (
                1 / (1 + np.exp((V + 25) / 2)),
                300 + 100 / (np.exp(-(V + 40) / 9.5) + np.exp((V + 40) / 9.5)),
            ),
        },
    )


def test_huguenard_mccormick_a(x64):
    phi = q10(3.0, 36, 23.5)
    tau_0 = 1 / (np.exp((V + 46.05) / 5) + np.exp(-(V + 238.4) / 37.45))
    h_inf = 1 / (1 + np.exp((V + 78) / 6))
    tau_m = (1 / (np.exp((V + 35.82) / 19.69) + np.exp(-(V + 79.69) / 12.7)) + 0.37) / phi
    assert_kinetics(
        C.HuguenardMcCormickPotassiumA(),
        {
            "m1": (1 / (1 + np.exp(-(V + 60) / 8.5)), tau_m),
            "m2": (1 / (1 + np.exp(-(V + 36) / 20)), tau_m),
            "h1": (h_inf, np.where(V < -63, tau_0, 19.0) / phi),
            "h2": (h_inf, np.where(V < -73, tau_0, 60.0) / phi),
        },
    )
    # The current weighs the two populations 0.6 and 0.4.
    ch = C.HuguenardMcCormickPotassiumA(g=2.0, E=-100.0)
    s = C.ATypeState(m1=jnp.full(1, 0.5), m2=jnp.full(1, 0.8), h1=jnp.full(1, 0.3), h2=jnp.ones(1))
    i = ch.current(s, jnp.full(1, -50.0), {})
    g = 2.0 * (0.6 * 0.5**4 * 0.3 + 0.4 * 0.8**4)
    np.testing.assert_allclose(i.current - i.conductance * -50.0, g * (-100.0 + 50.0), rtol=1e-12)


def test_huguenard_mccormick_ih(x64):
    m_inf = 1 / (1 + np.exp((V + 75) / 5.5))
    tau = 1 / (np.exp(-14.59 - 0.086 * V) + np.exp(-1.87 + 0.0701 * V))
    assert_kinetics(C.HuguenardMcCormickIh(), {"m": (m_inf, tau)})  # recorded at 36 °C: no factor
    assert_kinetics(C.HuguenardMcCormickIh(temperature=26.0), {"m": (m_inf, tau * 3.0)})


def test_inoue_strowbridge_can(x64):
    ions = {"Ca": C.CalciumFixed(c_in=0.05).conditions(None)}
    tau = 1.6 + 2.7 / (np.exp(-(V + 55) / 15) + np.exp((V + 55) / 15))
    assert_kinetics(
        C.InoueStrowbridgeCAN(), {"m": (1 / (1 + np.exp(-(V + 43) / 5.2)), tau)}, ions=ions
    )
    ch = C.InoueStrowbridgeCAN(g=3.0)
    i = ch.current(dx.channels.MState(m=jnp.full(1, 0.4)), jnp.full(1, -60.0), ions)
    expected = 3.0 * 0.05 / (0.05 + 0.2) * 0.4 * (10.0 + 60.0)
    np.testing.assert_allclose(i.current - i.conductance * -60.0, expected, rtol=1e-12)


def test_destexhe_ahp(x64):
    phi = q10(3.0, 36, 22)
    ca = np.array([1e-5, 2.4e-4, 0.025, 0.1, 1.0])
    ions = {"Ca": C.CalciumFixed(c_in=ca).conditions(None)}
    a = 48.0 * ca**2
    assert_kinetics(
        C.DestexhePotassiumAHP(),
        {"m": (a / (a + 0.03), 1 / (phi * (a + 0.03)))},
        v=np.full(5, -60.0),
        ions=ions,
    )
    m = kinetics(C.DestexhePotassiumAHP(), jnp.full(5, -60.0), ions)["m"][0]
    assert float(m[2]) == pytest.approx(0.5)  # half activation at sqrt(beta/alpha) = 25 µM


@eqx.filter_jit
def step_and_derivative(channel, state, v, ions, dt):
    return channel.step(state, v, ions, dt), channel.derivative(state, v, ions)


@pytest.mark.parametrize(
    "channel",
    [
        C.HuguenardMcCormickCalciumT(),
        C.HuguenardPrinceCalciumT(driving=C.GHK()),
        C.ReuveniCalciumHVA(),
        C.InoueStrowbridgeCalciumL(),
        C.InoueStrowbridgeCAN(),
        C.HuguenardMcCormickIh(),
        C.HuguenardMcCormickPotassiumA(),
        C.DestexhePotassiumAHP(),
    ],
    ids=lambda ch: type(ch).__name__,
)
def test_step_agrees_with_derivative(x64, channel):
    """`step` (Rush-Larsen, for ExpEuler) and `derivative` (for the vector field) are the
    same ODE: over a tiny step the state moves by dt times the derivative."""
    v = jnp.asarray(V)
    ions = {"Ca": C.CalciumFixed(c_in=jnp.full(len(V), 1e-3)).conditions(None)}
    state = jax.tree.map(lambda x: 0.5 * x + 0.1, channel.init(v - 15.0, ions))
    dt = 1e-7
    new, d = step_and_derivative(channel, state, v, ions, dt)
    moved = jax.tree.map(lambda a, b: (a - b) / dt, new, state)
    for a, b in zip(jax.tree.leaves(moved), jax.tree.leaves(d)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-10)


def test_t_current_ohmic_and_ghk(x64):
    """The T channel's current is its driving force's at g m² h: ohmic g m² h (E - v),
    or the GHK current of permeability P = g v_T / (z F [Ca]_o)."""
    R, F = 8.314462618, 96485.33212
    ions = {"Ca": C.CalciumFixed(c_in=5e-4, c_out=2.0).conditions(None)}
    E = float(ions["Ca"].E)
    state = dx.channels.MHState(m=jnp.full(3, 0.7), h=jnp.full(3, 0.4))
    v = np.array([-80.0, -30.0, 10.0])
    g_open = 2.0 * 0.7**2 * 0.4
    ohmic = C.HuguenardMcCormickCalciumT(2.0).current(state, jnp.asarray(v), ions)
    np.testing.assert_allclose(ohmic.current - ohmic.conductance * v, g_open * (E - v))
    ghk = C.HuguenardMcCormickCalciumT(2.0, driving=C.GHK()).current(state, jnp.asarray(v), ions)
    v_t = 1e3 * R * 309.15 / (2 * F)
    xi = v / v_t
    P_zF = g_open * v_t / 2.0  # P z F, with [Ca]_o = 2 mM
    membrane = P_zF * xi * (5e-4 - 2.0 * np.exp(-xi)) / (1 - np.exp(-xi))
    np.testing.assert_allclose(ghk.current - ghk.conductance * v, -membrane, rtol=1e-10)


def relay_neuron(g_T, driving=C.Ohmic()):
    """A thalamic relay cell: T current, calcium pool, and the Traub–Miles spike currents
    with the threshold shift of the thalamic cells of Bazhenov et al. (V_T = -50 mV)."""
    return dx.neurons.ConductanceBased(
        len(g_T),
        {
            "L": C.Leak(g=0.05, E=-70.0),
            "KL": C.Leak(g=0.01, E=-95.0),
            "Na": C.TraubMilesSodium(g=90.0, E=50.0, V_T=-50.0),
            "K": C.TraubMilesPotassium(g=10.0, E=-95.0, V_T=-50.0),
            "T": C.HuguenardMcCormickCalciumT(jnp.asarray(g_T), driving=driving),
        },
        {"Ca": C.CalciumFirstOrder()},
        v_init=-70.0,
    )


def test_rebound_burst():
    """Huguenard & McCormick (1992): hyperpolarisation removes the T current's
    inactivation; on release it gives a low-threshold spike crowned by a burst of fast
    spikes. Neuron 0 has the T current, neuron 1 (the control) has none."""
    neuron = relay_neuron([2.0, 0.0])
    step = lambda ctx: jnp.where((ctx.t >= 100.0) & (ctx.t < 400.0), -1.0, 0.0)
    _, rec = dx.simulate(
        neuron,
        neuron.init(),
        dt=0.1,
        duration=600.0,
        inputs=step,
        monitors={"spike": "spike", "v": "v", "ca": lambda s: s.ions["Ca"].c},
    )
    spike, t = np.asarray(rec["spike"]), np.asarray(rec["t"])
    assert not spike[t < 400].any()  # quiet at rest and during the step
    burst = t[spike[:, 0] & (t >= 400)]
    assert len(burst) >= 2, burst  # measured: 7 spikes at 436-462 ms
    assert burst[0] < 460 and np.all(np.diff(burst[:3]) < 10)  # a burst, not tonic firing
    assert not spike[:, 1].any()  # no T current, no rebound
    v_hyp = np.asarray(rec["v"])[t < 400][-1]
    assert np.all(v_hyp < -85)  # the step hyperpolarised both to about -90 mV
    assert np.asarray(rec["ca"])[:, 0].max() > 10 * 2.4e-4  # calcium entered with the LTS
