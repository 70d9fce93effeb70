import math

import numpy as np
import pytest

import dynax as dx


def test_golomb_chi_of_identical_independent_and_mixed_signals():
    rng = np.random.default_rng(0)
    T, n = 20_000, 25
    common = rng.normal(size=(T, 1))
    assert float(dx.measure.golomb_chi(np.repeat(common, n, axis=1) + 3.0)) == pytest.approx(1.0)
    # Independent signals: chi^2 -> 1/N; each variance is estimated to a relative
    # sqrt(2/T) = 1 %, so chi sqrt(N) is 1 within a few per cent.
    noise = rng.normal(size=(T, n))
    chi = float(dx.measure.golomb_chi(noise))
    assert chi * math.sqrt(n) == pytest.approx(1.0, abs=0.04)
    # Shared part of variance a^2, private b^2: chi^2 = (a^2 + b^2/N) / (a^2 + b^2).
    a, b = 1.0, 2.0
    mixed = a * common + b * noise
    chi2 = float(dx.measure.golomb_chi(mixed, squared=True))
    assert chi2 == pytest.approx((a**2 + b**2 / n) / (a**2 + b**2), rel=0.05)
    assert np.isnan(dx.measure.golomb_chi(np.ones((10, 3))))
    with pytest.raises(ValueError, match=r"\(T, N\)"):
        dx.measure.golomb_chi(np.ones(10))


def test_kuramoto_order_parameter():
    r, psi = dx.measure.kuramoto_order(np.full(7, 2.5))
    assert float(r) == pytest.approx(1.0) and float(psi) == pytest.approx(2.5)
    # Two antiphase clusters cancel; a symmetric spread around 1 rad keeps psi = 1.
    r, _ = dx.measure.kuramoto_order(np.array([0.0, np.pi, 0.0, np.pi]))
    assert float(r) == pytest.approx(0.0, abs=1e-6)
    spread = 1.0 + np.array([-0.3, 0.3])
    r, psi = dx.measure.kuramoto_order(spread)
    assert float(r) == pytest.approx(math.cos(0.3)) and float(psi) == pytest.approx(1.0)
    # Independent uniform phases: E[r^2] = 1/n exactly, and n r^2 is ~ Exp(1) for large n,
    # so its mean over T = 2 000 draws has a standard error of 1/sqrt(T) ~ 0.022.
    rng = np.random.default_rng(0)
    n, T = 100, 2_000
    r, psi = dx.measure.kuramoto_order(rng.uniform(-np.pi, np.pi, (T, n)))
    assert r.shape == psi.shape == (T,)
    assert float(n * np.mean(np.asarray(r) ** 2)) == pytest.approx(1.0, abs=0.09)
    with pytest.raises(ValueError, match="phases"):
        dx.measure.kuramoto_order(np.zeros((2, 3, 4)))
