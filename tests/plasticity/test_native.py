"""The compiled CPU kernel of the trace rules (`kernel="native"`, float32) against a
float64 NumPy reference that updates every synapse every step, written from the
published equations, and against the XLA `while_loop` (`kernel="xla"`): random spike
rasters with about 20 spiking neurons per step on each side (several chunks of 8 for the
XLA path), a random CSR connectivity with repeated pairs, empty rows and an empty
column. Comparing each rule's two paths compiles the XLA loop (2–3 s a rule): one rule
runs in the quick suite, the others are marked slow."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.ops import _native

pytestmark = pytest.mark.skipif(
    not _native.available(), reason="the compiled CPU kernels cannot be built here"
)

DT, N_PRE, N_POST, N_STEPS, W_MIN, W_MAX = 0.1, 120, 90, 80, 0.1, 0.9

RULES = {
    "pair-additive": dx.plasticity.PairSTDP(2e-3, 2.4e-3, 16.8, 33.7),
    "pair-multiplicative": dx.plasticity.PairSTDP(
        5e-3, 6e-3, 16.8, 33.7, weight_dependence="multiplicative"
    ),
    "triplet-all-to-all": dx.plasticity.TripletSTDP(1e-3, 4e-4, 2e-3, 1e-4, 16.8, 33.7, 101.0),
    "triplet-nearest": dx.plasticity.TripletSTDP(
        4.6e-3, 9.1e-3, 3e-3, 2e-3, 16.8, 33.7, 575.0, 47.0, "nearest"
    ),
    "vogels-sprekeler": dx.plasticity.VogelsSprekeler(1e-3, 5.0, 20.0),
}


def random_csr(rng):
    fan_out = rng.integers(0, 16, N_PRE)
    fan_out[[3, 17]] = 0  # empty rows
    # Targets drawn with replacement (repeated pairs); the last column stays empty.
    indices = np.concatenate([np.sort(rng.integers(0, N_POST - 1, k)) for k in fan_out])
    indptr = np.concatenate([[0], np.cumsum(fan_out)])
    return dx.connect.CSR(indptr, indices, N_POST), rng.uniform(0.2, 0.8, indices.size)


def projection(rule, conn, w0, kernel):
    return dx.plasticity.PlasticProjection(
        "pre",
        "post",
        conn,
        jnp.asarray(w0, jnp.float32),
        rule,
        dx.synapses.Exponential(N_POST, 5.0),
        dx.synapses.CUBA(),
        w_min=W_MIN,
        w_max=W_MAX,
        kernel=kernel,
    )


def rasters(rng):
    return rng.random((N_STEPS, N_PRE)) < 0.16, rng.random((N_STEPS, N_POST)) < 0.22


def run(projs, pre, post):
    """The final states of the projections `projs` over the same rasters (step k receives
    row k), one jitted function for all (one compilation)."""

    @jax.jit
    def go(pre, post):
        def body(states, x):
            i, p, q = x
            ctx = dx.Context(i * DT, DT, i)
            return [proj.step(s, (p, q), ctx) for proj, s in zip(projs, states)], None

        init = [proj.init() for proj in projs]
        return jax.lax.scan(body, init, (jnp.arange(N_STEPS), pre, post))[0]

    return go(pre, post)


def published(rule):
    """(time constants of the pre traces, of the post traces, on_pre, on_post) of `rule`,
    written from the published equations (not from its `TraceUpdate`)."""
    if isinstance(rule, dx.plasticity.TripletSTDP):
        a2p, a3p, a2m, a3m = (
            float(v) for v in (rule.A2_plus, rule.A3_plus, rule.A2_minus, rule.A3_minus)
        )
        taus = [rule.tau_plus, rule.tau_x], [rule.tau_minus, rule.tau_y]

        def on_pre(w, x, y):
            return w - y[0] * (a2m + a3m * x[1])

        def on_post(w, x, y):
            return w + x[0] * (a2p + a3p * y[1])

    elif isinstance(rule, dx.plasticity.VogelsSprekeler):
        eta, alpha = float(rule.eta), 2 * float(rule.rho0) * float(rule.tau) / 1000
        taus = [rule.tau], [rule.tau]

        def on_pre(w, x, y):
            return w + eta * (y[0] - alpha)

        def on_post(w, x, y):
            return w + eta * x[0]

    else:
        ap, am = float(rule.A_plus), float(rule.A_minus)
        soft = rule.weight_dependence == "multiplicative"
        taus = [rule.tau_plus], [rule.tau_minus]

        def on_pre(w, x, y):
            return w - am * y[0] * ((w - W_MIN) if soft else 1.0)

        def on_post(w, x, y):
            return w + ap * x[0] * ((W_MAX - w) if soft else 1.0)

    taus = tuple(np.array([float(t) for t in ts]) for ts in taus)
    return *taus, on_pre, on_post


def reference(rule, conn, w, pre, post):
    """Weights and synaptic variable after the rasters, every synapse visited every step
    (float64): the order of `dx.plasticity.AbstractTraceRule`."""
    tau_x, tau_y, on_pre, on_post = published(rule)
    rows = np.repeat(np.arange(N_PRE), np.diff(np.asarray(conn.indptr)))
    cols = np.asarray(conn.indices)
    x, y, g = np.zeros((tau_x.size, N_PRE)), np.zeros((tau_y.size, N_POST)), np.zeros(N_POST)
    for s_pre, s_post in zip(pre, post):
        g = g * np.exp(-DT / 5.0) + np.bincount(cols, w * s_pre[rows], N_POST)
        x *= np.exp(-DT / tau_x)[:, None]
        y *= np.exp(-DT / tau_y)[:, None]
        new = np.clip(on_pre(w, x[:, rows], y[:, cols]), W_MIN, W_MAX)
        w = np.where(s_pre[rows], new, w)
        new = np.clip(on_post(w, x[:, rows], y[:, cols]), W_MIN, W_MAX)
        w = np.where(s_post[cols], new, w)
        if rule.interaction == "nearest":
            x[:, s_pre], y[:, s_post] = 1.0, 1.0
        else:
            x, y = x + s_pre, y + s_post
    return w, g


def test_native_equals_reference():
    """Every trace rule on the compiled kernel (float32) against the float64 reference:
    within 2e-6 (float32 rounding of the traces and weights over 80 steps)."""
    rng = np.random.default_rng(0)
    conn, w0 = random_csr(rng)
    pre, post = rasters(rng)
    # Several chunks of 8 per step on both sides.
    assert pre.sum(1).min() > 8 and post.sum(1).min() > 8
    finals = run([projection(r, conn, w0, "native") for r in RULES.values()], pre, post)
    for name, rule, final in zip(RULES, RULES.values(), finals):
        w, g = reference(rule, conn, w0, pre, post)
        # The weights learned; some reach a bound (not the soft-bounded ones).
        assert final.w.dtype == jnp.float32 and np.mean(np.abs(w - w0)) > 0.02, name
        assert np.mean((w == W_MIN) | (w == W_MAX)) < 0.6, name
        np.testing.assert_allclose(np.asarray(final.w), w, rtol=0, atol=2e-6, err_msg=name)
        np.testing.assert_allclose(np.asarray(final.syn.g), g, rtol=2e-6, err_msg=name)


SLOW = {"triplet-nearest"}


@pytest.mark.parametrize(
    "name",
    [n if n in SLOW else pytest.param(n, marks=pytest.mark.slow) for n in RULES],
)
def test_native_equals_xla(name):
    """The compiled kernel against the XLA `while_loop`, float32, within 1e-6; the traces
    identical (the same operations outside the kernel)."""
    rule = RULES[name]
    rng = np.random.default_rng(1)
    conn, w0 = random_csr(rng)
    pre, post = rasters(rng)
    xla, native = run([projection(rule, conn, w0, k) for k in ("xla", "native")], pre, post)
    assert np.mean(np.abs(np.asarray(xla.w) - w0)) > 0.02
    np.testing.assert_allclose(np.asarray(native.w), np.asarray(xla.w), rtol=0, atol=1e-6)
    g = np.asarray(xla.syn.g)
    np.testing.assert_allclose(np.asarray(native.syn.g), g, rtol=1e-6, atol=1e-6)
    for a, b in zip((native.rule.pre, native.rule.post), (xla.rule.pre, xla.rule.post)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_vmap_and_choice():
    """Under `jax.vmap` (a batch of spikes, shared connectivity) the kernel gives each
    member's own result; `"auto"` picks it on a CPU in float32; impossible choices fail,
    naming the argument."""
    rule = RULES["pair-multiplicative"]
    rng = np.random.default_rng(2)
    conn, w0 = random_csr(rng)
    proj = projection(rule, conn, w0, "native")
    pre = jnp.asarray(rng.random((2, N_PRE)) < 0.3)
    post = jnp.asarray(rng.random((2, N_POST)) < 0.3)
    # Traces of earlier spikes, so that the updates are not zero.
    state = proj.step(proj.init(), (pre[1], post[1]), dx.Context(0.0, DT, 0))

    def step(p, q):
        return proj.step(state, (p, q), dx.Context(DT, DT, 1)).w

    batched = jax.jit(jax.vmap(step))(pre, post)
    single = jax.jit(step)
    for k in range(2):
        np.testing.assert_array_equal(np.asarray(batched[k]), np.asarray(single(pre[k], post[k])))
    assert not np.array_equal(np.asarray(batched[0]), np.asarray(batched[1]))
    assert projection(rule, conn, w0, "auto")._native(jnp.float32, jnp.float32)
    with pytest.raises(ValueError, match="kernel must be one of"):
        projection(rule, conn, w0, "pallas")
    with pytest.raises(ValueError, match="rate rule"):
        projection(dx.plasticity.Oja(), conn, w0, "native")
    with pytest.raises(ValueError, match="float32"):
        projection(rule, conn, w0, "native")._native(jnp.float64, jnp.float32)
