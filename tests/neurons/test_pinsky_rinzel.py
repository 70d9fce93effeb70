"""Pinsky–Rinzel (1994): bursting at weak soma–dendrite coupling, single spikes at
strong coupling."""

import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


@pytest.mark.slow
def test_weak_coupling_bursts_strong_coupling_spikes():
    """I_s = 0.75 µA/cm² over 2 s (dt = 0.05 ms). Measured: at g_c = 2.1 mS/cm² bursts of
    3 somatic spikes (intervals 3.5 and 6 ms) every 490 ms, each with a dendritic calcium
    spike; at g_c = 10.5, single spikes every 398 ms. Pinsky & Rinzel (1994, Figs. 3-4):
    bursting for small g_c at this drive, single spikes when the compartments are
    strongly coupled."""
    dt = 0.05
    model = dx.neurons.PinskyRinzel(2, g_c=jnp.array([2.1, 10.5]), I_bias=0.75)
    _, rec = dx.simulate(
        model,
        model.init(),
        dt=dt,
        duration=2000.0,
        monitors={"s": "spike", "vd": "v_d", "ca": "ions.Ca.c"},
    )
    for j, expect_burst in ((0, True), (1, False)):
        t = np.nonzero(rec["s"][10000:, j])[0] * dt  # after 500 ms
        isi = np.diff(t)
        assert len(t) >= 3
        short = isi < 20.0
        if expect_burst:
            assert short.sum() >= 2 and (isi > 200.0).sum() >= 1
            assert 2.5 <= len(t) / max((isi > 200.0).sum(), 1) <= 4.5  # spikes per burst
        else:
            assert short.sum() == 0
    assert rec["vd"][:, 0].max() > 0.0  # the dendritic calcium spike
    assert rec["ca"].max() > 100.0
