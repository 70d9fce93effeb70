r"""The channel and ion protocols: what a conductance-based neuron needs of its parts.

A conductance-based compartment of `n` neurons obeys

$$C\,\frac{dv}{dt} = \sum_k I_k(v, x_k) + I_\text{input}(v),$$

where each channel $k$ has gating variables $x_k$ (its *state*) and passes the current
$I_k$, written (as every input in dynax, see `dx.AffineCurrent`) in the *inward*
sense, positive when it depolarises the membrane: a channel of conductance $g(x)$ and
reversal potential $E$ passes $I = g(x)\,(E - v)$, which is `AffineCurrent(g * E, g)`.
Because every current is affine in $v$ once the gates are held, the neuron sums them
into one `AffineCurrent` $(a, b)$, and the membrane equation over a step,
$C\,dv/dt = a - b\,v$, has an exact exponential solution; each gate
$dx/dt = (x_\infty(v) - x)/\tau_x(v)$ with $v$ held has one too (Rush–Larsen):
$x \leftarrow x_\infty + (x - x_\infty)\,e^{-dt/\tau_x}$. This is exponential Euler
applied to the whole ODE, and it is stable at the usual `dt = 0.1` ms.

**Units.** Voltage mV, time ms, current densities µA/cm², conductances mS/cm²
(mS/cm² · mV = µA/cm²), capacitance µF/cm², concentrations mM.

**Channels** ([`dynax.channels.AbstractChannel`][]) are parameters only; their gates live
in the neuron's state under the channel's name. A channel implements

- `init(v, ions)`: its state at steady state at potential `v` (gates at $x_\infty(v)$);
- `step(state, v, ions, dt)`: the state after `dt` ms with `v` held (Rush–Larsen);
- `derivative(state, v, ions)`: $d\,\text{state}/dt$, a pytree like `state`, for the
  neuron's `vector_field` (so that Runge–Kutta methods, Diffrax and the analysis tools
  see the true ODE);
- `current(state, v, ions)`: its current as an `AffineCurrent` at `v`;

and declares `ion`, the name (a key of the neuron's `ions`) of the ion whose current it
carries, or `None` for a channel with a fixed reversal potential (a parameter `E` of the
channel) whose current changes no concentration. A channel with no gates (a leak, or a
channel whose gates are instantaneous) has the state `None`.

A channel whose current is not affine in $v$ (a Goldman–Hodgkin–Katz current) returns
its affine form at `v`: the tangent $I(v) + I'(v)(u - v)$, i.e.
`AffineCurrent(I(v) - I'(v) * v, -I'(v))` (exact to first order, and implicit in the
part of the current that grows with $v$), or, where $I'$ is awkward, the current at `v`
with zero conductance `AffineCurrent(I(v), 0)` (explicit for that channel). Either
form is the same current at `v`, so the `vector_field` is exact.

**Ions** ([`dynax.channels.AbstractIon`][]) carry a concentration that the currents of
their channels change (calcium): `init(v)`, `step(state, current, v, dt)`,
`derivative(state, current, v)` and `conditions(state)`. `current` is the membrane
current density carried by the ion, in the *membrane* sense of the papers (outward
positive, so a calcium influx is negative): $I_\text{ion} = \sum_k g_k (v - E_k)$
over the channels whose `ion` is this ion, µA/cm². Channels read an ion through the
[`dynax.channels.IonConditions`][] it gives (reversal potential, inside and outside
concentration, valence, temperature), passed to them as `ions`, a dict keyed like the
neuron's `ions`. A channel that only reads an ion (a calcium-activated potassium
channel reads $[\mathrm{Ca}]_i$ but carries K⁺) names it in a field of its own and has
`ion = None`.

**Names.** Channels are named by the model or paper they come from, then the ion or
kind: `HHSodium`, `HHPotassium`, `TraubMilesSodium`, `WangBuzsakiSodium`, `Leak`.

**Rate functions.** Many rates have the form $a\,x/(e^{x} - 1)$, which is 0/0 at one
voltage (the HH $\alpha_m$ at $v = -40$ mV); the channels evaluate it with a
series near $x = 0$ so that value and gradient stay finite in float32 and float64.
"""

import abc

import equinox as eqx

from .._current import AffineCurrent
from .._custom_types import Array, PyTree


class IonConditions(eqx.Module):
    """What channels read of an ion at one moment (built by the ion's `conditions`).

    - `E`: reversal potential (mV), scalar or `(n,)`.
    - `c_in`: concentration inside the cell (mM), scalar or `(n,)`.
    - `c_out`: concentration outside (mM), scalar or `(n,)`.
    - `valence`: the ion's charge number $z$ (2 for Ca²⁺).
    - `temperature`: absolute temperature (K), for Nernst and GHK.
    """

    E: Array
    c_in: Array
    c_out: Array
    valence: Array
    temperature: Array


class AbstractIon(eqx.Module):
    """An ion species whose inside concentration evolves with the current its channels
    carry (e.g. calcium), as seen by one compartment of `n` neurons.

    The neuron holds ions in a dict (`ions={"Ca": ...}`) and their states under the same
    names; a channel whose `ion` is `"Ca"` carries calcium current and feeds it back.
    See the module docstring of `dynax.channels` for the sign of `current`.
    """

    @abc.abstractmethod
    def init(self, v: Array) -> PyTree:
        """The initial state for membrane potential `v` (mV, `(n,)`), shaped like `v`."""

    @abc.abstractmethod
    def conditions(self, state: PyTree) -> IonConditions:
        """Reversal potential, concentrations, valence and temperature in `state`."""

    @abc.abstractmethod
    def derivative(self, state: PyTree, current: Array, v: Array) -> PyTree:
        """$d\\,\\text{state}/dt$ (per ms) under the membrane current `current`
        (µA/cm², outward positive) carried by this ion at potential `v` (mV)."""

    @abc.abstractmethod
    def step(self, state: PyTree, current: Array, v: Array, dt: float) -> PyTree:
        """The state after `dt` ms with `current` (µA/cm², outward positive) and `v`
        (mV) held (exponential Euler where the equation allows)."""


class AbstractChannel(eqx.Module):
    """An ion channel of a compartment of `n` neurons: parameters, no state.

    Parameters are scalars or `(n,)` arrays that broadcast against `v` (`(n,)`); the
    neuron checks at construction that the channel's state has the neuron's shape.
    `ions` is the dict of [`dynax.channels.IonConditions`][] of the neuron's ions (empty
    when it has none). See the module docstring for the protocol and the units.
    """

    ion: eqx.AbstractVar[str | None]

    @abc.abstractmethod
    def init(self, v: Array, ions: dict[str, IonConditions]) -> PyTree:
        """The state at steady state at potential `v` (mV), or `None` without gates."""

    @abc.abstractmethod
    def step(self, state: PyTree, v: Array, ions: dict[str, IonConditions], dt: float) -> PyTree:
        """The state after `dt` ms with `v` (mV) and `ions` held, by exponential Euler
        (exact for each gate's linear equation)."""

    @abc.abstractmethod
    def derivative(self, state: PyTree, v: Array, ions: dict[str, IonConditions]) -> PyTree:
        """$d\\,\\text{state}/dt$ (per ms), a pytree like `state` (`None` without gates)."""

    @abc.abstractmethod
    def current(self, state: PyTree, v: Array, ions: dict[str, IonConditions]) -> AffineCurrent:
        """The channel's current (µA/cm², inward positive) in affine form at `v`:
        `AffineCurrent(g * E, g)` for $g\\,(E - v)$ with $g$ in mS/cm²."""


def ion_current(current: AffineCurrent, v: Array) -> Array:
    """The membrane current (µA/cm², outward positive) of an inward `AffineCurrent`
    at `v`: what an ion's `step` receives."""
    return current.conductance * v - current.current
