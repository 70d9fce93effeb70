r"""Conductance-based neurons built from channels: one compartment,
$C\,dv/dt = \sum_k I_k + I_\text{input}$, and the ready-made models on the same code."""

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import check_size, param
from .._current import AffineCurrent, as_affine
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray, PyTree
from .._system import Context
from ..channels import AbstractChannel, AbstractIon, IonConditions, ion_current
from ..integrate import AbstractODEMethod, ExpEuler
from ..integrate._names import resolve_method
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron, check_input


class ConductanceBasedState(eqx.Module):
    """State of a conductance-based population (`dx.neurons.ConductanceBased`, `HH`,
    `WangBuzsaki`, `MorrisLecar`).

    - `v`: membrane potential (mV), `(n,)`.
    - `spike`: whether each neuron's potential crossed `v_th` upwards during the last
      step, `(n,)` (bool with the default `spike_fn`). `None` in the variable of
      `vector_field`.
    - `channels`: the state of each channel (its gates), keyed like the model's
      `channels` (`state.channels["Na"].m`).
    - `ions`: the state of each ion (e.g. a concentration), keyed like the model's `ions`.
    """

    v: Float[Array, " n"]
    spike: Any
    channels: dict[str, PyTree]
    ions: dict[str, PyTree]


class AbstractConductanceNeuron(AbstractNeuron):
    r"""A single-compartment conductance-based population: the family of
    [`dynax.neurons.ConductanceBased`][] and of the ready-made models (`HH`,
    `WangBuzsaki`, `MorrisLecar`), which all run this class's `init`, `step` and
    `vector_field`. See `ConductanceBased` for the equations and the arguments.
    """

    n: eqx.AbstractVar[int]
    channels: eqx.AbstractVar[dict[str, AbstractChannel]]
    ions: eqx.AbstractVar[dict[str, AbstractIon]]
    C: eqx.AbstractVar[Array]
    I_bias: eqx.AbstractVar[Array]
    v_th: eqx.AbstractVar[Array]
    v_init: eqx.AbstractVar[Any]
    spike_fn: eqx.AbstractVar[AbstractSpikeFunction]
    method: eqx.AbstractVar[AbstractODEMethod]

    def init(self, key: PRNGKeyArray | None = None) -> ConductanceBasedState:
        if callable(self.v_init):
            if key is None:
                raise ValueError(
                    f"{type(self).__name__}.init needs a key: v_init is a random initialiser."
                )
            v = self.v_init(key, (self.n,))
        else:
            v = self.v_init
        dtype = self.C.dtype
        v = jnp.broadcast_to(jnp.asarray(v, dtype), (self.n,))
        ions = {name: ion.init(v) for name, ion in self.ions.items()}
        conditions = self._conditions(ions)
        channels = {name: ch.init(v, conditions) for name, ch in self.channels.items()}
        spike_dtype = jax.eval_shape(self.spike_fn, jnp.zeros(self.n, dtype)).dtype
        return ConductanceBasedState(
            v=v, spike=jnp.zeros(self.n, spike_dtype), channels=channels, ions=ions
        )

    def _conditions(self, ion_states: dict[str, PyTree]) -> dict[str, IonConditions]:
        return {name: ion.conditions(ion_states[name]) for name, ion in self.ions.items()}

    def _currents(self, y: ConductanceBasedState, conditions) -> dict[str, AffineCurrent]:
        return {
            name: ch.current(y.channels[name], y.v, conditions)
            for name, ch in self.channels.items()
        }

    def _ion_currents(self, currents: dict[str, AffineCurrent], v: Array) -> dict[str, Array]:
        out: dict[str, Array] = {name: jnp.zeros_like(v) for name in self.ions}
        for name, ch in self.channels.items():
            if ch.ion is not None:
                out[ch.ion] = out[ch.ion] + ion_current(currents[name], v)
        return out

    def _total(self, currents: dict[str, AffineCurrent], drive: AffineCurrent) -> AffineCurrent:
        a = drive.current + self.I_bias
        b = drive.conductance
        for current in currents.values():
            a = a + current.current
            b = b + current.conductance
        return AffineCurrent(a, b)

    def vector_field(self, t, y: ConductanceBasedState, args) -> ConductanceBasedState:
        """$dy/dt$ for the input `args` (a current in µA/cm² or an `AbstractCurrent`),
        where `y` is a state whose `spike` is ignored; the derivative has `spike=None`
        (give Diffrax `dataclasses.replace(state, spike=None)`). Units: mV/ms for `v`,
        1/ms for gates."""
        drive = as_affine(args, y.v)
        conditions = self._conditions(y.ions)
        currents = self._currents(y, conditions)
        total = self._total(currents, drive)
        dv = (total.current - total.conductance * y.v) / self.C
        ion_currents = self._ion_currents(currents, y.v)
        return ConductanceBasedState(
            v=dv,
            spike=None,
            channels={
                name: ch.derivative(y.channels[name], y.v, conditions)
                for name, ch in self.channels.items()
            },
            ions={
                name: ion.derivative(y.ions[name], ion_currents[name], y.v)
                for name, ion in self.ions.items()
            },
        )

    @abc.abstractmethod
    def step(self, state: ConductanceBasedState, input, ctx: Context) -> ConductanceBasedState:
        """One step (every model of the family calls `conductance_step`)."""


def conductance_step(
    self: AbstractConductanceNeuron, state: ConductanceBasedState, input: Any, ctx: Context
) -> ConductanceBasedState:
    """The step of every `AbstractConductanceNeuron`: exponential Euler in closed form
    (Rush–Larsen gates, exact membrane step) or `method.step` on `vector_field`."""
    check_input(input, self.n, f"the input of {type(self).__name__}(n={self.n})")
    drive = as_affine(input, state.v)
    y = ConductanceBasedState(
        v=state.v + drive.jump, spike=None, channels=state.channels, ions=state.ions
    )
    if isinstance(self.method, ExpEuler):
        # Exponential Euler on this ODE is, in closed form: every gate relaxes
        # exactly toward its steady state at the step's potential (Rush-Larsen), and
        # the membrane exactly toward a / b under the summed affine currents.
        conditions = self._conditions(y.ions)
        currents = self._currents(y, conditions)
        total = self._total(currents, drive)
        v = self.method.affine_step(y.v, ctx.t, ctx.dt, total.current, total.conductance, self.C)
        ion_currents = self._ion_currents(currents, y.v)
        channels = {
            name: ch.step(y.channels[name], y.v, conditions, ctx.dt)
            for name, ch in self.channels.items()
        }
        ions = {
            name: ion.step(y.ions[name], ion_currents[name], y.v, ctx.dt)
            for name, ion in self.ions.items()
        }
    else:
        out = self.method.step(self.vector_field, y, ctx.t, ctx.dt, input)
        v, channels, ions = out.v, out.channels, out.ions
    spike = self.spike_fn(v - self.v_th)
    # An upward crossing: a neuron held above threshold fires once.
    spike = jnp.where(state.v < self.v_th, spike, jnp.zeros_like(spike))
    return ConductanceBasedState(v=v, spike=spike, channels=channels, ions=ions)


def check_parts(
    n: int, channels: Any, ions: Any, dtype: Any, who: str
) -> tuple[dict[str, AbstractChannel], dict[str, AbstractIon]]:
    """`channels` and `ions` as dicts, checked: channels and ions of the right families,
    every carried ion present, every state of shape `(n,)`."""
    if not isinstance(channels, dict) or not channels:
        raise TypeError(
            f"{who}: channels must be a non-empty dict of name -> dx.channels.AbstractChannel, "
            f"got {channels!r}."
        )
    ions = {} if ions is None else ions
    if not isinstance(ions, dict):
        raise TypeError(f"{who}: ions must be None or a dict of name -> dx.channels.AbstractIon.")
    for name, ch in channels.items():
        if not isinstance(name, str) or not isinstance(ch, AbstractChannel):
            raise TypeError(
                f"{who}: channels[{name!r}] must be a dx.channels.AbstractChannel keyed by a "
                f"string, got {type(ch).__name__}."
            )
        if ch.ion is not None and ch.ion not in ions:
            raise ValueError(
                f"{who}: channel {name!r} carries the ion {ch.ion!r}, which is not in ions "
                f"(ions has {sorted(ions)})."
            )
    for name, ion in ions.items():
        if not isinstance(name, str) or not isinstance(ion, AbstractIon):
            raise TypeError(
                f"{who}: ions[{name!r}] must be a dx.channels.AbstractIon keyed by a string, "
                f"got {type(ion).__name__}."
            )

    def conditions(v):
        return {name: ion.conditions(ion.init(v)) for name, ion in ions.items()}

    def of_ion(v, ion):
        state = ion.init(v)
        return state, ion.conditions(state)

    def of_channel(v, ch):
        state = ch.init(v, conditions(v))
        return state, ch.current(state, v, conditions(v))

    v = jax.ShapeDtypeStruct((n,), dtype)
    parts = [("ion", name, of_ion, ion) for name, ion in ions.items()]
    parts += [("channel", name, of_channel, ch) for name, ch in channels.items()]
    for kind, name, fn, part in parts:
        # Its state must have the neuron's shape, and what it gives others must broadcast.
        try:
            state, out = jax.eval_shape(fn, v, part)
            bad = [f"shape {x.shape}" for x in jax.tree.leaves(state) if x.shape != (n,)]
            bad += [f"shape {x.shape}" for x in jax.tree.leaves(out) if x.shape not in ((), (n,))]
        except (TypeError, ValueError) as e:  # parameters that do not broadcast
            bad = [str(e).splitlines()[0]]
        if bad:
            raise ValueError(
                f"{who}: {kind} {name!r} does not fit {n} neurons ({bad[0]}): its "
                f"parameters must be scalars or have shape ({n},)."
            )
    # Sorted, as JAX flattens dicts: the currents add in one order, traced or not.
    return dict(sorted(channels.items())), dict(sorted(ions.items()))


def setup(
    self: AbstractConductanceNeuron,
    n: int,
    channels: Any,
    ions: Any,
    *,
    C: ArrayLike,
    I_bias: ArrayLike,
    v_init: Any,
    v_th: ArrayLike,
    spike_fn: Any,
    method: Any,
) -> None:
    """Check and set the fields of a conductance-based neuron (from its `__init__`)."""
    who = type(self).__name__
    self.n = n = check_size(n)
    self.C = param(C, "C", positive=True, n=n)
    self.I_bias = param(I_bias, "I_bias", n=n)
    self.v_th = param(v_th, "v_th", n=n)
    self.v_init = v_init if callable(v_init) else param(v_init, "v_init", n=n)
    self.channels, self.ions = check_parts(n, channels, ions, self.C.dtype, who)
    if not isinstance(spike_fn, AbstractSpikeFunction):
        raise TypeError(
            f"{who}: spike_fn must be a dx.surrogate.AbstractSpikeFunction, got {spike_fn!r}."
        )
    self.spike_fn = spike_fn
    self.method = resolve_method(method, AbstractODEMethod, who)


class ConductanceBased(AbstractConductanceNeuron):
    r"""A conductance-based population of `n` single-compartment neurons made of any
    channels and ions:

    $$C\,\frac{dv}{dt} = \sum_k I_k(v, x_k) + I(v) + I_\text{bias},$$

    where each channel $k$ (a [`dynax.channels.AbstractChannel`][]) passes the inward
    current $I_k = g_k(x_k)\,(E_k - v)$ and has gates $x_k$, ions (e.g. calcium) change
    with the currents their channels carry, and $I(v)$ is the step's input. A neuron
    spikes when $v$ crosses `v_th` upwards ($v_\text{prev} < v_\text{th} \le v$).

    With the default `method=ExpEuler()`, a step holds $v$ for the channels and the
    channels for $v$: each gate relaxes exactly toward its steady state at the step's
    potential (Rush–Larsen), the membrane exactly toward $a/b$ under the summed affine
    current $a - b\,v$ (channels, input and bias), and each ion by its own exponential
    step. That is exponential Euler on the whole ODE (first order, stable at
    `dt = 0.1` ms and beyond). Any other [`dynax.integrate.AbstractODEMethod`][]
    (`RK4()`, `Diffrax(diffrax.Tsit5())`) steps `vector_field` instead.

    **Units.** mV, ms, µF/cm², mS/cm², µA/cm². Synaptic conductances arrive in the same
    units as channel conductances (mS/cm²): a network builder whose synapses are in nS
    divides by the membrane area (1 nS over 20 000 µm² is 0.005 mS/cm²), and currents in
    nA likewise (1 nA over 20 000 µm² is 5 µA/cm²).

    **Arguments:**

    - `n`: number of neurons.
    - `channels`: a dict of name → `dx.channels.AbstractChannel`; the state holds their
      gates under the same names.
    - `ions`: a dict of name → `dx.channels.AbstractIon` (default none); a channel whose
      `ion` is a name here carries that ion's current.
    - `C`: membrane capacitance (µF/cm²), > 0; default 1.
    - `I_bias`: constant current added to every step's input (µA/cm²); default 0.
    - `v_init`: initial potential (mV): a number, an `(n,)` array or an initialiser
      called as `v_init(key, (n,))`; default −65. Gates and ions start at steady state.
    - `v_th`: spike detection threshold (mV), crossed upwards; default 0.
    - `spike_fn`: the spike function applied to `v - v_th`; default
      `dx.surrogate.Heaviside()` (bool spikes). A surrogate makes the spikes trainable.
    - `method`: an `AbstractODEMethod` or a name of `dx.integrate.METHODS`; default
      `ExpEuler()`.
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
        channels: dict[str, AbstractChannel],
        ions: dict[str, AbstractIon] | None = None,
        *,
        C: ArrayLike = 1.0,
        I_bias: ArrayLike = 0.0,
        v_init: Any = -65.0,
        v_th: ArrayLike = 0.0,
        spike_fn: AbstractSpikeFunction = Heaviside(),
        method: AbstractODEMethod | str = ExpEuler(),
    ):
        setup(
            self,
            n,
            channels,
            ions,
            C=C,
            I_bias=I_bias,
            v_init=v_init,
            v_th=v_th,
            spike_fn=spike_fn,
            method=method,
        )

    def step(self, state: ConductanceBasedState, input, ctx: Context) -> ConductanceBasedState:
        return conductance_step(self, state, input, ctx)
