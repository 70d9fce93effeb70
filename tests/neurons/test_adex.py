import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

# Naud et al. (2008), Table 1: C (pF), gL (nS), EL, VT, dT (mV), a (nS), tau_w (ms),
# b (pA), Vr (mV), I (pA).
NAUD = {
    "tonic": (200, 10, -70, -50, 2, 2, 30, 0, -58, 500),
    "adapting": (200, 12, -70, -50, 2, 2, 300, 60, -58, 500),
}


def naud(C, gL, EL, VT, dT, a, tau_w, b, Vr, current):
    """The AdExIF of a Naud et al. parameter set (tau = C/gL, R = 1/gL; nA, µS), and the
    step current in nA."""
    model = dx.neurons.AdExIF(
        1,
        tau=C / gL,
        R=1000.0 / gL,
        v_rest=EL,
        v_T=VT,
        delta_T=dT,
        a=a / 1000.0,
        tau_w=tau_w,
        b=b / 1000.0,
        v_reset=Vr,
        v_peak=0.0,
    )
    return model, current / 1000.0


def adaptation_index(isi):
    """A = mean of (ISI_{k+1} - ISI_k) / (ISI_{k+1} + ISI_k) (Naud et al. 2008)."""
    return np.mean(np.diff(isi) / (isi[1:] + isi[:-1]))


def test_adaptation_index_of_naud_tonic_and_adapting_sets(x64):
    # Measured (dt = 0.05 ms, 1 s step): tonic 101 spikes, ISIs 9.1 -> 9.7 ms, A = 0.0004;
    # adapting 17 spikes, ISIs 11.5 -> 76 ms, A = 0.062 (0.063 at dt = 0.01 ms).
    pairs = [naud(*NAUD[name]) for name in ("tonic", "adapting")]
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
    model, current = naud(*NAUD["adapting"])
    model = eqx.tree_at(lambda m: m.spike_fn, model, dx.surrogate.Sigmoid(alpha=0.5))

    def count(current):
        _, rec = dx.simulate(
            model, model.init(), dt=0.1, duration=200.0, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"].sum(), rec["s"]

    (n, s), grad = jax.value_and_grad(count, has_aux=True)(jnp.float32(current))
    assert s.dtype == jnp.float32 and grad.dtype == jnp.float32
    assert n >= 3 and np.isfinite(grad) and grad != 0


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="tau_w must be positive"):
        dx.neurons.AdExIF(1, tau_w=-1.0)
    with pytest.raises(ValueError, match="v_reset must be below v_peak"):
        dx.neurons.AdExIF(1, v_reset=20.0, v_peak=20.0)
