"""Theta neuron: the firing frequency sqrt(eta + I)/(pi tau) for eta + I > 0, the rest
point -arccos((1 + eta)/(1 - eta)) for eta < 0, the pulse's normalisation, bad input."""

import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_frequency_and_rest_point(x64):
    tau, dt = 10.0, 0.05
    eta = jnp.array([0.25, 1.0, 4.0, -1.0, -0.5])
    drive = jnp.array([0.0, 0.0, 0.0, 2.0, 0.0])  # node 3: eta + I = 1 through the input
    model = dx.rates.ThetaNeuron(5, tau=tau, eta=eta)
    final, rec = dx.simulate(
        model, model.init(), dt=dt, duration=500.0, inputs=lambda ctx: drive,
        monitors={"theta": "theta"},
    )  # fmt: skip
    theta, t = np.asarray(rec["theta"]), np.asarray(rec["t"])
    for i, total in enumerate((0.25, 1.0, 4.0, 1.0)):
        # spikes: theta crossing pi (mod 2 pi), timed by linear interpolation
        k = np.floor((theta[:, i] + np.pi) / (2 * np.pi))
        idx = np.nonzero(np.diff(k))[0]
        frac = (np.pi + 2 * np.pi * k[idx] - theta[idx, i]) / (theta[idx + 1, i] - theta[idx, i])
        times = t[idx] + frac * dt
        period = (times[-1] - times[0]) / (len(times) - 1)
        assert period == pytest.approx(np.pi * tau / np.sqrt(total), rel=1e-7)
    # eta = -0.5 < 0: the stable rest point, reached from theta = 0
    assert float(final.theta[4]) == pytest.approx(-np.arccos(0.5 / 1.5), abs=1e-9)


def test_pulse_has_mean_one_over_a_cycle():
    # a uniform grid of 400 phases averages a trigonometric polynomial of degree < 400
    # exactly; the maximum is at the spike, theta = pi, which is on the grid
    theta = jnp.linspace(-np.pi, np.pi, 401)[:-1]
    for m, peak in ((1, 2.0), (2, 8 / 3), (3, 3.2), (5, 32 * 2**5 * 120**2 / 3628800)):
        model = dx.rates.ThetaNeuron(400, pulse_order=m)
        pulse = np.asarray(model.output(dx.rates.ThetaNeuronState(theta=theta)))
        assert np.mean(pulse) == pytest.approx(1.0, rel=1e-5)
        assert pulse[200] == pytest.approx(0.0, abs=1e-6)  # theta = 0: silent
        assert pulse[0] == pytest.approx(np.max(pulse)) == pytest.approx(peak, rel=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="pulse_order"):
        dx.rates.ThetaNeuron(2, pulse_order=0)
    with pytest.raises(ValueError, match="tau must be positive"):
        dx.rates.ThetaNeuron(2, tau=0.0)
    with pytest.raises(ValueError, match="eta must be"):
        dx.rates.ThetaNeuron(2, eta=jnp.zeros(3))
