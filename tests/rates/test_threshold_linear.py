"""Threshold-linear units: exponential relaxation to min(g [I - theta]_+, r_max) in
closed form (exact with the default exponential Euler, O(dt^4) with RK4)."""

import numpy as np
import pytest

import dynax as dx


def test_relaxation_closed_form(x64):
    I = np.array([-1.0, 0.5, 1.0, 3.0])  # noqa: E741 (below threshold, linear, linear, saturated)
    kw = dict(tau=np.array([5.0, 10.0, 20.0, 10.0]), gain=1.5, theta=0.2, r_max=2.0, r0=1.0)
    expected_inf = np.minimum(1.5 * np.maximum(I - 0.2, 0), 2.0)
    for method, dt, rtol in (("exp_euler", 0.7, 1e-13), ("rk4", 0.1, 1e-8)):
        model = dx.rates.ThresholdLinear(4, method=method, **kw)
        _, rec = dx.simulate(
            model,
            model.init(),
            dt=dt,
            n_steps=200,
            inputs=dx.inputs.Constant(I),
            monitors={"r": "r"},
        )
        t = np.asarray(rec["t"])[:, None]
        exact = expected_inf + (1.0 - expected_inf) * np.exp(-t / kw["tau"])
        np.testing.assert_allclose(rec["r"], exact, rtol=rtol, atol=1e-14)


def test_no_saturation_by_default_and_bad_arguments():
    model = dx.rates.ThresholdLinear(2)
    np.testing.assert_allclose(model.transfer(np.array([-3.0, 1e6])), [0.0, 1e6])
    with pytest.raises(ValueError, match="r_max must be positive"):
        dx.rates.ThresholdLinear(2, r_max=0.0)
    with pytest.raises(ValueError, match="tau must be positive"):
        dx.rates.ThresholdLinear(2, tau=-1.0)
    with pytest.raises(ValueError, match=r"r_max must be a scalar or have shape \(2,\)"):
        dx.rates.ThresholdLinear(2, r_max=np.ones(3))
