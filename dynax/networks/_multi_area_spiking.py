"""A spiking multi-area model of macaque cortex: areas that are E/I networks of
Hodgkin–Huxley-type neurons built from ion channels, joined by delayed long-range
projections scaled by the macaque connectome (after Joglekar et al. 2018)."""

from collections.abc import Sequence

import jax
import numpy as np

from .._custom_types import PRNGKeyArray
from .._network import Network
from .._projection import AbstractProjection, Projection
from .._system import name_key
from ..channels import Leak, TraubMilesPotassium, TraubMilesSodium
from ..connect import FixedProb
from ..datasets import MacaqueCortex, load_macaque29
from ..init import Normal
from ..neurons import AbstractPopulation, ConductanceBased
from ..synapses import COBA, Exponential

# 1 nS on the 20 000 µm² membrane of Brette et al.'s (2007) COBAHH neuron, in mS/cm².
_NS = 1e-6 / 20_000e-8


def _neuron(n: int) -> ConductanceBased:
    """Traub & Miles (1991) Na and K channels and a leak on a 20 000 µm² patch: the
    neuron of `dx.networks.cobahh_network`, spiking at upward crossings of −20 mV."""
    channels = {
        "Na": TraubMilesSodium(g=100.0, E=50.0, V_T=-63.0),
        "K": TraubMilesPotassium(g=30.0, E=-90.0, V_T=-63.0),
        "L": Leak(g=0.05, E=-65.0),
    }
    return ConductanceBased(n, channels, C=1.0, v_init=Normal(-65.0, 0.5), v_th=-20.0)


def _area(
    key: PRNGKeyArray,
    n_exc: int,
    n_inh: int,
    gain: float,
    prob: float,
    weights: dict[str, float],
) -> Network:
    """One area: populations "E", "I" and the four local projections."""
    sizes = {"E": n_exc, "I": n_inh}
    populations: dict[str, AbstractPopulation | Network] = {
        "E": _neuron(n_exc),
        "I": _neuron(n_inh),
    }
    projections: dict[str, AbstractProjection] = {}
    for pre in ("E", "I"):
        for post in ("E", "I"):
            name = f"{pre}2{post}"
            if pre == "I":
                weight, tau, output = weights[name], 10.0, COBA(E=-80.0)
            else:  # excitation grows along the hierarchy (Joglekar et al.'s 1 + eta h)
                weight, tau, output = weights[name] * gain, 5.0, COBA(E=0.0)
            conn = FixedProb(prob, include_self=False)(
                sizes[pre], sizes[post], name_key(key, name), same_population=pre == post
            )
            syn = Exponential(sizes[post], tau)
            projections[name] = Projection(pre, post, conn, weight * _NS, syn, output)
    return Network(populations, projections)


def multi_area_spiking(
    areas: Sequence[str] = ("V1", "V2", "V4", "TEO", "TEpd"),
    *,
    key: PRNGKeyArray,
    data: MacaqueCortex | None = None,
    n_exc: int = 160,
    n_inh: int = 40,
    prob: float = 0.2,
    prob_long: float = 0.1,
    eta: float = 0.68,
    w_local: dict[str, float] | None = None,
    w_long_ee: float = 15.0,
    w_long_ie: float = 15.0,
    speed: float = 3.5,
    delay_cv: float = 0.1,
) -> Network:
    r"""A spiking multi-area model: a [`dynax.Network`][] whose populations are the
    areas, each itself a `dx.Network` of excitatory and inhibitory Hodgkin–Huxley-type
    neurons built from ion channels, joined by delayed long-range projections scaled by
    the macaque connectome. It is one pytree from the channel up:
    channel (`dx.channels.TraubMilesSodium`, ...) → neuron (`dx.neurons.ConductanceBased`)
    → network (an area) → system (the areas and the projections between them); the
    state of a gate is at `state["V1"]["E"].channels["Na"].m`, and monitors address
    `"V1.E.v"`, `"V1.E.spike"`, `"V1toV2_E.syn.g"`.

    **Areas.** Each area is a small version of Brette et al.'s (2007) COBAHH network
    (the neuron of [`dynax.networks.cobahh_network`][]: Traub–Miles Na and K channels
    shifted by $V_T = -63$ mV, leak $g_L = 0.05$ mS/cm², $E_L = -60$ mV, on a
    20 000 µm² patch; exponential COBA synapses, $\tau_e = 5$ ms, $E_e = 0$ mV,
    $\tau_i = 10$ ms, $E_i = -80$ mV), with populations `"E"` (`n_exc`) and `"I"`
    (`n_inh`) and projections `"E2E"`, `"E2I"`, `"I2E"`, `"I2I"` (Bernoulli(`prob`)
    connectivity). As in Joglekar et al. (2018), excitatory weights in area $i$ are
    scaled by $1 + \eta h_i$, $h_i$ the area's hierarchical position divided by the
    largest of the 29 areas. The leak reversal is −65 mV rather than COBAHH's −60 mV,
    at which an isolated neuron fires tonically (at about 12 Hz, measured): here the
    resting neurons are silent, so any spike is the response to a stimulus.

    **Long-range projections.** For every ordered pair of areas with
    $\mathrm{FLN}_{ij} > 0$, area $j$'s excitatory neurons project onto area $i$'s
    excitatory and inhibitory neurons (`"{j}to{i}_E"`, `"{j}to{i}_I"`, each connection
    present with probability `prob_long`) with weights
    $(1 + \eta h_i)\,\mathrm{FLN}_{ij}\,w$ ($w$ = `w_long_ee`, `w_long_ie`) and
    per-connection delays drawn from a Gaussian of mean $D_{ij}/v$ ($D_{ij}$ the wiring
    distance, $v$ = `speed` = 3.5 m/s as in the paper's spiking model) and standard
    deviation `delay_cv` times the mean (the paper's 10 %), clipped at 0.

    This is a demonstration of composition sized for a laptop, not Joglekar et al.'s
    spiking model (29 areas of 2 000 LIF neurons each, tuned to the balanced regime):
    the areas are chains of silent conductance-based neurons that a stimulus to the
    first area sets firing, and the response travels up the hierarchy with the
    conduction delays of the connectome (`examples/multi_area.py`).

    **Arguments:**

    - `areas`: names of the areas, from [`dynax.datasets.MacaqueCortex`][]`.areas`
      (default V1, V2, V4, TEO, TEpd: a feedforward chain of the ventral stream).
    - `key`: PRNG key for the connectivity and the delays.
    - `data`: a [`dynax.datasets.MacaqueCortex`][] (default: the packaged data).
    - `n_exc`, `n_inh`: neurons per area.
    - `prob`, `prob_long`: connection probabilities within and between areas.
    - `eta`: the hierarchy's scaling of excitation (0.68).
    - `w_local`: local peak conductances (nS) by projection name, default
      `{"E2E": 0.5, "E2I": 6, "I2E": 60, "I2I": 20}`.
    - `w_long_ee`, `w_long_ie`: long-range peak conductances (nS) before the FLN and
      hierarchy factors.
    - `speed`: conduction speed (m/s = mm/ms).
    - `delay_cv`: standard deviation of the delays relative to their mean.

    ??? cite "References"

        Joglekar, M. R., Mejias, J. F., Yang, G. R., & Wang, X.-J. (2018). Inter-areal
        balanced amplification enhances signal propagation in a large-scale circuit
        model of the primate cortex. *Neuron*, 98(1), 222–234.

        Markov, N. T., Ercsey-Ravasz, M. M., Ribeiro Gomes, A. R., Lamy, C., Magrou, L.,
        Vezoli, J., et al. (2014). A weighted and directed interareal connectivity matrix
        for macaque cerebral cortex. *Cerebral Cortex*, 24(1), 17–36.

        Brette, R., Rudolph, M., Carnevale, T., Hines, M., Beeman, D., Bower, J. M., et
        al. (2007). Simulation of networks of spiking neurons: a review of tools and
        strategies. *J. Comput. Neurosci.*, 23(3), 349–398.
    """
    data = load_macaque29() if data is None else data
    if isinstance(areas, str) or len(areas) == 0:
        raise ValueError(f"areas must be a non-empty sequence of area names, got {areas!r}.")
    if len(set(areas)) != len(areas):
        raise ValueError(f"areas must not repeat a name, got {list(areas)}.")
    index = [data.index(a) for a in areas]
    for name, value in (("speed", speed), ("prob", prob), ("prob_long", prob_long)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {name}={value!r}.")
    if not delay_cv >= 0:
        raise ValueError(f"delay_cv must be non-negative, got delay_cv={delay_cv!r}.")
    weights = {"E2E": 0.5, "E2I": 6.0, "I2E": 60.0, "I2I": 20.0}
    weights.update(w_local or {})
    fln = np.asarray(data.fln, dtype=np.float64)
    distances = np.asarray(data.distances, dtype=np.float64)
    hierarchy = np.asarray(data.hierarchy, dtype=np.float64)
    gain = 1 + eta * hierarchy / hierarchy.max()

    subnets: dict[str, AbstractPopulation | Network] = {
        a: _area(name_key(key, a), n_exc, n_inh, float(gain[i]), prob, weights)
        for a, i in zip(areas, index)
    }
    # Delays from NumPy (seeded by the key): jax.random compiles once per shape, seconds
    # for the many projections here.
    rng = np.random.default_rng(np.asarray(jax.random.key_data(name_key(key, "delays"))))
    long_range: dict[str, AbstractProjection] = {}
    sizes = {"E": n_exc, "I": n_inh}
    for src, j in zip(areas, index):
        for dst, i in zip(areas, index):
            if i == j or fln[i, j] <= 0:
                continue
            for post, w in (("E", w_long_ee), ("I", w_long_ie)):
                name = f"{src}to{dst}_{post}"
                conn = FixedProb(prob_long)(n_exc, sizes[post], name_key(key, name))
                mean = distances[i, j] / speed
                noise = rng.standard_normal(conn.weight_shape)
                delay = np.maximum(mean * (1 + delay_cv * noise), 0.0)
                weight = gain[i] * fln[i, j] * w * _NS
                syn = Exponential(sizes[post], 5.0)
                long_range[name] = Projection(
                    f"{src}.E", f"{dst}.{post}", conn, weight, syn, COBA(E=0.0), delay=delay
                )
    return Network(subnets, long_range)
