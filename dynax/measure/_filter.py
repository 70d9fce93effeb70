"""Band-pass filtering of sampled signals."""

import jax.numpy as jnp

from .._custom_types import Array, ArrayLike


def bandpass(signal: ArrayLike, dt: float, low: float, high: float) -> Array:
    r"""`signal` `(T, ...)` (time first, sampled every `dt` ms) with every frequency
    outside $[f_\text{low}, f_\text{high}]$ (Hz) removed: an ideal filter, by the real
    FFT along time (the mean, 0 Hz, is removed unless `low` is 0). Linear, so
    differentiable and cheap inside a loss; it treats the signal as periodic, so
    discard a few samples at the ends where they matter. BOLD signals are commonly
    filtered to 0.01–0.1 Hz, or to 0.04–0.07 Hz for the narrow-band FC of Glerean et al.
    (2012) used by Deco et al. (2017).

    **Arguments:**

    - `signal`: `(T, ...)`, time first.
    - `dt`: sampling interval (ms), e.g. a BOLD repetition time.
    - `low`, `high`: the pass band (Hz), `0 <= low < high`.
    """
    if not 0 <= low < high:
        raise ValueError(f"need 0 <= low < high (Hz), got low={low!r}, high={high!r}.")
    x = jnp.asarray(signal)
    freqs = jnp.fft.rfftfreq(x.shape[0], d=dt / 1000.0)
    keep = (freqs >= low) & (freqs <= high)
    spectrum = jnp.fft.rfft(x, axis=0) * keep.reshape(-1, *([1] * (x.ndim - 1)))
    return jnp.fft.irfft(spectrum, n=x.shape[0], axis=0)
