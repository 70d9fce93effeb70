"""The transient (A-type) potassium current of thalamic relay neurons (Huguenard &
McCormick 1992)."""

import equinox as eqx
import jax.numpy as jnp

from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._gates import AbstractRelaxingChannel, ATypeState, boltzmann, q10_factor, set_fields


class HuguenardMcCormickPotassiumA(AbstractRelaxingChannel):
    r"""The rapidly inactivating A-type potassium current of thalamic relay neurons
    (Huguenard & McCormick 1992), two populations of channels (60 % and 40 %) that share
    activation kinetics and inactivation curve but differ in activation range and
    inactivation speed:

    $$I_A = g\,\big(0.6\,m_1^4 h_1 + 0.4\,m_2^4 h_2\big)\,(E_K - v),$$
    $$m_{1,\infty} = \frac{1}{1 + e^{-(v + 60)/8.5}},\quad
      m_{2,\infty} = \frac{1}{1 + e^{-(v + 36)/20}},\quad
      \tau_m = \frac{1}{\phi}\Big(0.37 + \frac{1}{e^{(v + 35.82)/19.69} +
      e^{-(v + 79.69)/12.7}}\Big),$$
    $$h_\infty = \frac{1}{1 + e^{(v + 78)/6}},\quad
      \tau_{h_1} = \frac{1}{\phi}\begin{cases}\tau_0(v) & v < -63\\ 19 & v \ge -63
      \end{cases},\quad
      \tau_{h_2} = \frac{1}{\phi}\begin{cases}\tau_0(v) & v < -73\\ 60 & v \ge -73
      \end{cases},$$
    $$\tau_0(v) = \frac{1}{e^{(v + 46.05)/5} + e^{-(v + 238.4)/37.45}},$$

    (ms) with $\phi = Q_{10}^{(T - 23.5)/10}$: the kinetics were measured at room
    temperature in acutely dissociated neurons; the default $Q_{10}$ = 3 from 23.5 °C is
    the scaling of the thalamic models of Destexhe et al. and Bazhenov et al. (Amarillo
    et al. 2014 used 2.8 from 23 °C: `q10=2.8, reference_temperature=23.0`).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 5.
    - `E`: potassium reversal potential (mV); default −105.
    - `temperature`: temperature (°C); default 36.
    - `q10`: $Q_{10}$ of all gates, > 0; default 3.
    - `reference_temperature`: temperature of the published kinetics (°C); default
      23.5.

    ??? cite "Reference"

        Huguenard, J. R., & McCormick, D. A. (1992). Simulation of the currents involved
        in rhythmic oscillations in thalamic relay neurons. *Journal of
        Neurophysiology*, 68(4), 1373–1383.
    """

    g: Array
    E: Array
    temperature: Array
    q10: Array
    reference_temperature: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 5.0,
        *,
        E: ArrayLike = -105.0,
        temperature: ArrayLike = 36.0,
        q10: ArrayLike = 3.0,
        reference_temperature: ArrayLike = 23.5,
    ):
        set_fields(
            self,
            g=g,
            E=E,
            temperature=temperature,
            q10=q10,
            reference_temperature=reference_temperature,
        )
        self.ion = None

    def kinetics(self, v: Array) -> tuple[Array, ...]:
        r"""$(m_{1,\infty}, m_{2,\infty}, \tau_m, h_\infty, \tau_{h_1}, \tau_{h_2})$ at `v`
        (mV; time constants in ms, with the temperature factor)."""
        phi = q10_factor(self.q10, self.temperature, self.reference_temperature)
        m1_inf = boltzmann(v, -60.0, 8.5)
        m2_inf = boltzmann(v, -36.0, 20.0)
        tau_m = 0.37 + 1.0 / (jnp.exp((v + 35.82) / 19.69) + jnp.exp(-(v + 79.69) / 12.7))
        h_inf = boltzmann(v, -78.0, -6.0)
        tau_0 = 1.0 / (jnp.exp((v + 46.05) / 5.0) + jnp.exp(-(v + 238.4) / 37.45))
        tau_h1 = jnp.where(v < -63.0, tau_0, 19.0)
        tau_h2 = jnp.where(v < -73.0, tau_0, 60.0)
        return m1_inf, m2_inf, tau_m / phi, h_inf, tau_h1 / phi, tau_h2 / phi

    def gates(self, v: Array) -> tuple[ATypeState, ATypeState]:
        m1_inf, m2_inf, tau_m, h_inf, tau_h1, tau_h2 = self.kinetics(v)
        return ATypeState(m1_inf, m2_inf, h_inf, h_inf), ATypeState(tau_m, tau_m, tau_h1, tau_h2)

    def current(self, state: ATypeState, v, ions) -> AffineCurrent:
        g = self.g * (0.6 * state.m1**4 * state.h1 + 0.4 * state.m2**4 * state.h2)
        return AffineCurrent(g * self.E, g)
