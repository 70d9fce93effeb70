"""The sodium and delayed-rectifier potassium channels of Traub & Miles (1991), with the
threshold shift `V_T` of the COBAHH benchmark (Brette et al. 2007) and of the thalamic
cells of Bazhenov et al."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel
from ._rates import alpha_beta_derivative, rush_larsen, x_over_expm1
from ._states import MHState, NState


class TraubMilesSodium(AbstractChannel):
    r"""The fast sodium channel of Traub & Miles (1991), shifted by a threshold `V_T`:
    with $u = v - V_T$ (mV),

    $$I_\text{Na} = g_\text{Na}\,m^3 h\,(E_\text{Na} - v),\qquad
    \frac{dx}{dt} = \phi\,\big(\alpha_x(1 - x) - \beta_x x\big),$$

    $$\alpha_m = \frac{0.32\,(13 - u)}{e^{(13 - u)/4} - 1},\quad
    \beta_m = \frac{0.28\,(u - 40)}{e^{(u - 40)/5} - 1},\quad
    \alpha_h = 0.128\,e^{(17 - u)/18},\quad
    \beta_h = \frac{4}{1 + e^{(40 - u)/5}}$$

    (1/ms). $V_T = -63$ mV is the COBAHH benchmark of Brette et al. (2007) (after
    Destexhe et al. 2001); the thalamic cells of Bazhenov et al. (1998, 2002) use the
    same kinetics with $V_T = -50$ mV and $\phi = 3^{(T - 36)/10}$. $\beta_m$ and
    $\beta_h$ share one exponential.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 100 (COBAHH: 20 µS over
      20 000 µm²).
    - `E`: reversal potential (mV); default 50.
    - `V_T`: threshold shift (mV); default −63.
    - `phi`: temperature factor of the rates, > 0; default 1.

    ??? cite "References"

        Traub, R. D., & Miles, R. (1991). *Neuronal Networks of the Hippocampus*.
        Cambridge University Press.

        Brette, R., et al. (2007). Simulation of networks of spiking neurons: a review
        of tools and strategies. *Journal of Computational Neuroscience*, 23(3),
        349–398 (benchmark 3).

        Bazhenov, M., Timofeev, I., Steriade, M., & Sejnowski, T. J. (2002). Model of
        thalamocortical slow-wave sleep oscillations and transitions to activated
        states. *Journal of Neuroscience*, 22(19), 8691–8704.
    """

    g: Array
    E: Array
    V_T: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 100.0,
        E: ArrayLike = 50.0,
        V_T: ArrayLike = -63.0,
        phi: ArrayLike = 1.0,
    ):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.V_T = param(V_T, "V_T")
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array, Array, Array]:
        r"""$(\alpha_m, \beta_m, \alpha_h, \beta_h)$ at `v` (1/ms, with `phi`)."""
        u = v - self.V_T
        alpha_m = 1.28 * x_over_expm1((13.0 - u) / 4.0)
        x = (u - 40.0) / 5.0
        e = jnp.exp(x)
        beta_m = 1.4 * x_over_expm1(x, e)
        alpha_h = 0.128 * jnp.exp((17.0 - u) / 18.0)
        # 4 / (1 + e^{-x}) written with e = e^{x}: 4 at e = inf, 0 at e = 0, no inf/inf.
        beta_h = 4.0 / (1.0 + 1.0 / e)
        p = self.phi
        return p * alpha_m, p * beta_m, p * alpha_h, p * beta_h

    def init(self, v, ions):
        am, bm, ah, bh = self.rates(v)
        return MHState(m=am / (am + bm), h=ah / (ah + bh))

    def step(self, state, v, ions, dt):
        am, bm, ah, bh = self.rates(v)
        return MHState(m=rush_larsen(state.m, am, bm, dt), h=rush_larsen(state.h, ah, bh, dt))

    def derivative(self, state, v, ions):
        am, bm, ah, bh = self.rates(v)
        return MHState(
            m=alpha_beta_derivative(state.m, am, bm), h=alpha_beta_derivative(state.h, ah, bh)
        )

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * state.m * state.m * state.m * state.h
        return AffineCurrent(g * self.E, g)


class TraubMilesPotassium(AbstractChannel):
    r"""The delayed-rectifier potassium channel of Traub & Miles (1991), shifted by a
    threshold `V_T`: with $u = v - V_T$ (mV),

    $$I_\text{K} = g_\text{K}\,n^4\,(E_\text{K} - v),\qquad
    \frac{dn}{dt} = \phi\,\big(\alpha_n(1 - n) - \beta_n n\big),$$

    $$\alpha_n = \frac{0.032\,(15 - u)}{e^{(15 - u)/5} - 1},\quad
    \beta_n = 0.5\,e^{(10 - u)/40}$$

    (1/ms). $V_T = -63$ mV in the COBAHH benchmark (Brette et al. 2007); −50 mV with
    $\phi = 3^{(T - 36)/10}$ for the delayed rectifier of the thalamic cells of
    Bazhenov et al. (1998, 2002).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 30 (COBAHH: 6 µS over
      20 000 µm²).
    - `E`: reversal potential (mV); default −90.
    - `V_T`: threshold shift (mV); default −63.
    - `phi`: temperature factor of the rates, > 0; default 1.

    ??? cite "References"

        Traub, R. D., & Miles, R. (1991). *Neuronal Networks of the Hippocampus*.
        Cambridge University Press.

        Brette, R., et al. (2007). Simulation of networks of spiking neurons: a review
        of tools and strategies. *Journal of Computational Neuroscience*, 23(3),
        349–398 (benchmark 3).

        Bazhenov, M., Timofeev, I., Steriade, M., & Sejnowski, T. J. (2002). Model of
        thalamocortical slow-wave sleep oscillations and transitions to activated
        states. *Journal of Neuroscience*, 22(19), 8691–8704.
    """

    g: Array
    E: Array
    V_T: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 30.0,
        E: ArrayLike = -90.0,
        V_T: ArrayLike = -63.0,
        phi: ArrayLike = 1.0,
    ):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.V_T = param(V_T, "V_T")
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_n, \beta_n)$ at `v` (1/ms, with `phi`)."""
        u = v - self.V_T
        alpha_n = 0.16 * x_over_expm1((15.0 - u) / 5.0)
        beta_n = 0.5 * jnp.exp((10.0 - u) / 40.0)
        return self.phi * alpha_n, self.phi * beta_n

    def init(self, v, ions):
        an, bn = self.rates(v)
        return NState(n=an / (an + bn))

    def step(self, state, v, ions, dt):
        an, bn = self.rates(v)
        return NState(n=rush_larsen(state.n, an, bn, dt))

    def derivative(self, state, v, ions):
        an, bn = self.rates(v)
        return NState(n=alpha_beta_derivative(state.n, an, bn))

    def current(self, state, v, ions) -> AffineCurrent:
        n2 = state.n * state.n
        g = self.g * n2 * n2
        return AffineCurrent(g * self.E, g)
