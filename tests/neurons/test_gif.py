import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

DT = 0.05
# Mihalas & Niebur (2009), Table 1: the patterns differ in a (ms^-1), A1, A2 (nA; with
# C = 1 nF equal to the paper's A/C in V/s) and the step current I_e (nA, = I_e/C in V/s).
PATTERNS = {
    "tonic_spiking": (dict(a=0.0), 1.5),
    "class_1": (dict(a=0.0), 1.0 + 1e-6),
    "spike_frequency_adaptation": (dict(a=0.005), 2.0),
    "phasic_spiking": (dict(a=0.005), 1.5),
    "tonic_bursting": (dict(a=0.005, A1=10.0, A2=-0.6), 2.0),
}


@pytest.fixture(scope="module")
def spikes():
    """Spike times (ms) of each pattern over 500 ms of its step current (one compilation)."""
    with jax.enable_x64(True):
        models = [dx.neurons.GIF(1, **kw) for kw, _ in PATTERNS.values()]
        stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *models)
        currents = jnp.asarray([i for _, i in PATTERNS.values()])

        def run(pair):
            model, current = pair
            _, rec = dx.simulate(
                model, model.init(), dt=DT, duration=500.0, inputs=current, monitors={"s": "spike"}
            )
            return rec["s"][:, 0]

        out = np.asarray(dx.sweep(run, (stacked, currents)))
    t = DT * np.arange(1, out.shape[1] + 1)
    return {name: t[s] for name, s in zip(PATTERNS, out)}


def test_tonic_spiking_and_class_1_match_the_lif_closed_form(spikes):
    # a = 0 and A_j = 0: the threshold stays at theta_inf = -50 mV and the neuron is a LIF
    # from -70 mV toward -70 + R I: ISI = tau ln(R I / (R I - 20 mV)).
    for name, current in (("tonic_spiking", 1.5), ("class_1", 1.0 + 1e-6)):
        period = 20.0 * np.log(20.0 * current / (20.0 * current - 20.0))
        t = spikes[name]
        assert 0 <= t[0] - period < DT
        assert np.all(np.abs(np.diff(t) - period) < DT)
    assert spikes["tonic_spiking"].size == 22  # 21.97 ms
    assert spikes["class_1"].size == 1  # 276.3 ms: arbitrarily slow near rheobase


def test_spike_frequency_adaptation(spikes):
    # Measured: 23 spikes, ISIs growing monotonically from 15.5 to 25 ms (the threshold
    # follows v through a).
    isi = np.diff(spikes["spike_frequency_adaptation"])
    assert np.all(np.diff(isi) > 0)
    assert isi[0] == pytest.approx(15.55, abs=0.1) and isi[-1] > 1.5 * isi[0]


def test_phasic_spiking_stops(spikes):
    # Measured: 5 spikes in the first 180 ms, then the risen threshold keeps the neuron
    # silent for the remaining 320 ms (the threshold's fixed point, -50 + (a/b) 30 mV =
    # -35 mV, lies above the potential's, -40 mV).
    t = spikes["phasic_spiking"]
    assert 1 <= t.size <= 6 and t[-1] < 200.0


def test_tonic_bursting(spikes):
    # A1 = 10 nA (fast, depolarising) and A2 = -0.6 nA (slow, accumulating): measured
    # (dt = 0.05 and 0.01 ms alike) bursts of 8, 6, 5, 5 spikes starting at 14.7, 143.0,
    # 272.9 and 401.6 ms, intra-burst ISIs 2.4-7.3 ms, quiet intervals of 104-110 ms.
    t = spikes["tonic_bursting"]
    groups = np.split(t, np.flatnonzero(np.diff(t) > 20.0) + 1)
    assert [len(g) for g in groups] == [8, 6, 5, 5]
    assert all(np.diff(g).max() < 7.5 for g in groups)
    np.testing.assert_allclose(np.diff([g[0] for g in groups]), 129.0, atol=1.5)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="k1 must be positive"):
        dx.neurons.GIF(1, k1=0.0)
    with pytest.raises(ValueError, match="v_reset must be below theta_reset"):
        dx.neurons.GIF(1, v_reset=-60.0)
