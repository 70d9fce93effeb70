"""Pair-based STDP: the spike-timing window, nearest vs all-to-all interaction, the
multiplicative form and the bounds, each against the closed form of the rule."""

import numpy as np
import pytest

import dynax as dx

DT = 0.1
A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS = 0.01, 0.012, 16.8, 33.7


def rasters(pre_times, post_times, n_steps):
    """Rasters `(n_steps, n)` with spikes of synapse k at the steps of the times (ms)
    `pre_times[k]`, `post_times[k]`."""
    n = len(pre_times)
    pre, post = np.zeros((n_steps, n), bool), np.zeros((n_steps, n), bool)
    for k in range(n):
        pre[np.round(np.asarray(pre_times[k]) / DT).astype(int), k] = True
        post[np.round(np.asarray(post_times[k]) / DT).astype(int), k] = True
    return pre, post


def window(lag):
    return np.where(lag > 0, A_PLUS * np.exp(-lag / TAU_PLUS), -A_MINUS * np.exp(lag / TAU_MINUS))


def test_window(x64, pairs, replay):
    """One pair per synapse at Δt = t_post - t_pre = ±1 … ±50 ms: Δw = A+ exp(-Δt/τ+) for
    Δt > 0 and -A- exp(Δt/τ-) for Δt < 0, to float64 rounding."""
    lags = np.array([1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50], float)
    lags = np.concatenate([-lags[::-1], lags])
    rule = dx.plasticity.PairSTDP(A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS)
    proj = pairs(rule, lags.size, w_max=1.0)
    t_pre = np.full(lags.size, 60.0)
    pre, post = rasters(t_pre[:, None], (t_pre + lags)[:, None], 1200)
    w = np.asarray(replay(proj, pre, post, DT).w)
    np.testing.assert_allclose(w - 0.5, window(lags), rtol=1e-10, atol=1e-15)


def test_nearest_and_all_to_all(x64, pairs, replay):
    """pre, pre, post, post at 0, 10, 20, 30 ms (+5 ms offset): all-to-all sums the four
    pre→post pairs, nearest-neighbour takes each post spike with the latest pre spike
    only; post, pre, pre (0, 10, 20 ms) depresses twice in both (each pre spike's
    nearest post spike is the same)."""
    e = lambda lag, tau: np.exp(-lag / tau)  # noqa: E731
    pre_times = [[5.0, 15.0], [15.0, 25.0]]
    post_times = [[25.0, 35.0], [5.0]]
    pre, post = rasters(pre_times, post_times, 500)
    out = {}
    for interaction in ("all_to_all", "nearest"):
        rule = dx.plasticity.PairSTDP(A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, interaction)
        out[interaction] = np.asarray(replay(pairs(rule, 2), pre, post, DT).w) - 0.5
    depress = -A_MINUS * (e(10, TAU_MINUS) + e(20, TAU_MINUS))
    all_to_all = A_PLUS * (e(20, TAU_PLUS) + e(10, TAU_PLUS) + e(30, TAU_PLUS) + e(20, TAU_PLUS))
    nearest = A_PLUS * (e(10, TAU_PLUS) + e(20, TAU_PLUS))
    np.testing.assert_allclose(out["all_to_all"], [all_to_all, depress], rtol=1e-10)
    np.testing.assert_allclose(out["nearest"], [nearest, depress], rtol=1e-10)


def test_multiplicative(x64, pairs, replay):
    """Soft bounds: Δw = A+ (w_max - w) e^{-Δt/τ+} and -A- (w - w_min) e^{Δt/τ-}."""
    rule = dx.plasticity.PairSTDP(
        A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, weight_dependence="multiplicative"
    )
    proj = pairs(rule, 2, w0=0.3, w_min=0.1, w_max=2.0)
    pre, post = rasters([[20.0], [20.0]], [[25.0], [15.0]], 400)
    w = np.asarray(replay(proj, pre, post, DT).w)
    expected = [
        0.3 + A_PLUS * (2.0 - 0.3) * np.exp(-5 / TAU_PLUS),
        0.3 - A_MINUS * (0.3 - 0.1) * np.exp(-5 / TAU_MINUS),
    ]
    np.testing.assert_allclose(w, expected, rtol=1e-10)


@pytest.mark.slow
def test_bounds(pairs, replay):
    rule = dx.plasticity.PairSTDP(1.0, 1.0, TAU_PLUS, TAU_MINUS)
    pre, post = rasters([[20.0], [20.0]], [[22.0], [18.0]], 300)
    w = np.asarray(replay(pairs(rule, 2, w0=0.9, w_min=0.2, w_max=1.0), pre, post, DT).w)
    np.testing.assert_allclose(w, [1.0, 0.2])


def test_bad_arguments():
    with pytest.raises(ValueError, match="interaction must be one of"):
        dx.plasticity.PairSTDP(interaction="nearest_neighbour")
    with pytest.raises(ValueError, match="weight_dependence"):
        dx.plasticity.PairSTDP(weight_dependence="soft")
    with pytest.raises(ValueError, match="tau_plus must be positive"):
        dx.plasticity.PairSTDP(tau_plus=0.0)
    with pytest.raises(ValueError, match="A_plus must be a number"):
        dx.plasticity.PairSTDP(A_plus=np.ones(3))
    conn = dx.connect.CSR([0, 1], [0], 1)
    syn, out = dx.synapses.Exponential(1), dx.synapses.CUBA()
    rule = dx.plasticity.PairSTDP()
    with pytest.raises(TypeError, match="conn must be a dx.connect.CSR"):
        dx.plasticity.PlasticProjection("a", "b", conn.to_coo(), 0.1, rule, syn, out)
    with pytest.raises(TypeError, match="rule must be"):
        dx.plasticity.PlasticProjection("a", "b", conn, 0.1, "stdp", syn, out)
    with pytest.raises(ValueError, match="w_min must be below w_max"):
        dx.plasticity.PlasticProjection("a", "b", conn, 0.1, rule, syn, out, w_min=1, w_max=1)
    with pytest.raises(ValueError, match="delay must be one"):
        dx.plasticity.PlasticProjection("a", "b", conn, 0.1, rule, syn, out, delay=-1.0)
