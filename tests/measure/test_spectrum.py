import numpy as np
import pytest
import scipy.signal

import dynax as dx


def test_welch_with_overlap_matches_scipy_and_parseval(x64):
    dt, n = 0.5, 20_000  # 10 s at 2 kHz
    t = dt * np.arange(n)
    rng = np.random.default_rng(0)
    x = 3.0 * np.sin(2 * np.pi * 0.04 * t) + rng.normal(0.0, 2.0, n)  # 40 Hz
    freqs, psd = dx.measure.power_spectrum(x, dt, segment=500.0, overlap=0.5)
    freqs, psd = np.asarray(freqs), np.asarray(psd)
    length = 1_000
    f_ref, p_ref = scipy.signal.welch(
        x, fs=2_000.0, window=np.hanning(length), nperseg=length, noverlap=length // 2
    )
    np.testing.assert_allclose(freqs, f_ref)
    np.testing.assert_allclose(psd, p_ref, rtol=1e-10, atol=1e-14)
    assert freqs[np.argmax(psd)] == pytest.approx(40.0)
    # Parseval: the integral of the density is the variance, 4.5 (sine) + 4 (noise).
    assert np.sum(psd) * freqs[1] == pytest.approx(8.5, rel=0.03)
    # A pure sine at a bin frequency: all its power A^2/2 near 40 Hz.
    freqs, psd = dx.measure.power_spectrum(
        np.sin(2 * np.pi * 0.04 * t), dt, segment=500.0, overlap=0.5
    )
    psd = np.asarray(psd)
    assert np.sum(psd) * 2.0 == pytest.approx(0.5, rel=1e-3)
    assert np.sum(psd[np.abs(np.asarray(freqs) - 40.0) <= 2.0]) * 2.0 == pytest.approx(
        0.5, rel=1e-3
    )


def test_overlap_adds_segments_and_is_checked():
    x = np.random.default_rng(1).normal(size=4_000)
    _, half = dx.measure.power_spectrum(x, 1.0, segment=1_000.0, overlap=0.5)  # 7 segments
    _, none = dx.measure.power_spectrum(x, 1.0, segment=1_000.0)  # 4 segments
    assert half.shape == none.shape
    _, f_ref = scipy.signal.welch(x, fs=1_000.0, window=np.hanning(1_000), noverlap=500)
    np.testing.assert_allclose(half, f_ref, rtol=1e-4)
    with pytest.raises(ValueError, match="overlap"):
        dx.measure.power_spectrum(x, 1.0, segment=100.0, overlap=1.0)
