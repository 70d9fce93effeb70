"""The channels and the calcium pool of the Pinsky & Rinzel (1994) two-compartment CA3
pyramidal neuron (after Traub et al. 1991).

The paper measures potentials from rest; here they are absolute, with rest at −60 mV:
every rate is a function of $u = v + 60$ (mV), the paper's potential, and the reversal
potentials are the paper's minus 60 mV (Na 60, K −75, Ca 80, leak −60 mV). Calcium is
in the paper's arbitrary units.
"""

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._current import AffineCurrent
from .._custom_types import Array, ArrayLike
from ._base import AbstractChannel, AbstractIon, IonConditions
from ._rates import alpha_beta_derivative, rush_larsen, x_over_expm1
from ._states import CState, HState, NState, QState, SState

_REST = 60.0  # the paper's potentials are v + 60 mV


class PinskyRinzelSodium(AbstractChannel):
    r"""The somatic sodium channel of Pinsky & Rinzel (1994), with instantaneous
    activation: with $u = v + 60$ mV,

    $$I_\text{Na} = g_\text{Na}\,m_\infty(u)^2 h\,(E_\text{Na} - v),\qquad
    \frac{dh}{dt} = \alpha_h(1 - h) - \beta_h h,$$

    $$\alpha_m = \frac{0.32\,(13.1 - u)}{e^{(13.1 - u)/4} - 1},\
    \beta_m = \frac{0.28\,(u - 40.1)}{e^{(u - 40.1)/5} - 1},\
    \alpha_h = 0.128\,e^{(17 - u)/18},\
    \beta_h = \frac{4}{1 + e^{(40 - u)/5}}$$

    (1/ms), $m_\infty = \alpha_m/(\alpha_m + \beta_m)$.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 30.
    - `E`: reversal potential (mV); default 60.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    g: Array
    E: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 30.0, E: ArrayLike = 60.0):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.ion = None

    def m_inf(self, v: Array) -> Array:
        """The instantaneous activation $m_\\infty$."""
        u = v + _REST
        alpha = 1.28 * x_over_expm1((13.1 - u) / 4.0)
        beta = 1.4 * x_over_expm1((u - 40.1) / 5.0)
        return alpha / (alpha + beta)

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_h, \beta_h)$ (1/ms)."""
        u = v + _REST
        return 0.128 * jnp.exp((17.0 - u) / 18.0), 4.0 / (1.0 + jnp.exp((40.0 - u) / 5.0))

    def init(self, v, ions):
        a, b = self.rates(v)
        return HState(h=a / (a + b))

    def step(self, state, v, ions, dt):
        return HState(h=rush_larsen(state.h, *self.rates(v), dt))

    def derivative(self, state, v, ions):
        return HState(h=alpha_beta_derivative(state.h, *self.rates(v)))

    def current(self, state, v, ions) -> AffineCurrent:
        m = self.m_inf(v)
        g = self.g * m * m * state.h
        return AffineCurrent(g * self.E, g)


class PinskyRinzelPotassium(AbstractChannel):
    r"""The somatic delayed-rectifier potassium channel of Pinsky & Rinzel (1994): with
    $u = v + 60$ mV,

    $$I_\text{K-DR} = g_\text{K-DR}\,n\,(E_\text{K} - v),\quad
    \alpha_n = \frac{0.016\,(35.1 - u)}{e^{(35.1 - u)/5} - 1},\quad
    \beta_n = 0.25\,e^{0.5 - 0.025\,u}$$

    (1/ms; note the first power of $n$).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 15.
    - `E`: reversal potential (mV); default −75.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    g: Array
    E: Array
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 15.0, E: ArrayLike = -75.0):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_n, \beta_n)$ (1/ms)."""
        u = v + _REST
        return 0.08 * x_over_expm1((35.1 - u) / 5.0), 0.25 * jnp.exp(0.5 - 0.025 * u)

    def init(self, v, ions):
        a, b = self.rates(v)
        return NState(n=a / (a + b))

    def step(self, state, v, ions, dt):
        return NState(n=rush_larsen(state.n, *self.rates(v), dt))

    def derivative(self, state, v, ions):
        return NState(n=alpha_beta_derivative(state.n, *self.rates(v)))

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * state.n
        return AffineCurrent(g * self.E, g)


class PinskyRinzelCalcium(AbstractChannel):
    r"""The dendritic calcium channel of Pinsky & Rinzel (1994), which carries the
    calcium of the ion named `ion`: with $u = v + 60$ mV,

    $$I_\text{Ca} = g_\text{Ca}\,s^2 (E_\text{Ca} - v),\quad
    \alpha_s = \frac{1.6}{1 + e^{-0.072\,(u - 65)}},\quad
    \beta_s = \frac{0.02\,(u - 51.1)}{e^{(u - 51.1)/5} - 1}$$

    (1/ms).

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 10.
    - `E`: reversal potential (mV); default 80.
    - `ion`: the name of the calcium pool it feeds; default `"Ca"`.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    g: Array
    E: Array
    ion: str = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 10.0, E: ArrayLike = 80.0, ion: str = "Ca"):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.ion = ion

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_s, \beta_s)$ (1/ms)."""
        u = v + _REST
        alpha = 1.6 / (1.0 + jnp.exp(-0.072 * (u - 65.0)))
        return alpha, 0.1 * x_over_expm1((u - 51.1) / 5.0)

    def init(self, v, ions):
        a, b = self.rates(v)
        return SState(s=a / (a + b))

    def step(self, state, v, ions, dt):
        return SState(s=rush_larsen(state.s, *self.rates(v), dt))

    def derivative(self, state, v, ions):
        return SState(s=alpha_beta_derivative(state.s, *self.rates(v)))

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * state.s * state.s
        return AffineCurrent(g * self.E, g)


class PinskyRinzelPotassiumC(AbstractChannel):
    r"""The dendritic calcium- and voltage-dependent potassium channel (K-C) of Pinsky &
    Rinzel (1994): with $u = v + 60$ mV and $\chi = \min([\mathrm{Ca}]/250, 1)$,

    $$I_\text{K-C} = g_\text{K-C}\,c\,\chi\,(E_\text{K} - v),$$

    $$\alpha_c = \begin{cases} e^{(u - 10)/11 - (u - 6.5)/27}/18.975 & u \le 50\\
    2\,e^{(6.5 - u)/27} & u > 50\end{cases},\qquad
    \beta_c = \begin{cases} 2\,e^{(6.5 - u)/27} - \alpha_c & u \le 50\\
    0 & u > 50\end{cases}$$

    (1/ms). It reads $[\mathrm{Ca}]$ from the ion named `calcium` but carries K⁺.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 15.
    - `E`: reversal potential (mV); default −75.
    - `calcium`: the name of the calcium pool it reads; default `"Ca"`.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    g: Array
    E: Array
    calcium: str = eqx.field(static=True)
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 15.0, E: ArrayLike = -75.0, calcium: str = "Ca"):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.calcium = calcium
        self.ion = None

    def rates(self, v: Array) -> tuple[Array, Array]:
        r"""$(\alpha_c, \beta_c)$ (1/ms)."""
        u = v + _REST
        below = u <= 50.0
        e = 2.0 * jnp.exp((6.5 - u) / 27.0)
        alpha = jnp.where(below, jnp.exp((u - 10.0) / 11.0 - (u - 6.5) / 27.0) / 18.975, e)
        return alpha, jnp.where(below, e - alpha, 0.0)

    def init(self, v, ions):
        a, b = self.rates(v)
        return CState(c=a / (a + b))

    def step(self, state, v, ions, dt):
        return CState(c=rush_larsen(state.c, *self.rates(v), dt))

    def derivative(self, state, v, ions):
        return CState(c=alpha_beta_derivative(state.c, *self.rates(v)))

    def current(self, state, v, ions) -> AffineCurrent:
        chi = jnp.minimum(ions[self.calcium].c_in / 250.0, 1.0)
        g = self.g * state.c * chi
        return AffineCurrent(g * self.E, g)


class PinskyRinzelPotassiumAHP(AbstractChannel):
    r"""The dendritic calcium-dependent afterhyperpolarisation potassium channel (K-AHP)
    of Pinsky & Rinzel (1994):

    $$I_\text{K-AHP} = g_\text{K-AHP}\,q\,(E_\text{K} - v),\quad
    \alpha_q = \min(2\cdot10^{-5}\,[\mathrm{Ca}],\ 0.01),\quad \beta_q = 0.001$$

    (1/ms). It reads $[\mathrm{Ca}]$ from the ion named `calcium` but carries K⁺.

    **Arguments:**

    - `g`: maximal conductance (mS/cm²), ≥ 0; default 0.8.
    - `E`: reversal potential (mV); default −75.
    - `calcium`: the name of the calcium pool it reads; default `"Ca"`.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    g: Array
    E: Array
    calcium: str = eqx.field(static=True)
    ion: None = eqx.field(static=True)

    def __init__(self, g: ArrayLike = 0.8, E: ArrayLike = -75.0, calcium: str = "Ca"):
        self.g = param(g, "g", nonnegative=True)
        self.E = param(E, "E")
        self.calcium = calcium
        self.ion = None

    def rates(self, ions) -> tuple[Array, Array]:
        r"""$(\alpha_q, \beta_q)$ (1/ms)."""
        ca = ions[self.calcium].c_in
        return jnp.minimum(2e-5 * ca, 0.01), jnp.full_like(ca, 0.001)

    def init(self, v, ions):
        a, b = self.rates(ions)
        return QState(q=jnp.broadcast_to(a / (a + b), jnp.shape(v)))

    def step(self, state, v, ions, dt):
        return QState(q=rush_larsen(state.q, *self.rates(ions), dt))

    def derivative(self, state, v, ions):
        return QState(q=alpha_beta_derivative(state.q, *self.rates(ions)))

    def current(self, state, v, ions) -> AffineCurrent:
        g = self.g * state.q
        return AffineCurrent(g * self.E, g)


class PinskyRinzelCalciumState(eqx.Module):
    """State of the Pinsky–Rinzel calcium pool: `c`, $[\\mathrm{Ca}]$ in the paper's
    arbitrary units, `(n,)`."""

    c: Array


class PinskyRinzelCalciumPool(AbstractIon):
    r"""The dendritic calcium of Pinsky & Rinzel (1994), in arbitrary units:

    $$\frac{d[\mathrm{Ca}]}{dt} = -k\,I_\text{Ca} - \frac{[\mathrm{Ca}]}{\tau},$$

    $I_\text{Ca}$ the calcium current (µA/cm², outward positive, so an influx raises
    $[\mathrm{Ca}]$). The reversal potential is fixed at `E`; `c_out`, `valence` and
    `temperature` of its `IonConditions` are nominal (2 mM, 2, 309.15 K).

    **Arguments:**

    - `k`: influx per unit current; default 0.13.
    - `tau`: decay time constant (ms), > 0; default 1/0.075 ≈ 13.3.
    - `E`: the calcium reversal potential given to channels (mV); default 80.
    - `c_init`: initial concentration, ≥ 0; default 0.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    k: Array
    tau: Array
    E: Array
    c_init: Array

    def __init__(
        self,
        k: ArrayLike = 0.13,
        tau: ArrayLike = 1.0 / 0.075,
        E: ArrayLike = 80.0,
        c_init: ArrayLike = 0.0,
    ):
        self.k = param(k, "k", nonnegative=True)
        self.tau = param(tau, "tau", positive=True)
        self.E = param(E, "E")
        self.c_init = param(c_init, "c_init", nonnegative=True)

    def init(self, v):
        return PinskyRinzelCalciumState(c=jnp.broadcast_to(self.c_init.astype(v.dtype), v.shape))

    def conditions(self, state):
        c = state.c
        return IonConditions(
            E=self.E,
            c_in=c,
            c_out=jnp.asarray(2.0, c.dtype),
            valence=jnp.asarray(2.0, c.dtype),
            temperature=jnp.asarray(309.15, c.dtype),
        )

    def derivative(self, state, current, v):
        return PinskyRinzelCalciumState(c=-self.k * current - state.c / self.tau)

    def step(self, state, current, v, dt):
        c_inf = -self.k * self.tau * current
        return PinskyRinzelCalciumState(c=c_inf + (state.c - c_inf) * jnp.exp(-dt / self.tau))
