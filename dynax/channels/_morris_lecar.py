"""The calcium and potassium channels of the Morris–Lecar (1981) barnacle muscle fibre
model, in the parametrisation of Rinzel & Ermentrout (1989)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel
from ._states import WState


class MorrisLecarCalcium(AbstractChannel):
    r"""The Morris–Lecar calcium channel, with instantaneous activation and a fixed
    reversal potential:

    $$I_\text{Ca} = g_\text{Ca}\,m_\infty(v)\,(E_\text{Ca} - v),\qquad
    m_\infty(v) = \tfrac12\big(1 + \tanh\tfrac{v - V_1}{V_2}\big).$$

    The affine form of the current at $v$ holds $m_\infty(v)$.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 4.4 (class II; 4.0 for class I).
    - `E`: reversal potential (mV); default 120.
    - `V1`: half-activation potential (mV); default −1.2.
    - `V2`: activation slope (mV), > 0; default 18.

    ??? cite "References"

        Morris, C., & Lecar, H. (1981). Voltage oscillations in the barnacle giant
        muscle fiber. *Biophysical Journal*, 35(1), 193–213.

        Rinzel, J., & Ermentrout, G. B. (1989). Analysis of neural excitability and
        oscillations. In C. Koch & I. Segev (Eds.), *Methods in Neuronal Modeling*
        (pp. 135–169). MIT Press.
    """

    g: Array
    E: Array
    V1: Array
    V2: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 4.4,
        E: ArrayLike = 120.0,
        V1: ArrayLike = -1.2,
        V2: ArrayLike = 18.0,
    ):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.V1 = param(V1, "V1")
        self.V2 = param(V2, "V2", positive=True)
        self.ion = None

    def m_inf(self, v: Array) -> Array:
        """The instantaneous activation $m_\\infty(v)$."""
        return 0.5 * (1.0 + jnp.tanh((v - self.V1) / self.V2))

    def init(self, v, ions):
        return None

    def step(self, state, v, ions, dt):
        return None

    def derivative(self, state, v, ions):
        return None

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * self.m_inf(v)
        return AffineCurrent(g * self.E, g)


class MorrisLecarPotassium(AbstractChannel):
    r"""The Morris–Lecar potassium channel:

    $$I_\text{K} = g_\text{K}\,w\,(E_\text{K} - v),\qquad
    \frac{dw}{dt} = \frac{w_\infty(v) - w}{\tau_w(v)},$$

    $$w_\infty = \tfrac12\big(1 + \tanh\tfrac{v - V_3}{V_4}\big),\qquad
    \tau_w = \frac{1}{\phi\,\cosh\frac{v - V_3}{2 V_4}}$$

    (ms).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 8.
    - `E`: reversal potential (mV); default −84.
    - `V3`: half-activation potential (mV); default 2 (class II; 12 for class I).
    - `V4`: activation slope (mV), > 0; default 30 (class II; 17.4 for class I).
    - `phi`: rate factor (1/ms), > 0; default 0.04 (class II; 1/15 for class I).

    ??? cite "References"

        Morris, C., & Lecar, H. (1981). Voltage oscillations in the barnacle giant
        muscle fiber. *Biophysical Journal*, 35(1), 193–213.

        Rinzel, J., & Ermentrout, G. B. (1989). Analysis of neural excitability and
        oscillations. In C. Koch & I. Segev (Eds.), *Methods in Neuronal Modeling*
        (pp. 135–169). MIT Press.
    """

    g: Array
    E: Array
    V3: Array
    V4: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 8.0,
        E: ArrayLike = -84.0,
        V3: ArrayLike = 2.0,
        V4: ArrayLike = 30.0,
        phi: ArrayLike = 0.04,
    ):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.V3 = param(V3, "V3")
        self.V4 = param(V4, "V4", positive=True)
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def w_inf_rate(self, v: Array) -> tuple[Array, Array]:
        r"""$(w_\infty(v), 1/\tau_w(v))$ (1, 1/ms)."""
        x = (v - self.V3) / self.V4
        w_inf = 0.5 * (1.0 + jnp.tanh(x))
        rate = self.phi * jnp.cosh(0.5 * x)
        return w_inf, rate

    def init(self, v, ions):
        return WState(w=self.w_inf_rate(v)[0])

    def step(self, state, v, ions, dt):
        w_inf, rate = self.w_inf_rate(v)
        return WState(w=w_inf + (state.w - w_inf) * jnp.exp(-dt * rate))

    def derivative(self, state, v, ions):
        w_inf, rate = self.w_inf_rate(v)
        return WState(w=(w_inf - state.w) * rate)

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * state.w
        return AffineCurrent(g * self.E, g)
