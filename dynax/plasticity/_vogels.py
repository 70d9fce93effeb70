"""Inhibitory spike-timing-dependent plasticity (Vogels et al. 2011)."""

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._base import AbstractTraceRule, TraceUpdate, check_interaction, scalar


class VogelsSprekeler(AbstractTraceRule):
    r"""Inhibitory plasticity that holds the postsynaptic rate at a target $\rho_0$
    (Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011).

    A symmetric window plus a constant depression per presynaptic spike: with traces
    $x_{pre}$, $x_{post}$ of time constant $\tau$ (jumping by 1 at each spike),

    $$\text{pre spike: } w \leftarrow w + \eta\,(x_{post} - \alpha),\qquad
    \text{post spike: } w \leftarrow w + \eta\, x_{pre},\qquad
    \alpha = 2 \rho_0 \tau.$$

    Averaged over uncorrelated spike trains, $\dot w \propto \nu_{pre}(2\tau\nu_{post}
    - \alpha)$: inhibition grows while the postsynaptic neuron fires above $\rho_0$ and
    shrinks below it, so the rate settles at $\rho_0$.

    **Arguments:**

    - `eta`: learning rate $\eta$ (units of the weight), > 0.
    - `rho0`: target postsynaptic rate (Hz), > 0 ($\alpha = 2\rho_0\tau / 1000$ with
      $\tau$ in ms).
    - `tau`: time constant of both traces (ms), > 0; 20 ms in the paper.
    - `interaction`: `"all_to_all"` (the paper's) or `"nearest"`.

    ??? cite "Reference"

        Vogels, T. P., Sprekeler, H., Zenke, F., Clopath, C., & Gerstner, W. (2011).
        Inhibitory plasticity balances excitation and inhibition in sensory pathways
        and memory networks. *Science*, 334(6062), 1569–1573.
    """

    eta: Array
    rho0: Array
    tau: Array
    interaction: str = eqx.field(static=True)

    def __init__(
        self,
        eta: ArrayLike = 1e-3,
        rho0: ArrayLike = 5.0,
        tau: ArrayLike = 20.0,
        interaction: str = "all_to_all",
    ):
        self.eta = scalar(eta, "eta", positive=True)
        self.rho0 = scalar(rho0, "rho0", positive=True)
        self.tau = scalar(tau, "tau", positive=True)
        self.interaction = check_interaction(interaction)

    @property
    def alpha(self) -> Array:
        """The depression per presynaptic spike in trace units, $2\\rho_0\\tau$."""
        return 2.0 * self.rho0 * self.tau / 1000.0

    def time_constants(self) -> tuple[Array, Array]:
        tau = jnp.reshape(self.tau, (1,))
        return tau, tau

    def at_pre(self, own: Array) -> TraceUpdate:
        return TraceUpdate(self.eta, -self.eta * self.alpha, partner=0)

    def at_post(self, own: Array) -> TraceUpdate:
        return TraceUpdate(self.eta, partner=0)
