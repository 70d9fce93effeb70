"""Stuart–Landau: the limit cycle's radius sqrt(a) and frequency omega for a > 0, decay at
rate -a for a < 0; the noise; input checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_limit_cycle_radius_and_frequency_and_decay(x64):
    a = jnp.array([-0.05, 0.04, 0.25, 1.0])
    omega = 0.3
    model = dx.rates.StuartLandau(4, a=a, omega=omega, x0=0.1)
    _, rec = dx.simulate(
        model, model.init(), dt=0.01, duration=400.0, monitors={"x": "x", "y": "y"}
    )
    r = np.hypot(rec["x"], rec["y"])
    # a > 0: radius sqrt(a) on the cycle (RK4 at dt = 0.01: error ~1e-9)
    np.testing.assert_allclose(r[-1, 1:], np.sqrt(a[1:]), rtol=1e-7)
    # frequency: the phase advances by omega per ms on the cycle
    phase = np.unwrap(np.arctan2(rec["y"][-10000:, 2], rec["x"][-10000:, 2]))
    assert (phase[-1] - phase[0]) / (0.01 * 9999) == pytest.approx(omega, rel=1e-7)
    # a < 0: r(t) of dr/dt = a r - r^3 from r0 = 0.1 (u = r^2 is logistic), closed form
    t, u0 = rec["t"], 0.01  # records are taken at the end of each step
    exact = np.sqrt(a[0] * u0 / (u0 + (a[0] - u0) * np.exp(-2 * a[0] * t)))
    np.testing.assert_allclose(r[:, 0], exact, rtol=1e-6)


def test_noise_is_an_ou_input_and_needs_a_key():
    noise = dx.inputs.OUProcess(3, 0.0, 0.2, 5.0)
    model = dx.rates.StuartLandau(3, a=-1.0, noise=noise)
    with pytest.raises(ValueError, match="key"):
        dx.simulate(model, model.init(), dt=0.1, duration=1.0)
    _, rec = dx.simulate(
        model, model.init(), dt=0.1, duration=2000.0, key=jax.random.key(0),
        monitors={"x": "x", "n": lambda s: s.noise.value},
    )  # fmt: skip
    # A stable focus driven by the noise: x fluctuates, and the nodes are independent.
    assert 0.05 < float(np.std(rec["n"])) < 0.35
    assert np.all(np.std(rec["x"][1000:], axis=0) > 0.01)
    c = np.corrcoef(rec["n"].T)
    assert np.all(np.abs(c[np.triu_indices(3, 1)]) < 0.3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="noise has n=2"):
        dx.rates.StuartLandau(3, noise=dx.inputs.OUProcess(2, 0.0, 0.1, 1.0))
    with pytest.raises(TypeError, match="OUProcess"):
        dx.rates.StuartLandau(3, noise=0.1)
    with pytest.raises(ValueError, match="a must be"):
        dx.rates.StuartLandau(3, a=jnp.zeros(2))
    model = dx.rates.StuartLandau(3)
    with pytest.raises(ValueError, match=r"has shape \(2,\)"):
        model.step(model.init(), jnp.zeros(2), dx.Context(t=0.0, dt=0.1, i=0))
