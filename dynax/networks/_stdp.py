"""The COBA network with spike-timing-dependent plasticity on its E→E synapses."""

from .._custom_types import PRNGKeyArray
from .._network import Network
from .._projection import Projection
from ..connect import CSR
from ..plasticity import AbstractRule, PairSTDP, PlasticProjection
from ..synapses import AbstractSynapse
from ._ei import coba_network


def coba_stdp_network(
    n_exc: int = 3200,
    n_inh: int = 800,
    *,
    key: PRNGKeyArray,
    prob: float | None = None,
    kernel: str = "auto",
    we: float = 0.6,
    wi: float = 6.7,
    rule: AbstractRule | None = None,
    w_max: float = 1.2,
) -> Network:
    r"""The COBA network of `dx.networks.coba_network` (Vogels & Abbott 2005; Brette et al.
    2007, benchmark 1) with its E→E synapses plastic: a `dx.plasticity.PlasticProjection`
    with pair-based STDP in place of the fixed `"E2E"` projection.

    The network, its connectivity (the same `key` draws the same synapses) and the
    other three projections are those of `coba_network`; every E→E weight starts at
    `we` and then follows `rule`, clipped to `[0, w_max]`. The default rule is
    `dx.plasticity.PairSTDP(A_plus=0.01 * we, A_minus=1.05 * 0.01 * we,
    tau_plus=tau_minus=20 ms)` (additive, all-to-all; Song, Miller & Abbott 2000
    scaled to the weights), whose slight excess of depression keeps the irregular
    firing stable. The E→E updates are event-driven: a step costs O(excitatory spikes
    × fan-out) for the weight changes, as for the propagation.

    **Arguments:**

    - `n_exc`, `n_inh`, `key`, `prob`, `kernel`, `we`, `wi`: as for `coba_network`
      (stored CSR connectivity only; `kernel` applies to the three fixed projections).
    - `rule`: the E→E learning rule, a `dx.plasticity.AbstractRule` (default above).
    - `w_max`: upper bound of the E→E weights (leak-conductance units), > 0.

    The plastic projection is `"E2E"`; its weights are `state["E2E"].w`.

    ??? cite "References"

        Vogels, T. P., & Abbott, L. F. (2005). Signal propagation and logic gating in
        networks of integrate-and-fire neurons. *J. Neurosci.*, 25(46), 10786–10795.

        Song, S., Miller, K. D., & Abbott, L. F. (2000). Competitive Hebbian learning
        through spike-timing-dependent synaptic plasticity. *Nat. Neurosci.*, 3(9),
        919–926.
    """
    net = coba_network(n_exc, n_inh, key=key, prob=prob, kernel=kernel, we=we, wi=wi)
    fixed = net.projections["E2E"]
    assert isinstance(fixed, Projection) and isinstance(fixed.conn, CSR)
    assert isinstance(fixed.synapse, AbstractSynapse)
    if rule is None:
        rule = PairSTDP(0.01 * we, 0.0105 * we, 20.0, 20.0)
    plastic = PlasticProjection(
        "E",
        "E",
        fixed.conn,
        fixed.weight,
        rule,
        fixed.synapse,
        fixed.output,
        w_min=0.0,
        w_max=w_max,
    )
    projections = dict(net.projections)
    projections["E2E"] = plastic
    return Network(net.populations, projections)
