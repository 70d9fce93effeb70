import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_firing_starts_at_the_hopf_current(x64):
    # The rest state (v*, w*) loses stability where 1 - v*^2 = b / tau; the current there
    # solves v - v^3/3 - (v + a)/b + I = 0: I_H = 0.3313 for a = 0.7, b = 0.8, tau = 12.5.
    a, b, tau = 0.7, 0.8, 12.5
    v_star = -np.sqrt(1 - b / tau)
    i_hopf = -(v_star - v_star**3 / 3 - (v_star + a) / b)
    model = dx.neurons.SpikingFHN(1, a=a, b=b, tau=tau)

    def equilibrium(current):
        roots = np.roots([-1 / 3, 0, 1 - 1 / b, current - a / b])
        v = roots[np.abs(roots.imag) < 1e-9].real.min()
        return v, (v + a) / b

    counts = []
    for current in (i_hopf - 0.005, i_hopf + 0.005):
        v, w = equilibrium(current)
        # Start near the equilibrium: below I_H it is stable, above it the neuron fires.
        state = dx.neurons.SpikingFHNState(
            jnp.asarray([v + 1e-3]), jnp.asarray([w]), jnp.zeros(1, bool)
        )
        _, rec = dx.simulate(
            model, state, dt=0.05, duration=1500.0, inputs=current, monitors={"s": "spike"}
        )
        counts.append(int(rec["s"].sum()))
    assert abs(i_hopf - 0.3313) < 1e-4
    # Just above I_H the perturbation grows slowly, then the neuron fires every ~48 units.
    assert counts[0] == 0 and counts[1] >= 3


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="tau must be positive"):
        dx.neurons.SpikingFHN(1, tau=0.0)
    with pytest.raises(ValueError, match=r"v_th must be a scalar or have shape \(3,\)"):
        dx.neurons.SpikingFHN(3, v_th=jnp.ones(2))
