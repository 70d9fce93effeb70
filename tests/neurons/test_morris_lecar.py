"""Morris–Lecar with the two parameter sets of Rinzel & Ermentrout (1989): class I
starts firing at an arbitrarily low rate, class II jumps to a finite one."""

import jax.numpy as jnp
import numpy as np

import dynax as dx


def rates(model):
    _, rec = dx.simulate(model, model.init(), dt=0.05, duration=3000.0, monitors={"spike": "spike"})
    return rec["spike"][20000:].sum(0) / 2.0  # Hz over the last 2 s


def test_class_one_onset_at_low_frequency():
    """Saddle-node on an invariant circle near I = 40 µA/cm² (Rinzel & Ermentrout 1989:
    39.96). Measured: 0 Hz at 39, 1 Hz at 40, 5 Hz at 41, 13 Hz at 50 µA/cm²."""
    currents = jnp.array([39.0, 40.0, 41.0, 50.0])
    r = rates(dx.neurons.MorrisLecar(4, excitability=1, I_bias=currents))
    assert r[0] == 0
    assert 0 < r[1] < 3  # frequency -> 0 at onset
    assert np.all(np.diff(r) > 0)


def test_class_two_onset_at_finite_frequency():
    """Subcritical Hopf near 97.8 µA/cm², stable cycles from about 88 (Rinzel &
    Ermentrout 1989). Starting at rest, measured: 0 Hz at 88, 9.5 Hz at 90, 11.5 at 100:
    the frequency jumps from 0 to about 10 Hz."""
    currents = jnp.array([85.0, 90.0, 100.0])
    r = rates(dx.neurons.MorrisLecar(3, I_bias=currents))
    assert r[0] == 0
    assert r[1] >= 8 and r[2] >= 8
