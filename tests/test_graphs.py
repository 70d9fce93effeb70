"""Loops as CUDA graphs (`graphs=` of `dx.simulate` and `dx.train.make_step`): the
options each backend gets, and where a jit may carry them. XLA accepts the GPU options
on any backend (they change nothing there), so the compiled-with-options path runs on a
CPU too when the backend check is bypassed."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import dynax as dx
from dynax import _graphs, _run
from dynax._graphs import GPU_GRAPH_OPTIONS, OptionsJit, graph_options
from dynax.train import _fit


def test_graph_options_are_resolved_per_backend():
    commands = set(graph_options(True, "gpu")["xla_gpu_enable_command_buffer"].split(","))
    # XLA's defaults, which the option replaces, and the two that take loops in
    assert {"FUSION", "CUBLAS", "CUSTOM_CALL", "WHILE", "CONDITIONAL"} <= commands
    assert graph_options(False, "gpu") == graph_options(True, "cpu") == {}
    with pytest.raises(TypeError, match="graphs must be True or False"):
        graph_options(None, "gpu")


def test_options_go_to_the_outermost_jit_only():
    f = OptionsJit(lambda x: jnp.sin(x) ** 2, GPU_GRAPH_OPTIONS)
    x = jnp.linspace(0.0, 1.0, 5)
    want = np.sin(np.asarray(x)) ** 2
    np.testing.assert_allclose(f(x), want, rtol=1e-6)
    # JAX refuses compiler options on a nested jit and on one under grad
    np.testing.assert_allclose(jax.jit(f)(x), want, rtol=1e-6)
    np.testing.assert_allclose(jax.vmap(f)(x), want, rtol=1e-6)
    grad = jax.grad(lambda x: f(x).sum())(x)
    np.testing.assert_allclose(grad, np.sin(2 * np.asarray(x)), rtol=1e-5)
    assert not _graphs._traced((x,))
    assert jax.jit(lambda x: _graphs._traced(()) and x)(1.0) == 1.0  # inside a jit


def _on_here(graphs, backend=None):
    return dict(GPU_GRAPH_OPTIONS) if graphs else {}


def test_simulate_with_graphs_gives_the_same_records(monkeypatch):
    monkeypatch.setattr(_run, "graph_options", _on_here)
    lif = dx.neurons.LIF(4, tau=10.0, v_th=1.0, v_reset=0.0)
    x = jnp.linspace(0.5, 2.0, 4) * jnp.ones((30, 4))
    kw = dict(dt=1.0, n_steps=30, inputs=x, monitors={"v": "v"})
    _, plain = dx.simulate(lif, lif.init(), graphs=False, **kw)
    _, graphs = dx.simulate(lif, lif.init(), graphs=True, **kw)
    assert plain["v"].std() > 0.1
    np.testing.assert_array_equal(plain["v"], graphs["v"])


class _Leaky(eqx.Module):
    w: jax.Array


def test_a_step_with_graphs_runs_alone_and_inside_a_jitted_function(monkeypatch):
    monkeypatch.setattr(_fit, "graph_options", _on_here)

    def loss_fn(model, batch, key):  # a time loop, as a simulation's
        def body(v, x):
            v = 0.9 * v + jnp.tanh(x @ model.w)
            return v, v

        _, vs = jax.lax.scan(body, jnp.zeros(2), batch)
        return jnp.mean((vs - 1.0) ** 2)

    model = _Leaky(jnp.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]]))
    batch = jax.random.normal(jax.random.key(1), (20, 3))
    optimiser = optax.adam(1e-2)
    step = dx.train.make_step(loss_fn, optimiser, graphs=True)
    assert step.jitted.with_options is not None
    opt = dx.train.init_optimiser(optimiser, model)
    key = jax.random.key(2)
    m, _, loss, _ = step(model, opt, batch, key)
    # inside another jit, where JAX takes no compiler options: the same step
    m2, _, loss2, _ = jax.jit(lambda model, opt: step(model, opt, batch, key))(model, opt)
    np.testing.assert_allclose(loss2, loss, rtol=1e-6)
    np.testing.assert_allclose(m2.w, m.w, rtol=1e-6)
    np.testing.assert_allclose(np.abs(m.w - model.w), 1e-2, rtol=1e-3)  # Adam's first step
