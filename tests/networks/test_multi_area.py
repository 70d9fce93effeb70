"""The multi-area models of macaque cortex (Joglekar et al. 2018): the threshold-linear rate
model on 29 areas (weak and strong global balanced amplification) and the spiking system
of channel-built areas nested in one dx.Network."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.networks._multi_area_spiking import _NS

DT = 0.2  # ms, the authors' step (2e-4 s)


def authors_matrices(gba):
    """The authors' rate model as their code writes it (rishimodel_generatefigs_rate.m,
    runNetworkAreaInputNEW.m), in NumPy: the (58, 58) matrix `W` of the rates' currents
    (weights multiplied by beta, so currents are in Hz; E rows then I rows) and the
    background currents `bg` that make (10, 35) Hz the fixed point."""
    data = dx.datasets.load_macaque29()
    fln = np.asarray(data.fln, np.float64)
    h = np.asarray(data.hierarchy, np.float64)
    h = h / h.max()
    n, be, bi, eta = len(h), 0.066, 0.351, 0.68
    w_ei, mu_ee = {"weak": (19.7, 33.7), "strong": (25.2, 51.5)}[gba]
    gain, eye = 1 + eta * h, np.eye(len(h))
    W = np.block(
        [
            [np.diag(be * 24.3 * gain) + fln * (be * mu_ee * gain)[:, None], -be * w_ei * eye],
            [np.diag(bi * 12.2 * gain) + fln * (bi * 25.3 * gain)[:, None], -bi * 12.5 * eye],
        ]
    )
    rest = np.r_[10 * np.ones(n), 35 * np.ones(n)]
    return W, rest - W @ rest


def authors_euler(gba, n_steps, pulse):
    """The authors' forward Euler steps, rates floored at rest, the pulse to V1 given as
    beta_E * I (Hz)."""
    W, bg = authors_matrices(gba)
    n = len(bg) // 2
    tau = np.r_[20 * np.ones(n), 10 * np.ones(n)]
    x = np.r_[10 * np.ones(n), 35 * np.ones(n)]
    floor = x.copy()
    out = np.empty((n_steps, n))
    for k in range(n_steps):
        current = W @ x + bg
        current[0] += pulse[k]
        x = np.maximum(x + DT / tau * (-x + np.maximum(current, 0)), floor)
        out[k] = x[:n]
    return out


def pulse_run(model, amplitude, duration, dt=DT, start=50.0, width=250.0):
    """E rates (time, area) for a `width` ms pulse of `amplitude` pA to V1 from `start`."""
    v1 = jnp.zeros(model.n).at[0].set(1.0)
    pulse = dx.inputs.Section(
        [0.0 * v1, amplitude * v1, 0.0 * v1], [start, width, duration - start - width]
    )
    _, rec = dx.simulate(
        model, model.init(), dt=dt, duration=duration, inputs=pulse, monitors={"E": "E"}
    )
    return np.asarray(rec["E"])


@pytest.mark.parametrize("gba", ["weak", "strong"])
def test_rate_model_is_the_authors_model(x64, gba):
    # Same equations, same Euler steps: the rates agree with the authors' formulation
    # (currents scaled by beta, a floor at rest that never acts here) to rounding.
    model = dx.networks.multi_area_rate(gba, method="euler")
    amp = dx.networks.pulse_amplitude(gba)
    n_steps = 5000  # 1 s: the pulse and 750 ms of its decay
    ours = pulse_run(model, amp, n_steps * DT)
    k0, k1 = round(50.0 / DT), round(300.0 / DT)
    pulse = np.zeros(n_steps)
    pulse[k0:k1] = amp * 0.066
    theirs = authors_euler(gba, n_steps, pulse)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    assert ours[:, 0].max() > 100  # the pulse did drive V1


@pytest.mark.slow  # quick-suite budget (CI, 2 cores)
def test_rest_is_a_stable_fixed_point(x64):
    # Background currents make (10, 35) Hz the fixed point of every area; about it the
    # model is linear, with the authors' matrix, and the fixed point is stable in both
    # regimes (the paper's premise: strong GBA without instability).
    rng = np.random.default_rng(0)
    leading = {}
    for gba in ("weak", "strong"):
        model = dx.networks.multi_area_rate(gba)
        y = model.init()
        dy = model.vector_field(0.0, y, None)
        assert max(float(jnp.abs(dy.E).max()), float(jnp.abs(dy.I).max())) < 1e-12
        W, _ = authors_matrices(gba)
        tau = np.r_[20 * np.ones(29), 10 * np.ones(29)]
        jac = (W - np.eye(58)) / tau[:, None]
        dx_ = rng.uniform(-1, 1, 58)  # small enough that no current crosses 0
        d = model.vector_field(
            0.0, dx.networks.MultiAreaRateState(y.E + dx_[:29], y.I + dx_[29:]), None
        )
        np.testing.assert_allclose(np.r_[d.E, d.I], jac @ dx_, rtol=1e-10, atol=1e-12)
        leading[gba] = np.linalg.eigvals(jac).real.max()
    # measured: -1.32e-3 / ms (weak), -9.23e-4 / ms (strong: slower, nearer the edge)
    assert leading["weak"] < leading["strong"] < 0
    with pytest.raises(ValueError, match="gba must be one of"):
        dx.networks.multi_area_rate("medium")


def test_weak_gba_attenuates_strong_gba_propagates():
    # Joglekar et al. (2018), Fig. 2: a pulse to V1 raising its rate by ~100 Hz dies out
    # along the hierarchy in weak GBA, while in strong GBA it reaches the prefrontal
    # areas. Measured (peak rise above rest, rk4 at dt = 0.5 ms): V1 100.1 Hz in both;
    # 24c 0.0062 Hz (weak) vs 1.02 Hz (strong); 24c / V1 = 6.2e-5 vs 1.0e-2.
    peaks = {}
    for gba in ("weak", "strong"):
        model = dx.networks.multi_area_rate(gba)
        rates = pulse_run(model, dx.networks.pulse_amplitude(gba), 1500.0, dt=0.5)
        peaks[gba] = rates.max(axis=0) - 10.0
    for gba in peaks:
        assert 95 < peaks[gba][0] < 105, gba  # V1: ~100 Hz, as the pulse was chosen for
    ratio = {gba: p[-1] / p[0] for gba, p in peaks.items()}  # 24c, the top, vs V1
    assert ratio["weak"] < 1e-4 and ratio["strong"] > 5e-3
    # Every area above V2 responds more in strong GBA, by over an order of magnitude
    # at the top of the hierarchy.
    gain = peaks["strong"][2:] / peaks["weak"][2:]
    assert gain.min() > 5 and np.median(gain[-10:]) > 30
    # In weak GBA the response falls by more than 3 orders of magnitude from V1 to the
    # upper half of the hierarchy; in strong GBA by less than 2.
    assert np.median(peaks["weak"][15:]) < 1e-3 * peaks["weak"][0]
    assert np.median(peaks["strong"][15:]) > 1e-2 * peaks["strong"][0]


AREAS = ("V1", "V2", "V4")


def test_spiking_system_structure():
    # Channel -> neuron -> network -> system: the nested pytree, its names, weights and
    # delays follow the connectome (no simulation: that is the slow test below).
    data = dx.datasets.load_macaque29()
    net = dx.networks.multi_area_spiking(AREAS, key=jax.random.key(0), n_exc=40, n_inh=10)
    assert tuple(net.populations) == AREAS
    state = jax.eval_shape(net.init, jax.random.key(1))
    assert state["V1"]["E"].channels["Na"].m.shape == (40,)
    assert state["V4"]["I"].v.shape == (10,)
    v1, v2, v4 = (data.index(a) for a in AREAS)
    # V1 -> V4 (FLN 0.013) and back (0.128) exist; so does every other pair here
    assert set(net.projections) == {
        f"{a}to{b}_{p}" for a in AREAS for b in AREAS if a != b for p in "EI"
    }
    proj = net.projections["V1toV2_E"]
    assert (proj.pre, proj.post) == ("V1.E", "V2.E")
    mean = float(np.mean(proj.delay))
    assert mean == pytest.approx(9.3 / 3.5, rel=0.05)  # wiring distance / 3.5 m/s
    gain = 1 + 0.68 * data.hierarchy[v2] / data.hierarchy.max()
    np.testing.assert_allclose(proj.weight, gain * data.fln[v2, v1] * 15.0 * _NS, rtol=1e-6)
    assert float(net.projections["V1toV4_I"].weight) < float(net.projections["V2toV4_I"].weight)
    with pytest.raises(ValueError, match="unknown area 'V9'"):
        dx.networks.multi_area_spiking(("V1", "V9"), key=jax.random.key(0))


@pytest.mark.slow
def test_spiking_response_travels_up_with_the_delays():
    # A 20 ms current step to V1's E neurons: a volley crosses V1 -> V2 -> V4 -> TEO ->
    # TEpd. No area fires before it (the neurons rest), each area's first spike comes
    # later than the previous one's, and no earlier than the first spike of any area
    # projecting to it plus that projection's shortest delay (causality through the
    # delays). Measured (seed 0, n_exc = 80): first spikes at 54.05, 57.35, 61.1, 65.4,
    # 70.35 ms; mean delays along the chain 2.66, 2.69, 2.80, 3.06 ms.
    areas = ("V1", "V2", "V4", "TEO", "TEpd")
    dt, onset = 0.05, 50.0
    net = dx.networks.multi_area_spiking(areas, key=jax.random.key(0), n_exc=80, n_inh=20)
    stim = dx.inputs.Section([0.0, 3.0, 0.0], [onset, 20.0, 80.0])
    monitors = {a: f"{a}.E.spike" for a in areas} | {"v": "V1.E.v", "g": "V1toV2_E.syn.g"}
    _, rec = dx.simulate(
        net,
        net.init(jax.random.key(1)),
        dt=dt,
        duration=150.0,
        inputs={"V1": {"E": stim}},
        monitors=monitors,
    )
    assert rec["v"].shape == (3000, 80)  # a nested path through two levels
    first = {}
    for a in areas:
        spikes = np.asarray(rec[a])
        steps = np.nonzero(spikes.any(axis=1))[0]
        assert len(steps) and steps[0] * dt >= onset, a  # silent until the stimulus
        first[a] = steps[0] * dt
        assert spikes.sum() > 0.5 * spikes.shape[1], a  # most neurons join the volley
    times = [first[a] for a in areas]
    assert np.all(np.diff(times) > 0), times
    for k, dst in enumerate(areas[1:], 1):
        bound = min(
            first[src] + float(np.min(net.projections[f"{src}to{dst}_E"].delay))
            for src in areas[:k]
            if f"{src}to{dst}_E" in net.projections
        )
        assert first[dst] >= bound - dt / 2, (dst, first[dst], bound)
    # V2's long-range conductance from V1 stays 0 until V1's volley arrives
    g = np.asarray(rec["g"]).sum(axis=1)
    arrival = np.nonzero(g > 0)[0][0] * dt
    assert arrival >= first["V1"] + float(np.min(net.projections["V1toV2_E"].delay)) - dt
