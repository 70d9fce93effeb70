"""What the spiking point neurons share: spikes from a spike function, resets that pass
surrogate gradients, refractory counters and initial potentials."""

from typing import Any

import jax
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, PRNGKeyArray
from ..surrogate import AbstractSpikeFunction

RESETS = ("hard", "soft")
"""The reset rules of the integrate-and-fire neurons: `"hard"` sets $v$ to $v_\\text{reset}$,
`"soft"` subtracts $v_\\text{th} - v_\\text{reset}$ (the overshoot above threshold is kept)."""


def spike_dtype(spike_fn: AbstractSpikeFunction, dtype: Any) -> Any:
    """The dtype of `spike_fn`'s spikes for potentials of `dtype` (bool for `Heaviside`,
    `dtype` for a surrogate), without computing anything."""
    return jax.eval_shape(spike_fn, jax.ShapeDtypeStruct((1,), dtype)).dtype


def no_spikes(spike_fn: AbstractSpikeFunction, n: int, dtype: Any) -> Array:
    """The `spike` field of an initial state: `n` zeros of the spike function's dtype."""
    return jnp.zeros(n, spike_dtype(spike_fn, dtype))


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


def fired(spike: Array) -> Array:
    """`spike` as bool (for the refractory counters, which carry no gradient)."""
    return spike if spike.dtype == jnp.bool_ else spike > 0


def refractory_count(spike: Array, counter: Array, tau_ref: Array, dt: float) -> Array:
    """The steps of refractoriness left after this step: `tau_ref / dt` (rounded) where the
    neuron fired, one less than before elsewhere."""
    steps = jnp.round(tau_ref / dt).astype(jnp.int32)
    return jnp.where(fired(spike), steps, jnp.maximum(counter - 1, 0))


def check_reset(reset: Any, who: str) -> str:
    """`reset` if it names one of `RESETS`, else a `ValueError` listing them."""
    if not isinstance(reset, str) or reset not in RESETS:
        raise ValueError(f"{who}: reset must be one of {RESETS}, got reset={reset!r}.")
    return reset


def check_spike_fn(spike_fn: Any, who: str) -> AbstractSpikeFunction:
    """`spike_fn` if it is a `dx.surrogate.AbstractSpikeFunction`, else a `TypeError`."""
    if not isinstance(spike_fn, AbstractSpikeFunction):
        raise TypeError(
            f"{who}: spike_fn must be a dx.surrogate.AbstractSpikeFunction (Heaviside() or "
            f"a surrogate such as dx.surrogate.Sigmoid()), got a {type(spike_fn).__name__}."
        )
    return spike_fn


def init_value(value: Any, default: Any, name: str, n: int) -> Any:
    """A `v_init`-style argument: `None` (then `default`), an initialiser called as
    `value(key, (n,))`, or a number / `(n,)` array."""
    if value is None:
        return default
    if callable(value):
        return value
    return param(value, name, n=n)


def initial(value: Any, key: PRNGKeyArray | None, n: int, dtype: Any, who: str) -> Array:
    """The `(n,)` initial values of an `init_value` field (random ones need `key`)."""
    if callable(value):
        if key is None:
            raise ValueError(f"{who}.init needs a key: v_init is a random initialiser.")
        value = value(key, (n,))
    return jnp.broadcast_to(jnp.asarray(value, dtype), (n,))


def fire_and_reset(
    v: Array,
    v_prev: Array,
    refractory: Array,
    threshold: Array,
    v_reset: Array,
    spike_fn: AbstractSpikeFunction,
    reset: str = "hard",
    drop: Array | None = None,
) -> tuple[Array, Array]:
    """The potential after the step's spike and reset, and the spikes.

    `v` is the integrated potential, `v_prev` the one at the start of the step and
    `refractory` where the neuron is refractory: there a hard reset holds $v$ at
    `v_reset`, a soft reset where it was. Spikes are `spike_fn(v - threshold)`; a hard
    reset sets `v_reset`, a soft one subtracts `drop` (`threshold - v_reset` if `None`).
    """
    if reset == "hard":
        v = jnp.where(refractory, v_reset, v)
        spike = spike_fn(v - threshold)
        return on_spike(spike, v_reset, v), spike
    v = jnp.where(refractory, v_prev, v)
    spike = spike_fn(v - threshold)
    drop = threshold - v_reset if drop is None else drop
    return on_spike(spike, v - drop, v), spike


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
