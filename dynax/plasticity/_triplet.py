"""Triplet spike-timing-dependent plasticity (Pfister & Gerstner 2006)."""

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._base import AbstractTraceRule, TraceUpdate, check_interaction, scalar

# Pfister & Gerstner (2006), Table 4: (A2+, A3+, A2-, A3-, tau_x, tau_y), with
# tau_+ = 16.8 ms and tau_- = 33.7 ms throughout. tau_x plays no part where A3- = 0 (the
# minimal models); it is set to the full model's value there.
_TABLE = {
    ("visual_cortex", "all_to_all", False): (5e-10, 6.2e-3, 7e-3, 2.3e-4, 101.0, 125.0),
    ("visual_cortex", "all_to_all", True): (0.0, 6.5e-3, 7.1e-3, 0.0, 101.0, 125.0),
    ("visual_cortex", "nearest", False): (8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3, 714.0, 40.0),
    ("visual_cortex", "nearest", True): (0.0, 5e-2, 8e-3, 0.0, 714.0, 40.0),
    ("hippocampal", "all_to_all", False): (6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3, 946.0, 27.0),
    ("hippocampal", "all_to_all", True): (5.3e-3, 8e-3, 3.5e-3, 0.0, 946.0, 40.0),
    ("hippocampal", "nearest", False): (4.6e-3, 9.1e-3, 3e-3, 7.5e-9, 575.0, 47.0),
    ("hippocampal", "nearest", True): (4.6e-3, 9.1e-3, 3e-3, 0.0, 575.0, 48.0),
}


class TripletSTDP(AbstractTraceRule):
    r"""Triplet STDP (Pfister & Gerstner 2006): pair terms plus a potentiation that grows
    with the postsynaptic rate and a depression that grows with the presynaptic rate.

    Presynaptic traces $r_1$ ($\tau_+$), $r_2$ ($\tau_x$) and postsynaptic traces $o_1$
    ($\tau_-$), $o_2$ ($\tau_y$), each jumping at its neuron's spikes (by 1, or to 1
    for `interaction="nearest"`). At a presynaptic spike and at a postsynaptic spike

    $$w \leftarrow w - o_1\,\big(A_2^- + A_3^-\, r_2(t - \epsilon)\big),\qquad
    w \leftarrow w + r_1\,\big(A_2^+ + A_3^+\, o_2(t - \epsilon)\big),$$

    with $r_2$, $o_2$ taken before the spike's own jump. The published fits to slice
    data are the constructors `TripletSTDP.visual_cortex(...)` (Sjöström et al. 2001,
    rat visual cortex L5: pairing frequency dependence) and
    `TripletSTDP.hippocampal(...)` (Wang et al. 2005, hippocampal cultures: triplets
    and quadruplets), each in its all-to-all or nearest-spike form, full or minimal.

    The Sjöström et al. (2001) data the visual-cortex sets were fitted to (normalised
    weight change after 60 pairings, mean ± s.e.m., Pfister & Gerstner 2006, Table 1):
    at 0.1, 10, 20, 40, 50 Hz, Δt = +10 ms: −0.04 ± 0.05, 0.14 ± 0.10, 0.29 ± 0.14,
    0.53 ± 0.11, 0.56 ± 0.26; Δt = −10 ms: −0.29 ± 0.08, −0.41 ± 0.11, −0.34 ± 0.10,
    0.56 ± 0.32, 0.75 ± 0.19.

    **Arguments:**

    - `A2_plus`, `A3_plus`, `A2_minus`, `A3_minus`: amplitudes of the pair and triplet
      terms (units of the weight), ≥ 0.
    - `tau_plus`, `tau_minus`, `tau_x`, `tau_y`: time constants of $r_1$, $o_1$, $r_2$,
      $o_2$ (ms), > 0.
    - `interaction`: `"all_to_all"` or `"nearest"`.

    ??? cite "References"

        Pfister, J.-P., & Gerstner, W. (2006). Triplets of spikes in a model of spike
        timing-dependent plasticity. *J. Neurosci.*, 26(38), 9673–9682.

        Sjöström, P. J., Turrigiano, G. G., & Nelson, S. B. (2001). Rate, timing, and
        cooperativity jointly determine cortical synaptic plasticity. *Neuron*, 32(6),
        1149–1164.

        Wang, H.-X., Gerkin, R. C., Nauen, D. W., & Bi, G.-Q. (2005). Coactivation and
        timing-dependent integration of synaptic potentiation and depression. *Nat.
        Neurosci.*, 8(2), 187–193.
    """

    A2_plus: Array
    A3_plus: Array
    A2_minus: Array
    A3_minus: Array
    tau_plus: Array
    tau_minus: Array
    tau_x: Array
    tau_y: Array
    interaction: str = eqx.field(static=True)

    def __init__(
        self,
        A2_plus: ArrayLike,
        A3_plus: ArrayLike,
        A2_minus: ArrayLike,
        A3_minus: ArrayLike,
        tau_plus: ArrayLike = 16.8,
        tau_minus: ArrayLike = 33.7,
        tau_x: ArrayLike = 101.0,
        tau_y: ArrayLike = 125.0,
        interaction: str = "all_to_all",
    ):
        for name, value in (
            ("A2_plus", A2_plus),
            ("A3_plus", A3_plus),
            ("A2_minus", A2_minus),
            ("A3_minus", A3_minus),
        ):
            setattr(self, name, scalar(value, name, nonnegative=True))
        for name, value in (
            ("tau_plus", tau_plus),
            ("tau_minus", tau_minus),
            ("tau_x", tau_x),
            ("tau_y", tau_y),
        ):
            setattr(self, name, scalar(value, name, positive=True))
        self.interaction = check_interaction(interaction)

    @classmethod
    def visual_cortex(cls, interaction: str = "all_to_all", minimal: bool = True) -> "TripletSTDP":
        """The fit to the visual-cortex data (Sjöström et al. 2001) of Pfister & Gerstner
        (2006), Table 4: all-to-all minimal $A_3^+ = 6.5 \\cdot 10^{-3}$,
        $A_2^- = 7.1 \\cdot 10^{-3}$, $\\tau_y = 125$ ms ($A_2^+ = A_3^- = 0$)."""
        return cls._published("visual_cortex", interaction, minimal)

    @classmethod
    def hippocampal(cls, interaction: str = "all_to_all", minimal: bool = True) -> "TripletSTDP":
        """The fit to the hippocampal data (Wang et al. 2005) of Pfister & Gerstner
        (2006), Table 4: all-to-all minimal $A_2^+ = 5.3 \\cdot 10^{-3}$,
        $A_3^+ = 8 \\cdot 10^{-3}$, $A_2^- = 3.5 \\cdot 10^{-3}$, $\\tau_y = 40$ ms
        ($A_3^- = 0$)."""
        return cls._published("hippocampal", interaction, minimal)

    @classmethod
    def _published(cls, data: str, interaction: str, minimal: bool) -> "TripletSTDP":
        check_interaction(interaction)
        a2p, a3p, a2m, a3m, tau_x, tau_y = _TABLE[(data, interaction, bool(minimal))]
        return cls(a2p, a3p, a2m, a3m, 16.8, 33.7, tau_x, tau_y, interaction)

    def time_constants(self) -> tuple[Array, Array]:
        return jnp.stack([self.tau_plus, self.tau_x]), jnp.stack([self.tau_minus, self.tau_y])

    def at_pre(self, own: Array) -> TraceUpdate:
        # r2 before the spike's own jump (the traces jump after the updates).
        return TraceUpdate(-(self.A2_minus + self.A3_minus * own[1]), partner=0)

    def at_post(self, own: Array) -> TraceUpdate:
        return TraceUpdate(self.A2_plus + self.A3_plus * own[1], partner=0)
