import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def regular(n_steps, period, n=3):
    """Bool spikes `(n_steps, n)`: every neuron fires on every `period`-th step."""
    spikes = np.zeros((n_steps, n), bool)
    spikes[period - 1 :: period] = True
    return spikes


def test_rate_of_a_regular_train_is_one_over_its_period():
    dt, period = 0.1, 40  # one spike every 4 ms: 250 Hz
    spikes = regular(400, period)
    t = dt * np.arange(1, 401)
    assert float(dx.measure.firing_rate(spikes, dt=dt)) == pytest.approx(250.0)
    assert float(dx.measure.firing_rate(spikes, dt=dt, t=t)) == pytest.approx(250.0)
    per_neuron = dx.measure.firing_rate(spikes, dt=dt, t=t, per_neuron=True)
    np.testing.assert_allclose(per_neuron, 250.0, rtol=1e-6)


def test_counts_over_intervals_give_the_rate_of_the_steps_they_count():
    dt, every = 0.1, 10
    spikes = regular(400, 40)
    t = dt * np.arange(1, 401)
    # What a counting monitor with every=10 would hold: the spikes of each 10 steps.
    counts = spikes.reshape(-1, every, 3).sum(axis=1, dtype=np.int32)
    rate = dx.measure.firing_rate(counts, dt=dt, t=t[every - 1 :: every])
    assert float(rate) == pytest.approx(float(dx.measure.firing_rate(spikes, dt=dt)))
    pop = dx.measure.population_rate(counts, t=t[every - 1 :: every])
    assert pop.shape == (40,) and float(pop.mean()) == pytest.approx(250.0)


def test_a_record_taken_every_10_steps_is_refused_not_misread():
    # The reported case: a neuron firing every 2 ms, spikes recorded with every=10 at
    # dt = 0.1 ms. The samples miss every spike, so the rate read from them was 0 Hz.
    current = 1.0 / (1.0 - np.exp(-1.95 / 10.0))  # from 0 mV, threshold after 1.95 ms
    v0 = current * (1.0 - np.exp(-0.05))  # where it is after 0.5 ms: fires 0.5 ms early
    lif = dx.neurons.LIF(1, tau=10.0, v_th=1.0, v_init=v0)
    _, rec = dx.simulate(
        lif, lif.init(), dt=0.1, n_steps=400, inputs=current, monitors={"s": "spike"}
    )
    steps = np.flatnonzero(rec["s"][:, 0])
    np.testing.assert_array_equal(steps, np.arange(14, 400, 20))
    assert float(dx.measure.firing_rate(rec["s"], dt=0.1, t=rec["t"])) == pytest.approx(500.0)
    # What dx.simulate(..., every=10) records: the state after steps 10, 20, ...
    sampled, t_sampled = rec["s"][9::10], rec["t"][9::10]
    assert not sampled.any()  # no spike falls on a recorded step
    with pytest.raises(ValueError, match="one step in 10"):
        dx.measure.firing_rate(sampled, dt=0.1, t=t_sampled)
    with pytest.raises(ValueError, match="one step in 10"):
        dx.measure.population_rate(sampled, dt=0.1, t=t_sampled)


def test_population_rate_per_row_and_window():
    dt = 0.5
    spikes = np.zeros((8, 4), bool)
    spikes[2, :2] = True  # half the neurons in one step of 0.5 ms: 1000 Hz
    rate = dx.measure.population_rate(spikes, dt=dt, t=dt * np.arange(1, 9))
    np.testing.assert_allclose(rate, np.where(np.arange(8) == 2, 1000.0, 0.0))
    smooth = dx.measure.population_rate(spikes, dt=dt, window=2.0)  # 4 rows
    assert float(smooth.sum()) == pytest.approx(1000.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dt=0.0), "dt must be a positive number"),
        (dict(dt=0.1, t=np.array([0.1, 0.2, 0.4, 0.5])), "evenly spaced"),
        (dict(t=np.arange(1.0, 5.0)), "dt is needed"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.measure.firing_rate(jnp.zeros((4, 2), bool), **kwargs)


def test_integer_counts_need_a_time_between_rows():
    with pytest.raises(ValueError, match="integer spikes are counts"):
        dx.measure.firing_rate(np.zeros((4, 2), np.int32))
