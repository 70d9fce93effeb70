"""Weighted phase coding (weighted spikes)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size
from .._custom_types import Array, ArrayLike, Bool, Float
from ._common import unit_values


class WeightedPhaseEncoder(eqx.Module):
    r"""Weighted phase coding: a value $x \in [0, 1]$ as its first $K$ binary digits,
    one per phase of a period of $K$ steps, phase $k$ carrying the weight
    $2^{-(k+1)}$.

    $$x \approx \sum_{k=0}^{K-1} b_k\,2^{-(k+1)}, \qquad
    b_k = \big\lfloor x\,2^{k+1} \big\rfloor \bmod 2,$$

    so that a spike at step $t$ stands for the weight $\omega(t) = 2^{-(1 + t \bmod K)}$
    (`weights`), which the receiving layer multiplies into its input. The period
    repeats `n_periods` times. `decode` is exact to the last digit:
    $0 \le x - \hat x < 2^{-K}$ (a value of 1 saturates at $1 - 2^{-K}$).

    **Arguments:**

    - `n_phases`: $K$, the number of phases (binary digits) per period, an int in
      [1, 30]; default 8.

    ??? cite "Reference"

        Kim, J., Kim, H., Huh, S., Lee, J., & Choi, K. (2018). Deep neural networks with
        weighted spikes. *Neurocomputing*, 311, 373–386.
    """

    n_phases: int = eqx.field(static=True)

    def __init__(self, n_phases: int = 8):
        self.n_phases = check_size(n_phases, "n_phases")
        if self.n_phases > 30:  # the digits are taken from an int32
            raise ValueError(
                f"WeightedPhaseEncoder: n_phases must be at most 30, got n_phases={n_phases}."
            )

    def weights(self, n_steps: int, dtype=None) -> Float[Array, " n_steps"]:
        """The weight $\\omega(t) = 2^{-(1 + t \\bmod K)}$ of a spike at each step."""
        t = jnp.arange(check_size(n_steps, "n_steps"))
        return jnp.ldexp(
            jnp.ones(n_steps, dtype or jnp.result_type(float)), -(1 + t % self.n_phases)
        )

    @eqx.filter_jit
    def __call__(
        self, x: Float[ArrayLike, "..."], n_periods: int = 1
    ) -> Bool[Array, "n_steps ..."]:
        """The spikes, shape `(n_periods * n_phases, *x.shape)`, time first."""
        n_periods = check_size(n_periods, "n_periods")
        x = unit_values(x, "WeightedPhaseEncoder")
        k = self.n_phases
        # floor(x 2^K) is exact in floating point (a power-of-two scaling).
        q = jnp.minimum(jnp.floor(x * 2.0**k), 2**k - 1).astype(jnp.int32)
        shift = (k - 1 - jnp.arange(k, dtype=jnp.int32)).reshape((-1,) + (1,) * q.ndim)
        bits = ((q >> shift) & 1).astype(bool)
        return jnp.tile(bits, (n_periods,) + (1,) * q.ndim)

    @eqx.filter_jit
    def decode(self, spikes: Bool[ArrayLike, "n_steps ..."]) -> Float[Array, "..."]:
        """$\\hat x = \\sum_t \\omega(t)\\,s_t$ averaged over the periods (the number of
        steps must be a whole number of periods)."""
        spikes = jnp.asarray(spikes)
        n_steps = spikes.shape[0]
        if n_steps % self.n_phases:
            raise ValueError(
                f"WeightedPhaseEncoder.decode: the spikes must cover whole periods of "
                f"{self.n_phases} steps, got {n_steps} steps."
            )
        w = self.weights(n_steps).reshape((-1,) + (1,) * (spikes.ndim - 1))
        return jnp.sum(w * spikes, axis=0) / (n_steps // self.n_phases)
