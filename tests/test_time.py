"""Time stays exact however long the run: the step index is an integer, `t0` a whole
number of steps, and timed inputs are turned into steps on the host."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

HOUR = 3.6e6  # ms


class Probe(dx.DynamicalSystem):
    """Records the value of its input: the state is the input of the last step."""

    def init(self, key=None):
        return jnp.zeros(())

    def step(self, state, input, ctx):
        return jnp.asarray(input, jnp.float32)


def run_signal(signal, t0, n_steps, dt=0.1):
    _, rec = dx.simulate(
        Probe(),
        jnp.zeros(()),
        dt=dt,
        n_steps=n_steps,
        t0=t0,
        inputs=signal,
        monitors={"x": lambda s: s},
    )
    return rec["t"], np.asarray(rec["x"])


@pytest.mark.parametrize("t0", [0.0, HOUR, 10 * HOUR])
def test_sinusoid_keeps_its_phase_after_hours(t0):
    # float32 time is 0.25 ms coarse at 1 h and 4 ms at 10 h: a 40 Hz sine read from it
    # would be a staircase. The phase comes from the integer step instead.
    t, x = run_signal(dx.inputs.Sinusoidal(1.0, 40.0, phase=0.3), t0, 500)
    start = t - 0.1  # each record is the value during the step that ends at t
    expected = np.sin(2 * np.pi * np.mod(40.0 * start / 1000.0, 1.0) + np.float32(0.3))
    np.testing.assert_allclose(x, expected, atol=2e-6)


@pytest.mark.parametrize("t0", [HOUR, 10 * HOUR])
def test_square_and_section_edges_fall_on_the_right_step_after_hours(t0):
    square = dx.inputs.Square(1.0, 100.0, duty=0.3, t_start=t0 + 0.5)  # 10 ms period
    t, x = run_signal(square, t0, 300)
    steps = np.round((t - 0.1 - t0) / 0.1).astype(int)  # steps since t0
    expected = ((steps >= 5) & (((steps - 5) % 100) < 30)).astype(float)
    np.testing.assert_array_equal(x, expected)

    # Section ends add up on the host in float64: short sections after a long one keep
    # their own length (float32 would place t0 + 0.7 on a 0.25 ms or 4 ms grid).
    section = dx.inputs.Section([1.0, 2.0, 3.0], [t0, 0.7, 1.3])
    _, x = run_signal(section, t0, 40)
    np.testing.assert_array_equal(x, [2.0] * 7 + [3.0] * 13 + [0.0] * 20)


def test_ramp_after_an_hour():
    ramp = dx.inputs.Ramp(0.0, 1.0, HOUR + 1.0, HOUR + 2.0)
    _, x = run_signal(ramp, HOUR, 30)
    expected = np.where((np.arange(30) >= 10) & (np.arange(30) < 20), np.arange(30) / 10 - 1, 0)
    np.testing.assert_allclose(x, expected, atol=1e-6)


def test_records_time_is_float64_and_exact():
    t, _ = run_signal(dx.inputs.Constant(0.0), 10 * HOUR, 10)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t, (360_000_000 + np.arange(1, 11)) * 0.1)


def test_spike_times_after_hours():
    times = np.array([HOUR + 0.1, HOUR + 0.25, HOUR + 1.0])
    group = dx.inputs.SpikeTimeGroup(2, [0, 1, 0], times)
    _, rec = dx.simulate(group, group.init(), dt=0.1, n_steps=12, t0=HOUR, monitors={"s": "spike"})
    steps, neurons = np.nonzero(np.asarray(rec["s"]))
    np.testing.assert_array_equal(steps, [0, 2, 9])
    np.testing.assert_array_equal(neurons, [0, 1, 0])


def test_two_spikes_of_one_neuron_in_one_step_are_refused():
    group = dx.inputs.SpikeTimeGroup(2, [1, 1], [1.01, 1.05])
    with pytest.raises(ValueError, match="neuron 1 has 2 spikes in the step starting at 1 ms"):
        dx.simulate(group, group.init(), dt=0.1, n_steps=20)
    # at a finer step they are two spikes
    _, rec = dx.simulate(group, group.init(), dt=0.01, n_steps=200, monitors={"s": "spike"})
    assert int(np.asarray(rec["s"]).sum()) == 2


def test_poisson_rate_above_one_spike_per_step_is_refused():
    group = dx.inputs.PoissonGroup(3, rate=20_000.0)
    with pytest.raises(ValueError, match=r"rate \* dt > 1000.*dt <= 0.05 ms"):
        dx.simulate(group, group.init(), dt=0.1, n_steps=5, key=jax.random.key(0))
    dx.simulate(group, group.init(), dt=0.05, n_steps=5, key=jax.random.key(0))
    varying = dx.inputs.PoissonGroup(3, rate=dx.inputs.Section([10.0, 20_000.0], [1.0, 1.0]))
    with pytest.raises(Exception, match="more than one spike per step"):
        dx.simulate(varying, varying.init(), dt=0.1, n_steps=20, key=jax.random.key(0))


@pytest.mark.parametrize("t0", [0.05, -0.1, float("nan")])
def test_t0_must_be_a_whole_number_of_steps(t0):
    with pytest.raises(ValueError, match="whole number of steps"):
        run_signal(0.0, t0, 3)


def test_the_step_index_limit_is_said_up_front():
    with pytest.raises(ValueError, match="beyond the int32 step index"):
        run_signal(0.0, 2.0**31 * 0.1, 3)


def test_a_signal_prepared_for_one_dt_is_prepared_again_for_another():
    section = dx.inputs.Section([1.0, 2.0], [0.3, 0.4])
    _, a = run_signal(section, 0.0, 9, dt=0.1)
    _, b = run_signal(section, 0.0, 18, dt=0.05)
    np.testing.assert_array_equal(a, [1, 1, 1, 2, 2, 2, 2, 0, 0])
    np.testing.assert_array_equal(b, np.repeat(a, 2))
