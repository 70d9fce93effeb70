import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_soft_reset_count_is_exact_and_hard_reset_period_closed_form(x64):
    # tau dv/dt = R I: v rises by R I dt / tau a step. With the soft reset nothing is lost,
    # so after N steps the count is floor((v0 - v_th + N R I dt / tau) / (v_th - v_reset)) + 1.
    tau, R, current, dt, n_steps, v_th, v_reset = 10.0, 2.0, 1.3, 0.1, 5000, 20.0, 0.0
    hard = dx.neurons.IF(1, tau=tau, R=R, v_th=v_th, v_reset=v_reset, tau_ref=2.0)
    soft = dx.neurons.IF(1, tau=tau, R=R, v_th=v_th, v_reset=v_reset, reset="soft")
    counts = {}
    for name, model in (("hard", hard), ("soft", soft)):
        _, rec = dx.simulate(
            model, model.init(), dt=dt, n_steps=n_steps, inputs=current, monitors={"s": "spike"}
        )
        counts[name] = np.flatnonzero(rec["s"][:, 0])
    rise = n_steps * R * current * dt / tau  # 130 mV
    assert counts["soft"].size == int(np.floor((rise - v_th) / (v_th - v_reset))) + 1 == 6
    # Hard reset: v_th / (R I / tau) = 76.92 ms to threshold, seen at the next step, then
    # 2 ms (20 steps) held at the reset.
    steps_to_threshold = int(np.ceil(v_th / (R * current * dt / tau) - 1e-9))  # 770
    np.testing.assert_array_equal(np.diff(counts["hard"]), steps_to_threshold + 20)


def test_conductance_input_relaxes_exactly(x64):
    # tau dv/dt = R (I - g v): relaxes to I / g with time constant tau / (R g).
    model = dx.neurons.IF(1, tau=10.0, R=2.0, v_th=100.0, v_reset=0.0)
    drive = dx.AffineCurrent(jnp.asarray(3.0), jnp.asarray(0.25))
    _, rec = dx.simulate(
        model, model.init(), dt=0.5, n_steps=40, inputs=lambda ctx: drive, monitors={"v": "v"}
    )
    expected = 12.0 * (1 - np.exp(-rec["t"] * 2.0 * 0.25 / 10.0))
    np.testing.assert_allclose(rec["v"][:, 0], expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(tau=0.0), "tau must be positive"),
        (dict(v_reset=20.0, v_th=20.0), "v_reset must be below v_th"),
        (dict(reset="zero"), r"reset must be one of \('hard', 'soft'\)"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.neurons.IF(2, **kwargs)
