"""Threshold-linear rate units."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_values, param, to_float
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class ThresholdLinearState(eqx.Module):
    """State of [`dynax.rates.ThresholdLinear`][]: the rate `r` of each unit, `(n,)`,
    and the noise's state (`None` without noise)."""

    r: Float[Array, " n"]
    noise: OUState | None = None


class ThresholdLinear(AbstractRateModel):
    r"""`n` threshold-linear rate units, optionally saturating:

    $$\tau\frac{dr}{dt} = -r + \min\bigl(g\,[I - \theta]_+,\ r_\text{max}\bigr),
    \qquad [u]_+ = \max(u, 0).$$

    With a constant input the rate relaxes exponentially to the steady state,
    $r(t) = r_\infty + (r_0 - r_\infty)e^{-t/\tau}$,
    $r_\infty = \min(g[I - \theta]_+, r_\text{max})$; the default method, exponential
    Euler, is that solution exactly for any `dt` (the input held over the step). The
    input $I$ (and the noise) is the unit's total input; recurrent networks of these
    units are the classic models of working memory, line attractors and inhibition-
    stabilised networks. `output` is $r$.

    Units: time in ms; $r$ in Hz (or any rate unit); $I$ and $\theta$ in the input's
    unit, $g$ in rate per input unit.

    **Arguments:**

    - `n`: number of units.
    - `tau`: time constant (ms, > 0); default 10.
    - `gain`: slope $g$ above threshold (≥ 0); default 1.
    - `theta`: threshold; default 0.
    - `r_max`: saturation rate (> 0); default `inf` (no saturation).
    - `r0`: initial rate; default 0.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $I$.
    - `method`: an ODE method or its name; default `"exp_euler"` (exact for a constant
      input).

    ??? cite "References"

        Hahnloser, R. H. R., Sarpeshkar, R., Mahowald, M. A., Douglas, R. J., &
        Seung, H. S. (2000). Digital selection and analogue amplification coexist in a
        cortex-inspired silicon circuit. *Nature*, 405, 947–951.

        Dayan, P., & Abbott, L. F. (2001). *Theoretical Neuroscience*, chapter 7. MIT
        Press.
    """

    n: int = eqx.field(static=True)
    tau: Array
    gain: Array
    theta: Array
    r_max: Array
    r0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 10.0,
        gain: ArrayLike = 1.0,
        theta: ArrayLike = 0.0,
        r_max: ArrayLike = float("inf"),
        r0: ArrayLike = 0.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "exp_euler",
    ):
        r_max = to_float(r_max, "r_max")
        if r_max.shape not in ((), (n,)):
            raise ValueError(
                f"r_max must be a scalar or have shape ({n},), got shape {r_max.shape}."
            )
        # inf is allowed (no saturation), NaN and non-positive values are not
        check_values(r_max, "r_max", finite=False, positive=True)
        setup(
            self,
            n,
            noise,
            method,
            tau=param(tau, "tau", positive=True, n=n),
            gain=param(gain, "gain", nonnegative=True, n=n),
            theta=param(theta, "theta", n=n),
            r_max=r_max,
            r0=param(r0, "r0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> ThresholdLinearState:
        return ThresholdLinearState(
            r=node_array(self.r0, self.n, self.tau.dtype), noise=self.noise_init(key)
        )

    def transfer(self, I: Array) -> Array:  # noqa: E741
        """The steady-state rate $\\min(g[I - \\theta]_+, r_\\text{max})$ at input `I`."""
        return jnp.minimum(self.gain * jnp.maximum(I - self.theta, 0), self.r_max)

    def vector_field(self, t: Any, y: ThresholdLinearState, args: Any) -> ThresholdLinearState:
        I = jnp.zeros((), y.r.dtype) if args is None else args  # noqa: E741
        return ThresholdLinearState(r=(self.transfer(I) - y.r) / self.tau)

    def output(self, state: ThresholdLinearState) -> Float[Array, " n"]:
        return state.r
