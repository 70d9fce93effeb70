"""Extension case (issue 12, point 10): a pair-based STDP projection written from outside
the package, its weights in the projection's state.

Each presynaptic spike leaves a trace a_pre (+1, decaying with tau_plus), each
postsynaptic spike a trace a_post (+1, decaying with tau_minus). A postsynaptic spike
adds A_plus a_pre to the weight (pre before post), a presynaptic spike subtracts
A_minus a_post (post before pre); weights stay in [0, w_max]. For one pair at
Dt = t_post - t_pre the change is A_plus exp(-Dt / tau_plus) for Dt > 0 and
-A_minus exp(Dt / tau_minus) for Dt < 0.

The projection declares the family `dx.AbstractPlasticProjection`, so a `dx.Network`
hands its `step` the pair (pre spikes, post spikes) of the previous step. Public API
only.
"""

import equinox as eqx
import jax.numpy as jnp
import numpy as np

import dynax as dx


class STDPState(eqx.Module):
    w: jnp.ndarray  # one weight per connection, (nnz,)
    a_pre: jnp.ndarray  # (n_pre,)
    a_post: jnp.ndarray  # (n_post,)
    g: jnp.ndarray  # postsynaptic variable, (n_post,)


class PairSTDP(dx.AbstractPlasticProjection):
    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    conn: dx.connect.AbstractConnectivity
    w_init: jnp.ndarray
    A_plus: float
    A_minus: float
    tau_plus: float
    tau_minus: float
    w_max: float
    tau: float = 5.0

    def sizes(self):
        return self.conn.n_pre, self.conn.n_post

    def init(self, key=None):
        w = jnp.broadcast_to(jnp.asarray(self.w_init, float), (self.conn.nnz,))
        return STDPState(
            w, jnp.zeros(self.conn.n_pre), jnp.zeros(self.conn.n_post), jnp.zeros(self.conn.n_post)
        )

    def step(self, state, input, ctx):
        pre, post = (jnp.asarray(s, float) for s in input)
        a_pre = state.a_pre * jnp.exp(-ctx.dt / self.tau_plus)
        a_post = state.a_post * jnp.exp(-ctx.dt / self.tau_minus)
        rows, cols = self.conn.rows, self.conn.indices
        dw = self.A_plus * a_pre[rows] * post[cols] - self.A_minus * a_post[cols] * pre[rows]
        w = jnp.clip(state.w + dw, 0.0, self.w_max)
        g = state.g * jnp.exp(-ctx.dt / self.tau) + self.conn.event_matvec(pre, w)
        return STDPState(w, a_pre + pre, a_post + post, g)

    def current(self, state):
        return dx.synapses.CUBA()(state.g)


T_PRE, DT = 20.0, 0.1
LAGS = np.array([-15.0, -8.0, -3.0, -1.0, 1.0, 3.0, 8.0, 15.0])  # t_post - t_pre (ms)


def build(lags, w0=0.5, A_plus=0.01, A_minus=0.012, w_max=1.0):
    """Pair i: pre neuron i at T_PRE, post neuron i at T_PRE + lags[i], one-to-one. The
    post neurons are LIFs made to fire by a teacher source through a strong synapse (the
    teacher fires one step earlier: one step to propagate)."""
    n = len(lags)
    idx = np.arange(n)
    one_to_one = dx.connect.CSR(np.arange(n + 1), idx, n)
    stdp = PairSTDP("pre", "post", one_to_one, w0, A_plus, A_minus, 16.8, 33.7, w_max)
    return dx.Network(
        {
            "pre": dx.inputs.SpikeTimeGroup(n, idx, np.full(n, T_PRE)),
            "teacher": dx.inputs.SpikeTimeGroup(n, idx, T_PRE + lags - DT),
            "post": dx.neurons.LIF(n, tau=10.0, v_rest=0.0, v_reset=0.0, v_th=20.0, tau_ref=100.0),
        },
        {
            "drive": dx.Projection(
                "teacher",
                "post",
                one_to_one,
                1e5,
                dx.synapses.Exponential(n, tau=1.0),
                dx.synapses.CUBA(),
            ),
            "stdp": stdp,
        },
    )


def run(model, duration=60.0):
    final, rec = dx.simulate(
        model, model.init(), dt=DT, duration=duration, monitors={"post": "post.spike"}
    )
    return final, np.asarray(rec["post"])


def test_weight_change_of_one_pair():
    model = build(LAGS)
    final, post = run(model)
    # Each post neuron fired once, at the intended time.
    assert (post.sum(0) == 1).all()
    t_post = DT * (np.argmax(post, axis=0) + 1)
    np.testing.assert_allclose(t_post - T_PRE, LAGS, atol=1e-4)
    p = model.projections["stdp"]
    expected = np.where(
        LAGS > 0,
        p.A_plus * np.exp(-LAGS / p.tau_plus),
        -p.A_minus * np.exp(LAGS / p.tau_minus),
    )
    np.testing.assert_allclose(np.asarray(final["stdp"].w) - 0.5, expected, rtol=1e-4, atol=1e-8)


def test_weights_are_clipped():
    lags = np.array([-2.0, 2.0])
    final, _ = run(build(lags, w0=0.9, A_plus=1.0, A_minus=0.0))
    np.testing.assert_allclose(np.asarray(final["stdp"].w), [0.9, 1.0])
    final, _ = run(build(lags, w0=0.1, A_plus=0.0, A_minus=1.0))
    np.testing.assert_allclose(np.asarray(final["stdp"].w), [0.0, 0.1])
