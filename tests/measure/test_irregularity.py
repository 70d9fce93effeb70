import math

import numpy as np
import pytest

import dynax as dx


def test_cv_of_regular_and_poisson_trains():
    dt = 0.1
    regular = np.zeros((2_000, 4), bool)
    regular[9::25] = True  # every 2.5 ms
    np.testing.assert_allclose(dx.measure.cv_isi(regular, dt, per_neuron=True), 0.0, atol=1e-6)
    # Bernoulli(p) per step: geometric intervals, CV = sqrt(1 - p).
    rng = np.random.default_rng(0)
    p = 0.02
    spikes = rng.random((50_000, 40)) < p
    cv = float(dx.measure.cv_isi(spikes, dt, t=dt * np.arange(1, 50_001)))
    # ~1 000 intervals per neuron, 40 neurons: the mean CV's standard error ~ 0.004.
    assert cv == pytest.approx(math.sqrt(1 - p), abs=0.015)
    # Two intervals of 1 and 3 steps: mean 2, population std 1, CV 0.5.
    three = np.zeros((10, 2), bool)
    three[[0, 1, 4], 0] = True
    three[[0, 5], 1] = True  # one interval only: no CV
    per = dx.measure.cv_isi(three, dt, per_neuron=True)
    assert float(per[0]) == pytest.approx(0.5) and np.isnan(per[1])
    assert float(dx.measure.cv_isi(three, dt)) == pytest.approx(0.5)


def test_cv_refuses_counts_and_bad_min_spikes():
    with pytest.raises(ValueError, match="single steps"):
        dx.measure.cv_isi(np.ones((10, 2), np.int32), 0.1)
    with pytest.raises(ValueError, match="min_spikes"):
        dx.measure.cv_isi(np.ones((10, 2), bool), 0.1, min_spikes=2)


def test_power_spectrum_peak_and_parseval():
    dt, n = 0.5, 40_000  # 20 s at 2 kHz
    t = dt * np.arange(n)
    rng = np.random.default_rng(1)
    noise = rng.normal(0.0, 2.0, n)
    x = 3.0 * np.sin(2 * np.pi * 0.04 * t) + noise  # 40 Hz
    freqs, psd = dx.measure.power_spectrum(x, dt, segment=1_000.0)
    freqs, psd = np.asarray(freqs), np.asarray(psd)
    assert freqs[1] == pytest.approx(1.0) and freqs[-1] == pytest.approx(1_000.0)
    assert freqs[np.argmax(psd)] == pytest.approx(40.0)
    # White noise of variance 4 sampled at 2 kHz: density 4 / 1000 per Hz (one-sided).
    assert np.median(psd) == pytest.approx(4.0 / 1_000.0, rel=0.1)
    # The integral of the density is the variance (a sine's power is A^2 / 2).
    assert np.sum(psd) * freqs[1] == pytest.approx(4.0 + 4.5, rel=0.05)
    with pytest.raises(ValueError, match="segment"):
        dx.measure.power_spectrum(x, dt, segment=1e6)
