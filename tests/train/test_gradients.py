"""Gradients through spiking networks against central finite differences.

The surrogates are replaced by their smooth forward models (a spike function whose
forward pass is the surrogate's `smooth` step), so that the map from parameters to loss
is differentiable and reverse mode must equal finite differences: through delays (one
for a projection, and one per connection), through the event-driven operators and
through sparse connectivity (CSR, fixed fan-out, just-in-time), and with gradient
checkpointing of the time loop.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

DT, N_STEPS = 0.1, 60


class SmoothStep(dx.surrogate.AbstractSpikeFunction):
    """The smooth forward model of a surrogate: spikes `surrogate.smooth(x)` in (0, 1)."""

    surrogate: dx.surrogate.AbstractSurrogate

    def __call__(self, x):
        return self.surrogate.smooth(x)


def network(kernel="auto"):
    """Drive -> A (LIF) -> B (ALIF, recurrent) -> C (LIF), and A -> C, with spike times S
    (bool spikes) -> A and -> B:

    - S -> A over a CSR (a weight per connection), bool events;
    - S -> B over JIT connectivity with weights drawn from `dx.init.Uniform(low, high)`;
    - A -> B over a CSR (a weight per connection), delay 0.3 ms (one ring of spikes);
    - B -> B over a fixed fan-out table (a weight and a delay per connection);
    - B -> C over JIT connectivity (a scalar weight), delay 0.2 ms;
    - A -> C over a CSR with a scalar weight and no delay.
    """
    rng = np.random.default_rng(0)
    spike = SmoothStep(dx.surrogate.Sigmoid(alpha=0.5))  # 1/mV: smooth over ~10 mV
    cells = np.repeat(np.arange(8), 3)  # each fires at 3 times between 0.05 and 5.5 ms
    times = np.tile([0.05, 2.05, 4.05], 8) + 0.2 * (cells % 8)
    pops = {
        "S": dx.inputs.SpikeTimeGroup(8, cells, times),
        "A": dx.neurons.LIF(6, tau=10.0, v_th=10.0, spike_fn=spike),
        "B": dx.neurons.ALIF(5, tau=15.0, v_th=10.0, beta=3.0, tau_a=5.0, spike_fn=spike),
        "C": dx.neurons.LIF(4, tau=8.0, v_th=10.0, spike_fn=spike),
    }
    ab = dx.connect.FixedProb(0.5)(6, 5, jax.random.key(0))
    bb = dx.connect.FixedProb(0.5)(5, 5, jax.random.key(1)).to_fan_out()
    bc = dx.connect.JitProb(5, 4, 0.5, seed=3)
    ac = dx.connect.FixedProb(0.5)(6, 4, jax.random.key(2))
    sa = dx.connect.FixedProb(0.5)(8, 6, jax.random.key(5))
    sb = dx.connect.JitProb(8, 5, 0.5, seed=6)

    def proj(pre, post, conn, weight, n, tau, **kw):
        syn = dx.synapses.Exponential(n, tau=tau)
        return dx.Projection(pre, post, conn, weight, syn, dx.synapses.CUBA(), kernel=kernel, **kw)

    w_sa = jnp.asarray(rng.uniform(2.0, 8.0, sa.nnz))
    w_ab = jnp.asarray(rng.uniform(5.0, 15.0, ab.nnz))
    w_bb = jnp.asarray(rng.uniform(-6.0, 6.0, bb.weight_shape))
    d_bb = rng.uniform(0.0, 0.5, bb.weight_shape)  # 0 to 5 steps
    projs = {
        "SA": proj("S", "A", sa, w_sa, 6, 2.0),
        "SB": proj("S", "B", sb, dx.init.Uniform(2.0, 6.0), 5, 2.0),
        "AB": proj("A", "B", ab, w_ab, 5, 3.0, delay=0.3),
        "BB": proj("B", "B", bb, w_bb, 5, 4.0, delay=d_bb),
        "BC": proj("B", "C", bc, 12.0, 4, 3.0, delay=0.2),
        "AC": proj("A", "C", ac, 4.0, 4, 2.0),
    }
    return dx.Network(pops, projs)


# What the gradient is taken of: every weight, and parameters of neurons and synapses.
PARAMS = {
    "SA.weight (CSR, bool spikes)": lambda m: m.projections["SA"].weight,
    "SB.weight.low (JIT, uniform weights)": lambda m: m.projections["SB"].weight.low,
    "SB.weight.high (JIT, uniform weights)": lambda m: m.projections["SB"].weight.high,
    "AB.weight (CSR, delayed)": lambda m: m.projections["AB"].weight,
    "BB.weight (fan-out, per-connection delays)": lambda m: m.projections["BB"].weight,
    "BC.weight (JIT, delayed)": lambda m: m.projections["BC"].weight,
    "AC.weight (CSR, scalar)": lambda m: m.projections["AC"].weight,
    "B.tau_a": lambda m: m.populations["B"].tau_a,
    "AB.synapse.tau": lambda m: m.projections["AB"].synapse.tau,
}


def partition(model):
    where = lambda m: tuple(f(m) for f in PARAMS.values())  # noqa: E731
    return eqx.partition(model, dx.train.trainable_filter(model, where))


def drive():
    return jnp.asarray(np.random.default_rng(1).uniform(10.0, 30.0, (N_STEPS, 6)))


def make_loss(rest, **run):
    """A smooth loss of C's spikes at every step: B reaches C only through the delayed
    B -> C, so that B's parameters and the weights onto B are seen through that delay."""

    def loss(params):
        model = eqx.combine(params, rest)
        _, rec = dx.simulate(
            model,
            model.init(),
            dt=DT,
            n_steps=N_STEPS,
            inputs={"A": drive()},
            monitors={"s": "C.spike"},
            **run,
        )
        target = jnp.linspace(0.0, 1.0, N_STEPS)[:, None]
        return jnp.mean((rec["s"] - target) ** 2)

    return loss


def directional_checks(loss, params, seed=0):
    """{name: (gradient . d, central difference along d)} for a random direction d in
    each parameter of `PARAMS` separately, so that each derivative rule is checked on
    its own."""
    # Strongly typed scalars (weak ones would become strong in `leaf + s * d`, and each
    # change of type compiles again): one compilation for all values and the gradient.
    params = jax.tree.map(lambda x: jnp.asarray(x, x.dtype), params)
    value_and_grad = jax.jit(jax.value_and_grad(loss))
    grads = value_and_grad(params)[1]
    rng = np.random.default_rng(seed)
    out = {}
    for name, where in PARAMS.items():
        leaf = where(params)
        d = jnp.asarray(rng.normal(size=np.shape(leaf)))
        h = 1e-5 * max(1.0, float(jnp.max(jnp.abs(leaf))))

        def at(s, where=where, leaf=leaf, d=d):
            return float(value_and_grad(eqx.tree_at(where, params, leaf + s * d))[0])

        out[name] = (float(jnp.vdot(where(grads), d)), (at(h) - at(-h)) / (2 * h))
    return out


def test_gradients_through_delays_and_sparse_operators_match_finite_differences(x64):
    model = dx.with_dt(network(), DT)
    # A surrogate's float spikes stay floats in the ring of a delayed projection (a bool
    # ring would cut their gradient), Heaviside's bool spikes stay bool.
    assert model.init()["BC"].delay.buffer.dtype == jnp.float64
    plain = eqx.tree_at(lambda m: m.populations["B"].spike_fn, model, dx.surrogate.Heaviside())
    assert plain.init()["BC"].delay.buffer.dtype == jnp.bool_
    params, rest = partition(model)
    for name, (grad, fd) in directional_checks(make_loss(rest), params).items():
        # every path carries a gradient: a ring that cast B's spikes to bool would make
        # the derivatives of everything upstream of B -> C zero (in both columns)
        assert abs(fd) > 1e-7, name
        np.testing.assert_allclose(grad, fd, rtol=1e-5, err_msg=name)


def recurrent():
    """An ALIF population driven by the input and by itself over a CSR with a delay."""
    spike = SmoothStep(dx.surrogate.Sigmoid(alpha=0.5))
    alif = dx.neurons.ALIF(6, tau=10.0, v_th=10.0, beta=3.0, tau_a=5.0, spike_fn=spike)
    conn = dx.connect.FixedProb(0.5)(6, 6, jax.random.key(4))
    w = jnp.asarray(np.random.default_rng(2).uniform(-8.0, 8.0, conn.nnz))
    syn = dx.synapses.Exponential(6, tau=3.0)
    proj = dx.Projection("A", "A", conn, w, syn, dx.synapses.CUBA(), delay=0.2)
    return dx.with_dt(dx.Network({"A": alif}, {"AA": proj}), DT)


@pytest.mark.parametrize(
    "every, checkpoints", [(1, (4,)), pytest.param(5, (True, 3), marks=pytest.mark.slow)]
)
def test_checkpointing_gives_the_same_gradient(x64, every, checkpoints):
    # No checkpointing against one checkpoint per record (True) and one per `k` records
    # (True alone against False: tests/test_run.py).
    model = recurrent()
    where = lambda m: (m.projections["AA"].weight, m.populations["A"].tau_a)  # noqa: E731
    params, rest = eqx.partition(model, dx.train.trainable_filter(model, where))

    def grad(checkpoint):
        def loss(params):
            m = eqx.combine(params, rest)
            _, rec = dx.simulate(
                m,
                m.init(),
                dt=DT,
                n_steps=N_STEPS,
                inputs={"A": drive()},
                monitors={"s": "A.spike"},
                every=every,
                checkpoint=checkpoint,
            )
            return jnp.mean((rec["s"] - 0.3) ** 2)

        return jax.jit(jax.grad(loss))(params)

    plain = grad(False)
    assert np.all(np.abs(plain.projections["AA"].weight) > 0)
    for checkpoint in checkpoints:
        for a, b in zip(jax.tree.leaves(plain), jax.tree.leaves(grad(checkpoint))):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_fused_event_kernels_give_the_gradient_of_the_separate_operators():
    # In float32 on a CPU, kernel="auto" propagates the bool spikes of S through the
    # compiled kernels in one fused call (`dx.ops.event_matvecs`), whose derivative rule
    # is its own; kernel="xla" runs each operator separately.
    grads = []
    for kernel in ("auto", "xla"):
        params, rest = partition(dx.with_dt(network(kernel), DT))
        grads.append(jax.jit(jax.grad(make_loss(rest)))(params))
    for name, where in PARAMS.items():
        auto, xla = where(grads[0]), where(grads[1])
        assert auto.dtype == jnp.float32
        np.testing.assert_allclose(auto, xla, rtol=1e-5, atol=1e-6 * float(jnp.max(jnp.abs(xla))))
