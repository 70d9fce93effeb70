"""The decision-making network of Wang (2002): NMDA saturation against its exact periodic
steady state, the spontaneous state, one compilation for a vmapped batch of coherence
levels, and (slow) the choice statistics at zero and high coherence."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

POPULATIONS = ("A", "B", "NS", "I")
DT = 0.1


def _counts(state):
    """Spikes of each population in the step, `(4,)`."""
    return jnp.stack([jnp.sum(state[p].spike, dtype=jnp.int32) for p in POPULATIONS])


def _trial_fn(duration, **kwargs):
    """`trial(coherence, key)`: the spike counts per step of each population, `(T, 4)`,
    and a list that grows by one each time the trial is traced."""
    traces = []

    def trial(coherence, key):
        traces.append(1)
        net = dx.networks.decision_network(coherence, key=key, **kwargs)
        state = net.init(jax.random.fold_in(key, 1))
        _, records = dx.simulate(
            net, state, dt=DT, duration=duration, key=key, monitors={"n": _counts}
        )
        return records["n"]

    return jax.jit(jax.vmap(trial)), traces


def _rates(counts, sizes, start, end):
    """Mean rate (Hz) of each population over `[start, end)` ms: `(..., 4)`."""
    window = np.asarray(counts)[..., round(start / DT) : round(end / DT), :]
    return window.sum(-2) / np.asarray(sizes) / ((end - start) / 1000.0)


def _sizes(**kwargs):
    net = dx.networks.decision_network(key=jax.random.key(0), **kwargs)
    return [net.populations[p].n for p in POPULATIONS]


# ------------------------------------------------------------------------------------
# NMDA saturation


def _periodic_mean_s(rate, tau_rise=2.0, tau_decay=100.0, alpha=0.5, points=200_001):
    """The time average of Wang's NMDA gating $s$ under presynaptic spikes at `rate`
    (Hz), in its periodic steady state, computed independently of dynax's scheme.

    Between spikes $x = x_0 e^{-t/\\tau_r}$ with $x_0 = 1/(1 - e^{-P/\\tau_r})$ just after
    a spike (period $P$), and $ds/dt = -s/\\tau_d + \\alpha x (1 - s)$ is linear in $s$:
    $s(t) = \\Phi(t)\\,(s_0 + \\int_0^t \\alpha x/\\Phi)$ with
    $\\Phi = e^{-t/\\tau_d - \\alpha \\int_0^t x}$; periodicity $s(P) = s_0$ fixes $s_0$.
    Integrals by the trapezoid rule on a fine grid."""
    period = 1000.0 / rate
    t = np.linspace(0.0, period, points)
    x0 = 1.0 / (1.0 - np.exp(-period / tau_rise))
    x = x0 * np.exp(-t / tau_rise)
    phi = np.exp(-t / tau_decay - alpha * x0 * tau_rise * (1.0 - np.exp(-t / tau_rise)))

    def cumulative(y):
        return np.concatenate([[0.0], np.cumsum((y[1:] + y[:-1]) / 2 * np.diff(t))])

    inner = cumulative(alpha * x / phi)
    s0 = phi[-1] * inner[-1] / (1.0 - phi[-1])
    return cumulative(phi * (s0 + inner))[-1] / period


def _simulated_mean_s(rate, dt, duration=2000.0):
    """The mean of `SecondOrderNMDA`'s `s` over the last period of regular spikes."""
    syn = dx.synapses.SecondOrderNMDA(1)
    period, n = round(1000.0 / rate / dt), round(duration / dt)
    spikes = jnp.asarray(np.arange(n) % period == 0, float)[:, None]

    def step(state, xs):
        i, spike = xs
        state = syn.step(state, spike, dx.Context(t=i * dt, dt=dt, i=i))
        return state, state.s[0]

    _, s = jax.lax.scan(step, syn.init(), (jnp.arange(n), spikes))
    return float(np.mean(np.asarray(s)[-period:]))


@pytest.mark.parametrize("rate", [5.0, 10.0, 40.0, 100.0])
def test_nmda_saturation_matches_periodic_steady_state(x64, rate):
    exact = _periodic_mean_s(rate)
    coarse, fine = _simulated_mean_s(rate, 0.1), _simulated_mean_s(rate, 0.05)
    # Measured: relative errors 2.3e-6 (5 Hz) ... 1.4e-6 (100 Hz) at dt = 0.1 ms.
    assert abs(coarse - exact) < 5e-6 * exact
    # Second order in dt: halving the step divides the error by about 4.
    assert 3.0 < abs(coarse - exact) / abs(fine - exact) < 5.0
    # Wang's (Brunel & Wang 2001) mean-field approximation nu*tau/(1 + nu*tau),
    # tau = alpha*tau_rise*tau_decay = 100 ms: 15 % high at 5 Hz, within 1.2 % from 40 Hz.
    tau = 0.5 * 2.0 * 100.0 / 1000.0  # s
    approx = rate * tau / (1 + rate * tau)
    assert 0 < approx - exact < (0.16 if rate < 10 else 0.08 if rate < 40 else 0.013) * exact


# ------------------------------------------------------------------------------------
# Quick network runs: a quarter-size network, 2 trials, 400 ms; a strong stimulus
# (mu0 = 200 Hz) from 300 ms.

QUICK = dict(scale=0.25, t_on=300.0, t_off=400.0, mu0=200.0)


@pytest.fixture(scope="module")
def quick_run():
    run, traces = _trial_fn(400.0, **QUICK)
    keys = jax.random.split(jax.random.key(0), 2)
    first = np.asarray(run(jnp.array([0.0, 51.2]), keys))
    second = np.asarray(run(jnp.array([100.0, -100.0]), jax.random.split(jax.random.key(1), 2)))
    return first, second, len(traces)


@pytest.mark.slow  # the quarter-size network's fixture: 9 s
def test_spontaneous_state(quick_run):
    counts = quick_run[0]
    rates = _rates(counts, _sizes(**QUICK), 100.0, 300.0).mean(0)
    # Measured 2.1 (E) and 7.0 Hz (I) at this size; 2.3 and 7.6 Hz with Wang's 2000
    # neurons (800 ms of 4 trials). Brunel & Wang (2001) set the background of this
    # network for spontaneous rates of a few Hz (pyramidal) and ~9 Hz (interneurons).
    assert np.all((1.0 < rates[:3]) & (rates[:3] < 4.0)), rates
    assert 4.0 < rates[3] < 12.0, rates
    assert rates[3] > 2 * rates[:3].max()


@pytest.mark.slow
def test_vmapped_coherences_compile_once(quick_run):
    first, second, traces = quick_run
    assert traces == 1  # two batches of coherence levels, one trace, one compilation
    sizes = _sizes(**QUICK)
    stimulus = _rates(second, sizes, 300.0, 400.0)
    # c = +100 %: 400 Hz more input to every neuron of A, none to B; c = -100 %: the
    # reverse. The favoured population fires faster in the first 100 ms.
    assert stimulus[0, 0] > stimulus[0, 1] + 5 and stimulus[1, 1] > stimulus[1, 0] + 5
    assert first.shape == (2, 4000, 4)


def test_bad_arguments():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="coherence"):
        dx.networks.decision_network(120.0, key=key)
    with pytest.raises(ValueError, match="w_plus"):
        dx.networks.decision_network(w_plus=7.0, key=key)
    with pytest.raises(ValueError, match="t_off"):
        dx.networks.decision_network(t_on=500.0, t_off=100.0, key=key)
    with pytest.raises(ValueError, match="scale"):
        dx.networks.decision_network(scale=0.0, key=key)
    with pytest.raises(ValueError, match="sigma"):
        dx.networks.decision_network(sigma=-1.0, key=key)


def test_structure():
    net = dx.networks.decision_network(key=jax.random.key(0))
    assert _sizes() == [240, 240, 1120, 400]
    w_minus = 1 - 0.15 * 0.7 / 0.85
    g = {n: float(p.weight) for n, p in net.projections.items()}
    assert np.isclose(g["A2A_AMPA"], 0.05e-3 * 1.7)
    assert np.isclose(g["B2A_NMDA"], 0.165e-3 * w_minus)
    assert np.isclose(g["NS2A_AMPA"], 0.05e-3 * w_minus) and np.isclose(g["A2NS_NMDA"], 0.165e-3)
    assert np.isclose(g["A2I_NMDA"], 0.13e-3) and np.isclose(g["I2I_GABA"], 1.0e-3)
    assert np.isclose(g["ext2A"], 2.1e-3) and np.isclose(g["ext2I"], 1.62e-3)
    assert len(net.projections) == 4 + 4 * 7


# ------------------------------------------------------------------------------------
# Choices over many trials (Wang's network at full size)


@pytest.mark.slow
def test_choices_at_zero_and_high_coherence():
    """24 trials at c = 0 and 16 at c = 25.6 %, one vmap; stimulus 1 s from 200 ms.
    The winner is the selective population with the higher rate in the last 200 ms of
    the stimulus; a trial decides when the winner's rate there exceeds 15 Hz and is at
    least twice the loser's."""
    run, traces = _trial_fn(1200.0, t_on=200.0, t_off=1200.0)
    cs = jnp.array([0.0] * 24 + [25.6] * 16)
    counts = run(cs, jax.random.split(jax.random.key(2), cs.size))
    last = _rates(counts, _sizes(), 1000.0, 1200.0)
    a_wins = last[:, 0] > last[:, 1]
    winner, loser = last[:, :2].max(1), last[:, :2].min(1)
    decided = (winner > 15.0) & (winner > 2 * loser)
    zero, high = slice(0, 24), slice(24, 40)
    assert 0.2 <= a_wins[zero].mean() <= 0.8, last[zero]
    assert a_wins[high].mean() >= 0.8, last[high]
    assert decided[high].mean() >= 0.8, last[high]
    assert len(traces) == 1
