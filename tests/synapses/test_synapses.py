"""Synapse models against closed forms: dual-exponential and alpha kernels, delta jumps,
receptor kinetics, Tsodyks-Markram short-term plasticity, the Jahr-Stevens Mg block,
and gap junctions between two passive cells."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

DT = 0.1


def one_spike_response(synapse_for, n_steps, dt=DT, weight=1.0, output=None, monitor="syn.g"):
    """The synaptic variable after one presynaptic spike at t = 0 (arriving in step 1)."""
    pre = dx.inputs.SpikeTimeGroup(1, np.array([0]), np.array([dt]))
    conn = dx.connect.CSR(np.array([0, 1]), np.array([0]), 1)
    output = dx.synapses.CUBA() if output is None else output
    proj = dx.Projection("pre", "post", conn, weight, synapse_for(1), output)
    net = dx.Network({"pre": pre, "post": dx.neurons.LIF(1, v_th=1e9)}, {"p": proj})
    _, rec = dx.simulate(net, net.init(), dt=dt, n_steps=n_steps, monitors={"g": f"p.{monitor}"})
    # The spike, sent in the first step, arrives in the second (projections read the
    # previous step's spikes): record 1 on, at 0, dt, 2 dt, ... after its arrival.
    g = np.asarray(rec["g"])[1:, 0]
    return dt * np.arange(len(g)), g


@pytest.mark.parametrize("tau_rise, tau_decay", [(1.0, 10.0), (5.0, 5.0), (8.0, 2.0)])
def test_dual_exponential_peak_time_and_amplitude(x64, tau_rise, tau_decay):
    w = 2.5
    t, g = one_spike_response(
        lambda n: dx.synapses.DualExponential(n, tau_rise, tau_decay), 800, 0.01, w
    )
    if tau_rise == tau_decay:
        expected = w * t / tau_decay * np.exp(1 - t / tau_decay)
        t_peak = tau_decay
    else:
        t_peak = tau_rise * tau_decay * np.log(tau_decay / tau_rise) / (tau_decay - tau_rise)
        shape = lambda s: np.exp(-s / tau_decay) - np.exp(-s / tau_rise)  # noqa: E731
        expected = w * shape(t) / shape(t_peak)
    # Exact integration: the samples are the closed form at every step, whatever dt.
    np.testing.assert_allclose(g, expected, rtol=1e-9, atol=1e-12)
    assert float(
        dx.synapses.peak_time(jnp.asarray(tau_rise), jnp.asarray(tau_decay))
    ) == pytest.approx(t_peak, rel=1e-9)
    assert g.max() == pytest.approx(w, rel=1e-3)  # the sampled maximum, 0.01 ms grid


def test_alpha_is_the_equal_constant_dual_exponential(x64):
    t, a = one_spike_response(lambda n: dx.synapses.Alpha(n, tau=3.0), 200, 0.1)
    _, d = one_spike_response(lambda n: dx.synapses.DualExponential(n, 3.0, 3.0), 200, 0.1)
    np.testing.assert_allclose(a, d, rtol=1e-12)
    np.testing.assert_allclose(a, t / 3.0 * np.exp(1 - t / 3.0), rtol=1e-9, atol=1e-14)
    # Nearly equal constants: no cancellation blow-up near the removable singularity.
    _, near = one_spike_response(
        lambda n: dx.synapses.DualExponential(n, 3.0, 3.0 + 1e-7), 200, 0.1
    )
    np.testing.assert_allclose(near, a, rtol=1e-6, atol=1e-12)


def test_dual_exponential_float32_has_no_nan_at_equal_constants():
    syn = dx.synapses.DualExponential(3, tau_rise=jnp.float32(4.0), tau_decay=jnp.float32(4.0))
    ctx = dx.Context(jnp.zeros(()), 0.1, jnp.zeros((), jnp.int32))
    s = syn.step(syn.init(), jnp.ones(3, jnp.float32), ctx)
    for _ in range(40):
        s = syn.step(s, jnp.zeros(3, jnp.float32), ctx)
    assert s.g.dtype == jnp.float32 and np.all(np.isfinite(s.g))
    np.testing.assert_allclose(s.g, 4.0 / 4.0 * np.exp(1 - 4.0 / 4.0), rtol=1e-5)


def test_delta_jump_moves_the_potential_by_the_weight(x64):
    """A delta synapse with the Jump output adds J to v at the start of the step, which
    then relaxes over that step: v = v_rest + J e^{-dt/tau} at its end."""
    J, tau = 0.7, 20.0
    pre = dx.inputs.SpikeTimeGroup(1, np.array([0, 0]), np.array([DT, 5.0 + DT]))
    conn = dx.connect.CSR(np.array([0, 1]), np.array([0]), 1)
    proj = dx.Projection("pre", "post", conn, J, dx.synapses.Delta(1), dx.synapses.Jump())
    net = dx.Network({"pre": pre, "post": dx.neurons.LIF(1, tau=tau, v_th=1e9)}, {"p": proj})
    _, rec = dx.simulate(net, net.init(), dt=DT, n_steps=100, monitors={"v": "post.v"})
    v = np.asarray(rec["v"])[1:, 0]
    t = DT * np.arange(len(v))  # time since the first arrival
    expected = J * np.exp(-(t + DT) / tau) + np.where(
        t >= 5.0 - 1e-9, J * np.exp(-(t - 5.0 + DT) / tau), 0
    )
    np.testing.assert_allclose(v, expected, rtol=1e-9, atol=1e-12)


def test_kinetic_receptor_pulse_and_decay(x64):
    """During the transmitter pulse r rises to r_inf (1 - e^{-(alpha T + beta) t}); after
    it, r decays as e^{-beta t}."""
    alpha, beta, T_max, dur, dt = 1.1, 0.19, 1.0, 1.0, 0.1
    t, r = one_spike_response(lambda n: dx.synapses.AMPA(n), 60, dt, monitor="syn.r")
    rate = alpha * T_max + beta
    rise = alpha * T_max / rate * (1 - np.exp(-rate * (t + dt)))
    k = round(dur / dt)  # steps in the pulse
    np.testing.assert_allclose(r[:k], rise[:k], rtol=1e-12)
    np.testing.assert_allclose(r[k:], rise[k - 1] * np.exp(-beta * (t[k:] - t[k - 1])), rtol=1e-12)
    # and the projection's g is the weighted transmitted r
    _, g = one_spike_response(lambda n: dx.synapses.AMPA(n), 60, 0.1, weight=3.0, monitor="g")
    np.testing.assert_allclose(g, 3.0 * r, rtol=1e-12)


def test_nmda_block_is_the_jahr_stevens_formula(x64):
    out = dx.synapses.MgBlock(E=0.0, mg=1.2)
    v = jnp.linspace(-100.0, 40.0, 15)
    expected = 1 / (1 + 1.2 / 3.57 * np.exp(-0.062 * np.asarray(v)))
    np.testing.assert_allclose(out.block(v), expected, rtol=1e-12)
    current = out(jnp.full(15, 2.0)).at(v)
    np.testing.assert_allclose(
        current.current - current.conductance * v,
        2.0 * expected * (0.0 - v),
        rtol=1e-12,
        atol=1e-12,
    )


def test_mg_block_is_evaluated_at_each_stage_of_the_neuron(x64):
    """A neuron evaluates a voltage-dependent input at its potential: LIF's vector field
    with an MgBlock current equals the blocked current computed by hand."""
    lif = dx.neurons.LIF(2, tau=10.0, v_rest=-70.0)
    current = dx.synapses.MgBlock()(jnp.array([0.5, 1.0]))
    v = jnp.array([-60.0, -20.0])
    block = 1 / (1 + 1 / 3.57 * np.exp(-0.062 * np.asarray(v)))
    expected = (-(v + 70.0) + np.array([0.5, 1.0]) * block * (0.0 - v)) / 10.0
    np.testing.assert_allclose(lif.vector_field(0.0, v, current), expected, rtol=1e-12)


def markram(n, interval, U, tau_f, tau_d):
    """Tsodyks-Markram recurrence for a regular train: release u_k x_k at spike k."""
    u, x, out = 0.0, 1.0, []
    for k in range(n):
        if k:
            u *= np.exp(-interval / tau_f) if tau_f > 0 else 0.0
            x = 1 - (1 - x) * np.exp(-interval / tau_d)
        u = u + U * (1 - u)
        out.append(u * x)
        x -= u * x
    return np.array(out)


@pytest.mark.parametrize(
    "stp, params",
    [
        (lambda n: dx.synapses.STP(n, U=0.1, tau_f=800.0, tau_d=100.0), (0.1, 800.0, 100.0)),
        (lambda n: dx.synapses.STP(n, U=0.5, tau_f=20.0, tau_d=400.0), (0.5, 20.0, 400.0)),
        (lambda n: dx.synapses.STD(n, U=0.4, tau_d=300.0), (0.4, 0.0, 300.0)),
    ],
)
def test_stp_follows_the_tsodyks_markram_recurrence(x64, stp, params):
    interval, w, n_spikes = 25.0, 1.5, 12
    times = 2.0 + interval * np.arange(n_spikes)
    pre = dx.inputs.SpikeTimeGroup(1, np.zeros(n_spikes, int), times)
    conn = dx.connect.CSR(np.array([0, 1]), np.array([0]), 1)
    proj = dx.Projection(
        "pre", "post", conn, w, dx.synapses.Delta(1), dx.synapses.CUBA(), stp=stp(1)
    )
    net = dx.Network({"pre": pre, "post": dx.neurons.LIF(1, v_th=1e9)}, {"p": proj})
    _, rec = dx.simulate(net, net.init(), dt=DT, duration=times[-1] + 5, monitors={"g": "p.syn.g"})
    g = np.asarray(rec["g"])[:, 0]
    np.testing.assert_allclose(g[g > 0], w * markram(n_spikes, interval, *params), rtol=1e-10)
    facilitating = params[1] > params[2]
    amplitudes = g[g > 0]
    assert (amplitudes[3] > amplitudes[0]) == facilitating


def test_gap_junction_two_passive_cells_relax_as_two_exponentials(x64):
    """tau dv_i/dt = -v_i + g (v_j - v_i): the mean decays with tau, the difference with
    tau / (1 + 2 g). The partners' potentials lag one step, so the error is O(dt)."""
    tau, g = 10.0, 0.5
    conn = dx.connect.CSR(np.array([0, 1, 2]), np.array([1, 0]), 2)
    errors = []
    for dt in (0.02, 0.01):
        cells = dx.neurons.LIF(2, tau=tau, v_th=1e6, v_init=np.array([10.0, 0.0]))
        net = dx.Network({"c": cells}, {"gj": dx.GapJunction("c", "c", conn, g)})
        _, rec = dx.simulate(net, net.init(), dt=dt, duration=20.0, monitors={"v": "c.v"})
        v = np.asarray(rec["v"])
        t = dt * np.arange(1, len(v) + 1)
        mean, diff = 5 * np.exp(-t / tau), 5 * np.exp(-t * (1 + 2 * g) / tau)
        errors.append(np.max(np.abs(v - np.stack([mean + diff, mean - diff], 1))))
    assert errors[1] < 2e-3
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.1)  # first order


def test_presynaptic_synapse_and_stp_sizes_are_checked():
    conn = dx.connect.CSR(np.array([0, 1, 2]), np.array([0, 0]), 3)
    with pytest.raises(ValueError, match="n_pre=2"):
        dx.Projection("a", "b", conn, 1.0, dx.synapses.AMPA(3), dx.synapses.COBA(0.0))
    with pytest.raises(ValueError, match="stp has n=3"):
        dx.Projection(
            "a",
            "b",
            conn,
            1.0,
            dx.synapses.Exponential(3),
            dx.synapses.CUBA(),
            stp=dx.synapses.STP(3),
        )
    with pytest.raises(ValueError, match="U must be in"):
        dx.synapses.STP(2, U=1.5)
    with pytest.raises(ValueError, match="tau_rise"):
        dx.synapses.DualExponential(2, tau_rise=0.0)


def test_gradient_through_stp_and_nmda_matches_finite_differences(x64):
    """The presynaptic stages are differentiable in their parameters (here U and the
    NMDA weight) through a whole run."""

    def loss(U, w):
        times = np.array([1.0, 11.0, 21.0])
        pre = dx.inputs.SpikeTimeGroup(1, np.zeros(3, int), times)
        conn = dx.connect.Dense(1, 2)
        net = dx.Network(
            {"pre": pre, "post": dx.neurons.LIF(2, v_rest=-65.0, v_reset=-70.0, v_th=1e9)},
            {
                "p": dx.Projection(
                    "pre",
                    "post",
                    conn,
                    w,
                    dx.synapses.SecondOrderNMDA(1),
                    dx.synapses.MgBlock(),
                    stp=dx.synapses.STP(1, U=U),
                )
            },
        )
        _, rec = dx.simulate(net, net.init(), dt=0.1, duration=40.0, monitors={"v": "post.v"})
        return rec["v"].mean()

    U, w = 0.3, 0.4
    grads = jax.grad(loss, argnums=(0, 1))(U, w)
    h = 1e-6
    fd_U = (loss(U + h, w) - loss(U - h, w)) / (2 * h)
    fd_w = (loss(U, w + h) - loss(U, w - h)) / (2 * h)
    np.testing.assert_allclose(grads, (fd_U, fd_w), rtol=1e-5)
