r"""The calcium-activated potassium current behind the slow afterhyperpolarisation
(Destexhe et al. 1994)."""

import equinox as eqx
import jax.numpy as jnp

from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel, IonConditions
from ._gates import MState, q10_factor, set_fields
from ._rates import alpha_beta_derivative, rush_larsen


class DestexhePotassiumAHP(AbstractChannel):
    r"""The calcium-activated potassium current $I_\text{K[Ca]}$ (slow AHP) of the
    thalamic reticular model of Destexhe et al. (1994), voltage-independent, activated
    by intracellular calcium binding two sites:

    $$I_\text{AHP} = g\,m^2\,(E_K - v),\qquad
      \frac{dm}{dt} = \phi\,\big(\alpha\,[\mathrm{Ca}]_i^2\,(1 - m) - \beta\,m\big),$$

    $\alpha$ = 48 ms⁻¹ mM⁻², $\beta$ = 0.03 ms⁻¹, so that half activation is at
    $[\mathrm{Ca}]_i = \sqrt{\beta/\alpha}$ = 25 µM, and $\phi = Q_{10}^{(T - 22)/10}$
    with $Q_{10}$ = 3 (kinetics assumed at 22 °C, as in the authors' implementation).
    It reads $[\mathrm{Ca}]_i$ from the ion named `calcium` and carries potassium at the
    fixed reversal potential `E` (`ion` is `None`).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 10.
    - `E`: potassium reversal potential (mV); default −95.
    - `alpha`: binding rate (1/(ms mM²)), > 0; default 48.
    - `beta`: unbinding rate (1/ms), > 0; default 0.03.
    - `temperature`: temperature (°C); default 36.
    - `q10`: $Q_{10}$ of the gate, > 0; default 3.
    - `reference_temperature`: temperature of the published kinetics (°C); default 22.
    - `calcium`: name of the calcium ion in the neuron's `ions`; default `"Ca"`.

    ??? cite "Reference"

        Destexhe, A., Contreras, D., Sejnowski, T. J., & Steriade, M. (1994). A model of
        spindle rhythmicity in the isolated thalamic reticular nucleus. *Journal of
        Neurophysiology*, 72(2), 803–818.
    """

    g: Array
    E: Array
    alpha: Array
    beta: Array
    temperature: Array
    q10: Array
    reference_temperature: Array
    calcium: str = eqx.field(static=True)
    ion: None = eqx.field(static=True)

    def __init__(
        self,
        g: ArrayLike = 10.0,
        *,
        E: ArrayLike = -95.0,
        alpha: ArrayLike = 48.0,
        beta: ArrayLike = 0.03,
        temperature: ArrayLike = 36.0,
        q10: ArrayLike = 3.0,
        reference_temperature: ArrayLike = 22.0,
        calcium: str = "Ca",
    ):
        set_fields(
            self,
            g=g,
            E=E,
            alpha=alpha,
            beta=beta,
            temperature=temperature,
            q10=q10,
            reference_temperature=reference_temperature,
            calcium=calcium,
        )
        self.ion = None

    def rates(self, ions: dict[str, IonConditions]) -> tuple[Array, Array]:
        r"""$(\alpha[\mathrm{Ca}]_i^2, \beta)$ (1/ms, with the temperature factor) for the
        calcium in `ions`."""
        phi = q10_factor(self.q10, self.temperature, self.reference_temperature)
        c = ions[self.calcium].c_in
        return phi * self.alpha * c * c, phi * self.beta

    def init(self, v, ions) -> MState:
        a, b = self.rates(ions)
        m = a / (a + b)
        return MState(m=jnp.broadcast_to(m, jnp.broadcast_shapes(m.shape, jnp.shape(v))))

    def step(self, state: MState, v, ions, dt) -> MState:
        a, b = self.rates(ions)
        return MState(m=rush_larsen(state.m, a, b, dt))

    def derivative(self, state: MState, v, ions) -> MState:
        a, b = self.rates(ions)
        return MState(m=alpha_beta_derivative(state.m, a, b))

    def current(self, state: MState, v, ions) -> AffineCurrent:
        g = self.g * state.m**2
        return AffineCurrent(g * self.E, g)
