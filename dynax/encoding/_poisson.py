"""Rate coding: Poisson (Bernoulli per step) spike trains."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_size, concrete, param
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from ._common import positive_time, unit_values


class PoissonEncoder(eqx.Module):
    r"""Rate coding: a value $x \in [0, 1]$ becomes a Poisson spike train of rate
    $r = x\,r_\text{max}$.

    In each of `n_steps` steps of length $\Delta t$ an input spikes with probability
    $p = x\,r_\text{max}\,\Delta t / 1000$ ($r_\text{max}$ in Hz, $\Delta t$ in ms),
    independently of the other steps and inputs (a Bernoulli approximation of a
    Poisson process, good for $p \ll 1$). A step carries at most one spike, so
    $r_\text{max}\Delta t \le 1000$ is required.

    `decode` inverts the code on average: from the spike count $N$ over $T$ steps,
    $\hat x = N / (T p_\text{max})$, an unbiased estimate with standard deviation
    $\sqrt{x (1 - x p_\text{max}) / (T p_\text{max})}$; the rate estimate is
    $\hat r = \hat x\,r_\text{max}$ Hz.

    **Arguments:**

    - `max_rate`: the rate of a value 1 (Hz), > 0; a scalar or an array that broadcasts
      against the data (one maximum rate per input). Default 100.
    - `dt`: the step (ms), > 0; default 1.

    ??? cite "Reference"

        Dayan, P., & Abbott, L. F. (2001). *Theoretical Neuroscience*, ch. 1.4
        (the Poisson spike generator). MIT Press.
    """

    max_rate: Array
    dt: float = eqx.field(static=True)

    def __init__(self, max_rate: ArrayLike = 100.0, dt: float = 1.0):
        self.dt = positive_time(dt, "dt", "PoissonEncoder")
        self.max_rate = param(max_rate, "max_rate", positive=True)
        rate = concrete(self.max_rate)
        if rate is not None and np.any(rate * self.dt > 1000.0):
            raise ValueError(
                f"PoissonEncoder: max_rate={float(np.max(rate)):g} Hz at dt={self.dt:g} ms "
                "gives a spike probability above 1 per step (max_rate * dt > 1000): use "
                f"dt <= {1000.0 / float(np.max(rate)):g} ms or a lower max_rate."
            )

    def probability(self, x: ArrayLike) -> Array:
        """The spike probability per step of each value, $x\\,r_\\text{max}\\Delta t/1000$."""
        x = unit_values(x, "PoissonEncoder")
        return x * (self.max_rate * (self.dt / 1000.0)).astype(x.dtype)

    @eqx.filter_jit
    def __call__(
        self, x: Float[ArrayLike, "..."], n_steps: int, *, key: PRNGKeyArray
    ) -> Bool[Array, "n_steps ..."]:
        """The spikes, shape `(n_steps, *x.shape)`, time first (what `dx.simulate`'s
        `inputs` scans)."""
        n_steps = check_size(n_steps, "n_steps")
        p = self.probability(x)
        return jax.random.uniform(key, (n_steps, *p.shape), dtype=p.dtype) < p

    @eqx.filter_jit
    def decode(self, spikes: Bool[ArrayLike, "n_steps ..."]) -> Float[Array, "..."]:
        """The value estimate $\\hat x = N / (T p_\\text{max})$ from the spike counts over
        the leading (time) axis; multiply by `max_rate` for the rate in Hz."""
        spikes = jnp.asarray(spikes)
        count = jnp.sum(spikes, axis=0, dtype=jnp.result_type(float))
        p_max = self.max_rate * (self.dt / 1000.0)
        return count / (spikes.shape[0] * p_max.astype(count.dtype))
