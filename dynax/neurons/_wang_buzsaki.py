"""The Wang–Buzsáki (1996) hippocampal interneuron, built from its channels."""

from typing import Any

import equinox as eqx

from .._custom_types import Array, ArrayLike
from .._system import Context
from ..channels import (
    AbstractChannel,
    AbstractIon,
    Leak,
    WangBuzsakiPotassium,
    WangBuzsakiSodium,
)
from ..integrate import AbstractODEMethod, ExpEuler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._conductance import (
    AbstractConductanceNeuron,
    ConductanceBasedState,
    conductance_step,
    setup,
)


class WangBuzsaki(AbstractConductanceNeuron):
    r"""Wang–Buzsáki fast-spiking hippocampal interneurons:

    $$C\frac{dv}{dt} = g_\text{Na} m_\infty^3 h\,(E_\text{Na} - v)
    + g_\text{K} n^4 (E_\text{K} - v) + g_L (E_L - v) + I(v) + I_\text{bias},$$

    with the channels [`dynax.channels.WangBuzsakiSodium`][] (instantaneous $m$, gate
    $h$) and [`dynax.channels.WangBuzsakiPotassium`][] (gate $n$), both with the
    temperature factor $\phi = 5$. The model is a
    [`dynax.neurons.ConductanceBased`][] with channels `"Na"`, `"K"`, `"L"` and runs the
    same code. It is a class-1 neuron: repetitive firing starts at zero frequency near
    $I \approx 0.16$ µA/cm² and reaches tens of Hz at 1 µA/cm².

    **Arguments:**

    - `n`: number of neurons.
    - `g_Na`, `g_K`, `g_L`: maximal conductances (mS/cm²); default 35, 9, 0.1.
    - `E_Na`, `E_K`, `E_L`: reversal potentials (mV); default 55, −90, −65.
    - `phi`: temperature factor of the gates $h$ and $n$; default 5.
    - `C`: membrane capacitance (µF/cm²); default 1.
    - `I_bias`: constant input current (µA/cm²); default 0.
    - `v_init`: initial potential (mV), a number, an `(n,)` array or an initialiser
      `v_init(key, (n,))`; default −64 (near rest; gates start at steady state there).
    - `v_th`: spike detection threshold, crossed upwards (mV); default 0.
    - `spike_fn`: spike function of `v - v_th`; default `dx.surrogate.Heaviside()`.
    - `method`: an `AbstractODEMethod` or its name; default `ExpEuler()`.

    ??? cite "Reference"

        Wang, X.-J., & Buzsáki, G. (1996). Gamma oscillation by synaptic inhibition in
        a hippocampal interneuronal network model. *Journal of Neuroscience*, 16(20),
        6402–6413.
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
        g_Na: ArrayLike = 35.0,
        g_K: ArrayLike = 9.0,
        g_L: ArrayLike = 0.1,
        E_Na: ArrayLike = 55.0,
        E_K: ArrayLike = -90.0,
        E_L: ArrayLike = -65.0,
        phi: ArrayLike = 5.0,
        C: ArrayLike = 1.0,
        I_bias: ArrayLike = 0.0,
        v_init: Any = -64.0,
        v_th: ArrayLike = 0.0,
        spike_fn: AbstractSpikeFunction = Heaviside(),
        method: AbstractODEMethod | str = ExpEuler(),
    ):
        channels = {
            "Na": WangBuzsakiSodium(g=g_Na, E=E_Na, phi=phi),
            "K": WangBuzsakiPotassium(g=g_K, E=E_K, phi=phi),
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
