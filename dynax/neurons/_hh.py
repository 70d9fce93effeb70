"""The Hodgkin–Huxley (1952) neuron, built from its channels."""

from typing import Any

import equinox as eqx

from .._custom_types import Array, ArrayLike
from .._system import Context
from ..channels import AbstractChannel, AbstractIon, HHPotassium, HHSodium, Leak
from ..integrate import AbstractODEMethod, ExpEuler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._conductance import (
    AbstractConductanceNeuron,
    ConductanceBasedState,
    conductance_step,
    setup,
)


class HH(AbstractConductanceNeuron):
    r"""Hodgkin–Huxley neurons (the squid giant axon, 1952), in the modern convention
    (rest at −65 mV):

    $$C\frac{dv}{dt} = g_\text{Na} m^3 h\,(E_\text{Na} - v) + g_\text{K} n^4 (E_\text{K} - v)
    + g_L (E_L - v) + I(v) + I_\text{bias},$$

    with the gates of [`dynax.channels.HHSodium`][] ($m$, $h$) and
    [`dynax.channels.HHPotassium`][] ($n$). The model is
    `dx.neurons.ConductanceBased(n, {"K": HHPotassium(g_K, E_K), "L": Leak(g_L, E_L),
    "Na": HHSodium(g_Na, E_Na)})` with these parameters, and runs the same code (its
    state is a [`dynax.neurons.ConductanceBasedState`][]: `state.channels["Na"].m`).
    At rest it sits at −65.0 mV; a step current above about 6.3 µA/cm² makes it fire
    repetitively (at 50–60 Hz at onset; below, it fires a few spikes and settles).

    **Arguments:**

    - `n`: number of neurons.
    - `g_Na`, `g_K`, `g_L`: maximal conductances (mS/cm²); default 120, 36, 0.3.
    - `E_Na`, `E_K`, `E_L`: reversal potentials (mV); default 50, −77, −54.387.
    - `C`: membrane capacitance (µF/cm²); default 1.
    - `phi`: temperature factor of the gating rates, $3^{(T - 6.3)/10}$ at $T$ °C;
      default 1 (6.3 °C).
    - `I_bias`: constant input current (µA/cm²); default 0.
    - `v_init`: initial potential (mV), a number, an `(n,)` array or an initialiser
      `v_init(key, (n,))`; default −65 (gates start at steady state there).
    - `v_th`: spike detection threshold, crossed upwards (mV); default 0.
    - `spike_fn`: spike function of `v - v_th`; default `dx.surrogate.Heaviside()`.
    - `method`: an `AbstractODEMethod` or its name; default `ExpEuler()` (Rush–Larsen
      gates, exponential membrane step).

    ??? cite "Reference"

        Hodgkin, A. L., & Huxley, A. F. (1952). A quantitative description of membrane
        current and its application to conduction and excitation in nerve.
        *The Journal of Physiology*, 117(4), 500–544.
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
        g_Na: ArrayLike = 120.0,
        g_K: ArrayLike = 36.0,
        g_L: ArrayLike = 0.3,
        E_Na: ArrayLike = 50.0,
        E_K: ArrayLike = -77.0,
        E_L: ArrayLike = -54.387,
        C: ArrayLike = 1.0,
        phi: ArrayLike = 1.0,
        I_bias: ArrayLike = 0.0,
        v_init: Any = -65.0,
        v_th: ArrayLike = 0.0,
        spike_fn: AbstractSpikeFunction = Heaviside(),
        method: AbstractODEMethod | str = ExpEuler(),
    ):
        channels = {
            "Na": HHSodium(g=g_Na, E=E_Na, phi=phi),
            "K": HHPotassium(g=g_K, E=E_K, phi=phi),
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
