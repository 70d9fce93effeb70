"""The regression table of bad input: each row does one bad thing and names the error.

A row is `(id, do, error, match)`: calling `do()` must raise `error` with a message
that `re.search`es `match`. Keep `do` cheap (no run where construction or one trace
raises), and add a row for every reported case.
"""

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx

NAN, INF = float("nan"), float("inf")


@functools.cache
def tiny():
    """A LIF population driven by a Poisson group, its state and a context."""
    conn = dx.connect.from_dense(np.ones((5, 10), bool))
    syn, out = dx.synapses.Exponential(10, tau=5.0), dx.synapses.CUBA()
    net = dx.Network(
        {"E": dx.neurons.LIF(10), "P": dx.inputs.PoissonGroup(5, 10.0)},
        {"P2E": dx.Projection("P", "E", conn, 1.0, syn, out)},
    )
    ctx = dx.Context(jnp.zeros(()), 0.1, jnp.zeros((), jnp.int32))
    return net, net.init(), ctx


def lif(**kwargs):
    return lambda: dx.neurons.LIF(3, **kwargs)


def network(populations, projections=None):
    return lambda: dx.Network(populations, projections)


def network_step(input):
    def do():
        net, state, ctx = tiny()
        net.step(state, input, ctx)

    return do


def lif_step(input):
    def do():
        model = dx.neurons.LIF(10)
        model.step(model.init(), input, tiny()[2])

    return do


def projection(**changes):
    conn = dx.connect.from_dense(np.ones((5, 10), bool))
    args = dict(
        pre="P",
        post="E",
        conn=conn,
        weight=1.0,
        synapse=dx.synapses.Exponential(10),
        output=dx.synapses.CUBA(),
    )
    return lambda: dx.Projection(**{**args, **changes})


class NoSpikeState(eqx.Module):
    v: jax.Array


class NoSpikeNeuron(dx.neurons.AbstractNeuron):
    """Declares itself a neuron but keeps no `spike` in its state."""

    n: int = eqx.field(static=True)

    def init(self, key=None):
        return NoSpikeState(jnp.zeros(self.n))

    def step(self, state, input, ctx):
        return state


def simulate(model=None, state=None, **kwargs):
    """A short run of `model` (default: a LIF of 10) with `kwargs`."""

    def do():
        m = dx.neurons.LIF(10) if model is None else model
        dx.simulate(m, m.init() if state is None else state, **{"dt": 0.1, "n_steps": 5, **kwargs})

    return do


def corrupted_csr_run():
    """The reported case: a CSR whose indptr was edited to point far out of range."""
    conn = dx.connect.CSR(indptr=[0, 1, 2], indices=[0, 1], n_post=3)
    conn = eqx.tree_at(lambda c: c.indptr, conn, jnp.array([0, 1, 50_000_000], jnp.int32))
    syn, out = dx.synapses.Exponential(3, tau=5.0), dx.synapses.CUBA()
    net = dx.Network(
        {"S": dx.inputs.PoissonGroup(2, rate=500.0), "N": dx.neurons.LIF(3)},
        {"S2N": dx.Projection("S", "N", conn, weight=1.0, synapse=syn, output=out)},
    )
    dx.simulate(net, net.init(), dt=0.1, n_steps=20, key=jax.random.key(0))


def infinite_initial_voltage():
    model = dx.neurons.LIF(3)
    state = eqx.tree_at(lambda s: s.v, model.init(), jnp.array([0.0, INF, 0.0]))
    dx.simulate(model, state, dt=0.1, n_steps=5, check_finite=True)


def save_then(do):
    """Save a LIF state to a temporary file, then `do(path)`."""
    import tempfile

    def run():
        with tempfile.TemporaryDirectory() as d:
            path = f"{d}/state.ckpt"
            dx.save(path, dx.neurons.LIF(4).init())
            do(path)

    return run


# Spikes recorded with every=10 at dt = 0.1 ms: 1 ms between rows.
SAMPLED = np.zeros((20, 4), bool)
SAMPLED_T = np.arange(1, 21) * 1.0

CASES = [
    # 1. Non-finite parameters and a reset at or above threshold.
    ("lif-nan-v_th", lif(v_th=NAN), ValueError, r"v_th must be finite, got v_th=nan"),
    ("lif-nan-v_rest", lif(v_rest=NAN), ValueError, r"v_rest must be finite"),
    ("lif-nan-v_reset", lif(v_reset=NAN), ValueError, r"v_reset must be finite"),
    ("lif-inf-tau", lif(tau=INF), ValueError, r"tau must be finite, got tau=inf"),
    ("lif-nan-tau", lif(tau=NAN), ValueError, r"tau must be finite"),
    ("lif-inf-R", lif(R=INF), ValueError, r"R must be finite"),
    ("lif-inf-tau_ref", lif(tau_ref=INF), ValueError, r"tau_ref must be finite"),
    ("lif-nan-I_bias-entry", lif(I_bias=[0.0, NAN, 0.0]), ValueError, r"I_bias must be finite"),
    ("lif-inf-v_init", lif(v_init=-INF), ValueError, r"v_init must be finite"),
    ("lif-v_init-shape", lif(v_init=jnp.zeros(2)), ValueError, r"v_init must be a scalar or"),
    (
        "lif-reset-at-threshold",
        lif(v_reset=20.0, v_th=20.0),
        ValueError,
        r"v_reset must be below v_th .*v_reset=20\.0, v_th=20\.0",
    ),
    (
        "lif-reset-above-threshold-one-neuron",
        lif(v_reset=jnp.array([0.0, 25.0, 0.0])),
        ValueError,
        r"v_reset must be below v_th",
    ),
    ("lif-bool-n", lambda: dx.neurons.LIF(True), ValueError, r"n must be a positive int"),
    (
        "exponential-nan-tau",
        lambda: dx.synapses.Exponential(3, NAN),
        ValueError,
        r"tau must be finite",
    ),
    (
        "exponential-tau-shape",
        lambda: dx.synapses.Exponential(3, jnp.ones(2)),
        ValueError,
        r"tau must be a scalar or have shape \(3,\)",
    ),
    (
        "exponential-zero-n",
        lambda: dx.synapses.Exponential(0),
        ValueError,
        r"n must be a positive int",
    ),
    ("coba-inf-E", lambda: dx.synapses.COBA(E=INF), ValueError, r"E must be finite, got E=inf"),
    # 2. Names that no dotted state path can address.
    (
        "network-dotted-population-name",
        network({"E.1": dx.neurons.LIF(3)}),
        ValueError,
        r"population name 'E\.1' is not allowed: .*contain no \"\.\"",
    ),
    (
        "network-dotted-projection-name",
        network({"E": dx.neurons.LIF(3)}, {"to.E": dx.CurrentDrive("E", dx.inputs.Constant(1.0))}),
        ValueError,
        r"projection name 'to\.E' is not allowed",
    ),
    (
        "network-empty-name",
        network({"": dx.neurons.LIF(3)}),
        ValueError,
        r"population name '' is not allowed: names must be non-empty",
    ),
    (
        "network-non-str-name",
        network({1: dx.neurons.LIF(3)}),
        TypeError,
        r"population names must be strings, got an int",
    ),
    (
        "projection-non-str-pre",
        projection(pre=0),
        TypeError,
        r"pre must be the name \(a str\) of a population",
    ),
    # 3. Models in the wrong place.
    (
        "network-lif-as-projection",
        network({"E": dx.neurons.LIF(3)}, {"drive": dx.neurons.LIF(3)}),
        TypeError,
        r"projections\['drive'\] is a LIF, not a projection: .*dx\.Projection.*"
        r"put it in populations=",
    ),
    (
        "network-projection-as-population",
        lambda: dx.Network({"E": dx.neurons.LIF(10), "P2E": projection()()}),
        TypeError,
        r"populations\['P2E'\] is a Projection, not a population.*put it in projections=",
    ),
    (
        "network-synapse-as-population",
        network({"E": dx.synapses.Exponential(3)}),
        TypeError,
        r"populations\['E'\] is an Exponential, not a population.*dx\.Projection",
    ),
    (
        "network-current-source-as-population",
        network({"E": dx.inputs.OUProcess(3, mean=0.0, sigma=1.0, tau=5.0)}),
        TypeError,
        r"populations\['E'\] is an OUProcess, whose output is not a spike vector",
    ),
    (
        "network-neuron-without-spike",
        network({"E": NoSpikeNeuron(3)}),
        TypeError,
        r"populations\['E'\] \(NoSpikeNeuron\): its spikes cannot be read .*`spike`",
    ),
    (
        "network-populations-not-a-dict",
        network([dx.neurons.LIF(3)]),
        TypeError,
        r"populations must be a dict \{name: model\}, got a list",
    ),
    (
        "projection-lif-as-synapse",
        projection(synapse=dx.neurons.LIF(10)),
        TypeError,
        r"synapse must be a dx\.synapses\.AbstractSynapse .*got a LIF",
    ),
    (
        "projection-synapse-as-output",
        projection(output=dx.synapses.Exponential(10)),
        TypeError,
        r"output must be a dx\.synapses\.AbstractOutput .*got an Exponential",
    ),
    # 4. Inputs that are not a dict, or of the wrong width.
    (
        "network-scalar-input",
        network_step(jnp.asarray(5.0)),
        TypeError,
        r"input of a Network must be None or a dict \{population: input\}, got an array "
        r"of shape \(\).*populations are \['E', 'P'\]",
    ),
    (
        "simulate-network-scalar-input",
        lambda: dx.simulate(tiny()[0], tiny()[1], dt=0.1, n_steps=2, inputs=5.0),
        TypeError,
        r"input of a Network must be None or a dict",
    ),
    (
        "network-input-wrong-width",
        network_step({"E": jnp.ones(7)}),
        ValueError,
        r"input\['E'\] of population 'E' \(n=10\) has shape \(7,\); expected a scalar or "
        r"shape \(10,\)",
    ),
    (
        "network-conductance-wrong-width",
        network_step({"E": dx.AffineCurrent(jnp.zeros(10), jnp.ones(7))}),
        ValueError,
        r"input\['E'\] of population 'E' \(n=10\) has shape \(7,\) \(its conductance\)",
    ),
    (
        "network-input-to-spike-source",
        network_step({"P": 1.0}),
        ValueError,
        r"input\['P'\]: population 'P' is a spike source \(PoissonGroup\), which takes no",
    ),
    (
        "network-input-unknown-population",
        network_step({"X": 1.0}),
        ValueError,
        r"input has keys \['X'\] that are not populations",
    ),
    (
        "lif-input-wrong-width",
        lif_step(jnp.ones(7)),
        ValueError,
        r"the input of LIF\(n=10\) has shape \(7,\); expected a scalar or shape \(10,\)",
    ),
    (
        "lif-input-batched",
        lif_step(jnp.ones((2, 10))),
        ValueError,
        r"the input of LIF\(n=10\) has shape \(2, 10\)",
    ),
    (
        "lif-input-not-a-current",
        lif_step({"E": 1.0}),
        TypeError,
        r"the input of LIF\(n=10\) must be None, a number, an array .*got a dict",
    ),
    # 5. Rates of spikes sampled on one step in `every`.
    (
        "firing-rate-of-sampled-spikes",
        lambda: dx.measure.firing_rate(SAMPLED, dt=0.1, t=SAMPLED_T),
        ValueError,
        r"recorded on one step in 10 \(dx\.simulate's every=10\).*every=1",
    ),
    (
        "population-rate-of-sampled-spikes",
        lambda: dx.measure.population_rate(SAMPLED, dt=0.1, t=SAMPLED_T),
        ValueError,
        r"recorded on one step in 10",
    ),
    (
        "firing-rate-of-bool-spikes-without-dt",
        lambda: dx.measure.firing_rate(SAMPLED, t=SAMPLED_T),
        ValueError,
        r"dt is needed: each row of bool spikes holds the spikes of one simulation step",
    ),
    (
        "firing-rate-t-of-another-length",
        lambda: dx.measure.firing_rate(SAMPLED, dt=1.0, t=SAMPLED_T[:5]),
        ValueError,
        r"t must have one time per row of spikes, shape \(20,\), got shape \(5,\)",
    ),
    # 6. simulate: the state, the inputs, the arguments, time.
    (
        "simulate-state-of-another-model",
        simulate(dx.neurons.LIF(200), dx.neurons.LIF(100).init()),
        ValueError,
        r"state 'v' has shape \(100,\) .* model.init\(\) gives shape \(200,\)",
    ),
    (
        "simulate-1d-array-length-n-steps",
        simulate(inputs=jnp.ones(5)),  # 10 neurons, 5 steps: which one is it?
        ValueError,
        r"1-d array .* wrap it as dx\.inputs\.TimeSeries\(values, dt\) .*Constant",
    ),
    (
        "simulate-time-series-of-another-dt",
        simulate(inputs=dx.inputs.TimeSeries(jnp.ones((5, 10)), dt=0.2)),
        ValueError,
        r"TimeSeries with dt=0\.2 ms, but the run has dt=0\.1 ms",
    ),
    (
        "simulate-dict-input-to-a-neuron",
        simulate(inputs={"x": 20}),
        TypeError,
        r"the input of LIF\(n=10\) must be None, a number, an array .*got a dict",
    ),
    (
        "simulate-input-wrong-width",
        simulate(inputs=dx.inputs.Constant(jnp.ones(7))),
        ValueError,
        r"the input of LIF\(n=10\) has shape \(7,\)",
    ),
    ("simulate-monitors-list", simulate(monitors=["v"]), TypeError, r"monitors must be a dict"),
    ("simulate-monitor-unknown-path", simulate(monitors={"x": "u"}), ValueError, r"valid paths"),
    ("simulate-int-key", simulate(key=0), TypeError, r"key must be a JAX PRNG key"),
    ("simulate-t0-off-the-grid", simulate(t0=0.05), ValueError, r"whole number of steps"),
    ("simulate-dt-zero", simulate(dt=0.0), ValueError, r"dt must be a positive"),
    ("simulate-every-not-dividing", simulate(every=3), ValueError, r"every=3 must be"),
    (
        "simulate-infinite-initial-voltage",
        infinite_initial_voltage,
        FloatingPointError,
        r"initial state is non-finite in 'v'",
    ),
    (
        "poisson-rate-above-one-spike-per-step",
        simulate(dx.inputs.PoissonGroup(3, rate=20_000.0), key=jax.random.key(0), inputs=None),
        ValueError,
        r"rate \* dt > 1000",
    ),
    (
        "spike-times-two-in-one-step",
        simulate(dx.inputs.SpikeTimeGroup(2, [1, 1], [1.01, 1.05]), n_steps=20),
        ValueError,
        r"neuron 1 has 2 spikes in the step starting at 1 ms",
    ),
    # 7. Checkpoints.
    (
        "load-like-none",
        save_then(lambda path: dx.load(path, None)),
        TypeError,
        r"like",
    ),
    (
        "load-into-another-shape",
        save_then(lambda path: dx.load(path, dx.neurons.LIF(5).init())),
        ValueError,
        r"cannot load .*state\.ckpt.*'v'",
    ),
    (
        "save-a-string-leaf",
        save_then(lambda path: dx.save(path, {"name": "E"})),
        TypeError,
        r"cannot save .*leaf 'name' is a str",
    ),
    # 8. Connectivity.
    (
        "simulate-corrupted-csr",
        corrupted_csr_run,
        ValueError,
        r"indptr",
    ),
]


@pytest.mark.parametrize("do, error, match", [pytest.param(*row[1:], id=row[0]) for row in CASES])
def test_bad_input_raises_a_clear_error(do, error, match):
    with pytest.raises(error, match=match):
        do()


def test_case_ids_are_unique():
    ids = [row[0] for row in CASES]
    assert len(ids) == len(set(ids))
