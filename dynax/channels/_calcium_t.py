r"""Low-threshold (T-type) calcium channels of thalamic relay neurons (Huguenard &
McCormick 1992) and of thalamic reticular neurons (Huguenard & Prince 1992)."""

import equinox as eqx
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from ._calcium_channel import AbstractCalciumM2H
from ._driving import AbstractDrivingForce, Ohmic
from ._gates import boltzmann, q10_factor, set_fields


class HuguenardMcCormickCalciumT(AbstractCalciumM2H):
    r"""The T-type calcium current of thalamic relay neurons (Huguenard & McCormick
    1992), which de-inactivates under hyperpolarisation and then gives the
    low-threshold spike behind rebound bursts:

    $$I_T = g\,m^2 h\,(E_\text{Ca} - v),$$
    $$m_\infty = \frac{1}{1 + e^{-(V + 57)/6.2}},\qquad
      \tau_m = \frac{1}{\phi_m}\Big(0.612 + \frac{1}{e^{-(V + 132)/16.7} +
      e^{(V + 16.8)/18.2}}\Big),$$
    $$h_\infty = \frac{1}{1 + e^{(V + 81)/4}},\qquad
      \tau_h = \frac{1}{\phi_h}\begin{cases} e^{(V + 467)/66.6} & V < -80 \\
      28 + e^{-(V + 22)/10.5} & V \ge -80\end{cases}$$

    with $V = v + $ `v_shift` and $\phi = Q_{10}^{(T - 24)/10}$: the kinetics were
    measured at 23–25 °C and are scaled with $Q_{10}$ = 5 for activation and 3 for
    inactivation (Coulter et al. 1989), as in Destexhe et al. (1996). The current is
    `driving`'s: `Ohmic()` as written above, or `GHK()` (the constant-field form of the
    paper, with `g` read as described there).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 2.
    - `v_shift`: shift of all voltage dependences (mV); default 0 (Destexhe et al. 1996
      used 2 mV for 2 mM external calcium).
    - `temperature`: temperature (°C); default 36.
    - `q10_m`, `q10_h`: $Q_{10}$ of activation and inactivation, > 0; defaults 5, 3.
    - `reference_temperature`: temperature of the published kinetics (°C); default 24.
    - `driving`: a [`dynax.channels.AbstractDrivingForce`][]; default `Ohmic()`.
    - `ion`: name of the calcium ion in the neuron's `ions`; default `"Ca"`.

    ??? cite "Reference"

        Huguenard, J. R., & McCormick, D. A. (1992). Simulation of the currents involved
        in rhythmic oscillations in thalamic relay neurons. *Journal of
        Neurophysiology*, 68(4), 1373–1383.
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
        g: ArrayLike = 2.0,
        *,
        v_shift: ArrayLike = 0.0,
        temperature: ArrayLike = 36.0,
        q10_m: ArrayLike = 5.0,
        q10_h: ArrayLike = 3.0,
        reference_temperature: ArrayLike = 24.0,
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
        m_inf = boltzmann(V, -57.0, 6.2)
        tau_m = (0.612 + 1.0 / (jnp.exp(-(V + 132.0) / 16.7) + jnp.exp((V + 16.8) / 18.2))) / phi_m
        h_inf = boltzmann(V, -81.0, -4.0)
        # Both branches are finite everywhere, so jnp.where passes finite gradients.
        tau_h = jnp.where(
            V < -80.0, jnp.exp((V + 467.0) / 66.6), 28.0 + jnp.exp(-(V + 22.0) / 10.5)
        )
        return m_inf, tau_m, h_inf, tau_h / phi_h


class HuguenardPrinceCalciumT(AbstractCalciumM2H):
    r"""The T-type calcium current of thalamic reticular neurons (Huguenard & Prince
    1992), with kinetics slower than in relay neurons and shifted to depolarised
    potentials, in the form of Destexhe et al. (1996):

    $$I_{Ts} = g\,m^2 h\,(E_\text{Ca} - v),$$
    $$m_\infty = \frac{1}{1 + e^{-(V + 50)/7.4}},\qquad
      \tau_m = \frac{1}{\phi_m}\Big(3 + \frac{1}{e^{(V + 25)/10} + e^{-(V + 100)/15}}\Big),$$
    $$h_\infty = \frac{1}{1 + e^{(V + 78)/5}},\qquad
      \tau_h = \frac{1}{\phi_h}\Big(85 + \frac{1}{e^{(V + 46)/4} + e^{-(V + 405)/50}}\Big),$$

    with $V = v + $ `v_shift` and $\phi = Q_{10}^{(T - 24)/10}$, $Q_{10}$ = 2.5 for both
    gates (kinetics measured at 23–25 °C). The current is `driving`'s (`Ohmic()` as
    written, or `GHK()`).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 3.
    - `v_shift`: shift of all voltage dependences (mV); default 0 (Destexhe et al. 1996
      used 2 mV).
    - `temperature`: temperature (°C); default 36.
    - `q10_m`, `q10_h`: $Q_{10}$ of activation and inactivation, > 0; defaults 2.5, 2.5.
    - `reference_temperature`: temperature of the published kinetics (°C); default 24.
    - `driving`: a [`dynax.channels.AbstractDrivingForce`][]; default `Ohmic()`.
    - `ion`: name of the calcium ion in the neuron's `ions`; default `"Ca"`.

    ??? cite "Reference"

        Huguenard, J. R., & Prince, D. A. (1992). A novel T-type current underlies
        prolonged Ca²⁺-dependent burst firing in GABAergic neurons of rat thalamic
        reticular nucleus. *Journal of Neuroscience*, 12(10), 3804–3817.

        Destexhe, A., Contreras, D., Steriade, M., Sejnowski, T. J., & Huguenard, J. R.
        (1996). In vivo, in vitro, and computational analysis of dendritic calcium
        currents in thalamic reticular neurons. *Journal of Neuroscience*, 16(1),
        169–185.
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
        g: ArrayLike = 3.0,
        *,
        v_shift: ArrayLike = 0.0,
        temperature: ArrayLike = 36.0,
        q10_m: ArrayLike = 2.5,
        q10_h: ArrayLike = 2.5,
        reference_temperature: ArrayLike = 24.0,
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
        m_inf = boltzmann(V, -50.0, 7.4)
        tau_m = (3.0 + 1.0 / (jnp.exp((V + 25.0) / 10.0) + jnp.exp(-(V + 100.0) / 15.0))) / phi_m
        h_inf = boltzmann(V, -78.0, -5.0)
        tau_h = (85.0 + 1.0 / (jnp.exp((V + 46.0) / 4.0) + jnp.exp(-(V + 405.0) / 50.0))) / phi_h
        return m_inf, tau_m, h_inf, tau_h
