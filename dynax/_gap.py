"""Gap junctions: electrical coupling, a projection that reads membrane potentials."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from ._current import AffineCurrent
from ._custom_types import Array, PRNGKeyArray
from ._projection import AbstractElectricalProjection
from ._system import Context
from .connect import AbstractConnectivity


class GapJunctionState(eqx.Module):
    """Per postsynaptic neuron, `(n_post,)`: `coupled`, $\\sum_j g_{ij} v_j$ over its
    partners' potentials of the previous step; `total`, $\\sum_j g_{ij}$."""

    coupled: Array
    total: Array


class GapJunction(AbstractElectricalProjection):
    r"""Electrical synapses (gap junctions) from population `pre` onto `post`:

    $$I_i = \sum_j g_{ij}\,(v_j - v_i),$$

    an ohmic current through each junction $j \to i$ of conductance $g_{ij}$. It is
    affine in the postsynaptic potential $v_i$ (`AffineCurrent(Σ g v_j, Σ g)`), so a
    neuron integrating with exponential Euler takes it exactly over a step; the
    partners' potentials are those of the previous step, as spikes are for chemical
    synapses.

    A junction conducts both ways. Within one population (`pre == post`) give a
    symmetric connectivity (each pair in both directions) and the coupling is
    bidirectional; between two populations add the reverse projection with
    the transposed connectivity.

    **Arguments:**

    - `pre`, `post`: names of the populations in the enclosing `Network` (neurons with
      a membrane potential, `dx.neurons.AbstractNeuron`).
    - `conn`: connectivity `(n_pre, n_post)`, any `dx.connect.AbstractConnectivity`.
    - `weight`: the conductance of each junction, a scalar or one per connection (in the
      neuron's conductance units: leak-conductance units for `LIF` with `R = 1`,
      mS/cm² for conductance-based neurons).

    ??? cite "Reference"

        Bennett, M. V. L., & Zukin, R. S. (2004). Electrical coupling and neuronal
        synchronization in the mammalian brain. *Neuron*, 41(4), 495–511.
    """

    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    conn: AbstractConnectivity
    weight: Any

    def __init__(self, pre: str, post: str, conn: AbstractConnectivity, weight: Any):
        if not isinstance(conn, AbstractConnectivity):
            raise TypeError(
                f"conn must be a dx.connect.AbstractConnectivity, got {type(conn).__name__}."
            )
        self.pre, self.post, self.conn = pre, post, conn
        self.weight = conn.check_weight(weight)

    def sizes(self) -> tuple[int, int]:
        return self.conn.n_pre, self.conn.n_post

    def init(self, key: PRNGKeyArray | None = None) -> GapJunctionState:
        zeros = jnp.zeros(self.conn.n_post, self.weight.dtype)
        return GapJunctionState(coupled=zeros, total=zeros)

    def step(self, state: GapJunctionState, input: Array, ctx: Context) -> GapJunctionState:
        """Advance with `input`, the potentials of `pre` (mV) of the previous step."""
        coupled = self.conn.matvec(input, self.weight)
        total = self.conn.matvec(jnp.ones_like(input), self.weight)
        return GapJunctionState(coupled=coupled, total=total)

    def current(self, state: GapJunctionState) -> AffineCurrent:
        return AffineCurrent(state.coupled, state.total)
