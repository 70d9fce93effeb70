import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def naud(name):
    """The AdExIF of a Naud et al. (2008) parameter set and its step current (nA)."""
    return dx.neurons.AdExIF.from_pattern(name), dx.neurons.AdExIF.PATTERN_CURRENTS[name]


def adaptation_index(isi):
    """A = mean of (ISI_{k+1} - ISI_k) / (ISI_{k+1} + ISI_k) (Naud et al. 2008)."""
    return np.mean(np.diff(isi) / (isi[1:] + isi[:-1]))


def test_adaptation_index_of_naud_tonic_and_adapting_sets(x64):
    # Measured (dt = 0.05 ms, 1 s step): tonic 101 spikes, ISIs 9.1 -> 9.7 ms, A = 0.0004;
    # adapting 17 spikes, ISIs 11.5 -> 76 ms, A = 0.062 (0.063 at dt = 0.01 ms).
    pairs = [naud(name) for name in ("tonic", "adapting")]
    models = jax.tree.map(lambda *xs: jnp.stack(xs), *[m for m, _ in pairs])
    currents = jnp.asarray([i for _, i in pairs])
    dt = 0.05

    def run(pair):
        model, current = pair
        _, rec = dx.simulate(
            model, model.init(), dt=dt, duration=1000.0, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"][:, 0]

    spikes = np.asarray(dx.sweep(run, (models, currents)))
    t = dt * np.arange(1, spikes.shape[1] + 1)
    tonic, adapting = (np.diff(t[s]) for s in spikes)
    assert tonic.size > 90 and abs(adaptation_index(tonic)) < 0.005
    assert adapting.size < 20 and adaptation_index(adapting) > 0.05
    assert adapting[-1] > 5 * adapting[0]


def test_surrogate_gradient_flows_through_both_resets():
    model, current = naud("adapting")
    model = eqx.tree_at(lambda m: m.spike_fn, model, dx.surrogate.Sigmoid(alpha=0.5))

    def count(current):
        _, rec = dx.simulate(
            model, model.init(), dt=0.1, duration=200.0, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"].sum(), rec["s"]

    (n, s), grad = jax.value_and_grad(count, has_aux=True)(jnp.float32(current))
    assert s.dtype == jnp.float32 and grad.dtype == jnp.float32
    assert n >= 3 and np.isfinite(grad) and grad != 0


def test_naud_table():
    # Adapting: C = 200 pF, gL = 12 nS, a = 2 nS, b = 60 pA, I = 500 pA.
    model = dx.neurons.AdExIF.from_pattern("adapting")
    assert float(model.tau) == pytest.approx(200 / 12) and float(model.R) == pytest.approx(1e3 / 12)
    assert (float(model.a), float(model.b), float(model.tau_w)) == pytest.approx((0.002, 0.06, 300))
    assert dx.neurons.AdExIF.PATTERN_CURRENTS["adapting"] == 0.5
    with pytest.raises(ValueError, match="unknown AdEx pattern 'bursting'; choose one of"):
        dx.neurons.AdExIF.from_pattern("bursting")


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="tau_w must be positive"):
        dx.neurons.AdExIF(1, tau_w=-1.0)
    with pytest.raises(ValueError, match="v_reset must be below v_peak"):
        dx.neurons.AdExIF(1, v_reset=20.0, v_peak=20.0)
