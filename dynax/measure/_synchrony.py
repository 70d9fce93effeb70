"""Synchrony of a population: Golomb's χ of recorded signals and the Kuramoto order
parameter of phases."""

import functools

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike


def golomb_chi(signals: ArrayLike, *, squared: bool = False) -> Array:
    r"""Golomb's synchrony measure $\chi$ of $N$ signals recorded over time,

    $$\chi^2 = \frac{\operatorname{Var}_t\big[\bar V(t)\big]}
    {\frac{1}{N}\sum_{i=1}^N \operatorname{Var}_t\big[V_i(t)\big]},\qquad
    \bar V(t) = \frac{1}{N}\sum_{i=1}^N V_i(t),$$

    the variance over time of the population average over the mean of the individual
    variances. $\chi = 1$ for identical signals (full synchrony); for independent ones
    $\chi^2 \to 1/N$, so $\chi \approx 1/\sqrt N$ (asynchrony). The signals are
    membrane potentials in Golomb's definition; smoothed spike trains or rates
    ([`dynax.measure.smoothed_rate`][] with `per_neuron=True`) work the same way.

    **Arguments:**

    - `signals`: `(T, N)` records, time first, in any unit (the ratio has none); a
      record of more dimensions is flattened to `(T, N)`.
    - `squared`: return $\chi^2$ instead of $\chi$.

    Returns a scalar (NaN when no signal varies).

    ??? cite "Reference"

        Golomb, D. (2007). Neuronal synchrony measures. *Scholarpedia*, 2(1), 1347.

        Golomb, D., & Rinzel, J. (1993). Dynamics of globally coupled inhibitory
        neurons with heterogeneity. *Physical Review E*, 48(6), 4810–4814.
    """
    v = jnp.asarray(signals, dtype=jnp.result_type(float))
    if v.ndim < 2 or v.shape[0] < 2:
        raise ValueError(
            f"signals must have shape (T, N) with T >= 2 records, got shape {v.shape}."
        )
    return _chi(v.reshape(v.shape[0], -1), squared)


@functools.partial(jax.jit, static_argnums=1)
def _chi(v: Array, squared: bool) -> Array:
    individual = jnp.mean(jnp.var(v, axis=0))
    chi2 = jnp.var(v.mean(axis=1)) / jnp.where(individual > 0, individual, jnp.nan)
    return chi2 if squared else jnp.sqrt(chi2)


def kuramoto_order(phases: ArrayLike) -> tuple[Array, Array]:
    r"""Kuramoto order parameter $r$ and mean phase $\psi$ of $n$ oscillators,

    $$r\,e^{i\psi} = \frac{1}{n}\sum_{j=1}^{n} e^{i\theta_j}.$$

    $r = 1$ when all phases are equal, and $r \approx 0$ for incoherent phases: for $n$
    independent uniform phases $\operatorname{E}[r^2] = 1/n$, so $r = O(1/\sqrt n)$.

    **Arguments:**

    - `phases`: phases $\theta_j$ (rad), `(n,)` at one time or `(T, n)` over time (the
      oscillators on the last axis).

    Returns `(r, psi)`: scalars for `(n,)` phases, `(T,)` arrays for `(T, n)`; $\psi$ in
    $(-\pi, \pi]$ (undefined, returned as 0, where $r = 0$).

    ??? cite "Reference"

        Kuramoto, Y. (1984). *Chemical Oscillations, Waves, and Turbulence*. Springer.

        Strogatz, S. H. (2000). From Kuramoto to Crawford: exploring the onset of
        synchronization in populations of coupled oscillators. *Physica D*, 143, 1–20.
    """
    theta = jnp.asarray(phases, dtype=jnp.result_type(float))
    if theta.ndim not in (1, 2) or theta.shape[-1] < 1:
        raise ValueError(f"phases must have shape (n,) or (T, n), got shape {theta.shape}.")
    return _order(theta)


@jax.jit
def _order(theta: Array) -> tuple[Array, Array]:
    # The mean of cos and sin, not of complex exponentials, keeps float32 real arithmetic.
    x, y = jnp.cos(theta).mean(axis=-1), jnp.sin(theta).mean(axis=-1)
    return jnp.hypot(x, y), jnp.arctan2(y, x)
