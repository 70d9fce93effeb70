"""Irregularity and rhythm of recorded activity: the CV of interspike intervals and the
power spectrum of a signal such as the population rate."""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike
from .._system import check_dt
from ._rates import _step_interval


def cv_isi(
    spikes: ArrayLike,
    dt: float,
    *,
    t: ArrayLike | None = None,
    per_neuron: bool = False,
    min_spikes: int = 3,
) -> Array:
    r"""Coefficient of variation of the interspike intervals (ISIs), $\mathrm{CV} =
    \mathrm{std}(\mathrm{ISI}) / \mathrm{mean}(\mathrm{ISI})$: 1 for a Poisson train,
    0 for a regular one.

    Each neuron's ISIs are the differences of its spike times (the steps in which it
    spiked), and the standard deviation is the population one (divided by the number of
    intervals). Neurons with fewer than `min_spikes` spikes have no CV (NaN per neuron,
    left out of the mean).

    **Arguments:**

    - `spikes`: `(T, n)` bool records, one row per simulation step (`dx.simulate` with
      `every=1`; counts over several steps carry no spike times and are refused).
    - `dt`: the simulation step (ms).
    - `t`: the records' times (ms), `records["t"]`: checks that the rows are single steps.
    - `per_neuron`: return each neuron's CV `(n,)` instead of the mean over the neurons
      that have one (NaN if none has).
    - `min_spikes`: the fewest spikes (≥ 3, two intervals) for a neuron to have a CV.
    """
    spikes = jnp.asarray(spikes)
    interval = _step_interval(spikes, dt, t, "cv_isi")
    if isinstance(min_spikes, bool) or not isinstance(min_spikes, int) or min_spikes < 3:
        raise ValueError(f"min_spikes must be an int >= 3, got min_spikes={min_spikes!r}.")
    # On the host: a cumulative maximum over time is one pass in NumPy, while XLA's
    # associative scan took seconds to compile and run for (50 000, 40) records.
    fired = np.asarray(spikes).reshape(spikes.shape[0], -1) != 0
    steps = np.arange(fired.shape[0], dtype=np.int64)[:, None]
    last = np.maximum.accumulate(np.where(fired, steps, -1), axis=0)
    previous = np.concatenate([np.full_like(last[:1], -1), last[:-1]])
    # An interval ends at every spike that has an earlier one.
    ends = fired & (previous >= 0)
    isi = np.where(ends, steps - previous, 0) * interval
    count = ends.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = isi.sum(axis=0) / count
        var = np.where(ends, (isi - mean) ** 2, 0.0).sum(axis=0) / count
        per = np.where(count >= min_spikes - 1, np.sqrt(var) / mean, np.nan)
    cv = jnp.asarray(per, jnp.result_type(float))
    return cv if per_neuron else jnp.nanmean(cv)


def power_spectrum(
    signal: ArrayLike, dt: float, *, segment: float | None = None, overlap: float = 0.0
) -> tuple[Array, Array]:
    r"""One-sided power spectral density of a signal sampled every `dt` ms (Welch's
    method): the mean, over segments, of the squared Fourier transform of each segment
    with its mean removed and a Hann window $w$ applied,

    $$S(f_k) = \frac{c_k}{f_s \sum_j w_j^2}\,\frac{1}{M}\sum_{m=1}^{M}
    \Big|\sum_{j=0}^{L-1} w_j\,(x_{m,j} - \bar x_m)\,e^{-2\pi i jk/L}\Big|^2,
    \qquad f_k = \frac{k f_s}{L},\ f_s = \frac{1000}{dt}\ \mathrm{Hz},$$

    with $c_k = 2$ except at $f = 0$ and the Nyquist frequency ($c_k = 1$).

    For the population rate of a network (`dx.measure.population_rate`), a flat
    spectrum is the asynchronous state and a peak at $f$ a global oscillation at $f$
    (Brunel 2000). Averaging over segments trades frequency resolution ($1/$`segment`)
    for a smaller scatter of each frequency's estimate (a single periodogram's is as
    large as its value).

    **Arguments:**

    - `signal`: `(T,)` samples (or `(T, k)`, each column separately), e.g. a rate in Hz.
    - `dt`: sampling interval (ms).
    - `segment`: segment length (ms); default the whole signal (one periodogram).
    - `overlap`: the fraction of a segment shared with the next one, in `[0, 1)`; Welch's
      usual choice with a Hann window is 0.5 (more segments from the same record, nearly
      independent). Segments that do not fit whole at the end are left out.

    Returns `(freqs, psd)`: frequencies (Hz), `(m,)`, and the density at each, `(m,)` or
    `(m, k)`, in the signal's unit squared per Hz; summed over frequencies times their
    spacing it gives the signal's variance (up to the window's leakage).

    ??? cite "Reference"

        Welch, P. D. (1967). The use of fast Fourier transform for the estimation of power
        spectra: a method based on time averaging over short, modified periodograms.
        *IEEE Transactions on Audio and Electroacoustics*, 15(2), 70–73.
    """
    check_dt(dt)
    x = jnp.asarray(signal, dtype=jnp.result_type(float))
    if x.ndim not in (1, 2) or x.shape[0] < 2:
        raise ValueError(
            f"signal must have shape (T,) or (T, k) with T >= 2 samples, got {x.shape}."
        )
    length = x.shape[0] if segment is None else int(round(segment / dt))
    if not 2 <= length <= x.shape[0]:
        raise ValueError(
            f"segment={segment!r} ms is {length} samples of dt={dt:g} ms: it must span "
            f"between 2 and the {x.shape[0]} samples of the signal."
        )
    if not (isinstance(overlap, (int, float)) and 0.0 <= overlap < 1.0):
        raise ValueError(f"overlap must be a fraction in [0, 1), got overlap={overlap!r}.")
    hop = max(1, length - int(round(overlap * length)))
    count = 1 + (x.shape[0] - length) // hop
    psd = _welch(x, length, hop, count, float(dt))
    freqs = jnp.fft.rfftfreq(length, d=dt / 1000.0)
    return freqs, psd


# One compiled program per shape: run op by op, the dozen operations compiled one by one
# took a second at every new signal length.
@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _welch(x: Array, length: int, hop: int, count: int, dt: float) -> Array:
    starts = hop * np.arange(count)
    segments = x[starts[:, None] + np.arange(length)]
    segments = segments - segments.mean(axis=1, keepdims=True)
    window = jnp.asarray(np.hanning(length), x.dtype).reshape((length,) + (1,) * (x.ndim - 1))
    fs = 1000.0 / dt  # Hz
    spectrum = jnp.abs(jnp.fft.rfft(segments * window, axis=1)) ** 2
    psd = spectrum.mean(axis=0) / (fs * jnp.sum(window**2))
    # One-sided: every frequency but 0 (and Nyquist for even lengths) counts twice.
    double = np.ones(psd.shape[0])
    double[1:] = 2.0
    if length % 2 == 0:
        double[-1] = 1.0
    return psd * jnp.asarray(double, x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))
