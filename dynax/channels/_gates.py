"""Gate states, kinetic helpers and the family of channels whose gates relax to a
steady state (`AbstractRelaxingChannel`), for the thalamic and calcium-dependent channels
(`HuguenardMcCormick*`, `HuguenardPrince*`, `Reuveni*`, `InoueStrowbridge*`,
`Destexhe*`)."""

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, Float, PyTree
from ._base import AbstractChannel
from ._driving import check_driving
from ._rates import relax


class MState(eqx.Module):
    """Gate of a channel with one activation variable `m` (in [0, 1], `(n,)`): the h
    current, the calcium-activated potassium and the CAN channels."""

    m: Float[Array, " n"]


class ATypeState(eqx.Module):
    """Gates of the A-type potassium channel of Huguenard & McCormick (1992), two
    populations of channels: activations `m1`, `m2` and inactivations `h1`, `h2` (each in
    [0, 1], `(n,)`)."""

    m1: Float[Array, " n"]
    m2: Float[Array, " n"]
    h1: Float[Array, " n"]
    h2: Float[Array, " n"]


class AbstractRelaxingChannel(AbstractChannel):
    r"""A channel whose every gate $x$ relaxes to its steady state $x_\infty(v)$ with the
    time constant $\tau_x(v)$,

    $$\frac{dx}{dt} = \frac{x_\infty(v) - x}{\tau_x(v)}.$$

    A new such channel declares its fields and `ion` and implements `gates(v)` and
    `current`; `init` (every gate at $x_\infty$), `step` (each gate stepped exactly with
    $v$ held, Rush–Larsen: $x_\infty + (x - x_\infty)e^{-dt/\tau_x}$) and `derivative`
    follow from `gates`. [`dynax.channels.AbstractCalciumM2H`][],
    [`dynax.channels.HuguenardMcCormickIh`][], [`dynax.channels.InoueStrowbridgeCAN`][]
    and [`dynax.channels.HuguenardMcCormickPotassiumA`][] are such channels.
    """

    @abc.abstractmethod
    def gates(self, v: Array) -> tuple[PyTree, PyTree]:
        r"""The steady states $x_\infty$ and the time constants $\tau_x$ (ms, with the
        temperature factors) of the gates at `v` (mV), each a state of the channel."""

    def init(self, v, ions) -> PyTree:
        return self.gates(v)[0]

    def step(self, state: PyTree, v, ions, dt) -> PyTree:
        x_inf, tau = self.gates(v)
        return jax.tree.map(lambda x, x_inf, tau: relax(x, x_inf, tau, dt), state, x_inf, tau)

    def derivative(self, state: PyTree, v, ions) -> PyTree:
        x_inf, tau = self.gates(v)
        return jax.tree.map(lambda x, x_inf, tau: (x_inf - x) / tau, state, x_inf, tau)


def boltzmann(v: Array, v_half: float, k: float) -> Array:
    r"""$1/(1 + e^{-(v - v_\text{half})/k})$: rising in $v$ for $k > 0$, falling for
    $k < 0$ (written through the logistic function, which cannot overflow)."""
    return jax.nn.sigmoid((v - v_half) / k)


def q10_factor(q10: Array, temperature: Array, reference: Array) -> Array:
    r"""$Q_{10}^{(T - T_\text{ref})/10}$: how much faster the kinetics are at
    `temperature` (°C) than at `reference` (°C), where they were measured."""
    return jnp.power(q10, (temperature - reference) / 10.0)


def check_ion_name(name, argument: str) -> str:
    """`name` if it is a str (the key of an ion in the neuron's `ions`); a `TypeError`
    naming `argument` otherwise."""
    if not isinstance(name, str):
        raise TypeError(
            f"{argument} must be the name (a str) of an ion in the neuron's ions, got {name!r}."
        )
    return name


_POSITIVE = ("q10", "K_d", "alpha", "beta")


def set_fields(self: Any, **kwargs: Any) -> None:
    """Check and set a channel's arguments (from its `__init__`): `g` ≥ 0; `q10*`,
    `K_d`, `alpha`, `beta` > 0; other numbers finite; `driving` a driving force; `ion`
    and `calcium` names of ions."""
    for name, value in kwargs.items():
        if name == "driving":
            value = check_driving(value)
        elif name in ("ion", "calcium"):
            value = check_ion_name(value, name)
        else:
            value = param(value, name, nonnegative=name == "g", positive=name.startswith(_POSITIVE))
        setattr(self, name, value)
