"""Firing rates from recorded spikes.

A spike monitor records the `spike` vector of the recorded steps only: with
`dx.simulate(..., every=k)` each row holds the spikes of one step in `k` (a sample), not
the spikes of the `k` steps since the previous row (a count). Rates are therefore
computed from rows of single steps (bool, `every=1`) or from integer spike counts; given
the records' times `t`, the functions check which one they have, so a sampled record is
an error rather than a rate that is wrong by a factor of up to `k` (or 0 Hz).
"""

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike
from .._system import check_dt


def _row_interval(spikes: Array, dt: Any, t: Any) -> float:
    """The time (ms) that one row of `spikes` covers, after checking `dt` and `t`."""
    if spikes.ndim < 1:
        raise ValueError(f"spikes must have a leading time axis, got shape {spikes.shape}.")
    if dt is not None:
        check_dt(dt)
    counts = jnp.issubdtype(spikes.dtype, jnp.integer)
    spacing = None if t is None else _spacing(t, spikes.shape[0])
    if counts:  # each row counts the spikes since the previous one
        interval = spacing if spacing is not None else dt
        if interval is None:
            raise ValueError(
                "integer spikes are counts over the time between rows: pass t (the "
                'records\' times, records["t"]) or dt (when there is one row per step).'
            )
        return float(interval)
    # Bool (or 0/1 float) rows: the spikes of one step of length dt each.
    if dt is None:
        raise ValueError(
            "dt is needed: each row of bool spikes holds the spikes of one simulation step "
            "of length dt (ms); pass the dt of dx.simulate."
        )
    if spacing is not None and not np.isclose(spacing, dt, rtol=1e-3, atol=0.0):
        every = spacing / dt
        raise ValueError(
            f"the records are {spacing:g} ms apart but dt={dt:g} ms: the spikes were "
            f"recorded on one step in {every:g} (dx.simulate's every={every:g}), "
            "so each row is a sample of one step, not a count of the spikes in between, "
            "and no rate can be computed from them. Record spikes with every=1 (chunk= "
            "bounds the memory of long runs), or pass integer spike counts per row."
        )
    return float(dt)


def _step_interval(spikes: Array, dt: Any, t: Any, who: str) -> float:
    """`_row_interval` for measures that need spike times: bool rows of single steps."""
    if jnp.issubdtype(spikes.dtype, jnp.integer):
        raise ValueError(
            f"{who} needs the spikes of single steps (bool rows, dx.simulate's every=1): "
            "counts over several steps do not give spike times."
        )
    return _row_interval(spikes, dt, t)


def _spacing(t: Any, n_rows: int) -> float | None:
    """The uniform spacing (ms) of the record times `t`, or None with a single row."""
    try:
        times = np.asarray(t, dtype=np.float64)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        raise ValueError(
            't must be concrete: the records\' times records["t"] of dx.simulate (a NumPy '
            "array, also inside jit, vmap or dx.sweep)."
        ) from None
    if times.shape != (n_rows,):
        raise ValueError(
            f"t must have one time per row of spikes, shape ({n_rows},), got shape {times.shape}."
        )
    if n_rows < 2:
        return None
    gaps = np.diff(times)
    if not (np.all(gaps > 0) and np.allclose(gaps, gaps[0], rtol=1e-3, atol=0.0)):
        raise ValueError("t must be increasing and evenly spaced, like the records' times.")
    return float(gaps[0])


def firing_rate(
    spikes: ArrayLike,
    dt: float | None = None,
    *,
    t: ArrayLike | None = None,
    per_neuron: bool = False,
) -> Array:
    """Mean firing rate (Hz) of recorded spikes.

    `dx.simulate(..., every=k)` with `k > 1` records boolean monitors (spikes) as int32
    counts over the `k` steps up to each record; pass `t=records["t"]` to read them.
    Pass `t` with bool rows as well: a bool record whose times are not `dt` apart (spikes
    sampled every `k`-th step by a function of one's own, which drops those in between)
    then raises a `ValueError` instead of giving a wrong rate. Without `t` the rows are
    taken to be consecutive steps.

    **Arguments:**

    - `spikes`: `(T, n)` records, time first, one row per record. Bool (or 0/1 float)
      rows are the spikes of one simulation step each; integer rows are spike counts,
      each over the time since the previous row.
    - `dt`: the simulation step (ms), `dx.simulate`'s `dt`. Needed for bool rows; for
      counts without `t`, the time between rows.
    - `t`: the records' times (ms), `records["t"]` (a NumPy array, evenly spaced):
      checks bool rows against `dt`, and gives the time between rows of counts.
    - `per_neuron`: return each neuron's rate `(n,)` instead of the population mean.
    """
    spikes = jnp.asarray(spikes)
    interval = _row_interval(spikes, dt, t)
    duration_s = spikes.shape[0] * interval / 1000.0
    counts = jnp.sum(spikes, axis=0, dtype=jnp.result_type(float))  # no float copy of spikes
    rates = counts / duration_s
    return rates if per_neuron else rates.mean()


def population_rate(
    spikes: ArrayLike,
    dt: float | None = None,
    *,
    t: ArrayLike | None = None,
    window: float | None = None,
) -> Array:
    """Instantaneous population rate (Hz) at each recorded row, `(T,)`: the mean over
    neurons of the spikes in the row, divided by the time the row covers, optionally
    averaged over a centred rectangular `window` (ms).

    `spikes`, `dt` and `t` as for [`dynax.measure.firing_rate`][] (a record taken with
    `every > 1` is an error when `t` is given).
    """
    spikes = jnp.asarray(spikes)
    interval = _row_interval(spikes, dt, t)
    rate = jnp.mean(spikes.reshape(spikes.shape[0], -1), axis=1, dtype=jnp.result_type(float))
    rate = rate / (interval / 1000.0)
    if window is not None:
        width = max(1, int(np.round(window / interval)))
        rate = jnp.convolve(rate, jnp.ones(width) / width, mode="same")
    return rate


def _kernel(kernel: str, width: float, interval: float) -> np.ndarray:
    """The smoothing kernel sampled at the rows' spacing, odd length, centred, unit sum."""
    if not (isinstance(width, (int, float)) and not isinstance(width, bool) and width > 0):
        raise ValueError(f"width must be a positive number (ms), got width={width!r}.")
    if kernel == "gaussian":
        half = int(np.ceil(4.0 * width / interval))
        lags = interval * np.arange(-half, half + 1)
        w = np.exp(-0.5 * (lags / width) ** 2)
    elif kernel == "boxcar":
        rows = max(1, int(np.round(width / interval)))
        # An even number of rows is centred by halving the two end taps.
        w = np.ones(2 * (rows // 2) + 1)
        if rows % 2 == 0:
            w[[0, -1]] = 0.5
    else:
        raise ValueError(f'kernel must be "gaussian" or "boxcar", got kernel={kernel!r}.')
    return w / w.sum()


def smoothed_rate(
    spikes: ArrayLike,
    dt: float | None = None,
    *,
    width: float,
    kernel: str = "gaussian",
    t: ArrayLike | None = None,
    per_neuron: bool = False,
) -> Array:
    r"""Firing rate (Hz) over time, the spike trains convolved with a kernel of unit area:
    $r(t) = \sum_k K(t - t_k)$ over the spike times $t_k$.

    - `"gaussian"`: $K(s) = e^{-s^2/2\sigma^2} / \sqrt{2\pi}\,\sigma$ with $\sigma$ =
      `width`, truncated at $\pm 4\sigma$.
    - `"boxcar"`: $K(s) = 1/w$ for $|s| < w/2$, $w$ = `width` (a centred moving average).

    The kernel is centred (non-causal). Near the ends of the record the kernel is
    renormalised to its part inside the record, so a constant rate stays constant up to
    the edges instead of falling off.

    **Arguments:**

    - `spikes`, `dt`, `t`: as for [`dynax.measure.firing_rate`][] (bool rows of single
      steps or integer counts per row).
    - `width`: $\sigma$ of the Gaussian or the full width of the boxcar (ms).
    - `kernel`: `"gaussian"` or `"boxcar"`.
    - `per_neuron`: return each neuron's rate `(T, n)` instead of the population rate
      `(T,)`.

    ??? cite "Reference"

        Dayan, P., & Abbott, L. F. (2001). *Theoretical Neuroscience*, §1.2: spike
        trains and firing rates. MIT Press.
    """
    spikes = jnp.asarray(spikes)
    interval = _row_interval(spikes, dt, t)
    w = _kernel(kernel, width, interval)
    flat = spikes.reshape(spikes.shape[0], -1)
    # The part of the kernel inside the record at each row, from cumulative sums of taps.
    half, rows = len(w) // 2, flat.shape[0]
    cum = np.concatenate([[0.0], np.cumsum(w)])
    lo = np.maximum(-half, -np.arange(rows)) + half
    hi = np.minimum(half, rows - 1 - np.arange(rows)) + half
    inside = cum[hi + 1] - cum[lo]
    smooth = _smooth(flat, jnp.asarray(w), jnp.asarray(inside), interval, per_neuron)
    return smooth.reshape(spikes.shape) if per_neuron else smooth


@functools.partial(jax.jit, static_argnums=(3, 4))
def _smooth(flat: Array, w: Array, inside: Array, interval: float, per_neuron: bool) -> Array:
    dtype = jnp.result_type(float)
    if per_neuron:
        rate = flat.astype(dtype)
    else:
        rate = jnp.mean(flat, axis=1, dtype=dtype)[:, None]
    rate = rate * (1000.0 / interval)
    # A linear convolution through one FFT of length T + len(w) - 1 along time.
    size = rate.shape[0] + w.shape[0] - 1
    spectrum = jnp.fft.rfft(rate, size, axis=0) * jnp.fft.rfft(w.astype(dtype), size)[:, None]
    full = jnp.fft.irfft(spectrum, size, axis=0)
    half = w.shape[0] // 2
    smooth = full[half : half + rate.shape[0]] / inside.astype(dtype)[:, None]
    return smooth if per_neuron else smooth[:, 0]
