"""BPTT with `dx.train`: a step decreases the loss, the loop compiles once per shape,
`trainable` trains exactly what it chooses, `fit`'s history and resumable checkpoints,
clear errors, and the losses against closed forms."""

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dynax as dx

N_H, N_STEPS, DT = 16, 30, 1.0


def spiking_model(prepared=True):
    """A recurrent ALIF layer (surrogate spikes; CSR recurrence with a 1 ms delay) read
    out by two leaky integrators, prepared for `DT` (so that its delay, traced in the
    jitted step, needs no preparation there)."""
    spike = dx.surrogate.Sigmoid(alpha=1.0)  # 1/mV, for a threshold of 1
    pops = {
        "H": dx.neurons.ALIF(
            N_H, tau=10.0, v_th=1.0, beta=0.5, tau_a=50.0, reset="soft", spike_fn=spike
        ),
        "O": dx.neurons.LeakyIntegrator(2, tau=10.0),
    }
    rng = np.random.default_rng(0)
    hh = dx.connect.FixedProb(0.3)(N_H, N_H, jax.random.key(0))
    ho = dx.connect.from_dense(np.ones((N_H, 2), bool))
    w_hh = jnp.asarray(rng.normal(0.0, 0.3, hh.nnz), jnp.float32)
    w_ho = jnp.asarray(rng.normal(0.0, 0.5, ho.nnz), jnp.float32)
    projs = {
        "HH": dx.Projection(
            "H", "H", hh, w_hh, dx.synapses.Exponential(N_H, tau=5.0), dx.synapses.CUBA(), delay=1.0
        ),
        "HO": dx.Projection(
            "H", "O", ho, w_ho, dx.synapses.Exponential(2, tau=5.0), dx.synapses.CUBA()
        ),
    }
    net = dx.Network(pops, projs)
    return dx.with_dt(net, DT) if prepared else net


def two_classes(n, seed=0):
    """Input currents `(n, N_STEPS, N_H)`: class c drives half c of the layer."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    x = rng.uniform(0.0, 1.0, (n, N_STEPS, N_H))
    x[labels == 0, :, : N_H // 2] += 2.0
    x[labels == 1, :, N_H // 2 :] += 2.0
    return {"x": jnp.asarray(x, jnp.float32), "y": jnp.asarray(labels, jnp.int32)}


def spiking_loss(model, batch, key):
    rec = dx.train.rollout(model, {"H": batch["x"]}, dt=DT, monitors={"o": "O.v"})
    logits = rec["o"].mean(axis=1)
    return dx.train.cross_entropy(logits, batch["y"]), {
        "accuracy": dx.train.accuracy(logits, batch["y"])
    }


def weights(m):
    return m.projections["HH"].weight, m.projections["HO"].weight


def test_bptt_steps_decrease_the_loss_train_only_what_is_chosen_and_compile_once():
    model, batch = spiking_model(), two_classes(32)
    counted = eqx.debug.assert_max_traces(spiking_loss, max_traces=1)
    optimiser = optax.adam(5e-2)
    step = dx.train.make_step(counted, optimiser, trainable=weights)
    opt_state = dx.train.init_optimiser(optimiser, model, trainable=weights)
    trained, losses = model, []
    for i in range(13):  # each returns the loss before its update
        new, new_state, loss, aux = step(trained, opt_state, batch, jax.random.key(i))
        losses.append(float(loss))
        if i < 12:
            trained, opt_state = new, new_state
    # A step on a fixed batch decreases the loss; twelve take it well down and every
    # trial of the batch is classified correctly.
    assert losses[1] < losses[0]
    assert losses[-1] < 0.7 * losses[0]
    assert float(aux["accuracy"]) == 1.0
    assert eqx.debug.get_num_traces(counted) == 1

    # Only the chosen weights changed; every other leaf, the integer connectivity
    # included, is bitwise the same.
    for old, new in zip(weights(model), weights(trained)):
        assert new.dtype == old.dtype and not np.array_equal(new, old)
    rest = lambda m: eqx.filter(m, dx.train.trainable_filter(m, weights), inverse=True)  # noqa: E731
    old_leaves, new_leaves = jax.tree.leaves(rest(model)), jax.tree.leaves(rest(trained))
    assert len(old_leaves) == len(new_leaves) > 20
    for old, new in zip(old_leaves, new_leaves):
        assert jnp.asarray(new).dtype == jnp.asarray(old).dtype  # (NumPy leaves come back
        np.testing.assert_array_equal(new, old)  # as jax arrays of the canonical dtype)
    for proj in ("HH", "HO"):
        conn = trained.projections[proj].conn
        assert conn.indices.dtype == jnp.int32
        np.testing.assert_array_equal(conn.indices, model.projections[proj].conn.indices)
        np.testing.assert_array_equal(conn.indptr, model.projections[proj].conn.indptr)

    # A batch of another shape compiles again.
    with pytest.raises(RuntimeError, match="can only be traced 1 times"):
        step(trained, opt_state, jax.tree.map(lambda a: a[:16], batch), jax.random.key(0))

    # A delay in ms is traced inside the step: a model not prepared for its dt is told so.
    step = dx.train.make_step(spiking_loss, optimiser, trainable=weights)
    with pytest.raises(ValueError, match=r"model = dx.with_dt\(model, dt\)"):
        step(spiking_model(prepared=False), opt_state, batch, jax.random.key(0))


@pytest.mark.slow
def test_fit_trains_a_spiking_network_compiling_once():
    data, held_out = two_classes(48), two_classes(32, seed=1)
    counted = eqx.debug.assert_max_traces(spiking_loss, max_traces=1)

    def evaluate(model, data):
        loss, aux = spiking_loss(model, data, None)
        return {"test_loss": loss, "test_accuracy": aux["accuracy"]}

    model, history = dx.train.fit(
        spiking_model(),
        counted,
        optax.adam(5e-2),
        data,
        key=jax.random.key(0),
        epochs=2,
        batch_size=16,
        eval_fn=evaluate,
        eval_data=held_out,
    )
    assert eqx.debug.get_num_traces(counted) == 1
    assert sorted(history) == ["accuracy", "epoch_loss", "loss", "test_accuracy", "test_loss"]
    assert history["loss"].shape == history["accuracy"].shape == (6,)  # 3 batches x 2
    assert history["epoch_loss"].shape == history["test_loss"].shape == (2,)
    assert all(np.all(np.isfinite(v)) for v in history.values())
    np.testing.assert_allclose(history["epoch_loss"], history["loss"].reshape(2, 3).mean(1))
    assert history["epoch_loss"][1] < history["epoch_loss"][0]
    loss, aux = spiking_loss(model, held_out, None)
    np.testing.assert_allclose(history["test_loss"][-1], loss, rtol=1e-6)
    assert history["test_accuracy"][-1] == aux["accuracy"] >= 0.9


# A model that compiles in a moment, for what does not depend on the model: the
# history, checkpoints and errors. Its loss uses the key (noisy targets), so a resumed
# run must also continue the keys exactly.
class Linear(eqx.Module):
    W: jax.Array
    b: jax.Array
    scale: jax.Array  # weakly typed, as jnp.asarray(1.0) is: Optax returns it strong
    mask: jax.Array  # integer: never trained


def linear_model():
    k1, k2 = jax.random.split(jax.random.key(3))
    W, b = 0.3 * jax.random.normal(k1, (4, 2)), 0.3 * jax.random.normal(k2, (2,))
    return Linear(W, b, jnp.asarray(1.0), jnp.ones(2, int))


def linear_data(n=40):
    x = jax.random.normal(jax.random.key(4), (n, 4))
    return {"x": x, "y": x @ jnp.arange(8.0).reshape(4, 2) / 16 - 0.2}


def noisy_loss(model, batch, key):
    noise = 0.1 * jax.random.normal(key, batch["y"].shape)
    pred = model.scale * batch["x"] @ model.W + model.b * model.mask
    return dx.train.mse(pred, batch["y"] + noise), {"bias_norm": jnp.sum(model.b**2)}


def evaluate(model, data):
    return {"eval_mse": noisy_loss(model, data, jax.random.key(0))[0]}


FIT = dict(key=jax.random.key(7), epochs=4, batch_size=8, eval_data=linear_data(8))
OPTIMISER = optax.adam(0.1)


@functools.cache
def uninterrupted():
    """A run of 4 epochs of 5 steps, its loss counting its traces."""
    counted = eqx.debug.assert_max_traces(noisy_loss, max_traces=1)
    model, history = dx.train.fit(
        linear_model(), counted, OPTIMISER, linear_data(), eval_fn=evaluate, **FIT
    )
    return model, history, eqx.debug.get_num_traces(counted)


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_fit_compiles_once_and_records_its_history():
    assert linear_model().scale.weak_type
    model, history, traces = uninterrupted()
    assert traces == 1  # 20 steps in 4 epochs
    assert sorted(history) == ["bias_norm", "epoch_loss", "eval_mse", "loss"]
    assert history["loss"].shape == history["bias_norm"].shape == (20,)
    assert history["epoch_loss"].shape == history["eval_mse"].shape == (4,)
    assert all(v.dtype == np.float64 and np.all(np.isfinite(v)) for v in history.values())
    np.testing.assert_allclose(history["epoch_loss"], history["loss"].reshape(4, 5).mean(1))
    assert np.all(np.diff(history["epoch_loss"]) < 0)
    assert history["epoch_loss"][-1] < 0.1 * history["epoch_loss"][0]
    final = evaluate(model, FIT["eval_data"])["eval_mse"]
    np.testing.assert_allclose(history["eval_mse"][-1], final, rtol=1e-6)
    assert model.scale != 1.0 and np.array_equal(model.mask, linear_model().mask)


class Interrupt(Exception):
    pass


def concrete(x):
    try:
        np.asarray(x)
    except jax.errors.TracerArrayConversionError:
        return False
    return True


@pytest.mark.slow  # the quick suite took 309 s of its 240 s budget on the idle 2-core machine
def test_a_run_resumed_from_its_checkpoint_equals_one_that_never_stopped(tmp_path):
    calls = []

    def interrupted(model, data):  # the process dies during the third epoch's evaluation
        if concrete(model.W):  # not the shapes-only call before training
            calls.append(1)
            if len(calls) == 3:
                raise Interrupt
        return evaluate(model, data)

    model0, data, path = linear_model(), linear_data(), tmp_path / "run.dnx"
    with pytest.raises(Interrupt):
        dx.train.fit(
            model0, noisy_loss, OPTIMISER, data, eval_fn=interrupted, checkpoint=path, **FIT
        )
    whole, history, _ = uninterrupted()
    history_like = {"loss": np.zeros(20), "epoch_loss": np.zeros(4)}
    history_like |= {"bias_norm": np.zeros(20), "eval_mse": np.zeros(4)}
    like = {"model": model0, "opt_state": dx.train.init_optimiser(OPTIMISER, model0)}
    saved = dx.load(path, like=like | {"epoch": 0, "history": history_like})
    assert int(saved["epoch"]) == 2  # two whole epochs were saved
    assert np.isnan(saved["history"]["loss"][10:]).all()
    np.testing.assert_array_equal(saved["history"]["loss"][:10], history["loss"][:10])

    resumed, history2 = dx.train.fit(
        model0, noisy_loss, OPTIMISER, data, eval_fn=evaluate, checkpoint=path, **FIT
    )
    for a, b in zip(jax.tree.leaves(whole), jax.tree.leaves(resumed)):  # bitwise
        np.testing.assert_array_equal(a, b)
    assert sorted(history) == sorted(history2)
    for name in history:
        np.testing.assert_array_equal(history[name], history2[name])
    # A finished run's checkpoint is the finished run: calling again trains no more.
    again, history3 = dx.train.fit(
        model0, noisy_loss, OPTIMISER, data, eval_fn=evaluate, checkpoint=path, **FIT
    )
    np.testing.assert_array_equal(again.W, resumed.W)
    np.testing.assert_array_equal(history3["loss"], history2["loss"])


def test_bad_arguments_raise_clear_errors():
    model, data, opt = linear_model(), linear_data(10), optax.sgd(0.1)
    fit = lambda **kw: dx.train.fit(  # noqa: E731
        model, noisy_loss, opt, kw.pop("data", data), key=jax.random.key(0), **kw
    )
    for epochs in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match="epochs must be a positive int"):
            fit(epochs=epochs)
    for batch_size in (0, 11, 2.0):
        with pytest.raises(ValueError, match=r"batch_size must be an int from 1 to .*\(10\)"):
            fit(batch_size=batch_size)
    with pytest.raises(ValueError, match="one leading sample axis of one length"):
        fit(data={"x": data["x"], "y": data["y"][:9]})
    with pytest.raises(ValueError, match="one leading sample axis"):
        fit(data={"x": data["x"], "s": jnp.float32(1.0)})
    with pytest.raises(ValueError, match="eval_fn and eval_data are given together"):
        fit(batch_size=5, eval_fn=lambda m, d: {})
    with pytest.raises(TypeError, match="trainable must be None"):
        fit(batch_size=5, trainable="W")
    with pytest.raises(ValueError, match="selects no floating-point array"):
        fit(batch_size=5, trainable=lambda m: m.mask)
    with pytest.raises(TypeError, match="a loss returns a scalar or a pair"):
        dx.train.fit(
            model, lambda m, b, k: (1.0, 2.0, 3.0), opt, data, key=jax.random.key(0), batch_size=5
        )


def test_losses_against_closed_forms(x64):
    # Each loss compiled whole (run op by op, each operation would compile on its own).
    jit = jax.jit
    logits = jnp.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0], [2.0, 0.0, 0.0]])
    labels = jnp.array([2, 0, 1])
    by_hand = np.mean(
        [
            -3.0 + np.log(np.exp(1.0) + np.exp(2.0) + np.exp(3.0)),
            -0.5 + np.log(2 * np.exp(0.5) + np.exp(-1.0)),
            np.log(np.exp(2.0) + 2.0),
        ]
    )
    np.testing.assert_allclose(jit(dx.train.cross_entropy)(logits, labels), by_hand, rtol=1e-14)
    # the tie of row 1 goes to the first class, which is its label
    assert float(jit(dx.train.accuracy)(logits, labels)) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="labels must have the shape of logits"):
        dx.train.cross_entropy(logits, labels[:2])
    with pytest.raises(TypeError, match="labels must be integer"):
        dx.train.cross_entropy(logits, jnp.array([2.0, 0.0, 1.0]))

    # Spike counts as logits: 3 trials, 10 steps, 2 output neurons.
    spikes = np.zeros((3, 10, 2), bool)
    spikes[0, :4, 0] = spikes[0, :1, 1] = True  # counts (4, 1)
    spikes[1, :2, 1] = True  # (0, 2)
    spikes[2, :3, :] = True  # (3, 3)
    counts = np.array([[4.0, 1.0], [0.0, 2.0], [3.0, 3.0]])
    y = jnp.array([0, 1, 1])
    expected = np.mean([np.log1p(np.exp(c[1 - k] - c[k])) for c, k in zip(counts, np.asarray(y))])
    np.testing.assert_allclose(jit(dx.train.spike_count_loss)(spikes, y), expected, rtol=1e-14)

    # Rates in Hz: neuron i fires every (i + 1)-th step of 0.5 ms, so at 2000 / (i + 1) Hz
    # (over 2 trials and 60 steps, which every period divides).
    steps = np.arange(60)[:, None]
    spikes = np.broadcast_to((steps % np.arange(1, 5)) == 0, (2, 60, 4))
    rates = 2000.0 / np.arange(1, 5)
    rate_regulariser = jit(dx.train.rate_regulariser, static_argnames="dt")
    for target in (0.0, 10.0, 700.0):
        np.testing.assert_allclose(
            rate_regulariser(spikes, dt=0.5, target_rate=target),
            np.mean((rates - target) ** 2),
            rtol=1e-12,
        )
    with pytest.raises(ValueError, match="dt must be positive"):
        dx.train.rate_regulariser(spikes, dt=0.0)

    prediction, target = jnp.array([[1.0, 2.0], [3.0, 5.0]]), jnp.array([[0.0, 2.0], [3.0, 1.0]])
    mse = jit(dx.train.mse)
    assert float(mse(prediction, target)) == pytest.approx(17 / 4, rel=1e-14)
    mask = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    assert float(mse(prediction, target, mask)) == pytest.approx(17 / 2, rel=1e-14)
    tree = {"w": jnp.array([1.0, -2.0]), "i": jnp.array([5, 5]), "m": Linear(*([jnp.ones(3)] * 4))}
    assert float(jit(dx.train.l2_regulariser)(tree)) == pytest.approx(5.0 + 12.0, rel=1e-14)
