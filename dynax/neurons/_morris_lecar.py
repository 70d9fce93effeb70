"""The Morris–Lecar (1981) model, with the class I and class II parameter sets of
Rinzel & Ermentrout (1989)."""

from typing import Any

import equinox as eqx

from .._custom_types import Array, ArrayLike
from .._system import Context
from ..channels import (
    AbstractChannel,
    AbstractIon,
    Leak,
    MorrisLecarCalcium,
    MorrisLecarPotassium,
)
from ..integrate import AbstractODEMethod, ExpEuler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._conductance import (
    AbstractConductanceNeuron,
    ConductanceBasedState,
    conductance_step,
    setup,
)

# The parameters in which Rinzel & Ermentrout's two sets differ.
_SETS: dict[int, dict[str, float]] = {
    1: {"g_Ca": 4.0, "V3": 12.0, "V4": 17.4, "phi": 1.0 / 15.0},
    2: {"g_Ca": 4.4, "V3": 2.0, "V4": 30.0, "phi": 0.04},
}


class MorrisLecar(AbstractConductanceNeuron):
    r"""Morris–Lecar neurons (the barnacle giant muscle fibre):

    $$C\frac{dv}{dt} = g_\text{Ca} m_\infty(v)(E_\text{Ca} - v) + g_\text{K} w (E_\text{K} - v)
    + g_L (E_L - v) + I(v) + I_\text{bias},$$

    with [`dynax.channels.MorrisLecarCalcium`][] (instantaneous
    $m_\infty = \frac12(1 + \tanh\frac{v - V_1}{V_2})$) and
    [`dynax.channels.MorrisLecarPotassium`][] ($w$ relaxing to
    $\frac12(1 + \tanh\frac{v - V_3}{V_4})$ at the rate
    $\phi\cosh\frac{v - V_3}{2V_4}$). The model is a [`dynax.neurons.ConductanceBased`][]
    with channels `"Ca"`, `"K"`, `"L"` and runs the same code.

    `excitability` picks one of the two parameter sets of Rinzel & Ermentrout (1989):

    | | $g_\text{Ca}$ | $V_3$ | $V_4$ | $\phi$ | onset of firing |
    |---|---|---|---|---|---|
    | 2 (default) | 4.4 | 2 | 30 | 0.04 | Hopf: a jump to about 10 Hz near 90–100 µA/cm² |
    | 1 | 4.0 | 12 | 17.4 | 1/15 | saddle-node on a cycle: from 0 Hz near 40 µA/cm² |

    Both share $C = 20$ µF/cm², $V_1 = -1.2$, $V_2 = 18$, $g_\text{K} = 8$,
    $g_L = 2$ mS/cm², $E_\text{Ca} = 120$, $E_\text{K} = -84$, $E_L = -60$ mV. Any
    parameter given explicitly overrides the set.

    **Arguments:**

    - `n`: number of neurons.
    - `excitability`: 1 or 2, the parameter set (class I or class II excitability).
    - `g_Ca`, `g_K`, `g_L`: maximal conductances (mS/cm²).
    - `E_Ca`, `E_K`, `E_L`: reversal potentials (mV).
    - `V1`, `V2`, `V3`, `V4`: half-activations and slopes (mV).
    - `phi`: rate factor of $w$ (1/ms).
    - `C`: membrane capacitance (µF/cm²); default 20.
    - `I_bias`: constant input current (µA/cm²); default 0.
    - `v_init`: initial potential (mV), a number, an `(n,)` array or an initialiser
      `v_init(key, (n,))`; default −60 ($w$ starts at steady state there).
    - `v_th`: spike detection threshold, crossed upwards (mV); default 0.
    - `spike_fn`: spike function of `v - v_th`; default `dx.surrogate.Heaviside()`.
    - `method`: an `AbstractODEMethod` or its name; default `ExpEuler()`.

    ??? cite "References"

        Morris, C., & Lecar, H. (1981). Voltage oscillations in the barnacle giant
        muscle fiber. *Biophysical Journal*, 35(1), 193–213.

        Rinzel, J., & Ermentrout, G. B. (1989). Analysis of neural excitability and
        oscillations. In C. Koch & I. Segev (Eds.), *Methods in Neuronal Modeling*
        (pp. 135–169). MIT Press.
    """

    n: int = eqx.field(static=True)
    channels: dict[str, AbstractChannel]
    ions: dict[str, AbstractIon]
    C: Array
    I_bias: Array
    v_th: Array
    v_init: Any
    spike_fn: AbstractSpikeFunction
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        excitability: int = 2,
        g_Ca: ArrayLike | None = None,
        g_K: ArrayLike = 8.0,
        g_L: ArrayLike = 2.0,
        E_Ca: ArrayLike = 120.0,
        E_K: ArrayLike = -84.0,
        E_L: ArrayLike = -60.0,
        V1: ArrayLike = -1.2,
        V2: ArrayLike = 18.0,
        V3: ArrayLike | None = None,
        V4: ArrayLike | None = None,
        phi: ArrayLike | None = None,
        C: ArrayLike = 20.0,
        I_bias: ArrayLike = 0.0,
        v_init: Any = -60.0,
        v_th: ArrayLike = 0.0,
        spike_fn: AbstractSpikeFunction = Heaviside(),
        method: AbstractODEMethod | str = ExpEuler(),
    ):
        if isinstance(excitability, bool) or excitability not in _SETS:
            raise ValueError(
                f"excitability must be 1 or 2 (the class I or class II parameter set of "
                f"Rinzel & Ermentrout 1989), got excitability={excitability!r}."
            )
        chosen = _SETS[excitability]
        channels = {
            "Ca": MorrisLecarCalcium(
                g=chosen["g_Ca"] if g_Ca is None else g_Ca, E=E_Ca, V1=V1, V2=V2
            ),
            "K": MorrisLecarPotassium(
                g=g_K,
                E=E_K,
                V3=chosen["V3"] if V3 is None else V3,
                V4=chosen["V4"] if V4 is None else V4,
                phi=chosen["phi"] if phi is None else phi,
            ),
            "L": Leak(g=g_L, E=E_L),
        }
        setup(
            self,
            n,
            channels,
            None,
            C=C,
            I_bias=I_bias,
            v_init=v_init,
            v_th=v_th,
            spike_fn=spike_fn,
            method=method,
        )

    def step(self, state: ConductanceBasedState, input, ctx: Context) -> ConductanceBasedState:
        return conductance_step(self, state, input, ctx)
