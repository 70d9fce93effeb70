r"""How an open conductance turns into a current: ohmic, $g\,(E - v)$, or the
Goldman–Hodgkin–Katz constant-field flux (for calcium, whose concentrations differ
by four orders of magnitude across the membrane)."""

import abc

import equinox as eqx
import jax.numpy as jnp

from .._current import AffineCurrent
from .._custom_types import Array
from ._base import IonConditions
from ._calcium import FARADAY, GAS_CONSTANT
from ._rates import x_over_expm1


class AbstractDrivingForce(eqx.Module):
    """How a channel's open conductance drives a current through the membrane.

    Channels that carry an ion (the calcium channels) take one as their `driving`
    argument: [`dynax.channels.Ohmic`][] (the default) or [`dynax.channels.GHK`][].
    """

    @abc.abstractmethod
    def current(self, g: Array, v: Array, ion: IonConditions) -> AffineCurrent:
        """The current (µA/cm², inward positive) through the open conductance `g`
        (mS/cm²) at potential `v` (mV), as an `AffineCurrent` at `v`."""


class Ohmic(AbstractDrivingForce):
    r"""The ohmic current $I = g\,(E - v)$ with $E$ the ion's reversal potential
    (`AffineCurrent(g * E, g)`, exactly affine)."""

    def current(self, g: Array, v: Array, ion: IonConditions) -> AffineCurrent:
        return AffineCurrent(g * ion.E, g)


class GHK(AbstractDrivingForce):
    r"""The Goldman–Hodgkin–Katz current (constant field), for an ion of valence $z$:

    $$I_\text{mem} = P\,zF\,\xi\,\frac{c_i - c_o e^{-\xi}}{1 - e^{-\xi}},\qquad
      \xi = \frac{v}{v_T},\quad v_T = \frac{RT}{zF},$$

    in the membrane sense (outward positive; the channel returns $-I_\text{mem}$). With
    $P$ in cm/s and concentrations in mM, $P\,zF\,c$ is in µA/cm². The channel's `g`
    (mS/cm²) sets the permeability through

    $$P = \frac{g\,v_T}{zF\,c_o},$$

    which makes `g` the slope of the current at strongly negative potentials (where
    $I_\text{mem} \to g\,v$) and keeps it a conductance, so that a channel can switch
    between `Ohmic()` and `GHK()`. Near rest (−60 mV, $c_o$ = 2 mM, $c_i$ = 2.4·10⁻⁴ mM,
    36 °C) the GHK current is about a third of the ohmic current $g(E_\text{Nernst} - v)$
    of the same `g`.

    **Linearisation.** The current is not affine in $v$. It is returned as its chord at
    $v$ through the Nernst potential $E$ (where it vanishes): $I = g_c\,(E - v)$ with

    $$g_c = \frac{I_\text{mem}(v)}{v - E}
          = g\,\frac{c_i}{c_o}\,\frac{X(\xi)}{X(\xi - \varepsilon)},\qquad
      X(u) = \frac{u}{1 - e^{-u}},\quad \varepsilon = \frac{E}{v_T} = \ln\frac{c_o}{c_i}.$$

    It is exactly the GHK current at $v$ (so the `vector_field` is the exact ODE), its
    conductance $g_c$ is never negative (the membrane step stays an exact exponential
    relaxation, toward $E$), and $X$ is evaluated without the 0/0 at $\xi = 0$ and at
    $v = E$. Within a step the chord conductance is held while $v$ moves, as every
    conductance is.

    GHK reads the ion's concentrations, valence and temperature and ignores its `E`
    (a `dx.channels.CalciumFixed` with a fixed `E` still gives its concentrations).

    ??? cite "Reference"

        Goldman, D. E. (1943). Potential, impedance, and rectification in membranes.
        *Journal of General Physiology*, 27(1), 37–60.

        Hodgkin, A. L., & Katz, B. (1949). The effect of sodium ions on the electrical
        activity of the giant axon of the squid. *The Journal of Physiology*, 108(1),
        37–77.
    """

    def current(self, g: Array, v: Array, ion: IonConditions) -> AffineCurrent:
        v_t = 1e3 * GAS_CONSTANT * ion.temperature / (ion.valence * FARADAY)
        ratio = ion.c_in / ion.c_out
        eps = -jnp.log(ratio)
        xi = v / v_t
        # X(u) = u / (1 - e^{-u}) = x_over_expm1(-u), finite at u = 0.
        chord = g * ratio * x_over_expm1(-xi) / x_over_expm1(-(xi - eps))
        return AffineCurrent(chord * (eps * v_t), chord)


def check_driving(driving) -> AbstractDrivingForce:
    """`driving` if it is a driving force; a `TypeError` naming the choices otherwise."""
    if not isinstance(driving, AbstractDrivingForce):
        raise TypeError(
            "driving must be a dx.channels.AbstractDrivingForce (dx.channels.Ohmic() or "
            f"dx.channels.GHK()), got {driving!r}."
        )
    return driving
