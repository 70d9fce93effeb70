"""Tests of dx.tasks: the chaotic series against reference solutions and known
invariants, the cognitive tasks against their defining statistics."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

# ---------------------------------------------------------------- chaotic series


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_lorenz_matches_tight_reference(x64):
    """RK4 at dt = 0.01 against Tsit5 at rtol = atol = 1e-12 over two time units."""
    y0 = jnp.array([-8.0, 7.0, 27.0])
    ys = dx.tasks.lorenz(201, 0.01, y0=y0, transient=0.0)
    ts = jnp.arange(201) * 0.01

    def f(t, y, args):
        x, v, z = y
        return jnp.stack([10 * (v - x), x * (28 - z) - v, x * v - 8 / 3 * z])

    _, ref = dx.integrate.solve(f, y0, 0.0, 2.0, saveat=ts, rtol=1e-12, atol=1e-12)
    assert ys.dtype == jnp.float64
    np.testing.assert_allclose(ys[0], y0)
    err = jnp.max(jnp.abs(ys - ref), axis=1)
    assert float(err[100]) < 2e-4 and float(err[200]) < 5e-3, err[::100]
    # fourth order (chaos adds to it): half the step, at least 2^3.6 = 12 times smaller error
    half = dx.tasks.lorenz(201, 0.01, y0=y0, transient=0.0, substeps=2)
    assert float(jnp.max(jnp.abs(half - ref))) < float(err[200]) / 12


def test_lorenz_time_averages():
    """On the attractor <z> is about 23.5, and <x^2> = <xy> = beta <z> exactly in the long
    run (the time averages of d(x^2)/dt and dz/dt vanish)."""
    ys = np.asarray(dx.tasks.lorenz(100_000, 0.01), dtype=np.float64)  # 1000 time units
    x, y, z = ys.T
    assert abs(z.mean() - 23.55) < 0.15, z.mean()
    np.testing.assert_allclose((x * y).mean(), 8 / 3 * z.mean(), rtol=5e-3)
    np.testing.assert_allclose((x**2).mean(), (x * y).mean(), rtol=5e-3)
    assert ys.dtype == np.float64 and dx.tasks.lorenz(3).dtype == jnp.float32


def test_mackey_glass_hopf_point(x64):
    """Linearised at x* = 1, dx/dt = -gamma x + beta f'(1) x(t - tau) with f'(1) = (2 - n)/4
    = -2: a Hopf bifurcation at tau_c = arccos(-1/4) / omega = 4.708, omega = sqrt(0.15),
    with period 2 pi / omega = 16.2 at onset."""
    omega = math.sqrt(0.4**2 - 0.1**2)
    tau_c = math.acos(-0.25) / omega
    assert abs(tau_c - 4.708) < 1e-3
    below = np.asarray(dx.tasks.mackey_glass(3000, 0.5, tau=4.4, x0=1.05, transient=0.0))
    above = np.asarray(dx.tasks.mackey_glass(3000, 0.5, tau=4.8, x0=1.05, transient=0.0))
    assert np.abs(below[-800:] - 1).max() < 1e-4
    late = above[-800:]
    assert np.abs(late - 1).max() > 0.02
    peaks = np.flatnonzero((late[1:-1] > late[:-2]) & (late[1:-1] > late[2:]))
    period = np.diff(peaks).mean() * 0.5
    assert abs(period - 2 * math.pi / omega) < 0.05 * 2 * math.pi / omega, period


@pytest.mark.slow  # 5-12 s on the 2-core machine: the quick suite has a 4-minute budget
def test_mackey_glass_regimes_and_balance(x64):
    """tau = 6 is a limit cycle (one distinct maximum), tau = 17 chaotic (many), and the
    long-run time average of the production term equals gamma <x>."""
    maxima = {}
    for tau in (6.0, 17.0):
        x = np.asarray(dx.tasks.mackey_glass(10_000, 0.1, tau=tau, substeps=1))
        peaks = x[1:-1][(x[1:-1] > x[:-2]) & (x[1:-1] > x[2:])]
        maxima[tau] = len(np.unique(np.round(peaks, 2)))
    assert maxima[6.0] == 1 and maxima[17.0] > 10, maxima
    x = np.asarray(dx.tasks.mackey_glass(40_000, 0.1, substeps=1, transient=300.0))
    lag = 170
    production = 0.2 * x[:-lag] / (1 + x[:-lag] ** 10)
    np.testing.assert_allclose(production.mean(), 0.1 * x[lag:].mean(), rtol=3e-3)
    assert 0.2 < x.min() and x.max() < 1.45


@pytest.mark.slow
def test_mackey_glass_converges(x64):
    """Second order in the step (linear interpolation of the history)."""
    kw = dict(tau=17.0, transient=0.0)
    ref = dx.tasks.mackey_glass(51, 1.0, substeps=80, **kw)
    e1 = float(jnp.max(jnp.abs(dx.tasks.mackey_glass(51, 1.0, substeps=10, **kw) - ref)))
    e2 = float(jnp.max(jnp.abs(dx.tasks.mackey_glass(51, 1.0, substeps=20, **kw) - ref)))
    assert 3.0 < e1 / e2 < 5.0, (e1, e2)


def test_series_bad_arguments():
    with pytest.raises(ValueError, match="n_steps"):
        dx.tasks.lorenz(0)
    with pytest.raises(ValueError, match="dt"):
        dx.tasks.mackey_glass(10, dt=-1.0)
    with pytest.raises(ValueError, match="y0"):
        dx.tasks.lorenz(10, y0=jnp.zeros(2))
    with pytest.raises(ValueError, match="tau"):
        dx.tasks.mackey_glass(10, tau=0.0)


# ---------------------------------------------------------------- cognitive tasks


def test_evidence_accumulation_counts_timing_and_rates():
    dt = 1.0
    trials = dx.tasks.evidence_accumulation(jax.random.key(0), 64, dt)
    x, labels, mask, cond = trials
    assert x.shape == (64, 2250, 40) and x.dtype == jnp.float32
    assert labels.dtype == jnp.int32 and mask.shape == (64, 2250)
    # labels are the side with more cues; the counts are those of the cue sides
    np.testing.assert_array_equal(labels, (cond["n_right"] > cond["n_left"]).astype(int))
    np.testing.assert_array_equal(cond["n_right"], cond["cue_sides"].sum(1))
    assert set(np.unique(cond["n_left"] + cond["n_right"])) == {7}
    # the recall period is the last 150 steps, exactly
    np.testing.assert_array_equal(np.flatnonzero(mask[0]), np.arange(2100, 2250))
    # spikes of the left/right groups only during cues of their side, at 40 Hz
    x = np.asarray(x)
    left, right, recall, noise = (x[:, :, 10 * g : 10 * g + 10] for g in range(4))
    sides = np.asarray(cond["cue_sides"])
    for k in range(7):
        on = slice(150 * k, 150 * k + 100)
        off = slice(150 * k + 100, 150 * k + 150)
        assert left[:, off].sum() == 0 and right[:, off].sum() == 0
        assert left[sides[:, k] == 1, on].sum() == 0 and right[sides[:, k] == 0, on].sum() == 0
    # Poisson rates: counts over all trials within 4 standard deviations
    n_on = sides.sum() * 100 * 10  # right-cue neuron-steps (in ms at dt = 1)
    rate = right.sum() / n_on * 1000
    assert abs(rate - 40.0) < 4 * np.sqrt(40.0 * 1000 / n_on), rate
    assert recall[:, :2100].sum() == 0
    assert abs(recall[:, 2100:].mean() * 1000 - 40.0) < 3.0
    assert abs(noise.mean() * 1000 - 10.0) < 0.5
    # the count's side is a fair coin and the label matches the majority
    assert 0.3 < float(labels.mean()) < 0.7


def test_evidence_accumulation_configurable():
    trials = dx.tasks.evidence_accumulation(
        jax.random.key(1), 8, 2.0, n_cues=3, cue=20.0, gap=10.0, delay=40.0, recall=20.0, n_in=8
    )
    assert trials.inputs.shape == (8, (3 * 30 + 40 + 20) // 2, 8)
    assert int(trials.mask.sum(1)[0]) == 10
    with pytest.raises(ValueError, match="whole number of steps"):
        dx.tasks.evidence_accumulation(jax.random.key(0), 4, 0.3)
    with pytest.raises(ValueError, match="odd"):
        dx.tasks.evidence_accumulation(jax.random.key(0), 4, n_cues=4)
    with pytest.raises(ValueError, match="multiple of 4"):
        dx.tasks.evidence_accumulation(jax.random.key(0), 4, n_in=10)


def test_perceptual_decision_making_statistics():
    """The coherence sets the mean evidence difference (c / 100), the noise has intensity
    sigma (sd sigma / sqrt(dt) per step), the periods are exact and the label is the
    sign of the coherence."""
    dt = 20.0
    x, labels, mask, cond = dx.tasks.perceptual_decision_making(jax.random.key(3), 2048, dt)
    assert x.shape == (2048, 60, 3) and x.dtype == jnp.float32  # (100 + 800 + 300) / 20
    x, c = np.asarray(x, dtype=np.float64), np.asarray(cond["coherence"])
    np.testing.assert_allclose(np.unique(np.abs(c)), dx.tasks.COHERENCES, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(mask[0]), np.arange(60) >= 45)
    np.testing.assert_array_equal(x[:, :, 0], np.broadcast_to(np.arange(60) < 45, (2048, 60)))
    assert np.all(x[:, :5, 1:] == 0) and np.all(x[:, 45:, 1:] == 0)
    diff = (x[:, 5:45, 1] - x[:, 5:45, 2]).mean(axis=1)  # per trial: c/100 + noise
    sd_trial = np.sqrt(2) * 1.0 / np.sqrt(dt) / np.sqrt(40)
    residual = diff - c / 100
    assert abs(residual.std() / sd_trial - 1) < 0.05
    for level in (0.0, 12.8, 51.2):  # per coherence: the mean difference is c / 100
        pick = np.isclose(c, level)
        assert abs(residual[pick].mean()) < 4 * sd_trial / np.sqrt(pick.sum())
    np.testing.assert_array_equal(np.asarray(labels)[c > 0], 0)
    np.testing.assert_array_equal(np.asarray(labels)[c < 0], 1)
    zero = np.asarray(labels)[c == 0]
    assert 0.3 < zero.mean() < 0.7
    assert abs(float(np.mean(x[:, 5:45, 1].mean(1) + x[:, 5:45, 2].mean(1))) - 1.0) < 0.01
    with pytest.raises(ValueError, match="whole number of steps"):
        dx.tasks.perceptual_decision_making(jax.random.key(0), 4, 30.0)


def test_delayed_match_to_sample():
    x, labels, mask, cond = dx.tasks.delayed_match_to_sample(
        jax.random.key(4), 1024, 20.0, sigma=0.0
    )
    assert x.shape == (1024, 95, 5)  # (100 + 300 + 1000 + 300 + 200) / 20
    x = np.asarray(x)
    sample, test, labels = (np.asarray(a) for a in (cond["sample"], cond["test"], labels))
    np.testing.assert_array_equal(labels, sample == test)
    assert abs(labels.mean() - 0.5) < 0.06
    np.testing.assert_array_equal(x[:, 5:20, 1:].argmax(-1), np.repeat(sample[:, None], 15, 1))
    np.testing.assert_array_equal(x[:, 70:85, 1:].argmax(-1), np.repeat(test[:, None], 15, 1))
    assert np.all(x[:, 20:70, 1:] == 0) and np.all(x[:, 85:, 1:] == 0)
    np.testing.assert_array_equal(np.asarray(mask[0]), np.arange(95) >= 85)
    # a non-match is uniform over the other stimuli
    other = (test - sample)[labels == 0] % 4
    assert set(np.unique(other)) == {1, 2, 3}
    noisy = dx.tasks.delayed_match_to_sample(jax.random.key(4), 256, 10.0, sigma=0.5)
    sd = np.asarray(noisy.inputs)[:, 50:100, 1:].std()  # delay: pure noise
    assert abs(sd / (0.5 / np.sqrt(10.0)) - 1) < 0.05


class _FakeTrialEnv:
    """The part of neurogym's TrialEnv that from_neurogym uses: a perceptual decision
    whose trials last 3 to 5 steps of 100 ms, ground truth 0 (fixate) until the last
    step, then the choice 1 or 2."""

    dt = 100

    def __init__(self):
        self.rng = np.random.default_rng(0)

    def seed(self, seed):
        self.rng = np.random.default_rng(seed)

    def new_trial(self, **kwargs):
        trial = {"ground_truth": int(self.rng.integers(1, 3)), "coh": 25.6, "name": "pdm"}
        trial.update(kwargs)
        n = int(self.rng.integers(3, 6))
        self.ob = np.zeros((n, 3), np.float32)
        self.ob[:-1, 0] = 1.0
        self.ob[1:-1, trial["ground_truth"]] = trial["coh"] / 100
        self.gt = np.zeros(n, np.int64)
        self.gt[-1] = trial["ground_truth"]
        return trial


def test_from_neurogym_stacks_and_pads_trials():
    env = _FakeTrialEnv()
    x, labels, mask, cond = dx.tasks.from_neurogym(env, 50, seed=3)
    lengths = np.asarray(cond["n_steps"])
    assert x.shape == (50, lengths.max(), 3) and x.dtype == jnp.float32
    assert labels.dtype == jnp.int32 and labels.shape == (50, lengths.max())
    assert set(lengths) == {3, 4, 5}
    np.testing.assert_array_equal(mask, np.arange(5)[None] < lengths[:, None])
    gt = np.asarray(cond["ground_truth"])
    np.testing.assert_array_equal(np.asarray(labels)[np.arange(50), lengths - 1], gt)
    assert np.all(np.asarray(x)[~np.asarray(mask)] == 0)  # padding
    np.testing.assert_allclose(np.asarray(x)[np.arange(50), 1, gt], 0.256, rtol=1e-6)
    assert "name" not in cond  # not numeric
    again = dx.tasks.from_neurogym(_FakeTrialEnv(), 50, seed=3)
    np.testing.assert_array_equal(again.labels, labels)
    forced = dx.tasks.from_neurogym(env, 5, ground_truth=2, coh=51.2)
    np.testing.assert_array_equal(forced.conditions["ground_truth"], 2)
    np.testing.assert_allclose(forced.conditions["coh"], 51.2)


def test_from_neurogym_names_the_missing_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "neurogym", None)  # as if not installed
    with pytest.raises(ImportError, match="pip install neurogym"):
        dx.tasks.from_neurogym("PerceptualDecisionMaking-v0", 2)
    with pytest.raises(ValueError, match="env_kwargs"):
        dx.tasks.from_neurogym(_FakeTrialEnv(), 2, env_kwargs={"dt": 20})
