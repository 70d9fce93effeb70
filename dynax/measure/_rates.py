"""Firing rates from recorded spikes."""

import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike


def _check(spikes: ArrayLike, dt: float) -> Array:
    spikes = jnp.asarray(spikes)
    if spikes.ndim < 1:
        raise ValueError(f"spikes must have a leading time axis, got shape {spikes.shape}.")
    if not dt > 0:
        raise ValueError(f"dt must be positive (ms), got dt={dt!r}.")
    return spikes


def firing_rate(spikes: ArrayLike, dt: float, *, per_neuron: bool = False) -> Array:
    """Mean firing rate (Hz) of recorded spikes.

    **Arguments:**

    - `spikes`: `(T, n)` spikes (bool or counts), one row per recorded step.
    - `dt`: time between rows (ms): the step times `every` of `dx.simulate`.
    - `per_neuron`: return each neuron's rate `(n,)` instead of the population mean.
    """
    spikes = _check(spikes, dt)
    duration_s = spikes.shape[0] * dt / 1000.0
    counts = jnp.sum(spikes, axis=0, dtype=jnp.result_type(float))  # no float copy of spikes
    rates = counts / duration_s
    return rates if per_neuron else rates.mean()


def population_rate(spikes: ArrayLike, dt: float, *, window: float | None = None) -> Array:
    """Instantaneous population rate (Hz) at each recorded step, `(T,)`: the fraction of
    neurons that spiked, divided by `dt`, optionally averaged over a centred rectangular
    `window` (ms)."""
    spikes = _check(spikes, dt)
    rate = jnp.mean(spikes.reshape(spikes.shape[0], -1), axis=1, dtype=jnp.result_type(float))
    rate = rate / (dt / 1000.0)
    if window is not None:
        width = max(1, int(np.round(window / dt)))
        rate = jnp.convolve(rate, jnp.ones(width) / width, mode="same")
    return rate
