"""What the point neurons share: their common arguments, the step's input and integration,
spikes from a spike function, resets that pass surrogate gradients, refractory counters
and initial potentials.

The helpers take the model itself and read the fields every point neuron declares: `n`,
`v_init`, `method`, `spike_fn` and, for the integrate-and-fire family, `v_reset` and
`tau_ref` (the leaky ones also `tau`, `v_rest`, `R` and `I_bias`). A model's own file
keeps its parameters, its state, its equations (`vector_field`) and what its `step`
does with them.
"""

from typing import Any

import jax
import jax.numpy as jnp

from .._checks import param
from .._current import as_affine
from .._custom_types import Array, ArrayLike, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod
from ..integrate._names import resolve_method
from ..surrogate import AbstractSpikeFunction
from ._base import check_input

RESETS = ("hard", "soft")
"""The reset rules of the integrate-and-fire neurons: `"hard"` sets $v$ to $v_\\text{reset}$,
`"soft"` subtracts $v_\\text{th} - v_\\text{reset}$ (the overshoot above threshold is kept)."""


def spike_dtype(spike_fn: AbstractSpikeFunction, dtype: Any) -> Any:
    """The dtype of `spike_fn`'s spikes for potentials of `dtype` (bool for `Heaviside`,
    `dtype` for a surrogate), without computing anything."""
    return jax.eval_shape(spike_fn, jax.ShapeDtypeStruct((1,), dtype)).dtype


def on_spike(spike: Array, fired: Array, otherwise: Array) -> Array:
    r"""`fired` where `spike`, else `otherwise`: the one rule every reset and spike-triggered
    jump uses.

    Bool spikes (`Heaviside`) select with `jnp.where`, exactly and at no extra cost. Float
    spikes $s \in \{0, 1\}$ from a surrogate give the same values as
    `s * fired + (1 - s) * otherwise`, a product through which the surrogate gradient
    $\partial s/\partial v$ reaches the reset: a hard reset is
    $v - s\,(v - v_\text{reset})$ in value and gradient, a spike-triggered adaptation
    $w + s\,b$. (Written as two products rather than `otherwise + s * (fired - otherwise)`
    so that a large overshoot, e.g. an exponential neuron's upswing, cancels exactly.)
    """
    if spike.dtype == jnp.bool_:
        return jnp.where(spike, fired, otherwise)
    return spike * fired + (1 - spike) * otherwise


def jump_on_spike(spike: Array, x: Array, jump: ArrayLike) -> Array:
    r"""`x + jump` where `spike`, else `x`: a spike-triggered increment (adaptation,
    threshold). For float spikes $s$ it is $x + s\,\text{jump}$, equal in value and
    gradient to `on_spike(spike, x + jump, x)`, but the backward pass of a training run
    keeps one product per step instead of two (measured on a recurrent LIF network's
    soft reset, written the same way: 0.064 -> 0.041 s of CPU time per training step)."""
    if spike.dtype == jnp.bool_:
        return jnp.where(spike, x + jump, x)
    return x + spike * jump


def _check_reset(reset: Any, who: str) -> str:
    if not isinstance(reset, str) or reset not in RESETS:
        raise ValueError(f"{who}: reset must be one of {RESETS}, got reset={reset!r}.")
    return reset


def _check_spike_fn(spike_fn: Any, who: str) -> AbstractSpikeFunction:
    if not isinstance(spike_fn, AbstractSpikeFunction):
        raise TypeError(
            f"{who}: spike_fn must be a dx.surrogate.AbstractSpikeFunction (Heaviside() or "
            f"a surrogate such as dx.surrogate.Sigmoid()), got a {type(spike_fn).__name__}."
        )
    return spike_fn


def set_common(
    model: Any,
    v_init: Any,
    default: Any,
    method: AbstractODEMethod | str,
    spike_fn: AbstractSpikeFunction | None = None,
    reset: str | None = None,
) -> None:
    """Check and set (from a model's `__init__`, after its parameters) the arguments every
    point neuron takes: `v_init` (`default` when `None`, an initialiser called as
    `v_init(key, (n,))`, or a number / `(n,)` array), `method` (an `AbstractODEMethod` or
    its name) and, where the model has them, `spike_fn` and `reset` (one of `RESETS`).
    Errors name the model's class."""
    who = type(model).__name__
    if v_init is not None and not callable(v_init):
        v_init = param(v_init, "v_init", n=model.n)
    model.v_init = default if v_init is None else v_init
    model.method = resolve_method(method, AbstractODEMethod, who)
    if spike_fn is not None:
        model.spike_fn = _check_spike_fn(spike_fn, who)
    if reset is not None:
        model.reset = _check_reset(reset, who)


def refractory_period(tau_ref: ArrayLike | None, n: int) -> Array | None:
    """The checked `tau_ref` of an integrate-and-fire model (ms: a finite number >= 0 or an
    `(n,)` array of them), or `None`: no refractory period, and no counter in the state.

    A number, even 0, keeps the counter, so that models with and without a refractory
    period have one state structure (to be stacked, swept over `tau_ref` or changed by
    `eqx.tree_at`); `None` removes the counter's work from every step: the hold, the
    counter's update and, in a training run, the mask stored for the backward pass."""
    return None if tau_ref is None else param(tau_ref, "tau_ref", nonnegative=True, n=n)


def initial_refractory(model: Any) -> Array | None:
    """The initial refractory counter of `model` (`(n,)` zeros), `None` when its `tau_ref`
    is `None`."""
    return None if model.tau_ref is None else jnp.zeros(model.n, jnp.int32)


def initial_v_spike(model: Any, key: PRNGKeyArray | None, dtype: Any) -> tuple[Array, Array]:
    """The initial potential `v` (`(n,)` of `dtype`, from `model.v_init`; a random
    initialiser needs `key`) and the initial `spike` field: no spikes, of the dtype that
    `model.spike_fn` gives for `v`."""
    v = initial_potential(model, key, dtype)
    return v, jnp.zeros(model.n, spike_dtype(model.spike_fn, v.dtype))


def initial_potential(model: Any, key: PRNGKeyArray | None, dtype: Any) -> Array:
    """The `(n,)` initial potentials of `model.v_init` (see `set_common`) as `dtype`."""
    value = model.v_init
    if callable(value):
        if key is None:
            who = type(model).__name__
            raise ValueError(f"{who}.init needs a key: v_init is a random initialiser.")
        value = value(key, (model.n,))
    return jnp.broadcast_to(jnp.asarray(value, dtype), (model.n,))


def input_current(args: Any, v: Array, I_bias: Array) -> Array:
    """$I(v) + I_\\text{bias}$: the input `args` (a current or a `dx.AbstractCurrent`) at
    the potential `v`, plus the bias current (what every `vector_field` adds)."""
    drive = as_affine(args, v)
    return drive.current + I_bias - drive.conductance * v


def _check_step_input(model: Any, input: Any) -> None:
    check_input(input, model.n, f"the input of {type(model).__name__}(n={model.n})")


def ode_step(model: Any, input: Any, ctx: Context, v: Array, *others: Array) -> Any:
    """The state `(v, *others)` (or `v` alone) advanced over the step by `model.method`
    through `model.vector_field`, with the input checked and its `jump` added to `v`
    first."""
    _check_step_input(model, input)
    v = v + as_affine(input, v).jump
    y = (v, *others) if others else v
    return model.method.step(model.vector_field, y, ctx.t, ctx.dt, input)


def leaky_step(model: Any, v: Array, input: Any, ctx: Context) -> Array:
    r"""The potential after the step of a leaky membrane
    $\tau\,dv/dt = -(v - v_\text{rest}) + R\,(I(v) + I_\text{bias})$ with the input held:
    in the affine form $\tau\,dv/dt = a - b\,v$, $a = v_\text{rest} + R\,(I + I_\text{bias})$,
    $b = 1 + R\,g$, handed to `model.method.affine_step` (for the default `ExpEuler`, the
    exact exponential relaxation toward $a/b$). The input is checked and its `jump`
    added first."""
    _check_step_input(model, input)
    drive = as_affine(input, v)
    leak = 1 + model.R * drive.conductance  # > 0 for non-negative conductances
    drift = model.v_rest + model.R * (drive.current + model.I_bias)
    return model.method.affine_step(v + drive.jump, ctx.t, ctx.dt, drift, leak, model.tau)


def _fired(spike: Array) -> Array:
    return spike if spike.dtype == jnp.bool_ else spike > 0


def fire(
    model: Any,
    state: Any,
    v: Array,
    threshold: Array,
    dt: float,
    reset: str = "hard",
    drop: Array | None = None,
) -> tuple[Array, Array, Array | None]:
    """The integrate-and-fire end of a step: the potential after the spike and reset, the
    spikes, and the refractory counter.

    `v` is the integrated potential and `state` the one at the start of the step (its
    `v` and `refractory`, the steps of refractoriness left). While refractory a hard reset
    holds $v$ at `model.v_reset`, a soft one where it was. Spikes are
    `model.spike_fn(v - threshold)`; a hard reset sets `v_reset` (through `on_spike`), a soft
    one subtracts `drop` (`threshold - v_reset` if `None`). The counter becomes
    `model.tau_ref / dt` (rounded) where the neuron fired, one less than before elsewhere;
    with `model.tau_ref = None` there is none (`None`), and nothing is held.
    """
    if (model.tau_ref is None) != (state.refractory is None):
        who = type(model).__name__
        has = "has no" if state.refractory is None else "has a"
        given = "None" if model.tau_ref is None else "a number"
        raise ValueError(
            f"{who}.step: the state {has} refractory counter but the model's tau_ref is "
            f"{given}; make the state with this model's init (tau_ref=None has no counter, "
            f"a number, even 0, has one)."
        )
    held = None if state.refractory is None else state.refractory > 0
    if reset == "hard":
        if held is not None:
            v = jnp.where(held, model.v_reset, v)
        spike = model.spike_fn(v - threshold)
        v = on_spike(spike, model.v_reset, v)
    else:
        if held is not None:
            v = jnp.where(held, state.v, v)
        spike = model.spike_fn(v - threshold)
        drop = threshold - model.v_reset if drop is None else drop
        # For float spikes s in {0, 1}, v - s drop has on_spike's values and gradients,
        # and its backward pass stores no per-step copies of v and v - drop (a surrogate-
        # trained LIF network's BPTT step took 1.6x the CPU time with them).
        v = on_spike(spike, v - drop, v) if spike.dtype == jnp.bool_ else v - spike * drop
    if held is None:
        return v, spike, None
    steps = jnp.round(model.tau_ref / dt).astype(jnp.int32)
    counter = jnp.where(_fired(spike), steps, jnp.maximum(state.refractory - 1, 0))
    return v, spike, counter


def upward_crossing(
    spike_fn: AbstractSpikeFunction, v_prev: Array, v: Array, threshold: Array
) -> Array:
    """Spikes where the step took `v` from below `threshold` to at or above it
    (`v_prev < threshold <= v`): `spike_fn(v - threshold)` gated by `v_prev < threshold`,
    for models without a reset (the gradient flows through the first factor)."""
    above = spike_fn(v - threshold)
    was_below = v_prev < threshold
    if above.dtype == jnp.bool_:
        return above & was_below
    return above * was_below.astype(above.dtype)
