"""Functional connectivity of recorded signals: the correlation matrix of regional time
courses (FC), its dynamics over sliding windows (FCD), and the score that compares two FC
matrices. All are JAX functions of their inputs: they can be differentiated (a loss that
fits a whole-brain model to an empirical FC) and vmapped (over subjects or parameters)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float
from .._system import check_dt


def _as_float(x: ArrayLike) -> Array:
    """`x` as a JAX array of a floating dtype (float arrays keep theirs)."""
    x = jnp.asarray(x)
    return x.astype(jnp.result_type(x.dtype, float))


def _unit_columns(x: Array) -> Array:
    """Each column centred and scaled to unit Euclidean norm; a constant column is zero,
    a column with a NaN or an infinity stays NaN (a diverged simulation must not score
    as "no pattern").

    The double `where` keeps the gradient finite at a constant column (the square root's
    derivative at 0 is infinite, and 0 times infinity would be NaN)."""
    xc = x - x.mean(axis=0)
    sumsq = jnp.sum(xc * xc, axis=0)
    varies = ~(sumsq == 0)  # True for NaN
    norm = jnp.sqrt(jnp.where(varies, sumsq, 1.0))
    return jnp.where(varies, xc / norm, 0.0)


def functional_connectivity(signal: ArrayLike) -> Float[Array, "n n"]:
    r"""Functional connectivity: the matrix of Pearson correlations between the time
    courses of `n` signals (the regions' BOLD signals, rates, ...),

    $$\mathrm{FC}_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
    {\sqrt{\sum_t (x_{ti} - \bar x_i)^2 \sum_t (x_{tj} - \bar x_j)^2}}.$$

    The same as `np.corrcoef(signal.T)`, except that a constant signal (zero variance)
    has correlation 0 with every signal, itself included, where NumPy gives NaN: a loss
    built on the FC of a model that is briefly silent keeps a finite gradient.

    **Arguments:**

    - `signal`: `(T, n)` samples, time first like the records of `dx.simulate`, any
      unit. Batches: `jax.vmap` over a leading axis.

    Returns the `(n, n)` FC matrix, symmetric, with ones on the diagonal.
    """
    x = _as_float(signal)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(
            f"signal must have shape (T, n) with T >= 2 samples (time first), got {x.shape}."
        )
    return _correlation_matrix(x)


@jax.jit
def _correlation_matrix(x: Array) -> Array:
    # Compiled once per shape: op by op, the few operations took seconds to dispatch.
    z = _unit_columns(x)
    return z.T @ z


def _upper(matrices: Array) -> Array:
    """The entries above the diagonal of the last two axes, flattened (row by row)."""
    n = matrices.shape[-1]
    rows, cols = np.triu_indices(n, k=1)
    return matrices[..., rows, cols]


def _check_square_pair(fc_a: Array, fc_b: Array) -> None:
    if fc_a.ndim != 2 or fc_a.shape[0] != fc_a.shape[1] or fc_a.shape != fc_b.shape:
        raise ValueError(
            "fc_a and fc_b must be square matrices of the same shape (n, n) with n >= 3 "
            f"(vmap for batches), got {fc_a.shape} and {fc_b.shape}."
        )
    if fc_a.shape[0] < 3:
        raise ValueError(
            f"fc_a and fc_b need n >= 3 regions (at least 3 pairs to correlate), got {fc_a.shape}."
        )


def fc_correlation(fc_a: ArrayLike, fc_b: ArrayLike) -> Float[Array, ""]:
    r"""How well two FC matrices agree: the Pearson correlation between their entries
    above the diagonal (each pair of regions counted once, the diagonal's ones left out),
    the usual score of a whole-brain model's simulated FC against the empirical one
    (Honey et al. 2009).

    1 when one matrix is an increasing affine function of the other (off the diagonal),
    −1 when a decreasing one, 0 when either is constant off the diagonal (no pattern to
    compare). Differentiable: maximise it (minimise `1 - fc_correlation(...)`) to fit a
    model's parameters to an empirical FC.

    **Arguments:**

    - `fc_a`, `fc_b`: `(n, n)` matrices (n ≥ 3), e.g. from
      [`dynax.measure.functional_connectivity`][]; only their upper triangles are read.

    ??? cite "Reference"

        Honey, C. J., Sporns, O., Cammoun, L., Gigandet, X., Thiran, J.-P., Meuli, R., &
        Hagmann, P. (2009). Predicting human resting-state functional connectivity from
        structural connectivity. *PNAS* 106(6), 2035–2040.
        https://doi.org/10.1073/pnas.0811168106
    """
    a = _as_float(fc_a)
    b = _as_float(fc_b)
    _check_square_pair(a, b)
    return _pattern_correlation(a, b)


@jax.jit
def _pattern_correlation(a: Array, b: Array) -> Array:
    z = _unit_columns(jnp.stack([_upper(a), _upper(b)], axis=1))
    return z[:, 0] @ z[:, 1]


def _samples(value: float, dt: float, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value <= 0:
        raise ValueError(f"{name} must be a positive time (ms), got {name}={value!r}.")
    return max(1, int(round(float(value) / dt)))


def fcd(signal: ArrayLike, dt: float, *, window: float, step: float) -> Float[Array, "w w"]:
    r"""Functional connectivity dynamics: how the FC changes over time.

    The FC is computed in windows of length `window` that start every `step`
    (rectangular, starting at the first sample; the last window ends at or before the last
    sample), and $\mathrm{FCD}_{kl}$ is the Pearson correlation between the entries above
    the diagonal of the FC of windows $k$ and $l$ (Hansen et al. 2015). A stationary
    process gives an FCD near 1 everywhere (up to the windows' sampling error); switching
    between FC states gives blocks. Whole-brain models are compared with data through the
    distribution of the FCD's entries above the diagonal (e.g. their Kolmogorov–Smirnov
    distance).

    **Arguments:**

    - `signal`: `(T, n)` samples, time first, n ≥ 3 (vmap for batches).
    - `dt`: the sampling interval (ms), e.g. the repetition time of fMRI (720 ms for HCP).
    - `window`: window length (ms), rounded to a whole number of samples (≥ 2), e.g.
      60 000 ms (1 min).
    - `step`: the shift between consecutive windows (ms), rounded to whole samples (≥ 1).

    Returns the `(w, w)` FCD matrix, symmetric with ones on the diagonal, for the
    $w = \lfloor (T - L)/s \rfloor + 1$ windows of $L$ samples shifted by $s$.

    ??? cite "Reference"

        Hansen, E. C. A., Battaglia, D., Spiegler, A., Deco, G., & Jirsa, V. K. (2015).
        Functional connectivity dynamics: Modeling the switching behavior of the resting
        state. *NeuroImage* 105, 525–535. https://doi.org/10.1016/j.neuroimage.2014.11.001
    """
    check_dt(dt)
    dt = float(dt)
    x = _as_float(signal)
    if x.ndim != 2 or x.shape[1] < 3:
        raise ValueError(
            f"signal must have shape (T, n) with n >= 3 signals (time first), got {x.shape}."
        )
    length = _samples(window, dt, "window")
    shift = _samples(step, dt, "step")
    if not 2 <= length <= x.shape[0]:
        raise ValueError(
            f"window={window!r} ms is {length} samples of dt={dt:g} ms: it must span between "
            f"2 and the {x.shape[0]} samples of the signal."
        )
    return _fcd(x, length, shift)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _fcd(x: Array, length: int, shift: int) -> Array:
    starts = np.arange(0, x.shape[0] - length + 1, shift)
    windows = x[starts[:, None] + np.arange(length)]  # (w, L, n)
    patterns = _upper(jax.vmap(_correlation_matrix)(windows))  # (w, pairs)
    return _correlation_matrix(patterns.T)
