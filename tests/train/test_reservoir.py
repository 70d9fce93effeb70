"""The echo-state Reservoir: its weights, its update, the echo-state property."""

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"


def _radius(W):
    return np.max(np.abs(np.linalg.eigvals(np.asarray(W, np.float64))))


@pytest.mark.parametrize(
    "n, connectivity, target, sparse",
    [(50, 1.0, 0.9, False), (200, 0.05, 1.3, False), (200, 0.05, 0.5, True)],
)
def test_spectral_radius_equals_the_target(n, connectivity, target, sparse):
    res = dx.train.Reservoir(
        2,
        n,
        key=jax.random.key(n),
        spectral_radius=target,
        connectivity=connectivity,
        sparse=sparse,
    )
    W = res.recurrent_matrix()
    np.testing.assert_allclose(_radius(W), target, rtol=1e-6)
    density = np.mean(np.asarray(W) != 0)
    assert abs(density - connectivity) < 4 * np.sqrt(connectivity / n**2) + 1e-12


@pytest.mark.slow  # about 10 s on the 2-core machine: the quick suite has a 4-minute budget
def test_unscaled_recurrent_matrix():
    """Without a target, the drawn matrix is kept: N(0, recurrent_std^2) entries, whose
    radius is about recurrent_std * sqrt(n * connectivity) (the circular law)."""
    raw = dx.train.Reservoir(2, 400, key=jax.random.key(0), spectral_radius=None, recurrent_std=0.1)
    assert abs(np.std(np.asarray(raw.W)) - 0.1) < 0.002
    assert 0.9 < _radius(raw.W) / (0.1 * np.sqrt(400)) < 1.1


def test_step_is_the_leaky_tanh_update():
    res = dx.train.Reservoir(
        3, 20, key=jax.random.key(1), leak=0.3, bias_scaling=0.5, input_connectivity=0.5
    )
    x = jax.random.uniform(jax.random.key(2), (20,), minval=-1, maxval=1)
    u = jnp.array([0.5, -1.0, 2.0])
    ctx = dx.Context(t=jnp.asarray(0.0), dt=1.0, i=jnp.asarray(0))
    new = res.step(dx.train.ReservoirState(x), u, ctx).x
    expected = 0.7 * x + 0.3 * jnp.tanh(u @ res.W_in + x @ res.W + res.b)
    np.testing.assert_allclose(new, expected, rtol=1e-6, atol=1e-7)
    assert np.all(np.asarray(res.b) != 0) and np.any(np.asarray(res.W_in) == 0)
    # The sparse form gives the same run as the dense one.
    kw = dict(key=jax.random.key(3), connectivity=0.1, leak=0.5)
    dense, sparse = dx.train.Reservoir(3, 60, **kw), dx.train.Reservoir(3, 60, sparse=True, **kw)
    u = jax.random.normal(jax.random.key(4), (100, 3))
    run = lambda r: dx.simulate(r, r.init(), dt=1.0, n_steps=100, inputs=u, monitors={"x": "x"})[1][
        "x"
    ]
    np.testing.assert_allclose(run(dense), run(sparse), atol=1e-5)


def test_echo_state_property():
    """Two different initial states, the same input: the states converge (the reservoir
    forgets its initial condition at spectral radius 0.9)."""
    res = dx.train.Reservoir(1, 100, key=jax.random.key(5), spectral_radius=0.9, leak=0.5)
    u = jnp.sin(0.2 * jnp.arange(300.0))[:, None]
    a = jax.random.uniform(jax.random.key(6), (100,), minval=-1, maxval=1)

    def run(x0):
        state = dx.train.ReservoirState(x0)
        return dx.simulate(res, state, dt=1.0, n_steps=300, inputs=u, monitors={"x": "x"})[1]["x"]

    gap = jnp.linalg.norm(run(a) - run(-a), axis=1)
    assert float(gap[0]) > 1.0
    assert float(gap[-1]) < 1e-5 * float(gap[0])
    # At radius 3 the autonomous reservoir is chaotic: no forgetting.
    wild = dx.train.Reservoir(0, 100, key=jax.random.key(5), spectral_radius=3.0)

    def free(x0):
        state = dx.train.ReservoirState(x0)
        return dx.simulate(wild, state, dt=1.0, n_steps=300, monitors={"x": "x"})[1]["x"]

    assert float(jnp.linalg.norm(free(a) - free(a + 1e-3)[0:1], axis=1)[-1]) > 0.1


def test_noise_needs_a_key_and_arguments_are_checked():
    res = dx.train.Reservoir(1, 10, key=jax.random.key(0), noise=0.1)
    u = jnp.zeros((20, 1))
    with pytest.raises(ValueError, match="needs a PRNG key"):
        dx.simulate(res, res.init(), dt=1.0, n_steps=20, inputs=u, monitors={"x": "x"})
    run = lambda k: dx.simulate(
        res, res.init(), dt=1.0, n_steps=20, inputs=u, monitors={"x": "x"}, key=k
    )
    a, b = run(jax.random.key(1))[1]["x"], run(jax.random.key(1))[1]["x"]
    np.testing.assert_array_equal(a, b)
    assert float(jnp.std(a[-1])) > 0.01  # the noise moves the state from 0
    bad = [
        (dict(leak=0.0), "leak must be"),
        (dict(connectivity=1.5), "connectivity must be"),
        (dict(spectral_radius=-1.0), "spectral_radius must be"),
        (dict(input_distribution="cauchy"), "input_distribution must be one of"),
        (dict(noise=-0.1), "noise must be"),
    ]
    for kwargs, message in bad:
        with pytest.raises(ValueError, match=message):
            dx.train.Reservoir(1, 10, key=jax.random.key(0), **kwargs)
    ctx = dx.Context(t=jnp.asarray(0.0), dt=1.0, i=jnp.asarray(0))
    clean = dx.train.Reservoir(2, 10, key=jax.random.key(0))
    with pytest.raises(ValueError, match="must have shape"):
        clean.step(clean.init(), jnp.zeros(3), ctx)


def test_force_with_feedback_through_a_reservoir():
    """Sussillo & Abbott's FORCE: an autonomous reservoir whose only input is its own
    readout, fed back; RLS trains the readout to a sine, which it then generates alone."""
    res = dx.train.Reservoir(
        1,
        200,
        key=jax.random.key(0),
        spectral_radius=1.5,
        leak=0.1,
        connectivity=0.1,
        init_scale=0.5,
    )
    with pytest.raises(ValueError, match="pass a key"):
        res.init()
    t = jnp.arange(4000)
    target = jnp.sin(2 * jnp.pi * t / 200)[:, None]
    learn = t < 2500
    rates = lambda s: s.x
    _, rec = dx.train.force(res, target, dt=1.0, rates=rates, learn=learn, key=jax.random.key(1))
    free = rec["out"][2500:] - target[2500:]
    assert float(jnp.sqrt(jnp.mean(free**2))) < 0.05  # the sine's RMS is 0.71


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_lorenz_reservoir_example_beats_the_brainpy_paper():
    """examples/lorenz_reservoir.py under the BrainPy paper's settings (its script's
    reservoir, data, ridge alpha 1e-6, RLS with P0 = 0.1 I, Adam 1e-3 for 100 epochs):
    over ten reservoir draws, FORCE and BPTT average below the paper's 0.171304 and
    1.276112 (its script's mean absolute errors); the draw chosen on validation data
    beats all three numbers, ridge's 0.001057 included; tuned settings (alpha and draw
    by validation, Adam 1e-2) beat them as MAEs and MSEs, and on held-out data."""
    result = _example("lorenz_reservoir").main(seed=0)
    paper = {"ridge": 0.001057, "force": 0.171304, "bptt": 1.276112}
    assert len(result["draws"]["ridge"]) == 10
    for method in ("force", "bptt"):
        assert result["draws"][method].mean() <= paper[method]
    # The paper's ridge number is one lucky draw (BrainPy's own mean over 20 seeds is
    # 0.0035): some draws reach it, the mean does not.
    assert result["draws"]["ridge"].min() <= paper["ridge"]
    for method in paper:
        assert result["paper_settings"][method]["mae"] <= paper[method]
        assert result["tuned"][method]["mae"] <= paper[method]
        assert result["tuned"][method]["mse"] <= paper[method]
        assert result["tuned_held_out"][method]["mae"] <= paper[method]
