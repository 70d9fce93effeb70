import math

import numpy as np
import pytest

import dynax as dx


def test_a_single_spike_becomes_the_kernel():
    dt, T = 0.1, 2_001
    spikes = np.zeros((T, 1), bool)
    spikes[1_000] = True
    sigma = 5.0
    rate = np.asarray(dx.measure.smoothed_rate(spikes, dt, width=sigma))
    # Unit area: one spike (rate in Hz times time in s); the Gaussian's peak 1/(sqrt(2 pi) sigma).
    assert rate.sum() * dt / 1_000.0 == pytest.approx(1.0, rel=1e-5)
    assert rate[1_000] == pytest.approx(1_000.0 / (math.sqrt(2 * math.pi) * sigma), rel=1e-3)
    lag = dt * (np.arange(T) - 1_000)
    np.testing.assert_allclose(
        rate,
        1_000.0 * np.exp(-0.5 * (lag / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma),
        rtol=1e-3,
        atol=0.03,  # the kernel is cut at 4 sigma, where it is 0.03 % of its peak
    )
    # A boxcar of 2 ms (20 steps): 500 Hz over the 2 ms centred on the spike.
    box = np.asarray(dx.measure.smoothed_rate(spikes, dt, width=2.0, kernel="boxcar"))
    assert box.sum() * dt / 1_000.0 == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(box[991:1_010], 500.0, rtol=1e-4)
    assert box[990] == pytest.approx(250.0, rel=1e-4) and box[1_010] == pytest.approx(
        250.0, rel=1e-4
    )
    np.testing.assert_allclose(box[:989], 0.0, atol=1e-3)


def test_a_constant_rate_stays_constant_to_the_edges():
    dt = 0.1
    spikes = np.zeros((4_000, 3), bool)
    spikes[:, 0] = True  # 10 kHz, every step
    spikes[::4, 1] = True  # 2.5 kHz
    per = np.asarray(dx.measure.smoothed_rate(spikes, dt, width=3.0, per_neuron=True))
    assert per.shape == (4_000, 3)
    np.testing.assert_allclose(per[:, 0], 10_000.0, rtol=1e-4)
    np.testing.assert_allclose(per[100:-100, 1], 2_500.0, rtol=1e-3)
    np.testing.assert_allclose(per[:, 2], 0.0, atol=1e-2)
    pop = np.asarray(dx.measure.smoothed_rate(spikes, dt, width=3.0))
    np.testing.assert_allclose(pop, per.mean(axis=1), rtol=1e-4, atol=1e-2)
    with pytest.raises(ValueError, match="kernel"):
        dx.measure.smoothed_rate(spikes, dt, width=3.0, kernel="triangle")
    with pytest.raises(ValueError, match="width"):
        dx.measure.smoothed_rate(spikes, dt, width=0.0)
