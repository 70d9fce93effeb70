import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _isis(model, currents, dt, duration):
    """The spike times of `model` for each constant current, in one compilation."""

    def run(current):
        _, rec = dx.simulate(
            model, model.init(), dt=dt, duration=duration, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"][:, 0]

    spikes = np.asarray(dx.sweep(run, jnp.asarray(currents)))
    t = dt * np.arange(1, spikes.shape[1] + 1)
    return [t[s] for s in spikes]


def test_period_matches_the_exact_integral_and_rheobase(x64):
    # tau dv/dt = a0 (v - vr)(v - vc) + R I = a0 ((v - m)^2 + k^2), m = (vr + vc)/2,
    # k^2 = R I / a0 - ((vc - vr)/2)^2; from reset to peak takes
    # T = tau / (a0 k) [atan((v_peak - m)/k) - atan((v_reset - m)/k)].
    tau, vr, vc, v_reset, v_peak, a0, dt = 10.0, -65.0, -50.0, -68.0, -30.0, 0.07, 0.01
    model = dx.neurons.QuaIF(
        1, tau=tau, v_rest=vr, v_c=vc, v_reset=v_reset, v_peak=v_peak, a_0=a0, method="rk4"
    )
    rheobase = a0 * ((vc - vr) / 2) ** 2  # 3.9375
    currents = [0.98 * rheobase, 6.0, 10.0, 20.0]
    times = _isis(model, currents, dt, 300.0)
    assert times[0].size == 0  # below rheobase the neuron rests
    m = (vr + vc) / 2
    for current, t in zip(currents[1:], times[1:]):
        k = np.sqrt(current / a0 - ((vc - vr) / 2) ** 2)
        period = tau / (a0 * k) * (np.arctan((v_peak - m) / k) - np.arctan((v_reset - m) / k))
        isi = np.diff(t)
        assert isi.size >= 3
        # Each crossing is seen at the first grid point after it: ISIs within one step.
        assert np.all(isi > period - dt) and np.all(isi < period + dt)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(a_0=0.0), "a_0 must be positive"),
        (dict(v_rest=-50.0, v_c=-50.0), "v_rest must be below v_c"),
        (dict(v_reset=-30.0), "v_reset must be below v_peak"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.neurons.QuaIF(2, **kwargs)


def test_adaptive_quaif_adapts(x64):
    # The spike-triggered current w (jump b, decay tau_w) lengthens the ISIs; with b = 0
    # and a = 0 the neuron is a QuaIF and fires periodically from the first ISI on.
    kwargs = dict(tau=10.0, tau_w=100.0, method="rk4")
    adapting = dx.neurons.AdQuaIF(1, a=0.0, b=1.0, **kwargs)
    plain = dx.neurons.AdQuaIF(1, a=0.0, b=0.0, **kwargs)
    isis = {}
    for name, model in (("adapting", adapting), ("plain", plain)):
        isis[name] = np.diff(_isis(model, [10.0], 0.02, 500.0)[0])
    # Measured: ISIs 35.6 ms rising monotonically to 44.3 ms.
    assert np.all(np.diff(isis["adapting"]) > 0)
    assert isis["adapting"][-1] > 1.2 * isis["adapting"][0]
    np.testing.assert_allclose(isis["plain"][1:], isis["plain"][1], atol=0.021)
    with pytest.raises(ValueError, match="tau_w must be positive"):
        dx.neurons.AdQuaIF(1, tau_w=0.0)
