"""The Balloon–Windkessel haemodynamic model: BOLD signal from neural activity."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._checks import concrete, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class BalloonWindkesselState(eqx.Module):
    """State of [`dynax.rates.BalloonWindkessel`][], `(n,)` each: the vasodilatory
    signal `s` (1/ms) and the logarithms of the normalised blood inflow `log_f`, venous
    volume `log_v` and deoxyhaemoglobin content `log_q` (all 0 at rest); and the noise's
    state (`None` without noise)."""

    s: Float[Array, " n"]
    log_f: Float[Array, " n"]
    log_v: Float[Array, " n"]
    log_q: Float[Array, " n"]
    noise: OUState | None = None


class BalloonWindkessel(AbstractRateModel):
    r"""`n` regions' haemodynamics: the BOLD signal that neural activity $z(t)$ (the
    input) causes through blood flow, volume and deoxyhaemoglobin (the Balloon model of
    Buxton et al. 1998 with the flow equations of Friston et al. 2000, as in Friston,
    Harrison & Penny 2003):

    $$\dot s = \varepsilon z - \kappa s - \gamma(f - 1),\qquad \dot f = s,\qquad
    \tau\dot v = f - v^{1/\alpha},\qquad
    \tau\dot q = \frac{f\,E(f, \rho)}{\rho} - v^{1/\alpha}\frac{q}{v},$$

    with $E(f, \rho) = 1 - (1 - \rho)^{1/f}$ the oxygen extraction fraction, and the
    BOLD signal (a fraction: multiply by 100 for percent signal change)

    $$y = V_0\,\bigl[k_1(1 - q) + k_2(1 - q/v) + k_3(1 - v)\bigr].$$

    The state holds $s$ and $\ln f$, $\ln v$, $\ln q$ (the equations above divided by
    $f$, $v$, $q$), as Stephan et al. (2007) do, so that flow, volume and content stay
    positive whatever the step (an input so negative that it stops the flow, $f \to 0$,
    leaves the model's domain in either form). At rest $s = 0$, $f = v = q = 1$ and
    $y = 0$; a constant input $z$ leads to $f = 1 + \varepsilon z/\gamma$,
    $v = f^\alpha$, $q = v E(f, \rho)/\rho$. `output` is $y$.

    Time is in ms, so the published rates are converted: $\kappa$ = 0.65 /s
    = 0.65·10⁻³ /ms, $\gamma$ = 0.41 /s² = 0.41·10⁻⁶ /ms², $\tau$ = 0.98 s = 980 ms
    (Friston et al. 2000, 2003; $\alpha = 0.32$, $\rho = 0.34$, $V_0 = 0.02$). The
    default BOLD coefficients are the classic ones of Friston et al. (2000, 2003),
    $k_1 = 7\rho$, $k_2 = 2$, $k_3 = 2\rho - 0.2$. Stephan et al. (2007) derived
    field-strength dependent ones, $k_1 = 4.3\,\vartheta_0\rho\,TE$,
    $k_2 = \epsilon r_0\rho\,TE$, $k_3 = 1 - \epsilon$ (at 1.5 T: $\vartheta_0$ = 40.3 /s,
    $r_0$ = 25 /s, $TE$ = 0.04 s, $\epsilon$ = 1, with $\rho$ = 0.34: $k_1 = 2.36$,
    $k_2 = 0.34$, $k_3 = 0$): pass them as `k1`, `k2`, `k3`. The response to a brief
    pulse of input peaks 2.9 s after it with the defaults (an undershoot follows, deepest
    at 9.1 s), and 4.1 s after it with Stephan et al.'s priors ($\kappa$ = 0.64 /s,
    $\gamma$ = 0.32 /s², $\tau$ = 2 s, $\rho$ = 0.4).

    The input's unit is set by $\varepsilon$ (1/ms² per unit of input): the default
    $10^{-6}$ makes an input of 1 Friston's $z = 1$ (with $\varepsilon = 1$ /s²). To
    drive it with a firing rate in Hz, say, choose $\varepsilon$ so that the rates'
    range gives flow changes of tens of percent ($f - 1 = \varepsilon z/\gamma$).

    **Arguments:**

    - `n`: number of regions.
    - `kappa`: rate of signal decay $\kappa$ (1/ms); default 0.65·10⁻³.
    - `gamma`: rate of flow-dependent elimination $\gamma$ (1/ms²); default 0.41·10⁻⁶.
    - `tau`: haemodynamic transit time $\tau$ (ms); default 980.
    - `alpha`: Grubb's vessel stiffness exponent $\alpha$; default 0.32.
    - `rho`: resting oxygen extraction fraction $\rho$, in (0, 1); default 0.34.
    - `V0`: resting venous blood volume fraction $V_0$; default 0.02.
    - `k1`, `k2`, `k3`: BOLD coefficients; default $7\rho$, 2, $2\rho - 0.2$.
    - `epsilon`: efficacy of the input $\varepsilon$ (1/ms² per unit of input); default
      10⁻⁶.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $z$.
    - `method`: an ODE method or its name; default `"rk4"` (the haemodynamics are slow:
      a step of 10 ms is accurate to ~10⁻⁶ of the response).

    ??? cite "Reference"

        Buxton, R. B., Wong, E. C., & Frank, L. R. (1998). Dynamics of blood flow and
        oxygenation changes during brain activation: the balloon model. *Magnetic
        Resonance in Medicine*, 39(6), 855–864.

        Friston, K. J., Mechelli, A., Turner, R., & Price, C. J. (2000). Nonlinear
        responses in fMRI: the Balloon model, Volterra kernels, and other
        hemodynamics. *NeuroImage*, 12(4), 466–477.

        Friston, K. J., Harrison, L., & Penny, W. (2003). Dynamic causal modelling.
        *NeuroImage*, 19(4), 1273–1302.

        Stephan, K. E., Weiskopf, N., Drysdale, P. M., Robinson, P. A., & Friston, K. J.
        (2007). Comparing hemodynamic models with DCM. *NeuroImage*, 38(3), 387–401.
    """

    n: int = eqx.field(static=True)
    kappa: Array
    gamma: Array
    tau: Array
    alpha: Array
    rho: Array
    V0: Array
    k1: Array
    k2: Array
    k3: Array
    epsilon: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        kappa: ArrayLike = 0.65e-3,
        gamma: ArrayLike = 0.41e-6,
        tau: ArrayLike = 980.0,
        alpha: ArrayLike = 0.32,
        rho: ArrayLike = 0.34,
        V0: ArrayLike = 0.02,
        k1: ArrayLike | None = None,
        k2: ArrayLike = 2.0,
        k3: ArrayLike | None = None,
        epsilon: ArrayLike = 1e-6,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        rho_ = param(rho, "rho", positive=True, n=n)
        value = concrete(rho_)
        if value is not None and not np.all(value < 1):
            raise ValueError(f"rho is a fraction and must be below 1, got rho={rho!r}.")
        setup(
            self,
            n,
            noise,
            method,
            kappa=param(kappa, "kappa", positive=True, n=n),
            gamma=param(gamma, "gamma", positive=True, n=n),
            tau=param(tau, "tau", positive=True, n=n),
            alpha=param(alpha, "alpha", positive=True, n=n),
            rho=rho_,
            V0=param(V0, "V0", nonnegative=True, n=n),
            k1=param(7 * rho_ if k1 is None else k1, "k1", n=n),
            k2=param(k2, "k2", n=n),
            k3=param(2 * rho_ - 0.2 if k3 is None else k3, "k3", n=n),
            epsilon=param(epsilon, "epsilon", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> BalloonWindkesselState:
        zero = node_array(0.0, self.n, self.tau.dtype)
        return BalloonWindkesselState(
            s=zero, log_f=zero, log_v=zero, log_q=zero, noise=self.noise_init(key)
        )

    def vector_field(self, t: Any, y: BalloonWindkesselState, args: Any) -> BalloonWindkesselState:
        f = jnp.exp(y.log_f)
        ds = -self.kappa * y.s - self.gamma * (f - 1)
        if args is not None:
            ds = ds + self.epsilon * args
        # 1 - (1 - rho)^(1/f), accurate for small rho
        extraction = -jnp.expm1(jnp.log1p(-self.rho) / f)
        outflow = jnp.exp(y.log_v * (1 / self.alpha - 1))  # v^(1/alpha) / v
        return BalloonWindkesselState(
            s=ds,
            log_f=y.s / f,
            log_v=(jnp.exp(y.log_f - y.log_v) - outflow) / self.tau,
            log_q=(jnp.exp(y.log_f - y.log_q) * extraction / self.rho - outflow) / self.tau,
        )

    def output(self, state: BalloonWindkesselState) -> Float[Array, " n"]:
        v, q = jnp.exp(state.log_v), jnp.exp(state.log_q)
        return self.V0 * (self.k1 * (1 - q) + self.k2 * (1 - q / v) + self.k3 * (1 - v))
