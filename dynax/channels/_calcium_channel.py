r"""The family of calcium channels $g\,m^2h$ whose current is an ohmic or a GHK driving
force."""

import abc

import equinox as eqx

from .._current import AffineCurrent
from .._custom_types import Array
from ._driving import AbstractDrivingForce
from ._gates import AbstractRelaxingChannel
from ._states import MHState


class AbstractCalciumM2H(AbstractRelaxingChannel):
    r"""A calcium channel with two activation gates and one inactivation gate,

    $$I = \text{driving}(g\,m^2 h,\ v,\ [\mathrm{Ca}]),\qquad
      \frac{dm}{dt} = \frac{m_\infty(v) - m}{\tau_m(v)},\quad
      \frac{dh}{dt} = \frac{h_\infty(v) - h}{\tau_h(v)},$$

    where `driving` is `dx.channels.Ohmic()` ($g\,m^2h\,(E_\text{Ca} - v)$) or
    `dx.channels.GHK()`. A new such channel declares the fields `g`, `driving` and
    `ion` and implements `kinetics(v)`; the gates are stepped exactly with $v$ held
    (Rush–Larsen).
    """

    g: eqx.AbstractVar[Array]
    driving: eqx.AbstractVar[AbstractDrivingForce]
    ion: eqx.AbstractVar[str]

    @abc.abstractmethod
    def kinetics(self, v: Array) -> tuple[Array, Array, Array, Array]:
        r"""$(m_\infty, \tau_m, h_\infty, \tau_h)$ at `v` (mV; time constants in ms, with
        the temperature factors)."""

    def gates(self, v: Array) -> tuple[MHState, MHState]:
        m_inf, tau_m, h_inf, tau_h = self.kinetics(v)
        return MHState(m=m_inf, h=h_inf), MHState(m=tau_m, h=tau_h)

    def current(self, state: MHState, v, ions) -> AffineCurrent:
        return self.driving.current(self.g * state.m**2 * state.h, v, ions[self.ion])
