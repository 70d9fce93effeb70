"""Montbrió–Pazó–Roxin: the fixed points of the mean field, and the mean field against a
network of spiking QIF neurons for the step input of the paper's Fig. 2 (eta = -5,
J = 15, Delta = 1, I = 3 from t = 0 to 30 tau), with the error shrinking as 1/sqrt(N)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

TAU = 10.0  # ms


def qif_network(n, h, t0, t1, input_fn, eta=-5.0, J=15.0, delta=1.0, v_cut=100.0):
    """`n` all-to-all coupled QIF neurons, tau dV_j/dt = V_j^2 + eta_j + J tau s + I(t),
    threshold and reset at V = +-infinity (the limit in which the mean field is exact;
    the paper approximates it by V_p = -V_r = 100 and a refractory time 2 tau/V_p).

    eta_j are the deterministic Lorentzian quantiles eta + delta tan(pi/2 (2j - n - 1)/
    (n + 1)). V_j = p_j/q_j is kept as a unit vector (p_j, q_j), so V = +-inf is q = 0:
    over a step of h ms with the drive a_j held constant, the flow of tau V' = V^2 + a is
    the linear map (p, q) -> (C p + a S q, -S p + C q), C = cos(sqrt(a) h/tau),
    S = sin(sqrt(a) h/tau)/sqrt(a) (cosh, sinh for a < 0), taken from their Taylor
    series in x = a (h/tau)^2 (|x| < 0.1 here, error < 1e-12). A spike is a sign change
    of q (V passing through +inf to -inf); s is the spike count of the previous step
    over n h (per ms), i.e. delta synapses of weight J/n. Returns per step the spike
    count and the mean of the V_j with |V_j| < v_cut (the paper's mean over the neurons
    below threshold), starting from the low-activity state's Lorentzian of V.
    """
    j = np.arange(1, n + 1)
    quantile = np.tan(0.5 * np.pi * (2 * j - n - 1) / (n + 1))
    etas = jnp.asarray(eta + delta * quantile)
    # V starts Lorentzian (the low state's centre and half-width pi tau r), its pairing with
    # eta shuffled; the warm-up before t = 0 relaxes it.
    v0 = -1.962 + np.pi * 0.0811 * np.random.default_rng(0).permutation(quantile)
    p, q = jnp.asarray(np.sin(np.arctan(v0))), jnp.asarray(np.cos(np.arctan(v0)))
    th = h / TAU
    assert np.max(np.abs(etas)) * th * th < 0.05  # the Taylor series' range

    def step(carry, i):
        p, q, s = carry
        x = (etas + input_fn(t0 + i * h) + J * TAU * s) * th * th
        c = 1 - x / 2 * (1 - x / 12 * (1 - x / 30 * (1 - x / 56)))
        s_over = th * (1 - x / 6 * (1 - x / 20 * (1 - x / 42 * (1 - x / 72))))
        a = x / (th * th)
        p2, q2 = c * p + a * s_over * q, -s_over * p + c * q
        norm = jnp.sqrt(p2 * p2 + q2 * q2)
        p2, q2 = p2 / norm, q2 / norm
        spikes = jnp.sum(q2 * q < 0)
        v = p2 / q2
        below = jnp.abs(v) < v_cut
        v_mean = jnp.sum(jnp.where(below, v, 0.0)) / jnp.sum(below)
        return (p2, q2, spikes / (n * h)), (spikes, v_mean)

    n_steps = int(round((t1 - t0) / h))
    init = (p, q, jnp.zeros((), p.dtype))
    _, (spikes, v) = jax.jit(lambda c: jax.lax.scan(step, c, jnp.arange(n_steps)))(init)
    return np.asarray(spikes), np.asarray(v)


def step_input(t):
    return jnp.where((t >= 0.0) & (t < 30 * TAU), 3.0, 0.0)


def compare(n, h_tau, warmup_tau):
    """RMS differences (tau r and v) between the network of `n` neurons and the mean
    field in bins of 0.1 tau over t in [0, 40 tau], and both rates in the bins."""
    h, t0, t1 = h_tau * TAU, -warmup_tau * TAU, 40 * TAU
    spikes, v_net = qif_network(n, h, t0, t1, step_input)
    model = dx.rates.MontbrioPazoRoxin(1)
    _, rec = dx.simulate(
        model, model.init(), dt=h, duration=t1 - t0,
        inputs=lambda ctx: step_input(t0 + ctx.t), monitors={"r": "r", "v": "v"},
    )  # fmt: skip
    b = int(round(0.1 / h_tau))
    k0 = int(round(warmup_tau / 0.1))  # the first bin at t >= 0
    r_net = (spikes.reshape(-1, b).sum(1) / (n * b * h))[k0:] * TAU
    r_mf = rec["r"][:, 0].reshape(-1, b).mean(1)[k0:] * TAU
    v_net = v_net.reshape(-1, b).mean(1)[k0:]
    v_mf = rec["v"][:, 0].reshape(-1, b).mean(1)[k0:]
    rms = lambda e: float(np.sqrt(np.mean(e**2)))  # noqa: E731
    return rms(r_net - r_mf), rms(v_net - v_mf), r_net, r_mf


def test_fixed_points_of_the_defaults(x64):
    # tau = 1 units: v = -Delta/(2 pi r) and v^2 + eta + J r - (pi r)^2 = 0, solved to 7
    # digits: the low and high stable states of Fig. 2's parameters (eta = -5, J = 15,
    # Delta = 1), and the high state at eta + I = -2 that the step input drives to.
    model = dx.rates.MontbrioPazoRoxin(1)
    for r, v, drive in (
        (0.0811344, -1.9616200, 0.0),
        (1.0305968, -0.1544299, 0.0),
        (1.3732441, -0.1158971, 3.0),
    ):
        assert v == pytest.approx(-1 / (2 * np.pi * r), rel=1e-6)
        assert v * v - 5 + drive + 15 * r - (np.pi * r) ** 2 == pytest.approx(0.0, abs=1e-5)
        y = dx.rates.MontbrioPazoRoxinState(r=jnp.array([r / TAU]), v=jnp.array([v]))
        d = model.vector_field(0.0, y, drive)
        assert abs(float(d.r[0])) * TAU * TAU < 1e-6 and abs(float(d.v[0])) * TAU < 1e-5
    # the default initial state is the low state, which a run leaves unchanged
    final, _ = dx.simulate(model, model.init(), dt=0.1, duration=100.0)
    assert float(final.r[0]) * TAU == pytest.approx(0.0811344, rel=1e-5)
    assert float(final.v[0]) == pytest.approx(-1.9616200, rel=1e-5)


def test_mean_field_follows_a_network_of_1000_qif_neurons(x64):
    err_r, err_v, r_net, r_mf = compare(1000, 4e-3, 20.0)
    # Measured: rms 0.22 (tau r; the high state is 1.37) and 0.46 (v), most of it in the
    # burst after the onset of the step; a finite-size error: 0.08 and 0.17 at N = 10 000.
    assert err_r < 0.3 and err_v < 0.6
    # plateau of the step (10-30 tau) and the high state that remains after it (33-40 tau)
    np.testing.assert_allclose(r_net[100:300].mean(), r_mf[100:300].mean(), rtol=0.03)
    np.testing.assert_allclose(r_net[330:].mean(), r_mf[330:].mean(), rtol=0.05)
    assert r_mf[100:300].mean() == pytest.approx(1.373, rel=0.01)  # the focus at eta = -2
    assert r_mf[330:].mean() == pytest.approx(1.03, rel=0.05)  # bistable: it stays high


@pytest.mark.slow
def test_mean_field_follows_a_network_of_10000_qif_neurons(x64):
    err_r, err_v, r_net, r_mf = compare(10_000, 1e-3, 50.0)
    small_r, small_v, _, _ = compare(2500, 1e-3, 50.0)
    # Measured: rms 0.080 (tau r) and 0.174 (v) at N = 10 000; 0.160 and 0.343 at 2500:
    # the mean field's error is the network's finite-size error, ~1/sqrt(N).
    assert err_r < 0.11 and err_v < 0.25
    assert 1.5 < small_r / err_r < 2.7 and 1.5 < small_v / err_v < 2.7
    np.testing.assert_allclose(r_net[100:300].mean(), r_mf[100:300].mean(), rtol=0.01)
