"""Latency (time-to-first-spike) coding."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._checks import concrete, param
from .._custom_types import Array, ArrayLike, Bool, Float
from ._common import positive_time, unit_values

FORMS = ("linear", "log")


class LatencyEncoder(eqx.Module):
    r"""Latency coding: each value $x \in [0, 1]$ fires one spike, the earlier the larger
    $x$.

    - `form="linear"`: $t(x) = (1 - x)\,t_\text{max}$.
    - `form="log"` (an RC unit charged by $x$, $\tau\dot v = -v + x$ from $v = 0$, spikes
      when $v$ reaches $\theta$): $t(x) = \tau \ln\frac{x}{x - \theta}$ for $x > \theta$;
      values that would cross later than $t_\text{max}$ (all $x \le x_\text{min} =
      \theta / (1 - e^{-t_\text{max}/\tau})$, including those that never reach
      $\theta$) fire at $t_\text{max}$, so every input fires exactly once.

    The spike falls on the step nearest to $t(x)$: step $k = \operatorname{round}(t/\Delta t)$
    of $n = t_\text{max}/\Delta t + 1$ steps. `decode` reads the first spike's time
    $t_k = k\Delta t$ and inverts the code, $\hat x = 1 - t_k/t_\text{max}$ or
    $\hat x = \theta / (1 - e^{-t_k/\tau})$ (at most 1), so the round trip is exact up
    to the step: $|\hat x - x| \le \Delta t / (2 t_\text{max})$ for the linear form,
    $\le |x'(t)|\,\Delta t / 2$ for the logarithmic one (for $x \ge x_\text{min}$).

    **Arguments:**

    - `t_max`: the latest spike time (ms), > 0, a whole number of steps.
    - `dt`: the step (ms), > 0; default 1.
    - `form`: `"linear"` (default) or `"log"`.
    - `tau`: time constant of the RC unit (ms), > 0, for `form="log"`; default 10.
    - `threshold`: threshold $\theta$ of the RC unit, in (0, 1), for `form="log"`;
      default 0.2.

    ??? cite "Reference"

        Gütig, R., & Sompolinsky, H. (2006). The tempotron: a neuron that learns spike
        timing-based decisions. *Nature Neuroscience*, 9(3), 420–428.

        Eshraghian, J. K., Ward, M., Neftci, E. O., et al. (2023). Training spiking
        neural networks using lessons from deep learning. *Proceedings of the IEEE*,
        111(9), 1016–1054 (snnTorch's latency coding: the linear and RC forms).
    """

    t_max: float = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    n_steps: int = eqx.field(static=True)
    form: str = eqx.field(static=True)
    tau: Array
    threshold: Array

    def __init__(
        self,
        t_max: float,
        dt: float = 1.0,
        form: str = "linear",
        tau: ArrayLike = 10.0,
        threshold: ArrayLike = 0.2,
    ):
        self.t_max = positive_time(t_max, "t_max", "LatencyEncoder")
        self.dt = positive_time(dt, "dt", "LatencyEncoder")
        steps = self.t_max / self.dt
        if abs(steps - round(steps)) > 1e-9 * max(steps, 1.0):
            raise ValueError(
                f"LatencyEncoder: t_max must be a whole number of steps, got t_max="
                f"{self.t_max:g} ms with dt={self.dt:g} ms ({steps:g} steps)."
            )
        self.n_steps = int(round(steps)) + 1
        if form not in FORMS:
            raise ValueError(f"LatencyEncoder: form must be one of {FORMS}, got {form!r}.")
        self.form = form
        self.tau = param(tau, "tau", positive=True)
        self.threshold = param(threshold, "threshold", positive=True)
        th = concrete(self.threshold)
        if th is not None and not np.all(th < 1):
            raise ValueError(
                f"LatencyEncoder: threshold must lie in (0, 1) (a value of 1 must reach "
                f"it), got threshold={th}."
            )

    @eqx.filter_jit
    def spike_time(self, x: Float[ArrayLike, "..."]) -> Float[Array, "..."]:
        """The latency $t(x)$ (ms) before it is placed on the grid, at most `t_max`."""
        x = unit_values(x, "LatencyEncoder")
        if self.form == "linear":
            return (1 - x) * self.t_max
        tau, th = self.tau.astype(x.dtype), self.threshold.astype(x.dtype)
        crosses = x > th
        safe = jnp.where(crosses, x, 1.0)  # keeps the logarithm finite where unused
        t = tau * jnp.log(safe / (safe - th))
        return jnp.where(crosses, jnp.minimum(t, self.t_max), self.t_max)

    @eqx.filter_jit
    def __call__(self, x: Float[ArrayLike, "..."]) -> Bool[Array, "n_steps ..."]:
        """One spike per value, shape `(n_steps, *x.shape)`, time first."""
        t = self.spike_time(x)
        k = jnp.clip(jnp.round(t / self.dt), 0, self.n_steps - 1).astype(jnp.int32)
        return jnp.arange(self.n_steps).reshape((-1,) + (1,) * t.ndim) == k

    @eqx.filter_jit
    def decode(self, spikes: Bool[ArrayLike, "n_steps ..."]) -> Float[Array, "..."]:
        """The values from the first spike of each input (an input without a spike is
        read as firing at `t_max`)."""
        spikes = jnp.asarray(spikes, bool)
        fired = jnp.any(spikes, axis=0)
        k = jnp.where(fired, jnp.argmax(spikes, axis=0), spikes.shape[0] - 1)
        t = k.astype(jnp.result_type(float)) * self.dt
        if self.form == "linear":
            return jnp.clip(1 - t / self.t_max, 0.0, 1.0)
        tau, th = self.tau.astype(t.dtype), self.threshold.astype(t.dtype)
        # -expm1(-t/tau) = 1 - exp(-t/tau), accurate for t << tau; t = 0 gives inf -> 1.
        return jnp.minimum(th / -jnp.expm1(-t / tau), 1.0)
