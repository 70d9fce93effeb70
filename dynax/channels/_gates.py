"""Gate states and kinetic helpers of the thalamic and calcium-dependent channels
(`HuguenardMcCormick*`, `HuguenardPrince*`, `Reuveni*`, `InoueStrowbridge*`,
`Destexhe*`)."""

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array, Float


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
