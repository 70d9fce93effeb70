"""Delta modulation (send-on-delta, threshold-crossing) coding of time series."""

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Float


class DeltaEncoder(eqx.Module):
    r"""Delta modulation: an ON spike (+1) when a signal has risen by the threshold
    $\theta$ since the level last transmitted, an OFF spike (−1) when it has fallen by
    $\theta$.

    The encoder tracks the level $\ell_t$ that the spikes transmit, starting from the
    first sample, $\ell_0 = x_0$, with $s_0 = 0$; then for $t \ge 1$

    $$s_t = \begin{cases} +1, & x_t - \ell_{t-1} \ge \theta \\
    -1, & x_t - \ell_{t-1} \le -\theta \\ 0, & \text{otherwise} \end{cases}, \qquad
    \ell_t = \ell_{t-1} + \theta s_t.$$

    `decode(spikes, x0)` rebuilds $\hat x_t = x_0 + \theta\sum_{u \le t} s_u = \ell_t$.
    If the signal moves by at most $\theta$ per step, $|x_t - x_{t-1}| \le \theta$, the
    reconstruction error stays below the threshold, $|x_t - \hat x_t| < \theta$ at
    every step (one spike per step can move the level by $\theta$ only: a faster signal
    is followed at that slope until it is caught up).

    **Arguments:**

    - `threshold`: $\theta$, in the unit of the signal, > 0; a scalar or an array that
      broadcasts against one sample (one threshold per channel).

    ??? cite "Reference"

        Miskowicz, M. (2006). Send-on-delta concept: an event-based data reporting
        strategy. *Sensors*, 6(1), 49–63.

        Eshraghian, J. K., Ward, M., Neftci, E. O., et al. (2023). Training spiking
        neural networks using lessons from deep learning. *Proceedings of the IEEE*,
        111(9), 1016–1054 (snnTorch's delta modulation).
    """

    threshold: Array

    def __init__(self, threshold: ArrayLike):
        self.threshold = param(threshold, "threshold", positive=True)

    @eqx.filter_jit
    def __call__(self, signal: Float[ArrayLike, "n_steps ..."]) -> Float[Array, "n_steps ..."]:
        """The signed spikes (+1 ON, −1 OFF, 0), the signal's shape and float dtype,
        time first. `s > 0` and `s < 0` are the ON and OFF channels as bool arrays."""
        signal = jnp.asarray(signal)
        if not jnp.issubdtype(signal.dtype, jnp.floating):
            signal = signal.astype(float)
        if signal.ndim == 0:
            raise ValueError("DeltaEncoder: the signal needs a leading time axis.")
        th = jnp.broadcast_to(self.threshold.astype(signal.dtype), signal.shape[1:])

        def step(level, x):
            d = x - level
            s = jnp.where(d >= th, 1, jnp.where(d <= -th, -1, 0)).astype(x.dtype)
            return level + th * s, s

        _, spikes = jax.lax.scan(step, signal[0], signal[1:])
        return jnp.concatenate([jnp.zeros_like(signal[:1]), spikes])

    @eqx.filter_jit
    def decode(
        self, spikes: Float[ArrayLike, "n_steps ..."], x0: Float[ArrayLike, "..."]
    ) -> Float[Array, "n_steps ..."]:
        """The reconstruction $x_0 + \\theta \\sum_{u \\le t} s_u$ from the spikes and the
        first sample `x0`."""
        spikes = jnp.asarray(spikes)
        if not jnp.issubdtype(spikes.dtype, jnp.floating):
            spikes = spikes.astype(float)
        x0 = jnp.asarray(x0, spikes.dtype)
        return x0 + self.threshold.astype(spikes.dtype) * jnp.cumsum(spikes, axis=0)
