r"""Intracellular calcium: fixed, first-order decay (Destexhe et al. 1993/1994), and a
Michaelis–Menten pump with rapid buffering (Destexhe et al. 1993; Wagner & Keizer 1994).

Each ion gives its channels (through `conditions`) the Nernst reversal potential

$$E_\text{Ca} = \frac{RT}{zF}\ln\frac{[\mathrm{Ca}]_o}{[\mathrm{Ca}]_i},\qquad z = 2,$$

with $T$ in kelvin from the `temperature` argument in °C, and the concentrations, which
a channel with a `dx.channels.GHK` driving force uses instead of $E$.
"""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Float
from ._base import AbstractIon, IonConditions

FARADAY = 96485.33212
"""The Faraday constant (C/mol)."""
GAS_CONSTANT = 8.314462618
"""The molar gas constant (J/(mol K))."""
ZERO_CELSIUS = 273.15
"""0 °C in kelvin."""
CALCIUM_VALENCE = 2.0


def nernst(
    c_in: Array, c_out: Array, temperature: Array, valence: Array | float = CALCIUM_VALENCE
) -> Array:
    r"""The Nernst potential $\frac{RT}{zF}\ln(c_o/c_i)$ (mV) for concentrations in any
    one unit and `temperature` in kelvin."""
    return 1e3 * GAS_CONSTANT * temperature / (valence * FARADAY) * jnp.log(c_out / c_in)


def influx_per_current(depth: Array) -> Array:
    r"""$k = 1/(2Fd)$: the rise of $[\mathrm{Ca}]_i$ (mM/ms) per µA/cm² of inward calcium
    current spread over a shell of depth $d$ (µm) under the membrane. For $d$ = 1 µm,
    $k = 5.18\cdot10^{-5}$ mM cm²/(ms µA) (Bazhenov et al. 1998).

    µA/cm² over µm gives 10⁻⁶ A/cm² / 10⁻⁴ cm = 10⁻² C/(s cm³) = 10⁻⁵ C/(ms cm³), and
    1 mol/cm³ is 10⁶ mM, so $k = 10/(2F\,d)$."""
    return 10.0 / (CALCIUM_VALENCE * FARADAY * depth)


def _influx(depth: Array, current: Array) -> Array:
    """The rise of $[\\mathrm{Ca}]_i$ (mM/ms) from the membrane calcium `current` (µA/cm²,
    outward positive) into a shell of `depth` (µm): an outward current removes none."""
    return jnp.maximum(-influx_per_current(depth) * current, 0.0)


class CalciumState(eqx.Module):
    """State of a calcium pool: the free intracellular concentration `c` ($[\\mathrm{Ca}]_i$,
    mM, `(n,)`)."""

    c: Float[Array, " n"]


def _conditions(c_in, c_out, temperature_c, E=None) -> IonConditions:
    kelvin = temperature_c + ZERO_CELSIUS
    return IonConditions(
        E=nernst(c_in, c_out, kelvin) if E is None else E,
        c_in=c_in,
        c_out=c_out,
        valence=jnp.asarray(CALCIUM_VALENCE, jnp.result_type(c_in)),
        temperature=kelvin,
    )


def _init_concentration(c_init: Array, v: Array) -> CalciumState:
    return CalciumState(c=jnp.broadcast_to(jnp.asarray(c_init, jnp.result_type(v)), v.shape))


class CalciumFixed(AbstractIon):
    r"""Calcium at fixed concentrations: the reversal potential never changes.

    $E_\text{Ca}$ is the Nernst potential of `c_in` and `c_out` at `temperature`, or `E`
    when given (many thalamic models fix $E_\text{Ca}$ = 120 mV). Calcium currents change
    nothing; a channel with a `dx.channels.GHK` driving force still reads `c_in` and
    `c_out`. The state is `None`.

    **Arguments:**

    - `c_in`: intracellular concentration $[\mathrm{Ca}]_i$ (mM), > 0; default
      2.4·10⁻⁴ (Destexhe et al. 1994).
    - `c_out`: extracellular concentration $[\mathrm{Ca}]_o$ (mM), > 0; default 2.
    - `temperature`: temperature (°C), for the Nernst and GHK equations; default 36.
    - `E`: a fixed reversal potential (mV) instead of the Nernst potential; default
      `None`.

    ??? cite "Reference"

        Destexhe, A., Contreras, D., Sejnowski, T. J., & Steriade, M. (1994). A model of
        spindle rhythmicity in the isolated thalamic reticular nucleus. *Journal of
        Neurophysiology*, 72(2), 803–818.
    """

    c_in: Array
    c_out: Array
    temperature: Array
    E: Array | None

    def __init__(
        self,
        *,
        c_in: ArrayLike = 2.4e-4,
        c_out: ArrayLike = 2.0,
        temperature: ArrayLike = 36.0,
        E: ArrayLike | None = None,
    ):
        self.c_in = param(c_in, "c_in", positive=True)
        self.c_out = param(c_out, "c_out", positive=True)
        self.temperature = param(temperature, "temperature")
        self.E = None if E is None else param(E, "E")

    def init(self, v: Array) -> None:
        return None

    def conditions(self, state: None) -> IonConditions:
        return _conditions(self.c_in, self.c_out, self.temperature, self.E)

    def derivative(self, state: None, current: Array, v: Array) -> None:
        return None

    def step(self, state: None, current: Array, v: Array, dt: float) -> None:
        return None


class CalciumFirstOrder(AbstractIon):
    r"""Calcium in a thin shell under the membrane, filled by the calcium current and
    relaxing to rest with one time constant (Destexhe et al. 1993, 1994):

    $$\frac{d[\mathrm{Ca}]_i}{dt} = \max(-k\,I_\text{Ca},\,0)
        - \frac{[\mathrm{Ca}]_i - [\mathrm{Ca}]_\text{rest}}{\tau},
      \qquad k = \frac{1}{2F\,d},$$

    where $I_\text{Ca}$ is the membrane calcium current (µA/cm², negative inward) and $d$
    the depth of the shell; $k$ = 5.18·10⁻⁵ mM cm²/(ms µA) for $d$ = 1 µm. As in the
    published model an outward calcium current removes no calcium (the pool can only be
    emptied by the relaxation), which keeps $[\mathrm{Ca}]_i$ positive. Under a constant
    inward current the concentration settles at
    $[\mathrm{Ca}]_\text{rest} + k\tau\,|I_\text{Ca}|$. `step` holds the current over
    the step and is exact for it (exponential Euler).

    **Arguments:**

    - `tau`: time constant of calcium removal (ms), > 0; default 5.
    - `c_rest`: resting concentration $[\mathrm{Ca}]_\text{rest}$ (mM), > 0; default
      2.4·10⁻⁴.
    - `depth`: depth of the shell $d$ (µm), > 0; default 1.
    - `c_out`: extracellular concentration (mM), > 0; default 2.
    - `temperature`: temperature (°C), for the Nernst and GHK equations; default 36.
    - `c_init`: initial concentration (mM), > 0; default `c_rest`.

    ??? cite "Reference"

        Destexhe, A., Babloyantz, A., & Sejnowski, T. J. (1993). Ionic mechanisms for
        intrinsic slow oscillations in thalamic relay neurons. *Biophysical Journal*,
        65(4), 1538–1552.

        Destexhe, A., Contreras, D., Sejnowski, T. J., & Steriade, M. (1994). A model of
        spindle rhythmicity in the isolated thalamic reticular nucleus. *Journal of
        Neurophysiology*, 72(2), 803–818.
    """

    tau: Array
    c_rest: Array
    depth: Array
    c_out: Array
    temperature: Array
    c_init: Array

    def __init__(
        self,
        *,
        tau: ArrayLike = 5.0,
        c_rest: ArrayLike = 2.4e-4,
        depth: ArrayLike = 1.0,
        c_out: ArrayLike = 2.0,
        temperature: ArrayLike = 36.0,
        c_init: ArrayLike | None = None,
    ):
        self.tau = param(tau, "tau", positive=True)
        self.c_rest = param(c_rest, "c_rest", positive=True)
        self.depth = param(depth, "depth", positive=True)
        self.c_out = param(c_out, "c_out", positive=True)
        self.temperature = param(temperature, "temperature")
        self.c_init = self.c_rest if c_init is None else param(c_init, "c_init", positive=True)

    def init(self, v: Array) -> CalciumState:
        return _init_concentration(self.c_init, v)

    def conditions(self, state: CalciumState) -> IonConditions:
        return _conditions(state.c, self.c_out, self.temperature)

    def derivative(self, state: CalciumState, current: Array, v: Array) -> CalciumState:
        return CalciumState(c=_influx(self.depth, current) - (state.c - self.c_rest) / self.tau)

    def step(self, state: CalciumState, current: Array, v: Array, dt: float) -> CalciumState:
        c_inf = self.c_rest + self.tau * _influx(self.depth, current)
        return CalciumState(c=c_inf + (state.c - c_inf) * jnp.exp(-dt / self.tau))


class CalciumDetailed(AbstractIon):
    r"""Calcium in a shell under the membrane with a Michaelis–Menten pump (Destexhe et
    al. 1993), an optional first-order removal, and an optional fast buffer in the rapid
    buffer approximation (Wagner & Keizer 1994):

    $$\frac{d[\mathrm{Ca}]_i}{dt} = \beta([\mathrm{Ca}]_i)\Big(\max(-k\,I_\text{Ca}, 0)
        - \frac{K_T\,[\mathrm{Ca}]_i}{[\mathrm{Ca}]_i + K_d}
        + \frac{[\mathrm{Ca}]_\infty - [\mathrm{Ca}]_i}{\tau}\Big),\qquad
      \beta(c) = \Big(1 + \frac{B_T K_B}{(K_B + c)^2}\Big)^{-1},$$

    with $k = 1/(2F\,d)$ as in `CalciumFirstOrder`. The pump is the Michaelis–Menten
    reduction of an ATPase cycle, $\mathrm{Ca}_i + P \rightleftharpoons \mathrm{CaP}
    \to \mathrm{Ca}_o + P$, with maximal rate $K_T$ and dissociation constant $K_d$.
    $\beta$ is the free fraction of the calcium that enters when a buffer of total
    concentration $B_T$ and dissociation constant $K_B$ equilibrates instantly; with
    $B_T = 0$ (the default) and `tau=None` this is the pump model of Destexhe et al.
    (1993) (`cad.mod`: $d$ = 0.1 µm, $K_T$ = 10⁻⁴ mM/ms, $K_d$ = 10⁻⁴ mM).

    `step` freezes the coefficients of the right-hand side, written
    $A - B\,[\mathrm{Ca}]_i$ with $A, B \ge 0$, at the start of the step and solves that
    linear equation exactly, so the concentration stays positive at any `dt`.

    **Arguments:**

    - `K_T`: maximal pump rate (mM/ms), ≥ 0; default 10⁻⁴.
    - `K_d`: pump dissociation constant (mM), > 0; default 10⁻⁴.
    - `tau`: time constant of first-order removal toward `c_inf` (ms), > 0, or `None`
      for none; default `None`.
    - `c_inf`: concentration that the first-order removal relaxes to (mM), > 0; default
      2.4·10⁻⁴.
    - `B_T`: total buffer concentration (mM), ≥ 0; default 0 (no buffer).
    - `K_B`: buffer dissociation constant (mM), > 0; default 10⁻³.
    - `depth`: depth of the shell (µm), > 0; default 0.1.
    - `c_out`: extracellular concentration (mM), > 0; default 2.
    - `temperature`: temperature (°C), for the Nernst and GHK equations; default 36.
    - `c_init`: initial concentration (mM), > 0; default 2.4·10⁻⁴.

    ??? cite "Reference"

        Destexhe, A., Babloyantz, A., & Sejnowski, T. J. (1993). Ionic mechanisms for
        intrinsic slow oscillations in thalamic relay neurons. *Biophysical Journal*,
        65(4), 1538–1552.

        Wagner, J., & Keizer, J. (1994). Effects of rapid buffers on Ca²⁺ diffusion and
        Ca²⁺ oscillations. *Biophysical Journal*, 67(1), 447–456.
    """

    K_T: Array
    K_d: Array
    tau: Array | None
    c_inf: Array
    B_T: Array
    K_B: Array
    depth: Array
    c_out: Array
    temperature: Array
    c_init: Array

    def __init__(
        self,
        *,
        K_T: ArrayLike = 1e-4,
        K_d: ArrayLike = 1e-4,
        tau: ArrayLike | None = None,
        c_inf: ArrayLike = 2.4e-4,
        B_T: ArrayLike = 0.0,
        K_B: ArrayLike = 1e-3,
        depth: ArrayLike = 0.1,
        c_out: ArrayLike = 2.0,
        temperature: ArrayLike = 36.0,
        c_init: ArrayLike = 2.4e-4,
    ):
        self.K_T = param(K_T, "K_T", nonnegative=True)
        self.K_d = param(K_d, "K_d", positive=True)
        self.tau = None if tau is None else param(tau, "tau", positive=True)
        self.c_inf = param(c_inf, "c_inf", positive=True)
        self.B_T = param(B_T, "B_T", nonnegative=True)
        self.K_B = param(K_B, "K_B", positive=True)
        self.depth = param(depth, "depth", positive=True)
        self.c_out = param(c_out, "c_out", positive=True)
        self.temperature = param(temperature, "temperature")
        self.c_init = param(c_init, "c_init", positive=True)

    def init(self, v: Array) -> CalciumState:
        return _init_concentration(self.c_init, v)

    def conditions(self, state: CalciumState) -> IonConditions:
        return _conditions(state.c, self.c_out, self.temperature)

    def _affine(self, c: Array, current: Array) -> tuple[Array, Array]:
        """The right-hand side as $A - B c$ with its coefficients evaluated at `c`."""
        influx = _influx(self.depth, current)
        removal = self.K_T / (c + self.K_d)
        if self.tau is not None:
            influx = influx + self.c_inf / self.tau
            removal = removal + 1.0 / self.tau
        free = 1.0 / (1.0 + self.B_T * self.K_B / (self.K_B + c) ** 2)
        return free * influx, free * removal

    def derivative(self, state: CalciumState, current: Array, v: Array) -> CalciumState:
        a, b = self._affine(state.c, current)
        return CalciumState(c=a - b * state.c)

    def step(self, state: CalciumState, current: Array, v: Array, dt: float) -> CalciumState:
        a, b = self._affine(state.c, current)
        # c + (a - b c)(1 - e^{-x})/b with x = b dt; (1 - e^{-x})/x by its series near
        # x = 0 (b = 0: no pump, no removal, the influx simply accumulates), and the
        # direct branch's denominator kept away from 0 so that gradients stay finite.
        x = b * dt
        small = x < 1e-4
        ratio = jnp.where(small, 1.0 - 0.5 * x, -jnp.expm1(-x) / jnp.where(small, 1.0, x))
        return CalciumState(c=state.c + (a - b * state.c) * dt * ratio)
