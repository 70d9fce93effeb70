r"""High-voltage-activated calcium channels: the high-threshold current of neocortical
neurons (Reuveni et al. 1993) and the L-type current of olfactory bulb granule cells
(Inoue & Strowbridge 2008)."""

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._calcium_channel import AbstractCalciumM2H
from ._driving import AbstractDrivingForce, Ohmic
from ._gates import boltzmann, q10_factor, set_fields
from ._rates import x_over_expm1


class ReuveniCalciumHVA(AbstractCalciumM2H):
    r"""The high-threshold calcium current of neocortical pyramidal neurons (Reuveni,
    Friedman, Amitai & Gutnick 1993), as used in the cortical cells of Mainen &
    Sejnowski (1996) and Bazhenov et al. (1998, 2002):

    $$I_\text{HVA} = g\,m^2 h\,(E_\text{Ca} - v),\qquad
      \frac{dx}{dt} = \phi\,\big(\alpha_x(1 - x) - \beta_x x\big),$$
    $$\alpha_m = \frac{0.055\,(-27 - V)}{e^{(-27 - V)/3.8} - 1},\qquad
      \beta_m = 0.94\,e^{(-75 - V)/17},$$
    $$\alpha_h = 0.000457\,e^{(-13 - V)/50},\qquad
      \beta_h = \frac{0.0065}{e^{(-V - 15)/28} + 1},$$

    (rates in 1/ms) with $V = v + $ `v_shift` and $\phi = Q_{10}^{(T - 23)/10}$,
    $Q_{10}$ = 2.3. $\alpha_m$ is evaluated without its 0/0 at $V = -27$ mV. `g` is the
    conductance at `temperature` (Mainen & Sejnowski also scaled it by $\phi$; here that
    is left to the value of `g`). The current is `driving`'s (`Ohmic()` as written, or
    `GHK()`).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 0.1.
    - `v_shift`: shift of all voltage dependences (mV); default 0.
    - `temperature`: temperature (°C); default 36.
    - `q10`: $Q_{10}$ of both gates, > 0; default 2.3.
    - `reference_temperature`: temperature of the published kinetics (°C); default 23.
    - `driving`: a [`dynax.channels.AbstractDrivingForce`][]; default `Ohmic()`.
    - `ion`: name of the calcium ion in the neuron's `ions`; default `"Ca"`.

    ??? cite "Reference"

        Reuveni, I., Friedman, A., Amitai, Y., & Gutnick, M. J. (1993). Stepwise
        repolarization from Ca²⁺ plateaus in neocortical pyramidal cells: evidence for
        nonhomogeneous distribution of HVA Ca²⁺ channels in dendrites. *Journal of
        Neuroscience*, 13(11), 4609–4621.

        Bazhenov, M., Timofeev, I., Steriade, M., & Sejnowski, T. J. (1998). Cellular and
        network models for intrathalamic augmenting responses during 10-Hz stimulation.
        *Journal of Neurophysiology*, 79(5), 2730–2748.
    """

    g: Array
    v_shift: Array
    temperature: Array
    q10: Array
    reference_temperature: Array
    driving: AbstractDrivingForce
    ion: str = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 0.1,
        *,
        v_shift: ArrayLike = 0.0,
        temperature: ArrayLike = 36.0,
        q10: ArrayLike = 2.3,
        reference_temperature: ArrayLike = 23.0,
        driving: AbstractDrivingForce = Ohmic(),
        ion: str = "Ca",
    ):
        set_fields(
            self,
            g=g,
            v_shift=v_shift,
            temperature=temperature,
            q10=q10,
            reference_temperature=reference_temperature,
            driving=driving,
            ion=ion,
        )

    def rates(self, v: Array) -> tuple[Array, Array, Array, Array]:
        r"""$(\alpha_m, \beta_m, \alpha_h, \beta_h)$ at `v` (1/ms, with the temperature
        factor)."""
        V = v + self.v_shift
        phi = q10_factor(self.q10, self.temperature, self.reference_temperature)
        # 0.055 (-27 - V) / (e^{(-27 - V)/3.8} - 1) = 0.055 * 3.8 * x / (e^x - 1).
        alpha_m = 0.055 * 3.8 * x_over_expm1((-27.0 - V) / 3.8)
        beta_m = 0.94 * jnp.exp((-75.0 - V) / 17.0)
        alpha_h = 0.000457 * jnp.exp((-13.0 - V) / 50.0)
        beta_h = 0.0065 / (jnp.exp((-V - 15.0) / 28.0) + 1.0)
        return phi * alpha_m, phi * beta_m, phi * alpha_h, phi * beta_h

    def kinetics(self, v: Array) -> tuple[Array, Array, Array, Array]:
        am, bm, ah, bh = self.rates(v)
        return am / (am + bm), 1.0 / (am + bm), ah / (ah + bh), 1.0 / (ah + bh)


class InoueStrowbridgeCalciumL(AbstractCalciumM2H):
    r"""The L-type calcium current of olfactory bulb granule cells (Inoue & Strowbridge
    2008), slowly inactivating:

    $$I_L = g\,m^2 h\,(E_\text{Ca} - v),$$
    $$m_\infty = \frac{1}{1 + e^{-(V + 10)/4}},\qquad
      \tau_m = \frac{1}{\phi_m}\Big(0.4 + \frac{0.7}{e^{-(V + 5)/15} + e^{(V + 5)/15}}\Big),$$
    $$h_\infty = \frac{1}{1 + e^{(V + 25)/2}},\qquad
      \tau_h = \frac{1}{\phi_h}\Big(300 + \frac{100}{e^{-(V + 40)/9.5} + e^{(V + 40)/9.5}}\Big),$$

    with $V = v + $ `v_shift` and $\phi = Q_{10}^{(T - T_\text{ref})/10}$. The published
    kinetics carry no temperature factor, so the $Q_{10}$ default to 1. The current is
    `driving`'s (`Ohmic()` as written, or `GHK()`).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 1.
    - `v_shift`: shift of all voltage dependences (mV); default 0.
    - `temperature`: temperature (°C); default 36.
    - `q10_m`, `q10_h`: $Q_{10}$ of activation and inactivation, > 0; defaults 1, 1.
    - `reference_temperature`: temperature of the published kinetics (°C); default 36.
    - `driving`: a [`dynax.channels.AbstractDrivingForce`][]; default `Ohmic()`.
    - `ion`: name of the calcium ion in the neuron's `ions`; default `"Ca"`.

    ??? cite "Reference"

        Inoue, T., & Strowbridge, B. W. (2008). Transient activity induces a long-lasting
        increase in the excitability of olfactory bulb interneurons. *Journal of
        Neurophysiology*, 99(1), 187–199.
    """

    g: Array
    v_shift: Array
    temperature: Array
    q10_m: Array
    q10_h: Array
    reference_temperature: Array
    driving: AbstractDrivingForce
    ion: str = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 1.0,
        *,
        v_shift: ArrayLike = 0.0,
        temperature: ArrayLike = 36.0,
        q10_m: ArrayLike = 1.0,
        q10_h: ArrayLike = 1.0,
        reference_temperature: ArrayLike = 36.0,
        driving: AbstractDrivingForce = Ohmic(),
        ion: str = "Ca",
    ):
        set_fields(
            self,
            g=g,
            v_shift=v_shift,
            temperature=temperature,
            q10_m=q10_m,
            q10_h=q10_h,
            reference_temperature=reference_temperature,
            driving=driving,
            ion=ion,
        )

    def kinetics(self, v: Array) -> tuple[Array, Array, Array, Array]:
        V = v + self.v_shift
        phi_m = q10_factor(self.q10_m, self.temperature, self.reference_temperature)
        phi_h = q10_factor(self.q10_h, self.temperature, self.reference_temperature)
        m_inf = boltzmann(V, -10.0, 4.0)
        tau_m = (0.4 + 0.7 / (jnp.exp(-(V + 5.0) / 15.0) + jnp.exp((V + 5.0) / 15.0))) / phi_m
        h_inf = boltzmann(V, -25.0, -2.0)
        tau_h = (300.0 + 100.0 / (jnp.exp(-(V + 40.0) / 9.5) + jnp.exp((V + 40.0) / 9.5))) / phi_h
        return m_inf, tau_m, h_inf, tau_h
