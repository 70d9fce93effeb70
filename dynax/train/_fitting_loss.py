"""The spike-aware loss of `fit_neuron`: a van Rossum distance between the spike trains
plus the mean squared error of the voltage away from the spikes."""

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Bool, Float
from ..measure import van_rossum_distance


class SpikeVoltageLoss(eqx.Module):
    r"""The loss of a neuron model's trace against a recording: spike timing by the van
    Rossum distance, the rest of the trace by the voltage error away from spikes,

    $$L = w_v\,\frac{\sum_k m_k\,(v_k - v^\text{rec}_k)^2}{\sum_k m_k}
        + w_s\,D^2_\tau(s, s^\text{rec}),$$

    where $D^2_\tau$ is [`dynax.measure.van_rossum_distance`][] (squared, about 1/2 per
    unmatched spike) and the mask $m_k$ is 0 from `mask_before` ms before to `mask_after`
    ms after every spike of either train (the spike's upswing, peak and
    after-hyperpolarisation, where a shift of a millisecond gives errors of tens of mV
    that say little about the subthreshold parameters) and 1 elsewhere. The mask is
    held fixed in the gradient; the spikes of the model are 0/1 floats from a surrogate
    spike function, so $D^2$ passes a gradient to the parameters that move them.

    **Arguments:**

    - `tau`: the van Rossum time constant (ms), > 0: spikes closer than about `tau`
      count as partly matched.
    - `spike_weight`: $w_s$, dimensionless.
    - `voltage_weight`: $w_v$ (1/mV²): with 1, a voltage error of 1 mV rms weighs as
      much as two unmatched spikes.
    - `mask_before`, `mask_after`: the masked window around each spike (ms), ≥ 0.

    ??? cite "Reference"

        van Rossum, M. C. W. (2001). A novel spike distance. *Neural Computation*,
        13(4), 751–763.
    """

    tau: float = eqx.field(static=True)
    spike_weight: Array
    voltage_weight: Array
    mask_before: float = eqx.field(static=True)
    mask_after: float = eqx.field(static=True)

    def __init__(
        self,
        *,
        tau: float = 10.0,
        spike_weight: ArrayLike = 1.0,
        voltage_weight: ArrayLike = 1.0,
        mask_before: float = 1.0,
        mask_after: float = 2.0,
    ):
        for name, value, low in (
            ("tau", tau, "positive"),
            ("mask_before", mask_before, "non-negative"),
            ("mask_after", mask_after, "non-negative"),
        ):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not (value > 0 if low == "positive" else value >= 0):
                raise ValueError(f"{name} must be a {low} number (ms), got {name}={value!r}.")
        self.tau = float(tau)
        self.spike_weight = param(spike_weight, "spike_weight", nonnegative=True)
        self.voltage_weight = param(voltage_weight, "voltage_weight", nonnegative=True)
        self.mask_before = float(mask_before)
        self.mask_after = float(mask_after)

    def __call__(
        self,
        v: Float[Array, " n_steps"],
        spikes: Float[Array, " n_steps"] | Bool[Array, " n_steps"],
        v_rec: Float[Array, " n_steps"],
        spikes_rec: Bool[Array, " n_steps"],
        dt: float,
    ) -> tuple[Array, dict[str, Array]]:
        """The loss and its parts, `(loss, {"voltage_mse": ..., "van_rossum": ...,
        "n_spikes": ...})`, of the model's trace `v` (mV) and spikes against the
        recording's, all `(n_steps,)` at step `dt` (ms)."""
        fired = jax.lax.stop_gradient(spikes) > 0.5
        before, after = round(self.mask_before / dt), round(self.mask_after / dt)
        mask = ~_dilate(fired | spikes_rec, before, after)
        weights = mask.astype(v.dtype)
        mse = jnp.sum(weights * (v - v_rec) ** 2) / jnp.maximum(jnp.sum(weights), 1.0)
        rec = spikes_rec.astype(v.dtype)
        d2 = van_rossum_distance(spikes.astype(v.dtype), rec, dt, tau=self.tau, squared=True)
        loss = self.voltage_weight * mse + self.spike_weight * d2
        aux = {"voltage_mse": mse, "van_rossum": d2, "n_spikes": jnp.sum(fired)}
        return loss, aux


def _dilate(spikes: Array, before: int, after: int) -> Array:
    """True at step `j` where `spikes` has a spike in steps `j - after .. j + before`."""
    n = spikes.shape[0]
    count = jnp.concatenate([jnp.zeros(1, jnp.int32), jnp.cumsum(spikes, dtype=jnp.int32)])
    j = jnp.arange(n)
    lo, hi = jnp.clip(j - after, 0, n), jnp.clip(j + before + 1, 0, n)
    return count[hi] > count[lo]


def upward_crossings(v: Float[ArrayLike, "... n_steps"], v_th: float) -> Array:
    """The spikes of a voltage trace `(..., n_steps)` (mV): True at the steps where it
    crossed `v_th` (mV) upwards, `v[k - 1] < v_th <= v[k]` (never at step 0)."""
    v = jnp.asarray(v)
    above = v >= v_th
    first = jnp.zeros(v.shape[:-1] + (1,), bool)
    return jnp.concatenate([first, above[..., 1:] & ~above[..., :-1]], axis=-1)
