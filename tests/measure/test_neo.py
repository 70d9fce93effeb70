import numpy as np
import pytest

import dynax as dx

neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")


def test_spike_trains_carry_the_spike_times_in_ms():
    dt = 0.5
    spikes = np.zeros((10, 3), bool)
    spikes[[0, 4], 0] = True
    spikes[9, 2] = True
    trains = dx.measure.to_neo_spiketrains(spikes, dt, t=dt * np.arange(1, 11))
    assert len(trains) == 3 and all(isinstance(s, neo.SpikeTrain) for s in trains)
    np.testing.assert_allclose(trains[0].rescale("ms").magnitude, [0.5, 2.5])
    assert len(trains[1]) == 0
    np.testing.assert_allclose(trains[2].rescale("s").magnitude, [0.005])
    assert float(trains[0].t_start.rescale("ms")) == 0.0
    assert float(trains[0].t_stop.rescale("ms")) == 5.0
    assert float(trains[0].sampling_rate.rescale("Hz")) == pytest.approx(2_000.0)
    assert trains[2].annotations["neuron"] == 2
    with pytest.raises(ValueError, match="single steps"):
        dx.measure.to_neo_spiketrains(spikes.astype(np.int32), dt)


def test_analog_signal_has_units_period_and_start():
    v = np.arange(12.0).reshape(6, 2)
    sig = dx.measure.to_neo_analogsignal(v, t=2.0 * np.arange(1, 7), units="mV", name="E.v")
    assert isinstance(sig, neo.AnalogSignal) and sig.name == "E.v"
    np.testing.assert_array_equal(sig.magnitude, v)
    assert sig.units == pq.mV
    assert float(sig.sampling_period.rescale("ms")) == 2.0
    assert float(sig.t_start.rescale("ms")) == 2.0
    one = dx.measure.to_neo_analogsignal(v[:, 0], 0.1, units="nA")
    assert one.shape == (6, 1) and float(one.t_start.rescale("ms")) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="units"):
        dx.measure.to_neo_analogsignal(v, 0.1, units="furlongs per fortnight")
