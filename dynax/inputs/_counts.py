# ruff: noqa: F722  (jaxtyping shape strings such as " n" are not Python expressions)
"""Poisson spike counts: many independent Poisson trains per unit, summed each step."""

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp

from .. import _random
from .._checks import ScalarOrN, check_param, check_size, to_float, to_size
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._system import Context
from ._base import AbstractSpikeSource

# A mean is drawn in parts of at most this (a sum of independent Poisson variates is
# Poisson): exp(-64) is far above float32's smallest normal number, exp(-88) is not.
_PART = 64.0
# Terms of the inversion in straight-line code, before the loop for what remains.
_UNROLLED = 16


def _invert(key: PRNGKeyArray, mean: Array) -> Array:
    """Poisson variates of `mean` (<= `_PART`) by inversion: the first k with
    F(k) >= u, u uniform."""
    dtype = mean.dtype
    u = _random.uniform(key, mean.shape, dtype)
    # Rounding of F in float32 could leave a u within 1e-7 of 1 above F forever: stop
    # where the true tail is below 1e-20.
    top = jnp.max(mean, initial=0.0)
    cap = jnp.ceil(top + 12.0 * jnp.sqrt(top) + 30.0).astype(jnp.int32)
    count = jnp.zeros(mean.shape, jnp.int32)
    p = cdf = jnp.exp(-mean)
    for i in range(1, _UNROLLED + 1):  # one fused pass over the variates
        count = count + (u > cdf)
        p = p * mean / i
        cdf = cdf + p

    def cond(carry):
        i, _, _, cdf = carry
        return (i < cap) & jnp.any(u > cdf)

    def body(carry):
        i, count, p, cdf = carry
        count = count + (u > cdf)
        i = i + 1
        p = p * mean / i.astype(dtype)
        return i, count, p, cdf + p

    start = jnp.asarray(_UNROLLED, jnp.int32)
    return jax.lax.while_loop(cond, body, (start, count, p, cdf))[1]


def poisson_counts(key: PRNGKeyArray, mean: Array) -> Array:
    """Poisson variates of `mean` (an array, >= 0), in `mean`'s dtype, exact at any mean.

    By inversion of the cumulative distribution, one uniform number per variate (and
    per part of 64 of a larger mean): the first terms for all variates in one fused
    pass, then a loop for the few that need more. `jax.random.poisson` (Knuth's
    products of uniforms below 10, rejection above, both evaluated for arrays of means)
    took 6.3 ms per step for 12 500 means of 2 on a 2-core CPU; this about 0.1 ms, twice
    the cost of one Bernoulli draw per variate.
    """

    def cond(carry):
        return jnp.any(carry[2] > 0)

    def body(carry):
        j, count, left = carry
        part = jnp.minimum(left, _PART)
        count = count + _invert(jax.random.fold_in(key, j), part)
        return j + 1, count, left - part

    zero = jnp.zeros(mean.shape, jnp.int32)
    start = (jnp.zeros((), jnp.int32), zero, mean)
    return jax.lax.while_loop(cond, body, start)[1].astype(mean.dtype)


class PoissonCountsState(eqx.Module):
    """State of a [`dynax.inputs.PoissonCounts`][]: `spike`, the number of spikes each
    unit emitted in the last step, `(n,)` (a float, so that it multiplies weights)."""

    spike: Float[Array, " n"]


class PoissonCounts(AbstractSpikeSource):
    r"""`n` units, each the superposition of independent Poisson trains of total rate
    $r_j$ (Hz): unit $j$ emits $k_j \sim \mathrm{Poisson}(r_j\,\Delta t / 1000)$ spikes
    in a step of $\Delta t$ ms.

    This is the external input of the balanced-network models (Brunel 2000): $C$
    independent Poisson synapses of rate $\nu$ onto each neuron are, summed, one Poisson
    train of rate $C\nu$, drawn here as one count per neuron and step instead of $C$
    Bernoulli trials. Unlike a [`dynax.inputs.PoissonGroup`][] (at most one spike per
    step, so a Bernoulli approximation that needs $r\,\Delta t \ll 1000$), the count is
    exactly Poisson at any rate and step: mean and variance both $r_j \Delta t / 1000$,
    counts in disjoint steps independent.

    It is a spike source: in a `dx.Network`, a `dx.Projection` from it delivers
    `count * weight` per connection (its `spike` is the float count; event operators
    weigh float events by their value), e.g. through `dx.connect.One2One` onto a
    population of the same size. The key of each step comes from
    `ctx.require_key("PoissonCounts")`.

    **Arguments:**

    - `n`: number of units.
    - `rate`: total rate of each unit (Hz), non-negative: a scalar, an array of shape
      `(n,)`, or a callable `rate(ctx)` returning Hz (such as a
      [`dynax.inputs.Section`][]), evaluated at the start of each step.
    """

    n: int = eqx.field(static=True)
    rate: ScalarOrN | Callable[[Context], Array]

    def __init__(self, n: int, rate: ArrayLike | Callable[[Context], Array]):
        self.n = to_size(n)
        self.rate = rate if callable(rate) else to_float(rate, "rate")

    def __check_init__(self):
        check_size(self.n)
        if not callable(self.rate):
            check_param(self.rate, "rate", nonnegative=True, n=self.n)

    def init(self, key: PRNGKeyArray | None = None) -> PoissonCountsState:
        """No spikes; `key` is unused."""
        return PoissonCountsState(jnp.zeros(self.n, dtype=jnp.result_type(float)))

    def step(self, state: PoissonCountsState, input, ctx: Context) -> PoissonCountsState:
        """Draw the counts of the step `[ctx.t, ctx.t + ctx.dt)`; `input` is ignored."""
        key = ctx.require_key("PoissonCounts")
        rate = self.rate(ctx) if callable(self.rate) else self.rate
        mean = jnp.broadcast_to(jnp.asarray(rate, state.spike.dtype), (self.n,))
        mean = mean * (ctx.dt / 1000.0)
        if callable(self.rate):
            mean = eqx.error_if(mean, jnp.any(mean < 0), "PoissonCounts: the rate became negative.")
        return PoissonCountsState(poisson_counts(key, mean))

    def output(self, state: PoissonCountsState) -> Float[Array, " n"]:
        """The spike counts of the last step."""
        return state.spike
