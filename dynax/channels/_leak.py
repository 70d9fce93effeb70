"""The leak: a constant conductance."""

import equinox as eqx

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel


class Leak(AbstractChannel):
    r"""A passive leak, $I_L = g_L\,(E_L - v)$ (inward positive), with no gates.

    **Arguments:**

    - `g`: conductance (mS/cm²), ≥ 0; default 0.3 (Hodgkin & Huxley 1952).
    - `E`: reversal potential (mV); default −54.387 (HH 1952 with rest at −65 mV).

    ??? cite "Reference"

        Hodgkin, A. L., & Huxley, A. F. (1952). A quantitative description of membrane
        current and its application to conduction and excitation in nerve.
        *The Journal of Physiology*, 117(4), 500–544.
    """

    g: Array
    E: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 0.3, E: ArrayLike = -54.387):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.ion = None

    def init(self, v, ions):
        return None

    def step(self, state, v, ions, dt):
        return None

    def derivative(self, state, v, ions):
        return None

    def current(self, state, v, ions) -> AffineCurrent:
        return AffineCurrent(self.g * self.E, self.g)
