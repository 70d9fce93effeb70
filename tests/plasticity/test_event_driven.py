"""The event-driven PlasticProjection against a reference that updates every synapse every
step (O(synapses), written here with NumPy), inside a `dx.Network`: Poisson input onto
LIF neurons through a random CSR connectivity with repeated pairs, empty rows and an
empty column; more than 32 neurons spike in some steps on both sides, so the loops run
several chunks."""

import jax
import numpy as np
import pytest

import dynax as dx

DT, TAU_SYN, N_PRE, N_POST, N_STEPS = 0.1, 5.0, 80, 60, 400


def random_csr(seed):
    rng = np.random.default_rng(seed)
    fan_out = rng.integers(0, 12, N_PRE)
    fan_out[[3, 17]] = 0  # empty rows
    # Targets drawn with replacement (repeated pairs); the last column stays empty.
    indices = np.concatenate([np.sort(rng.integers(0, N_POST - 1, k)) for k in fan_out])
    indptr = np.concatenate([[0], np.cumsum(fan_out)])
    return dx.connect.CSR(indptr, indices, N_POST), rng.uniform(0.2, 0.8, indices.size)


def reference_rule(rule):
    """(time constants of the pre traces, of the post traces, on_pre, on_post) of `rule`,
    written from the published equations."""
    if isinstance(rule, dx.plasticity.TripletSTDP):
        a2p, a3p, a2m, a3m = (
            float(getattr(rule, k)) for k in ("A2_plus", "A3_plus", "A2_minus", "A3_minus")
        )

        def on_pre(w, x, y, lo, hi):
            return w - y[0] * (a2m + a3m * x[1])

        def on_post(w, x, y, lo, hi):
            return w + x[0] * (a2p + a3p * y[1])

        taus = ([rule.tau_plus, rule.tau_x], [rule.tau_minus, rule.tau_y])
    else:
        ap, am = float(rule.A_plus), float(rule.A_minus)

        def on_pre(w, x, y, lo, hi):
            return w - am * (w - lo) * y[0]

        def on_post(w, x, y, lo, hi):
            return w + ap * (hi - w) * x[0]

        taus = ([rule.tau_plus], [rule.tau_minus])
    taus = tuple(np.array([float(t) for t in ts]) for ts in taus)
    return *taus, on_pre, on_post


def reference(rule, conn, w, pre, post, delay_steps, w_min, w_max):
    """Weights and synaptic variable after the run: step k receives the spikes of step
    k - 1 (the presynaptic ones `delay_steps` later), every synapse visited."""
    tau_x, tau_y, on_pre, on_post = reference_rule(rule)
    rows = np.repeat(np.arange(N_PRE), np.diff(np.asarray(conn.indptr)))
    cols = np.asarray(conn.indices)
    x, y = np.zeros((tau_x.size, N_PRE)), np.zeros((tau_y.size, N_POST))
    g = np.zeros(N_POST)
    nearest = rule.interaction == "nearest"
    for k in range(N_STEPS):
        lag = k - 1 - delay_steps
        s_pre = pre[lag] if lag >= 0 else np.zeros(N_PRE, bool)
        s_post = post[k - 1] if k >= 1 else np.zeros(N_POST, bool)
        g = g * np.exp(-DT / TAU_SYN) + np.bincount(cols, w * s_pre[rows], N_POST)
        x *= np.exp(-DT / tau_x)[:, None]
        y *= np.exp(-DT / tau_y)[:, None]
        new = np.clip(on_pre(w, x[:, rows], y[:, cols], w_min, w_max), w_min, w_max)
        w = np.where(s_pre[rows], new, w)
        new = np.clip(on_post(w, x[:, rows], y[:, cols], w_min, w_max), w_min, w_max)
        w = np.where(s_post[cols], new, w)
        if nearest:
            x[:, s_pre], y[:, s_post] = 1.0, 1.0
        else:
            x, y = x + s_pre, y + s_post
    return w, g


RULES = {
    # The hippocampal nearest-spike set with a stronger triplet depression, so that the
    # weights spread between the bounds in 40 ms.
    "triplet-nearest": (
        dx.plasticity.TripletSTDP(4.6e-3, 9.1e-3, 3e-3, 2e-3, 16.8, 33.7, 575.0, 47.0, "nearest"),
        0.5,
    ),
    "pair-multiplicative": pytest.param(
        (dx.plasticity.PairSTDP(0.05, 0.06, 16.8, 33.7, weight_dependence="multiplicative"), 0.0),
        marks=pytest.mark.slow,
    ),
}


@pytest.mark.parametrize("case", RULES.values(), ids=RULES.keys())
def test_against_every_synapse_reference(x64, case):
    rule, delay = case
    conn, w0 = random_csr(1)
    w_min, w_max = 0.1, 0.9
    net = dx.Network(
        {
            "pre": dx.inputs.PoissonGroup(N_PRE, 3500.0),
            # Forty neurons start just below threshold: a volley of 40 spikes.
            "post": dx.neurons.LIF(
                N_POST,
                tau=10.0,
                v_th=1.0,
                R=0.05,
                tau_ref=2.0,
                I_bias=np.r_[np.full(40, 30.0), np.linspace(25.0, 40.0, N_POST - 40)],
                v_init=np.r_[np.full(40, 0.99), np.zeros(N_POST - 40)],
            ),
        },
        {
            "stdp": dx.plasticity.PlasticProjection(
                "pre",
                "post",
                conn,
                w0,
                rule,
                dx.synapses.Exponential(N_POST, TAU_SYN),
                dx.synapses.CUBA(),
                w_min=w_min,
                w_max=w_max,
                delay=delay,
            )
        },
    )
    final, rec = dx.simulate(
        net,
        net.init(),
        dt=DT,
        n_steps=N_STEPS,
        monitors={"pre": "pre.spike", "post": "post.spike"},
        key=jax.random.key(0),
    )
    pre, post = np.asarray(rec["pre"]), np.asarray(rec["post"])
    # Several chunks of 32 on both sides; some weights at a bound, most moved.
    assert pre.sum(1).max() > 32 and post.sum(1).max() > 32
    w, g = reference(rule, conn, w0, pre, post, int(round(delay / DT)), w_min, w_max)
    at_bound = np.mean((w == w_min) | (w == w_max))
    assert 0.01 < at_bound < 0.9 and np.mean(np.abs(w - w0) > 0.05) > 0.5
    np.testing.assert_allclose(np.asarray(final["stdp"].w), w, atol=1e-9)
    np.testing.assert_allclose(np.asarray(final["stdp"].syn.g), g, rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_float32_matches_reference(replay):
    """The same rule stepped in float32 stays within 1e-5 of the float64 reference."""
    rule = dx.plasticity.PairSTDP(0.05, 0.06, 16.8, 33.7, weight_dependence="multiplicative")
    conn, w0 = random_csr(2)
    syn = dx.synapses.Exponential(N_POST, TAU_SYN)
    proj = dx.plasticity.PlasticProjection(
        "pre", "post", conn, w0, rule, syn, dx.synapses.CUBA(), w_min=0.0, w_max=1.0
    )
    rng = np.random.default_rng(3)
    pre, post = rng.random((N_STEPS, N_PRE)) < 0.3, rng.random((N_STEPS, N_POST)) < 0.2
    pre[0], post[0] = False, False  # step k of the reference receives row k + 1 here
    state = replay(proj, pre, post, DT)
    w, _ = reference(rule, conn, w0, np.roll(pre, -1, 0), np.roll(post, -1, 0), 0, 0.0, 1.0)
    assert state.w.dtype == np.float32
    np.testing.assert_allclose(np.asarray(state.w), w, atol=1e-5)
