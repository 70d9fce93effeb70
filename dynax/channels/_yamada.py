"""The slow non-inactivating potassium (M-type) channel of Yamada, Koch & Adams (1989)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel
from ._states import PState


class YamadaPotassium(AbstractChannel):
    r"""The slow, non-inactivating (M-type) potassium channel of Yamada, Koch & Adams
    (1989), which adapts the firing of cortical pyramidal cells:

    $$I_\text{M} = g_\text{M}\,p\,(E_\text{K} - v),\qquad
    \frac{dp}{dt} = \phi\,\frac{p_\infty(v) - p}{\tau_p(v)},$$

    $$p_\infty = \frac{1}{1 + e^{-(v + 35)/10}},\qquad
    \tau_p = \frac{\tau_\text{max}}{3.3\,e^{(v + 35)/20} + e^{-(v + 35)/20}}$$

    (ms, mV); $\tau_p$ peaks at $\tau_\text{max}/(2\sqrt{3.3}) \approx \tau_\text{max}/3.63$
    at $v \approx -46.9$ mV.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 0.07.
    - `E`: reversal potential (mV); default −90.
    - `tau_max`: the time-constant scale (ms), > 0; default 1000.
    - `phi`: temperature factor of the rate, > 0; default 1.

    ??? cite "Reference"

        Yamada, W. M., Koch, C., & Adams, P. R. (1989). Multiple channels and calcium
        dynamics. In C. Koch & I. Segev (Eds.), *Methods in Neuronal Modeling*
        (pp. 97–133). MIT Press.
    """

    g: Array
    E: Array
    tau_max: Array
    phi: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 0.07,
        E: ArrayLike = -90.0,
        tau_max: ArrayLike = 1000.0,
        phi: ArrayLike = 1.0,
    ):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.tau_max = param(tau_max, "tau_max", positive=True)
        self.phi = param(phi, "phi", positive=True)
        self.ion = None

    def p_inf_rate(self, v: Array) -> tuple[Array, Array]:
        r"""$(p_\infty(v), \phi/\tau_p(v))$ (1, 1/ms)."""
        e = jnp.exp((v + 35.0) / 20.0)
        # e^{-(v+35)/10} = 1/e^2; 1/(1 + 1/e^2) stays finite for e = 0 and e = inf.
        p_inf = 1.0 / (1.0 + 1.0 / (e * e))
        rate = self.phi * (3.3 * e + 1.0 / e) / self.tau_max
        return p_inf, rate

    def init(self, v, ions):
        return PState(p=self.p_inf_rate(v)[0])

    def step(self, state, v, ions, dt):
        p_inf, rate = self.p_inf_rate(v)
        return PState(p=p_inf + (state.p - p_inf) * jnp.exp(-dt * rate))

    def derivative(self, state, v, ions):
        p_inf, rate = self.p_inf_rate(v)
        return PState(p=(p_inf - state.p) * rate)

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * state.p
        return AffineCurrent(g * self.E, g)
