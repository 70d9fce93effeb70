"""Networks of networks: a two-area model equals the same model written flat."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

N_E, N_I, N_P = 40, 10, 30


def poisson_times(seed, n, rate, duration, dt=0.1):
    """(indices, times (ms)) of `n` Poisson neurons at `rate` (Hz), at most one spike per
    step of `dt`: a deterministic stand-in for a `dx.inputs.PoissonGroup`, whose keys
    depend on where it sits in the model."""
    rng = np.random.default_rng(seed)
    step, idx = np.nonzero(rng.random((int(duration / dt), n)) < rate * dt / 1000.0)
    return idx, (step + 0.5) * dt


def area_parts(seed):
    """The populations and projections of one area: Poisson input onto an E/I network."""
    keys = jax.random.split(jax.random.key(seed), 5)
    idx, times = poisson_times(seed, N_P, 60.0, 40.0)
    pops = {
        "P": dx.inputs.SpikeTimeGroup(N_P, idx, times),
        "E": dx.neurons.LIF(N_E, tau=10.0, v_th=5.0, tau_ref=1.0),
        "I": dx.neurons.LIF(N_I, tau=8.0, v_th=5.0),
    }
    cuba = dx.synapses.CUBA()

    def proj(pre, post, n_pre, n_post, key, w):
        conn = dx.connect.FixedProb(0.3)(n_pre, n_post, key)
        return dx.Projection(pre, post, conn, w, dx.synapses.Exponential(n_post, tau=5.0), cuba)

    projs = {
        "P2E": proj("P", "E", N_P, N_E, keys[0], 3.0),
        "P2I": proj("P", "I", N_P, N_I, keys[1], 3.0),
        "E2E": proj("E", "E", N_E, N_E, keys[2], 0.5),
        "E2I": proj("E", "I", N_E, N_I, keys[3], 1.0),
        "I2E": proj("I", "E", N_I, N_E, keys[4], -2.0),
    }
    return pops, projs


def cross(pre, post, key, delay):
    conn = dx.connect.FixedProb(0.3)(N_E, N_E, jax.random.key(key))
    syn = dx.synapses.Exponential(N_E, tau=5.0)
    return dx.Projection(pre, post, conn, 1.5, syn, dx.synapses.CUBA(), delay=delay)


def two_areas(delay):
    """(nested, flat): the same two-area model, as areas `V1`, `V2` and written flat
    (`V1_E` for `V1.E`, cross-area projections first: the nested order of summation)."""
    areas = {name: area_parts(seed) for name, seed in (("V1", 1), ("V2", 2))}
    links = {"V1toV2": ("V1.E", "V2.E", 11), "V2toV1": ("V2.E", "V1.E", 12)}
    nested = dx.Network(
        {name: dx.Network(pops, projs) for name, (pops, projs) in areas.items()},
        {name: cross(pre, post, k, delay) for name, (pre, post, k) in links.items()},
    )
    flat_pops, flat_projs = {}, {}
    for name, (pre, post, k) in links.items():
        flat_projs[name] = cross(pre.replace(".", "_"), post.replace(".", "_"), k, delay)
    for area, (pops, projs) in areas.items():
        flat_pops.update({f"{area}_{p}": pop for p, pop in pops.items()})
        for p, proj in projs.items():
            flat_projs[f"{area}_{p}"] = dx.Projection(
                f"{area}_{proj.pre}",
                f"{area}_{proj.post}",
                proj.conn,
                proj.weight,
                proj.synapse,
                proj.output,
            )
    return nested, dx.Network(flat_pops, flat_projs)


def flatten(tree):
    """`{"V1": {"E": s}, "V1toV2": p}` as `{"V1_E": s, "V1toV2": p}`."""
    out = {}
    for name, sub in tree.items():
        if isinstance(sub, dict):
            out.update({f"{name}_{k}": v for k, v in sub.items()})
        else:
            out[name] = sub
    return out


@pytest.mark.parametrize("delay", [pytest.param(0.0, marks=pytest.mark.slow), 1.0])
def test_two_areas_equal_the_same_model_written_flat(delay):
    nested, flat = two_areas(delay)
    inputs = {"V1": {"E": 2.0}, "V2": {"I": dx.inputs.Constant(jnp.linspace(0.0, 3.0, N_I))}}
    kw = dict(dt=0.1, n_steps=400, key=jax.random.key(0))
    names = [f"{a}.{p}" for a in ("V1", "V2") for p in ("E", "I")]
    fs, a = dx.simulate(
        nested,
        nested.init(),
        inputs=inputs,
        monitors={f"{n}.{v}": f"{n}.{v}" for n in names for v in ("spike", "v")},
        **kw,
    )
    gs, b = dx.simulate(
        flat,
        flatten(nested.init()),
        inputs=flatten(inputs),
        monitors={f"{n}.{v}": f"{n.replace('.', '_')}.{v}" for n in names for v in ("spike", "v")},
        **kw,
    )
    for n in names:
        assert a[f"{n}.spike"].sum() > 10, n  # every population fires
        np.testing.assert_array_equal(a[f"{n}.spike"], b[f"{n}.spike"])
        # float32 voltages may differ by an ulp: XLA fuses the two programs differently
        np.testing.assert_allclose(a[f"{n}.v"], b[f"{n}.v"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        fs["V1toV2"].syn.g, gs["V1toV2"].syn.g, rtol=1e-6, atol=1e-6
    )  # the cross-area synapses too
    if delay:  # the delay took effect: the first 1 ms of V2's input from V1 is silent
        assert isinstance(fs["V1toV2"].delay, dx.DelayState)


def test_cross_area_delay_matters():
    # The delayed and undelayed models differ: the delay of the cross projections is used.
    runs = []
    for delay in (0.0, 3.0):
        nested, _ = two_areas(delay)
        _, rec = dx.simulate(
            nested, nested.init(), dt=0.1, n_steps=300, monitors={"g": "V1toV2.syn.g"}
        )
        runs.append(rec["g"])
    first = [int(np.argmax(r.sum(axis=1) > 0)) for r in runs]
    assert first[1] == first[0] + 30  # 3 ms later, at dt = 0.1


def test_dotted_monitor_paths_through_two_levels():
    nested, _ = two_areas(0.0)
    outer = dx.Network({"brain": nested})
    _, rec = dx.simulate(
        outer,
        outer.init(),
        dt=0.1,
        n_steps=100,
        monitors={"v": "brain.V1.E.v", "g": "brain.V1.E2I.syn.g", "x": "brain.V1toV2.syn.g"},
    )
    assert rec["v"].shape == (100, N_E)
    assert rec["g"].shape == (100, N_I)
    assert rec["x"].shape == (100, N_E)
    _, rec1 = dx.simulate(
        nested, nested.init(), dt=0.1, n_steps=100, monitors={"v": "V1.E.v", "g": "V1.E2I.syn.g"}
    )
    np.testing.assert_array_equal(rec["v"], rec1["v"])
    np.testing.assert_array_equal(rec["g"], rec1["g"])


def test_unknown_monitor_path_lists_the_valid_ones():
    nested, _ = two_areas(0.0)
    valid = r"unknown state path 'V1\.E\.w'.*V1\.E\.v.*V1\.E2I\.syn\.g"
    with pytest.raises(ValueError, match=valid):
        dx.simulate(nested, nested.init(), dt=0.1, n_steps=10, monitors={"w": "V1.E.w"})


def test_checkpoint_of_a_nested_state_round_trips(tmp_path):
    nested, _ = two_areas(1.0)
    kw = dict(dt=0.1, inputs={"V1": {"E": 2.0}}, monitors={"s": "V2.E.spike"})
    state, _ = dx.simulate(nested, nested.init(), n_steps=150, **kw)
    dx.save(tmp_path / "run.ckpt", state)
    loaded = dx.load(tmp_path / "run.ckpt", like=state)
    assert loaded.keys() == state.keys() and loaded["V1"].keys() == state["V1"].keys()
    for x, y in zip(jax.tree.leaves(state), jax.tree.leaves(loaded)):
        np.testing.assert_array_equal(x, y)
    # Resuming from the checkpoint continues the run exactly.
    _, whole = dx.simulate(nested, nested.init(), n_steps=300, **kw)
    _, rest = dx.simulate(nested, loaded, n_steps=150, t0=15.0, **kw)
    np.testing.assert_array_equal(whole["s"][150:], rest["s"])


def test_wrong_sizes_across_levels_name_the_dotted_path():
    nested, _ = two_areas(0.0)
    areas = nested.populations
    wrong = dx.connect.FixedProb(0.3)(N_E, N_I + 1, jax.random.key(0))
    proj = dx.Projection(
        "V1.E", "V2.I", wrong, 1.0, dx.synapses.Exponential(N_I + 1, 5.0), dx.synapses.CUBA()
    )
    with pytest.raises(ValueError, match=r"n_post=11 but population 'V2\.I' has n=10"):
        dx.Network(areas, {"x": proj})
    proj = dx.Projection(
        "V1.I", "V2.E", wrong, 1.0, dx.synapses.Exponential(N_I + 1, 5.0), dx.synapses.CUBA()
    )
    with pytest.raises(ValueError, match=r"n_pre=40 but population 'V1\.I' has n=10"):
        dx.Network(areas, {"x": proj})


def test_unknown_population_path_lists_the_valid_ones():
    nested, _ = two_areas(0.0)
    areas = nested.populations
    valid = r"\['V1\.P', 'V1\.E', 'V1\.I', 'V2\.P', 'V2\.E', 'V2\.I'\]"
    with pytest.raises(ValueError, match=r"post='V3\.E', which is not a population.*" + valid):
        dx.Network(areas, {"x": cross("V1.E", "V3.E", 0, 0.0)})
    with pytest.raises(ValueError, match=r"pre='V1\.X', which is not a population"):
        dx.Network(areas, {"x": cross("V1.X", "V2.E", 0, 0.0)})
    with pytest.raises(ValueError, match=r"post='V2', which is a sub-network.*V2\.E"):
        dx.Network(areas, {"x": cross("V1.E", "V2", 0, 0.0)})
    conn = dx.connect.FixedProb(0.3)(N_E, N_P, jax.random.key(0))
    syn = dx.synapses.Exponential(N_P, tau=5.0)
    to_source = dx.Projection("V2.E", "V1.P", conn, 1.0, syn, dx.synapses.CUBA())
    with pytest.raises(ValueError, match=r"'V1\.P', a spike source, which takes no input"):
        dx.Network(areas, {"x": to_source})


def test_bad_inputs_to_a_nested_network_name_the_path():
    nested, _ = two_areas(0.0)
    run = dict(dt=0.1, n_steps=5)
    with pytest.raises(ValueError, match=r"input\['V1\.E'\] of population 'V1\.E' \(n=40\)"):
        bad = {"V1": {"E": dx.inputs.Constant(jnp.ones(3))}}
        dx.simulate(nested, nested.init(), inputs=bad, **run)
    with pytest.raises(ValueError, match=r"input\['V2'\] has keys \['X'\]"):
        dx.simulate(nested, nested.init(), inputs={"V2": {"X": 1.0}}, **run)
    with pytest.raises(TypeError, match=r"input\['V1'\] of a Network must be None or a dict"):
        dx.simulate(nested, nested.init(), inputs={"V1": 5.0}, **run)
    with pytest.raises(ValueError, match=r"input\['V1\.P'\]: population 'V1\.P' is a spike"):
        dx.simulate(nested, nested.init(), inputs={"V1": {"P": 1.0}}, **run)


def test_inputs_to_a_nested_population(x64):
    # v of V1.E relaxes to R I = 5 with no spikes: the input reaches the nested population.
    area = dx.Network({"E": dx.neurons.LIF(3, tau=5.0, v_th=100.0)})
    net = dx.Network({"V1": area, "V2": area})
    state, _ = dx.simulate(net, net.init(), dt=0.5, n_steps=400, inputs={"V1": {"E": 5.0}})
    np.testing.assert_allclose(state["V1"]["E"].v, 5.0, rtol=1e-10)
    np.testing.assert_allclose(state["V2"]["E"].v, 0.0, atol=1e-12)
