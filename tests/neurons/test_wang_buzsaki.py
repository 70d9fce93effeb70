"""Wang–Buzsáki interneuron: class-1 onset and the f-I curve."""

import jax.numpy as jnp

import dynax as dx


def test_fi_curve():
    """Steady firing over 700 ms after 300 ms of transient (dt = 0.01 ms). Measured: no
    firing at 0.15 µA/cm², 8.6 Hz at 0.2 (a class-1 onset near the rheobase of about
    0.16 µA/cm² of this model), 31 Hz at 0.5, 59 Hz at 1, 99 Hz at 2 µA/cm². The
    f-I curve of Wang & Buzsáki (1996, Fig. 1C) rises from zero and passes about 60 Hz
    near 1 µA/cm²: we could not check the figure's exact values here."""
    currents = jnp.array([0.15, 0.2, 1.0, 2.0])
    wb = dx.neurons.WangBuzsaki(4, I_bias=currents)
    _, rec = dx.simulate(wb, wb.init(), dt=0.01, duration=1000.0, monitors={"spike": "spike"})
    rate = rec["spike"][30000:].sum(0) / 0.7
    assert rate[0] == 0
    assert 0 < rate[1] < 20  # starts at a low frequency: class 1
    assert 50 < rate[2] < 70
    assert 85 < rate[3] < 115
