"""The sodium and potassium channels of Hodgkin & Huxley (1952)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel
from ._rates import alpha_beta_derivative, rush_larsen, x_over_expm1
from ._states import MHState, NState


class HHSodium(AbstractChannel):
    r"""The sodium channel of the squid giant axon (Hodgkin & Huxley 1952), in the
    modern convention (rest at −65 mV, depolarisation positive):

    $$I_\text{Na} = g_\text{Na}\,m^3 h\,(E_\text{Na} - v),\qquad
    \frac{dx}{dt} = \phi\,\big(\alpha_x(v)(1 - x) - \beta_x(v)\,x\big),\ x \in \{m, h\},$$

    $$\alpha_m = \frac{0.1\,(v + 40)}{1 - e^{-(v + 40)/10}},\quad
    \beta_m = 4\,e^{-(v + 65)/18},\quad
    \alpha_h = 0.07\,e^{-(v + 65)/20},\quad
    \beta_h = \frac{1}{1 + e^{-(v + 35)/10}}$$

    (rates in 1/ms, $v$ in mV; $\alpha_m$ is evaluated safely at $v = -40$ mV).
    $x_\infty = \alpha_x/(\alpha_x + \beta_x)$, $\tau_x = 1/(\phi(\alpha_x + \beta_x))$.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 120.
    - `E`: reversal potential (mV); default 50.
    - `phi`: temperature factor multiplying the rates, > 0 ($3^{(T - 6.3)/10}$ for a
      temperature $T$ in °C); default 1 (6.3 °C).

    ??? cite "Reference"

        Hodgkin, A. L., & Huxley, A. F. (1952). A quantitative description of membrane
        current and its application to conduction and excitation in nerve.
        *The Journal of Physiology*, 117(4), 500–544.
    """

    g: Array
    E: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 120.0, E: ArrayLike = 50.0, phi: ArrayLike = 1.0):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array, Array, Array]:
        r"""$(\alpha_m, \beta_m, \alpha_h, \beta_h)$ at `v` (1/ms, with `phi`)."""
        alpha_m = x_over_expm1(-(v + 40.0) / 10.0)
        beta_m = 4.0 * jnp.exp(-(v + 65.0) / 18.0)
        alpha_h = 0.07 * jnp.exp(-(v + 65.0) / 20.0)
        beta_h = 1.0 / (1.0 + jnp.exp(-(v + 35.0) / 10.0))
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


class HHPotassium(AbstractChannel):
    r"""The delayed-rectifier potassium channel of the squid giant axon (Hodgkin &
    Huxley 1952), in the modern convention (rest at −65 mV):

    $$I_\text{K} = g_\text{K}\,n^4\,(E_\text{K} - v),\qquad
    \frac{dn}{dt} = \phi\,\big(\alpha_n(v)(1 - n) - \beta_n(v)\,n\big),$$

    $$\alpha_n = \frac{0.01\,(v + 55)}{1 - e^{-(v + 55)/10}},\quad
    \beta_n = 0.125\,e^{-(v + 65)/80}$$

    (1/ms, mV; $\alpha_n$ is evaluated safely at $v = -55$ mV).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 36.
    - `E`: reversal potential (mV); default −77.
    - `phi`: temperature factor multiplying the rates, > 0; default 1 (6.3 °C).

    ??? cite "Reference"

        Hodgkin, A. L., & Huxley, A. F. (1952). A quantitative description of membrane
        current and its application to conduction and excitation in nerve.
        *The Journal of Physiology*, 117(4), 500–544.
    """

    g: Array
    E: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 36.0, E: ArrayLike = -77.0, phi: ArrayLike = 1.0):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_n, \beta_n)$ at `v` (1/ms, with `phi`)."""
        alpha_n = 0.1 * x_over_expm1(-(v + 55.0) / 10.0)
        beta_n = 0.125 * jnp.exp(-(v + 65.0) / 80.0)
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
