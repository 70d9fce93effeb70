import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_bursts_lengthen_with_the_input(x64):
    # Standard parameters (a=1, b=3, c=1, d=5, s=4, x_r=-1.6, r=0.001). Measured with RK4
    # at dt = 0.05 and with SciPy's solve_ivp at rtol 1e-8 alike: after the first burst,
    # regular bursts of 9 spikes for I = 2 and 18 spikes for I = 3.
    model = dx.neurons.HindmarshRose(1)
    dt = 0.05

    def run(current):
        _, rec = dx.simulate(
            model, model.init(), dt=dt, duration=3000.0, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"][:, 0]

    spikes = np.asarray(dx.sweep(run, jnp.asarray([2.0, 3.0])))
    t = dt * np.arange(1, spikes.shape[1] + 1)
    for expected, s in zip((9, 18), spikes):
        times = t[s]
        groups = np.split(times, np.flatnonzero(np.diff(times) > 50.0) + 1)
        sizes = [len(g) for g in groups[1:-1]]  # whole bursts after the first
        assert len(sizes) >= 3 and set(sizes) == {expected}


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="r must be positive"):
        dx.neurons.HindmarshRose(1, r=0.0)
    with pytest.raises(ValueError, match="unknown ODE method 'rk45' for HindmarshRose; valid"):
        dx.neurons.HindmarshRose(1, method="rk45")
    with pytest.raises(TypeError, match="spike_fn must be a dx.surrogate.AbstractSpikeFunction"):
        dx.neurons.HindmarshRose(1, spike_fn=jnp.sign)
