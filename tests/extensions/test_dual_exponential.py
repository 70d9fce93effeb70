"""Extension case (issue 12, point 10): a dual-exponential synapse written from outside
the package, with the public synapse family only, run inside a `dx.Projection`.

Per unit weight the conductance after a spike arriving at t = 0 is

    g(t) = tau_d / (tau_d - tau_r) * (exp(-t / tau_d) - exp(-t / tau_r)),

normalised so that its integral is tau_d, as for a single exponential of tau_d. It peaks
at t_peak = tau_r tau_d ln(tau_d / tau_r) / (tau_d - tau_r).
"""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


class DualExponentialState(eqx.Module):
    a: jnp.ndarray  # the decaying part (tau_d), (n,)
    b: jnp.ndarray  # the rising part (tau_r), (n,)
    g: jnp.ndarray  # a - b: what the output turns into a current, (n,)


class DualExponential(dx.synapses.AbstractSynapse):
    """g = a - b, where a and b jump by the same amount and decay with tau_d and tau_r.

    Not an `AbstractLinearSynapse`: the arriving weights go into two variables, not into
    `g`, so the network hands them to `step` instead of adding them to `g` in place.
    """

    n: int = eqx.field(static=True)
    tau_r: jnp.ndarray
    tau_d: jnp.ndarray

    def __init__(self, n, tau_r=1.0, tau_d=5.0):
        if not 0 < tau_r < tau_d:
            raise ValueError(f"need 0 < tau_r < tau_d, got tau_r={tau_r}, tau_d={tau_d}.")
        self.n = n
        self.tau_r = jnp.asarray(tau_r, float)
        self.tau_d = jnp.asarray(tau_d, float)

    def init(self, key=None):
        zeros = jnp.zeros(self.n)
        return DualExponentialState(zeros, zeros, zeros)

    def step(self, state, input, ctx):
        # Exact over a step with no input, then the arriving weights, normalised.
        jump = input * self.tau_d / (self.tau_d - self.tau_r)
        a = state.a * jnp.exp(-ctx.dt / self.tau_d) + jump
        b = state.b * jnp.exp(-ctx.dt / self.tau_r) + jump
        return DualExponentialState(a, b, a - b)


def closed_form(t, tau_r, tau_d):
    t = np.asarray(t, np.float64)
    g = tau_d / (tau_d - tau_r) * (np.exp(-t / tau_d) - np.exp(-t / tau_r))
    return np.where(t >= 0, g, 0.0)


def t_peak(tau_r, tau_d):
    return tau_r * tau_d * np.log(tau_d / tau_r) / (tau_d - tau_r)


def run(tau_r, tau_d, *, weight=0.5, spike=1.0, dt=0.1, duration=40.0):
    """One presynaptic spike at `spike` ms onto one LIF neuron through the synapse."""
    net = dx.Network(
        {
            "pre": dx.inputs.SpikeTimeGroup(1, [0], [spike]),
            "post": dx.neurons.LIF(1, tau=10.0, v_rest=0.0, v_reset=0.0, v_th=20.0),
        },
        {
            "syn": dx.Projection(
                "pre",
                "post",
                dx.connect.CSR(np.array([0, 1]), np.array([0]), 1),
                weight,
                DualExponential(1, tau_r, tau_d),
                dx.synapses.CUBA(),
            )
        },
    )
    _, rec = dx.simulate(
        net, net.init(), dt=dt, duration=duration, monitors={"g": "syn.syn.g", "v": "post.v"}
    )
    t = dt * np.arange(1, len(rec["g"]) + 1)  # record k is the state at (k + 1) dt
    return t, np.asarray(rec["g"][:, 0]), np.asarray(rec["v"][:, 0])


@pytest.mark.parametrize("tau_r, tau_d", [(1.0, 5.0), (0.5, 10.0), (2.0, 3.0)])
def test_trace_after_one_spike_is_the_closed_form(tau_r, tau_d):
    dt, spike, weight = 0.1, 1.0, 0.5
    t, g, v = run(tau_r, tau_d, weight=weight, spike=spike, dt=dt)
    # The spike is in the state at t = 1.0 (the step ending there); the projection reads
    # it in the next step, so the weight arrives at t = 1.0 + dt.
    arrival = spike + dt
    expected = weight * closed_form(t - arrival, tau_r, tau_d)
    np.testing.assert_allclose(g, expected, rtol=2e-5, atol=1e-6 * expected.max())
    assert np.all(g[t < arrival + dt / 2] == 0)
    # The current reaches the neuron: it depolarises from the step after arrival on.
    assert np.all(v[t <= arrival] == 0) and np.all(v[t > arrival] > 0)


@pytest.mark.parametrize("tau_r, tau_d", [(1.0, 5.0), (0.5, 10.0), (2.0, 3.0)])
def test_peak_time(tau_r, tau_d):
    dt, spike = 0.01, 1.0
    t, g, _ = run(tau_r, tau_d, weight=1.0, spike=spike, dt=dt, duration=20.0)
    peak = t_peak(tau_r, tau_d)
    # The largest grid value lies within one step of the continuous peak.
    assert abs(t[np.argmax(g)] - (spike + dt) - peak) <= dt
    # ...and equals the peak value of the closed form to second order in dt.
    g_peak = closed_form(peak, tau_r, tau_d)
    assert g.max() <= g_peak * (1 + 2e-5)  # float32: a - b cancels
    assert g.max() >= g_peak * (1 - dt**2)


def test_peak_time_formula_is_the_maximum_of_the_closed_form():
    tau_r, tau_d = 1.0, 5.0
    fine = np.linspace(0.0, 20.0, 200_001)
    assert fine[np.argmax(closed_form(fine, tau_r, tau_d))] == pytest.approx(
        t_peak(tau_r, tau_d), abs=1e-4
    )
    # The normalisation: the integral is tau_d.
    assert np.trapezoid(
        closed_form(np.linspace(0, 200, 400_001), tau_r, tau_d), dx=200 / 400_000
    ) == (pytest.approx(tau_d, rel=1e-6))


def test_bad_time_constants():
    with pytest.raises(ValueError, match="tau_r < tau_d"):
        DualExponential(1, tau_r=5.0, tau_d=1.0)
