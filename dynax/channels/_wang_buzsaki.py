"""The sodium and potassium channels of the Wang & Buzsáki (1996) interneuron."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel
from ._rates import alpha_beta_derivative, rush_larsen, x_over_expm1
from ._states import HState, NState


class WangBuzsakiSodium(AbstractChannel):
    r"""The sodium channel of the Wang–Buzsáki hippocampal interneuron, with
    instantaneous activation:

    $$I_\text{Na} = g_\text{Na}\,m_\infty(v)^3 h\,(E_\text{Na} - v),\quad
    m_\infty = \frac{\alpha_m}{\alpha_m + \beta_m},\quad
    \frac{dh}{dt} = \phi\,\big(\alpha_h(1 - h) - \beta_h h\big),$$

    $$\alpha_m = \frac{0.1\,(v + 35)}{1 - e^{-(v + 35)/10}},\quad
    \beta_m = 4\,e^{-(v + 60)/18},\quad
    \alpha_h = 0.07\,e^{-(v + 58)/20},\quad
    \beta_h = \frac{1}{1 + e^{-(v + 28)/10}}$$

    (1/ms, mV). The affine form of the current at $v$ holds $m_\infty(v)$.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 35.
    - `E`: reversal potential (mV); default 55.
    - `phi`: temperature factor of the inactivation rates, > 0; default 5.

    ??? cite "Reference"

        Wang, X.-J., & Buzsáki, G. (1996). Gamma oscillation by synaptic inhibition in
        a hippocampal interneuronal network model. *Journal of Neuroscience*, 16(20),
        6402–6413.
    """

    g: Array
    E: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 35.0, E: ArrayLike = 55.0, phi: ArrayLike = 5.0):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def m_inf(self, v: Array) -> Array:
        """The instantaneous activation $m_\\infty(v)$."""
        alpha_m = x_over_expm1(-(v + 35.0) / 10.0)
        beta_m = 4.0 * jnp.exp(-(v + 60.0) / 18.0)
        return alpha_m / (alpha_m + beta_m)

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_h, \beta_h)$ at `v` (1/ms, with `phi`)."""
        alpha_h = 0.07 * jnp.exp(-(v + 58.0) / 20.0)
        beta_h = 1.0 / (1.0 + jnp.exp(-(v + 28.0) / 10.0))
        return self.phi * alpha_h, self.phi * beta_h

    def init(self, v, ions):
        ah, bh = self.rates(v)
        return HState(h=ah / (ah + bh))

    def step(self, state, v, ions, dt):
        ah, bh = self.rates(v)
        return HState(h=rush_larsen(state.h, ah, bh, dt))

    def derivative(self, state, v, ions):
        ah, bh = self.rates(v)
        return HState(h=alpha_beta_derivative(state.h, ah, bh))

    def current(self, state, v, ions) -> AffineCurrent:
        m = self.m_inf(v)
        g = self.g * m * m * m * state.h
        return AffineCurrent(g * self.E, g)


class WangBuzsakiPotassium(AbstractChannel):
    r"""The delayed-rectifier potassium channel of the Wang–Buzsáki interneuron:

    $$I_\text{K} = g_\text{K}\,n^4 (E_\text{K} - v),\quad
    \frac{dn}{dt} = \phi\,\big(\alpha_n(1 - n) - \beta_n n\big),\quad
    \alpha_n = \frac{0.01\,(v + 34)}{1 - e^{-(v + 34)/10}},\quad
    \beta_n = 0.125\,e^{-(v + 44)/80}$$

    (1/ms, mV).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 9.
    - `E`: reversal potential (mV); default −90.
    - `phi`: temperature factor of the rates, > 0; default 5.

    ??? cite "Reference"

        Wang, X.-J., & Buzsáki, G. (1996). Gamma oscillation by synaptic inhibition in
        a hippocampal interneuronal network model. *Journal of Neuroscience*, 16(20),
        6402–6413.
    """

    g: Array
    E: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 9.0, E: ArrayLike = -90.0, phi: ArrayLike = 5.0):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_n, \beta_n)$ at `v` (1/ms, with `phi`)."""
        alpha_n = 0.1 * x_over_expm1(-(v + 34.0) / 10.0)
        beta_n = 0.125 * jnp.exp(-(v + 44.0) / 80.0)
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
