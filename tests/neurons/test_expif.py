import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_rheobase_and_period_match_the_exact_integral(x64):
    # tau dv/dt = F(v) = -(v - El) + dT exp((v - vT)/dT) + R I has a saddle-node at
    # v = vT when R I = vT - El - dT (the rheobase). Above it the period is
    # tau_ref + int_{v_reset}^{v_peak} tau dv / F(v).
    p = dict(tau=10.0, v_rest=-65.0, v_reset=-68.0, v_T=-59.9, delta_T=3.48, v_peak=-30.0)
    tau_ref, dt = 1.7, 0.01
    model = dx.neurons.ExpIF(1, tau_ref=tau_ref, method="rk4", **p)
    rheobase = p["v_T"] - p["v_rest"] - p["delta_T"]  # 1.62 mV
    currents = jnp.asarray([0.97 * rheobase, 5.0, 10.0])

    def run(current):
        _, rec = dx.simulate(
            model, model.init(), dt=dt, duration=200.0, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"][:, 0]

    spikes = np.asarray(dx.sweep(run, currents))
    t = dt * np.arange(1, spikes.shape[1] + 1)
    assert spikes[0].sum() == 0
    v = np.linspace(p["v_reset"], p["v_peak"], 400_001)
    for current, s in zip(np.asarray(currents[1:]), spikes[1:]):
        field = -(v - p["v_rest"]) + p["delta_T"] * np.exp((v - p["v_T"]) / p["delta_T"]) + current
        period = tau_ref + np.trapezoid(p["tau"] / field, v)
        isi = np.diff(t[s])
        assert isi.size >= 3
        # The refractory period is whole steps and each crossing is seen one step late.
        assert np.all(np.abs(isi - period) < 2 * dt)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="delta_T must be positive"):
        dx.neurons.ExpIF(1, delta_T=0.0)
    with pytest.raises(ValueError, match="v_T must be below v_peak"):
        dx.neurons.ExpIF(1, v_T=-20.0, v_peak=-30.0)
    with pytest.raises(ValueError, match="v_reset must be below v_peak"):
        dx.neurons.ExpIF(1, v_reset=-30.0)
