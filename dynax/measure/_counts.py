"""Statistics of spike counts in time windows: the Fano factor and the pairwise
spike-count correlation."""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike
from ._rates import _row_interval


def spike_counts(
    spikes: ArrayLike, dt: float | None = None, *, window: float, t: ArrayLike | None = None
) -> Array:
    r"""Spike counts of each neuron in consecutive, non-overlapping windows of `window`
    ms, `(K, n)` with $K = \lfloor T\,\Delta / \text{window} \rfloor$ ($\Delta$ the time one
    row covers); the rows after the last whole window are left out. Int32 counts, or
    floats for float spikes (a surrogate spike function's, whose gradient they keep).

    **Arguments:**

    - `spikes`: `(T, n)` records as for [`dynax.measure.firing_rate`][]: bool rows of
      single steps, or integer rows of counts over the time since the previous row.
    - `dt`: the simulation step (ms).
    - `window`: the width of a window (ms), a whole number of rows (a multiple of `dt`,
      or of the records' spacing for counts); anything else is a `ValueError`.
    - `t`: the records' times (ms), `records["t"]`, checked as in `firing_rate`.
    """
    spikes = jnp.asarray(spikes)
    interval = _row_interval(spikes, dt, t)
    rows = float(window) / interval
    width = int(np.floor(rows + 0.5))
    if not (width >= 1 and abs(rows - width) <= 1e-6 * max(rows, 1.0)):
        raise ValueError(
            f"window={window!r} ms must be a whole number (>= 1) of the {interval:g} ms "
            "that one row of spikes covers."
        )
    count = spikes.shape[0] // width
    if count < 1:
        raise ValueError(
            f"window={window!r} ms is longer than the record ({spikes.shape[0]} rows of "
            f"{interval:g} ms)."
        )
    return _window_sums(spikes, width, count)


# Each measure is one compiled program: run op by op, their dozen small operations took
# a second to compile at every new shape.
@functools.partial(jax.jit, static_argnums=(1, 2))
def _window_sums(spikes: Array, width: int, count: int) -> Array:
    flat = spikes[: count * width].reshape(count, width, -1)
    # Float spikes (a surrogate spike function's) keep their dtype, and their gradient.
    floating = jnp.issubdtype(spikes.dtype, jnp.floating)
    sums = flat.sum(axis=1, dtype=spikes.dtype if floating else jnp.int32)
    return sums.reshape((count,) + spikes.shape[1:])


@jax.jit
def _fano(counts: Array) -> Array:
    counts = counts.reshape(counts.shape[0], -1).astype(jnp.result_type(float))
    mean = counts.mean(axis=0)
    var = counts.var(axis=0, ddof=1)
    return jnp.where(mean > 0, var / jnp.where(mean > 0, mean, 1.0), jnp.nan)


@functools.partial(jax.jit, static_argnums=1)
def _correlation(counts: Array, matrix: bool) -> Array:
    counts = counts.reshape(counts.shape[0], -1).astype(jnp.result_type(float))
    centred = counts - counts.mean(axis=0)
    std = jnp.sqrt(jnp.mean(centred**2, axis=0))
    varies = std > 0
    z = jnp.where(varies, centred / jnp.where(varies, std, 1.0), 0.0)
    if matrix:
        r = z.T @ z / counts.shape[0]
        # Exactly 1 on the diagonal, where rounding would leave 1 ± 1e-6 in float32.
        r = jnp.where(jnp.eye(r.shape[0], dtype=bool), 1.0, r)
        return jnp.where(varies[:, None] & varies[None, :], r, jnp.nan)
    m = varies.sum()
    total = jnp.sum(jnp.sum(z, axis=1) ** 2) / counts.shape[0]
    return jnp.where(m >= 2, (total - m) / (m * (m - 1.0)), jnp.nan)


def fano_factor(
    spikes: ArrayLike,
    dt: float | None = None,
    *,
    window: float,
    t: ArrayLike | None = None,
    per_neuron: bool = False,
) -> Array:
    r"""Fano factor of the spike counts in windows of `window` ms,

    $$F = \frac{\operatorname{Var}[N]}{\operatorname{E}[N]},$$

    with $N$ a neuron's count in one window, the mean and the (unbiased, $K - 1$)
    variance taken over the $K$ windows of the record. $F = 1$ for a Poisson process at
    any window, $F < 1$ for more regular firing, $F > 1$ for bursty or rate-modulated
    firing; a Bernoulli process with probability $p$ per step gives $1 - p$. Its
    sampling error for a Poisson neuron with mean count $\mu$ is about
    $\sqrt{(2 + 1/\mu)/K}$.

    **Arguments:**

    - `spikes`, `dt`, `window`, `t`: as for [`dynax.measure.spike_counts`][].
    - `per_neuron`: return each neuron's $F$ `(n,)` (NaN for a neuron that never fired)
      instead of the mean over the neurons that fired.

    ??? cite "Reference"

        Fano, U. (1947). Ionization yield of radiations. II. The fluctuations of the
        number of ions. *Physical Review*, 72(1), 26–29.
    """
    counts = spike_counts(spikes, dt, window=window, t=t)
    if counts.shape[0] < 2:
        raise ValueError("the Fano factor needs at least 2 windows: use a shorter window.")
    per = _fano(counts)
    return per if per_neuron else jnp.nanmean(per)


def spike_count_correlation(
    spikes: ArrayLike,
    dt: float | None = None,
    *,
    window: float,
    t: ArrayLike | None = None,
    matrix: bool = False,
) -> Array:
    r"""Pearson correlation of the spike counts of pairs of neurons in windows of
    `window` ms (the "noise correlation" $r_\mathrm{SC}$ of the experimental literature),

    $$r_{ij} = \frac{\operatorname{Cov}[N_i, N_j]}{\sqrt{\operatorname{Var}[N_i]
    \operatorname{Var}[N_j]}},$$

    over the $K$ windows of the record: 0 for independent trains (with a sampling error
    of about $1/\sqrt{K}$ per pair), 1 for identical ones. The mean over the pairs is
    computed in $O(Kn)$ from the standardised counts $z$:
    $\bar r = \big(\sum_k (\sum_i z_{ki})^2 / K - m\big) / (m(m-1))$ over the $m$ neurons
    whose count varies (the others have no correlation and are left out).

    **Arguments:**

    - `spikes`, `dt`, `window`, `t`: as for [`dynax.measure.spike_counts`][].
    - `matrix`: return the `(n, n)` matrix $r_{ij}$ (1 on the diagonal, NaN in the rows
      and columns of neurons whose count does not vary) instead of the mean over pairs
      $i < j$ (NaN when fewer than two neurons vary).

    ??? cite "Reference"

        Cohen, M. R., & Kohn, A. (2011). Measuring and interpreting neuronal
        correlations. *Nature Neuroscience*, 14(7), 811–819.
    """
    counts = spike_counts(spikes, dt, window=window, t=t)
    if counts.shape[0] < 2:
        raise ValueError("a correlation needs at least 2 windows: use a shorter window.")
    return _correlation(counts, matrix)
