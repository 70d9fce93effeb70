"""Inhibitory plasticity (Vogels et al. 2011): LIF neurons driven by excitatory Poisson
input through fixed synapses and by inhibitory Poisson input through plastic ones,
starting without inhibition (about 50 Hz), settle at the target rate ρ₀.

Measured (seeds as below, 20 neurons, η = 0.01; 60 Hz in the first 100 ms): after
1.5 s (quick), 8.9 Hz over the last 0.5 s for ρ₀ = 10 Hz; after 6 s (slow), over the last
3 s, 10.8 Hz for ρ₀ = 10 Hz and 5.5 Hz for ρ₀ = 5 Hz.
"""

import jax
import numpy as np
import pytest

import dynax as dx

N_POST, N_EXC, N_INH, DT = 20, 400, 100, 0.1


def network(rho0, eta=0.01):
    key = jax.random.key(0)
    exc = dx.connect.FixedProb(0.5)(N_EXC, N_POST, jax.random.fold_in(key, 1))
    inh = dx.connect.FixedProb(1.0)(N_INH, N_POST, jax.random.fold_in(key, 2))
    lif = dx.neurons.LIF(
        N_POST,
        tau=20.0,
        v_rest=-60.0,
        v_reset=-60.0,
        v_th=-50.0,
        tau_ref=5.0,
        v_init=dx.init.Uniform(-60.0, -50.0),
    )
    rule = dx.plasticity.VogelsSprekeler(eta=eta, rho0=rho0, tau=20.0)
    return dx.Network(
        {
            "exc": dx.inputs.PoissonGroup(N_EXC, 10.0),
            "inh": dx.inputs.PoissonGroup(N_INH, 10.0),
            "post": lif,
        },
        {
            "E": dx.Projection(
                "exc",
                "post",
                exc,
                0.05,
                dx.synapses.Exponential(N_POST, 5.0),
                dx.synapses.COBA(0.0),
            ),
            "I": dx.plasticity.PlasticProjection(
                "inh",
                "post",
                inh,
                0.0,
                rule,
                dx.synapses.Exponential(N_POST, 10.0),
                dx.synapses.COBA(-80.0),
                w_max=10.0,
            ),
        },
    )


def rates(rho0, duration, window):
    """Mean rate (Hz) of the postsynaptic neurons over the first 100 ms and over the last
    `window` ms of a run of `duration` ms."""
    net = network(rho0)
    monitors = {"n": lambda s: s["post"].spike.sum(dtype="int32")}
    _, rec = dx.simulate(
        net,
        net.init(jax.random.key(1)),
        dt=DT,
        duration=duration,
        monitors=monitors,
        key=jax.random.key(2),
    )
    n = np.asarray(rec["n"])
    first = n[: int(100 / DT)].sum() / N_POST / 0.1
    last = n[-int(window / DT) :].sum() / N_POST / (window / 1000)
    return first, last


def test_rate_converges_quick():
    first, last = rates(10.0, 1500.0, 500.0)
    assert first > 30.0
    assert abs(last - 10.0) < 0.35 * 10.0


@pytest.mark.slow
@pytest.mark.parametrize("rho0", [5.0, 10.0])
def test_rate_converges(rho0):
    first, last = rates(rho0, 6000.0, 3000.0)
    assert first > 30.0
    assert abs(last - rho0) < 0.2 * rho0
