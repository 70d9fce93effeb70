import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

DT = 0.05


@pytest.fixture(scope="module")
def patterns():
    """Spike times (ms) of the four cortical classes of Izhikevich (2003, Fig. 2) under a
    step current I = 10 for 500 ms, from v = -65 mV, u = b v (one compilation)."""
    names = ["regular_spiking", "intrinsically_bursting", "chattering", "fast_spiking"]
    with jax.enable_x64(True):
        models = [dx.neurons.Izhikevich.from_pattern(name) for name in names]
        stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *models)

        def run(model):
            _, rec = dx.simulate(
                model, model.init(), dt=DT, duration=500.0, inputs=10.0, monitors={"s": "spike"}
            )
            return rec["s"][:, 0]

        spikes = np.asarray(dx.sweep(run, stacked))
    t = DT * np.arange(1, spikes.shape[1] + 1)
    return {name: t[s] for name, s in zip(names, spikes)}


def bursts(times, gap):
    """Spike times split where an ISI exceeds `gap` ms."""
    return np.split(times, np.flatnonzero(np.diff(times) > gap) + 1)


def test_published_parameters():
    rs = dx.neurons.Izhikevich.PATTERNS["regular_spiking"]
    assert dict(rs) == {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
    fs = dx.neurons.Izhikevich.from_pattern("fast_spiking", 3, I_bias=1.0)
    assert fs.n == 3 and (float(fs.a), float(fs.d), float(fs.I_bias)) == pytest.approx((0.1, 2, 1))
    with pytest.raises(ValueError, match="unknown Izhikevich pattern 'rs'; choose one of"):
        dx.neurons.Izhikevich.from_pattern("rs")


def test_regular_spiking_adapts(patterns):
    # Measured (dt = 0.05 ms; 0.01 ms within 0.2 ms): 12 spikes, first ISI 23.4 ms, then
    # tonic at 44.95 ms (22 Hz): the frequency halves after the first spike.
    isi = np.diff(patterns["regular_spiking"])
    assert isi.size == 11
    assert isi[0] == pytest.approx(23.35, abs=0.3)
    np.testing.assert_allclose(isi[1:], 44.95, atol=0.3)
    assert isi[-1] / isi[0] > 1.8


def test_fast_spiking_is_fast_and_barely_adapts(patterns):
    # Measured: 67 spikes in 500 ms; ISIs 4.45, 6.1, then 7.25-7.55 ms (133 Hz); from the
    # third ISI on the rate changes by < 5 %.
    isi = np.diff(patterns["fast_spiking"])
    assert isi.size >= 60 and 1000.0 / isi[-1] > 120.0
    assert np.ptp(isi[2:]) / isi[-1] < 0.05
    assert isi[-1] / isi[0] < 1.8  # RS: 1.93 with one ISI; FS converges within two


def test_intrinsically_bursting_fires_an_initial_burst_then_tonic_spikes(patterns):
    # Measured: a burst of 3 spikes (ISIs 2.4, 4.45 ms), then single spikes every 31.4 ms.
    groups = bursts(patterns["intrinsically_bursting"], gap=10.0)
    assert len(groups[0]) == 3 and np.all(np.diff(groups[0]) < 5.0)
    assert all(len(g) == 1 for g in groups[1:]) and len(groups) >= 10
    np.testing.assert_allclose(np.diff(patterns["intrinsically_bursting"])[3:], 31.4, atol=0.3)


def test_chattering_fires_repeated_fast_bursts(patterns):
    # Measured: bursts of 7, then 5 spikes, intra-burst ISIs 1.5-5 ms, bursts ~47-52 ms
    # apart (about 20 Hz).
    groups = bursts(patterns["chattering"], gap=15.0)
    assert len(groups) >= 8
    assert all(len(g) >= 2 for g in groups)
    assert np.mean([len(g) for g in groups]) >= 4
    intra = np.concatenate([np.diff(g) for g in groups])
    assert intra.max() < 6.0
    starts = np.array([g[0] for g in groups])
    assert np.all((np.diff(starts) > 40.0) & (np.diff(starts) < 70.0))


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="c must be below v_peak"):
        dx.neurons.Izhikevich(1, c=30.0)
