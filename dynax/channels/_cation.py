r"""Non-selective cation currents: the hyperpolarisation-activated current $I_h$ of
thalamic relay neurons (Huguenard & McCormick 1992) and the calcium-activated CAN
current of olfactory bulb granule cells (Inoue & Strowbridge 2008)."""

import equinox as eqx
import jax.numpy as jnp

from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._gates import AbstractRelaxingChannel, MState, boltzmann, q10_factor, set_fields


class HuguenardMcCormickIh(AbstractRelaxingChannel):
    r"""The hyperpolarisation-activated cation current $I_h$ of thalamic relay neurons
    (McCormick & Pape 1990, in the form of Huguenard & McCormick 1992):

    $$I_h = g\,m\,(E_h - v),\qquad
      m_\infty = \frac{1}{1 + e^{(v + 75)/5.5}},\qquad
      \tau_m = \frac{1}{\phi}\,\frac{1}{e^{-14.59 - 0.086\,v} + e^{-1.87 + 0.0701\,v}},$$

    ($\tau_m$ in ms) with $\phi = Q_{10}^{(T - 36)/10}$: the data were recorded at
    35.5–36 °C, so $\phi$ = 1 at the default temperature.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 0.02.
    - `E`: reversal potential (mV); default −43.
    - `temperature`: temperature (°C); default 36.
    - `q10`: $Q_{10}$ of the gate, > 0; default 3.
    - `reference_temperature`: temperature of the published kinetics (°C); default 36.

    ??? cite "Reference"

        Huguenard, J. R., & McCormick, D. A. (1992). Simulation of the currents involved
        in rhythmic oscillations in thalamic relay neurons. *Journal of
        Neurophysiology*, 68(4), 1373–1383.

        McCormick, D. A., & Pape, H.-C. (1990). Properties of a hyperpolarization-
        activated cation current and its role in rhythmic oscillation in thalamic relay
        neurones. *The Journal of Physiology*, 431, 291–318.
    """

    g: Array
    E: Array
    temperature: Array
    q10: Array
    reference_temperature: Array
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 0.02,
        *,
        E: ArrayLike = -43.0,
        temperature: ArrayLike = 36.0,
        q10: ArrayLike = 3.0,
        reference_temperature: ArrayLike = 36.0,
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
        r"""$(m_\infty, \tau_m)$ at `v` (mV; $\tau_m$ in ms, with the temperature factor)."""
        phi = q10_factor(self.q10, self.temperature, self.reference_temperature)
        m_inf = boltzmann(v, -75.0, -5.5)
        tau_m = 1.0 / (jnp.exp(-14.59 - 0.086 * v) + jnp.exp(-1.87 + 0.0701 * v))
        return m_inf, tau_m / phi

    def gates(self, v: Array) -> tuple[MState, MState]:
        m_inf, tau_m = self.kinetics(v)
        return MState(m=m_inf), MState(m=tau_m)

    def current(self, state: MState, v, ions) -> AffineCurrent:
        g = self.g * state.m
        return AffineCurrent(g * self.E, g)


class InoueStrowbridgeCAN(AbstractRelaxingChannel):
    r"""The calcium-activated non-selective cation (CAN) current of olfactory bulb
    granule cells (Inoue & Strowbridge 2008), gated by voltage and by intracellular
    calcium:

    $$I_\text{CAN} = g\,\frac{[\mathrm{Ca}]_i}{[\mathrm{Ca}]_i + K_d}\,m\,(E - v),\qquad
      m_\infty = \frac{1}{1 + e^{-(v + 43)/5.2}},\qquad
      \tau_m = \frac{1}{\phi}\Big(1.6 + \frac{2.7}{e^{-(v + 55)/15} + e^{(v + 55)/15}}\Big),$$

    with $\phi = Q_{10}^{(T - T_\text{ref})/10}$ (the published kinetics carry no
    temperature factor: $Q_{10}$ defaults to 1). It reads $[\mathrm{Ca}]_i$ from the
    ion named `calcium` and carries no calcium itself (`ion` is `None`).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 1.
    - `E`: reversal potential (mV); default 10.
    - `K_d`: half-activating calcium concentration (mM), > 0; default 0.2.
    - `temperature`: temperature (°C); default 36.
    - `q10`: $Q_{10}$ of the gate, > 0; default 1.
    - `reference_temperature`: temperature of the published kinetics (°C); default 36.
    - `calcium`: name of the calcium ion in the neuron's `ions`; default `"Ca"`.

    ??? cite "Reference"

        Inoue, T., & Strowbridge, B. W. (2008). Transient activity induces a long-lasting
        increase in the excitability of olfactory bulb interneurons. *Journal of
        Neurophysiology*, 99(1), 187–199.
    """

    g: Array
    E: Array
    K_d: Array
    temperature: Array
    q10: Array
    reference_temperature: Array
    calcium: str = eqx.field(static=True)
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 1.0,
        *,
        E: ArrayLike = 10.0,
        K_d: ArrayLike = 0.2,
        temperature: ArrayLike = 36.0,
        q10: ArrayLike = 1.0,
        reference_temperature: ArrayLike = 36.0,
        calcium: str = "Ca",
    ):
        set_fields(
            self,
            g=g,
            E=E,
            K_d=K_d,
            temperature=temperature,
            q10=q10,
            reference_temperature=reference_temperature,
            calcium=calcium,
        )
        self.ion = None

    def kinetics(self, v: Array) -> tuple[Array, ...]:
        r"""$(m_\infty, \tau_m)$ at `v` (mV; $\tau_m$ in ms, with the temperature factor)."""
        phi = q10_factor(self.q10, self.temperature, self.reference_temperature)
        m_inf = boltzmann(v, -43.0, 5.2)
        tau_m = 1.6 + 2.7 / (jnp.exp(-(v + 55.0) / 15.0) + jnp.exp((v + 55.0) / 15.0))
        return m_inf, tau_m / phi

    def gates(self, v: Array) -> tuple[MState, MState]:
        m_inf, tau_m = self.kinetics(v)
        return MState(m=m_inf), MState(m=tau_m)

    def current(self, state: MState, v, ions) -> AffineCurrent:
        c = ions[self.calcium].c_in
        g = self.g * c / (c + self.K_d) * state.m
        return AffineCurrent(g * self.E, g)
