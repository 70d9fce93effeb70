"""Pair-based spike-timing-dependent plasticity with traces."""

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._base import AbstractTraceRule, TraceUpdate, check_interaction, scalar

WEIGHT_DEPENDENCES = ("additive", "multiplicative")


class PairSTDP(AbstractTraceRule):
    r"""Pair-based STDP: each pair of a presynaptic spike at $t_{pre}$ and a postsynaptic
    spike at $t_{post}$ changes the weight by

    $$\Delta w = \begin{cases} A_+\, e^{-\Delta t/\tau_+} & \Delta t = t_{post} - t_{pre}
    > 0,\\ -A_-\, e^{\Delta t/\tau_-} & \Delta t < 0, \end{cases}$$

    computed online with a presynaptic trace $x$ ($\tau_+$) and a postsynaptic trace
    $y$ ($\tau_-$): a postsynaptic spike adds $A_+ x$ to the weights of its synapses, a
    presynaptic spike subtracts $A_- y$ from its synapses' weights.

    `interaction="all_to_all"` sums over all pairs (the traces add 1 per spike);
    `"nearest"` (symmetric nearest-neighbour) pairs each spike only with the latest
    spike of the other neuron (the traces are reset to 1). `weight_dependence=
    "multiplicative"` scales potentiation by $(w_{max} - w)$ and depression by
    $(w - w_{min})$ (soft bounds), instead of the additive form with hard bounds.
    See `dx.plasticity.AbstractTraceRule` for the order of the updates within a step.

    **Arguments:**

    - `A_plus`, `A_minus`: amplitudes of potentiation and depression (units of the
      weight; per unit of weight range for the multiplicative form), ≥ 0. Defaults of
      Song, Miller & Abbott (2000): 0.005 and 1.05 × 0.005.
    - `tau_plus`, `tau_minus`: time constants of the two sides of the window (ms), > 0.
    - `interaction`: `"all_to_all"` or `"nearest"`.
    - `weight_dependence`: `"additive"` or `"multiplicative"`.

    ??? cite "References"

        Song, S., Miller, K. D., & Abbott, L. F. (2000). Competitive Hebbian learning
        through spike-timing-dependent synaptic plasticity. *Nat. Neurosci.*, 3(9),
        919–926.

        Morrison, A., Diesmann, M., & Gerstner, W. (2008). Phenomenological models of
        synaptic plasticity based on spike timing. *Biol. Cybern.*, 98(6), 459–478.
    """

    A_plus: Array
    A_minus: Array
    tau_plus: Array
    tau_minus: Array
    interaction: str = eqx.field(static=True)
    weight_dependence: str = eqx.field(static=True)

    def __init__(
        self,
        A_plus: ArrayLike = 0.005,
        A_minus: ArrayLike = 0.00525,
        tau_plus: ArrayLike = 20.0,
        tau_minus: ArrayLike = 20.0,
        interaction: str = "all_to_all",
        weight_dependence: str = "additive",
    ):
        self.A_plus = scalar(A_plus, "A_plus", nonnegative=True)
        self.A_minus = scalar(A_minus, "A_minus", nonnegative=True)
        self.tau_plus = scalar(tau_plus, "tau_plus", positive=True)
        self.tau_minus = scalar(tau_minus, "tau_minus", positive=True)
        self.interaction = check_interaction(interaction)
        if weight_dependence not in WEIGHT_DEPENDENCES:
            raise ValueError(
                f"weight_dependence must be one of {WEIGHT_DEPENDENCES}, got {weight_dependence!r}."
            )
        self.weight_dependence = weight_dependence

    def time_constants(self) -> tuple[Array, Array]:
        return jnp.reshape(self.tau_plus, (1,)), jnp.reshape(self.tau_minus, (1,))

    def at_pre(self, own: Array) -> TraceUpdate:
        soft = "lower" if self.weight_dependence == "multiplicative" else "none"
        return TraceUpdate(-self.A_minus, partner=0, soft_bound=soft)

    def at_post(self, own: Array) -> TraceUpdate:
        soft = "upper" if self.weight_dependence == "multiplicative" else "none"
        return TraceUpdate(self.A_plus, partner=0, soft_bound=soft)
