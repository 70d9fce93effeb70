import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def test_subthreshold_matches_closed_form(x64):
    tau, v_rest, R, current, v0 = 12.0, -65.0, 2.0, 4.0, -70.0
    lif = dx.neurons.LIF(3, tau=tau, v_rest=v_rest, v_th=100.0, R=R, v_init=v0)
    _, rec = dx.simulate(lif, lif.init(), dt=0.37, n_steps=200, inputs=current, monitors={"v": "v"})
    v_inf = v_rest + R * current
    expected = v_inf + (v0 - v_inf) * np.exp(-rec["t"] / tau)
    np.testing.assert_allclose(rec["v"], np.broadcast_to(expected[:, None], (200, 3)), atol=1e-10)


def test_conductance_input_matches_closed_form(x64):
    # tau dv/dt = -(v - El) + R g (E - v): relaxes to (El + R g E)/(1 + R g) at tau/(1 + R g).
    tau, El, R, g, E = 20.0, -60.0, 1.0, 0.5, 0.0
    lif = dx.neurons.LIF(1, tau=tau, v_rest=El, v_th=100.0, R=R, v_init=El)
    drive = dx.AffineCurrent(jnp.asarray(g * E), jnp.asarray(g))
    _, rec = dx.simulate(
        lif, lif.init(), dt=1.0, n_steps=50, inputs=lambda ctx: drive, monitors={"v": "v"}
    )
    v_inf, tau_eff = (El + R * g * E) / (1 + R * g), tau / (1 + R * g)
    expected = v_inf + (El - v_inf) * np.exp(-rec["t"] / tau_eff)
    np.testing.assert_allclose(rec["v"][:, 0], expected, atol=1e-10)


def test_fi_curve_matches_analytic_rate_in_one_compilation(x64):
    tau, El, Vr, Vt, R, tau_ref, dt = 20.0, -60.0, -65.0, -50.0, 1.0, 2.0, 0.01
    lif = dx.neurons.LIF(
        1, tau=tau, v_rest=El, v_reset=Vr, v_th=Vt, R=R, tau_ref=tau_ref, v_init=Vr
    )
    currents = jnp.linspace(5.0, 40.0, 12)
    traces = 0

    def spike_times(current):
        nonlocal traces
        traces += 1
        _, rec = dx.simulate(
            lif, lif.init(), dt=dt, duration=300.0, inputs=current, monitors={"spike": "spike"}
        )
        return rec["spike"][:, 0]

    spikes = np.asarray(dx.sweep(spike_times, currents))
    assert traces == 1
    t = dt * np.arange(1, spikes.shape[1] + 1)
    for current, s in zip(np.asarray(currents), spikes):
        times = t[s]
        if R * current <= Vt - El:
            assert times.size == 0
            continue
        period = tau_ref + tau * np.log((El + R * current - Vr) / (El + R * current - Vt))
        isi = np.diff(times)
        # Exact integration: each spike is seen at the first grid time after the crossing.
        assert times.size >= 3
        assert np.all(isi >= period - 1e-9) and np.all(isi <= period + dt + 1e-9)
        assert abs(isi.mean() - period) < dt


def test_refractory_period_clamps_for_tau_ref():
    lif = dx.neurons.LIF(1, tau=10.0, v_rest=0.0, v_reset=0.0, v_th=1.0, tau_ref=3.0)
    _, rec = dx.simulate(
        lif, lif.init(), dt=0.5, n_steps=40, inputs=1000.0, monitors={"spike": "spike"}
    )
    steps = np.flatnonzero(rec["spike"][:, 0])
    # Huge drive: fires as soon as the 6 refractory steps (3 ms / 0.5 ms) are over.
    np.testing.assert_array_equal(np.diff(steps), 7)


@pytest.mark.parametrize("reset", ["hard", "soft"])
def test_no_refractory_period_equals_tau_ref_zero_without_the_counter(x64, reset):
    # tau_ref=None (the default) drops the counter from the state and its work from the
    # step; the values and the surrogate gradients are those of tau_ref=0.
    kw = dict(tau=10.0, v_th=1.0, reset=reset, spike_fn=dx.surrogate.Sigmoid())
    plain, zero = dx.neurons.LIF(5, **kw), dx.neurons.LIF(5, tau_ref=0.0, **kw)
    assert plain.tau_ref is None and plain.init().refractory is None
    assert zero.init().refractory.shape == (5,)
    drive = jnp.linspace(1.5, 6.0, 5)  # mV above rest; v_th = 1 mV

    def spikes(model, scale):
        _, rec = dx.simulate(
            model,
            model.init(),
            dt=0.5,
            n_steps=60,
            inputs=dx.inputs.Constant(scale * drive),
            monitors={"v": "v", "spike": "spike"},
        )
        return rec["v"], rec["spike"]

    v0, s0 = spikes(plain, 1.0)
    v1, s1 = spikes(zero, 1.0)
    assert s0.sum() > 20  # the comparison crosses many spikes and resets
    np.testing.assert_array_equal(s0, s1)
    np.testing.assert_allclose(v0, v1, rtol=0, atol=1e-14)
    grad = lambda m: jax.grad(lambda a: spikes(m, a)[0].sum())(1.0)  # noqa: E731
    np.testing.assert_allclose(grad(plain), grad(zero), rtol=1e-12)


def test_state_must_match_tau_ref():
    plain, zero = dx.neurons.LIF(3), dx.neurons.LIF(3, tau_ref=0.0)
    ctx = dx.Context(t=jnp.asarray(0.0), dt=0.1, i=jnp.asarray(0))
    with pytest.raises(
        ValueError, match="has no refractory counter but the model's tau_ref is a number"
    ):
        zero.step(plain.init(), 1.0, ctx)
    with pytest.raises(
        ValueError, match="has a refractory counter but the model's tau_ref is None"
    ):
        plain.step(zero.init(), 1.0, ctx)


def test_float32_stays_float32():
    lif = dx.neurons.LIF(4, tau=10.0)
    state, rec = dx.simulate(lif, lif.init(), dt=0.1, n_steps=10, inputs=1.0, monitors={"v": "v"})
    assert state.v.dtype == jnp.float32 and rec["v"].dtype == jnp.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(tau=0.0), "tau must be positive"),
        (dict(tau=-5.0), "tau must be positive"),
        (dict(tau_ref=-1.0), "tau_ref must be non-negative"),
        (dict(R=0.0), "R must be positive"),
        (dict(v_th=jnp.zeros(3)), r"v_th must be a scalar or have shape \(4,\)"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.neurons.LIF(4, **kwargs)


def test_random_init_needs_key():
    lif = dx.neurons.LIF(4, v_init=dx.init.Uniform(-60.0, -50.0))
    with pytest.raises(ValueError, match="needs a key"):
        lif.init()
    v = lif.init(jax.random.key(0)).v
    assert np.all((v >= -60.0) & (v < -50.0))


def test_parameter_sweep_over_stacked_models(x64):
    taus = jnp.asarray([5.0, 10.0, 20.0, 40.0])
    models = eqx.filter_vmap(lambda tau: dx.neurons.LIF(1, tau=tau, v_th=100.0))(taus)

    def run(model):
        return dx.simulate(
            model, model.init(), dt=0.5, n_steps=20, inputs=10.0, monitors={"v": "v"}
        )[1]["v"][:, 0]

    v = dx.sweep(run, models)
    t = 0.5 * np.arange(1, 21)
    np.testing.assert_allclose(
        v, 10.0 * (1 - np.exp(-t[None] / np.asarray(taus)[:, None])), atol=1e-10
    )


@pytest.mark.parametrize("method, dt, atol", [("rk4", 0.1, 1e-8), ("euler", 0.01, 0.05)])
def test_method_field_chooses_the_integrator(x64, method, dt, atol):
    tau, v_rest, current, v0 = 10.0, -65.0, 10.0, -70.0
    lif = dx.neurons.LIF(1, tau=tau, v_rest=v_rest, v_th=100.0, v_init=v0, method=method)
    _, rec = dx.simulate(lif, lif.init(), dt=dt, duration=20.0, inputs=current, monitors={"v": "v"})
    v_inf = v_rest + current
    expected = v_inf + (v0 - v_inf) * np.exp(-rec["t"] / tau)
    error = np.max(np.abs(rec["v"][:, 0] - expected))
    assert error < atol
    if method == "euler":  # first order: the error is O(dt), not round-off
        assert error > 1e-4


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="exp_euler"):
        dx.neurons.LIF(2, method="rk45")


def test_models_built_under_vmap_skip_the_value_checks():
    # Traced parameters cannot be checked at construction; a sweep over v_reset must
    # still build (the concrete v_th is compared only with concrete resets).
    resets = jnp.asarray([-5.0, 0.0, 5.0])
    models = eqx.filter_vmap(lambda r: dx.neurons.LIF(2, v_reset=r, v_th=10.0))(resets)
    np.testing.assert_array_equal(models.v_reset, resets)
    with pytest.raises(ValueError, match="v_reset must be below v_th"):
        dx.neurons.LIF(2, v_reset=jnp.array([0.0, 10.0]), v_th=10.0)


def test_lif_with_rk4_object_matches_the_exact_exp_euler_step(x64):
    # COBA-like affine input: the default ExpEuler() is exact; RK4() is close at dt = 0.1.
    drive = dx.AffineCurrent(current=jnp.array([30.0, 5.0]), conductance=jnp.array([0.5, 0.2]))
    ctx = dx.Context(t=0.0, dt=0.1, i=0)
    runs = {}
    for method in [dx.integrate.ExpEuler(), dx.integrate.RK4()]:
        lif = dx.neurons.LIF(2, tau=20.0, v_rest=-60.0, v_reset=-60.0, v_th=100.0, method=method)
        state = lif.init()
        for _ in range(50):
            state = lif.step(state, drive, ctx)
        runs[type(method).__name__] = state.v
    assert dx.neurons.LIF(2).method == dx.integrate.ExpEuler()
    np.testing.assert_allclose(runs["RK4"], runs["ExpEuler"], rtol=0, atol=1e-8)


def test_soft_reset_locks_to_the_closed_form_cycle(x64):
    # tau dv/dt = -(v - El) + R I, continuous period T = tau ln((v_inf - Vr)/(v_inf - Vt)).
    # A hard reset sees each crossing at the next grid point: every ISI is k = ceil(T/dt)
    # steps. A soft reset keeps the overshoot d; a cycle of k steps from Vr + d back to
    # Vt + d needs v_inf + (Vr + d - v_inf) rho^k = Vt + d, rho = exp(-dt/tau), i.e.
    # d = (v_inf - Vt - (v_inf - Vr) rho^k) / (1 - rho^k) >= 0, first possible at the same
    # k: the soft-reset neuron locks to it, with v -> Vr + d after every spike.
    tau, El, Vr, Vt, current, dt, n_steps = 20.0, -60.0, -60.0, -50.0, 25.0, 0.25, 4000
    v_inf = El + current
    period = tau * np.log((v_inf - Vr) / (v_inf - Vt))  # 10.217 ms
    k = int(np.ceil(period / dt))  # 41 steps
    rho_k = np.exp(-k * dt / tau)
    overshoot = (v_inf - Vt - (v_inf - Vr) * rho_k) / (1 - rho_k)  # 0.0705 mV
    kwargs = dict(tau=tau, v_rest=El, v_reset=Vr, v_th=Vt, v_init=Vr)
    for reset in ("hard", "soft"):
        lif = dx.neurons.LIF(1, reset=reset, **kwargs)
        _, rec = dx.simulate(
            lif,
            lif.init(),
            dt=dt,
            n_steps=n_steps,
            inputs=current,
            monitors={"spike": "spike", "v": "v"},
        )
        steps = np.flatnonzero(rec["spike"][:, 0])
        np.testing.assert_array_equal(np.diff(steps), k)
        after = rec["v"][steps, 0]
        expected = Vr if reset == "hard" else Vr + overshoot
        # The overshoot's error contracts by rho^k = 0.60 a cycle: converged after 40.
        np.testing.assert_allclose(after[40:], expected, rtol=0, atol=1e-9)
    assert 0 < overshoot < 0.1


def test_surrogate_spikes_pass_gradients_through_the_reset():
    surrogate = dx.surrogate.Sigmoid(alpha=4.0)
    assert dx.neurons.LIF(3, spike_fn=surrogate).init().spike.dtype == jnp.float32

    def count(current, reset):
        model = dx.neurons.LIF(3, tau=10.0, v_th=1.0, spike_fn=surrogate, reset=reset)
        _, rec = dx.simulate(
            model, model.init(), dt=0.5, n_steps=100, inputs=current, monitors={"s": "spike"}
        )
        return rec["s"].sum(), rec["s"]

    # The hard reset's gradient path is the one of the other models (tests/neurons/).
    for reset in ("soft",):
        (n, s), grad = jax.value_and_grad(count, has_aux=True)(jnp.float32(1.5), reset)
        assert s.dtype == jnp.float32 and grad.dtype == jnp.float32
        assert n > 0 and np.isfinite(grad) and grad > 0  # more current, more spikes


def test_heaviside_spikes_are_bool_and_unknown_reset_lists_the_choices():
    assert dx.neurons.LIF(2).init().spike.dtype == jnp.bool_
    with pytest.raises(ValueError, match=r"reset must be one of \('hard', 'soft'\)"):
        dx.neurons.LIF(2, reset="subtract")
    with pytest.raises(TypeError, match="spike_fn must be a dx.surrogate"):
        dx.neurons.LIF(2, spike_fn=lambda x: x > 0)
