"""Proxies of the local field potential (LFP) from the synaptic currents of a point-neuron
network."""

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike
from .._system import check_dt


def _summed_abs(current: ArrayLike, name: str) -> Array:
    """$\\sum_i |I_i(t)|$ over all but the time axis, `(T,)`."""
    x = jnp.asarray(current, dtype=jnp.result_type(float))
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"{name} must have a leading time axis, got shape {x.shape}.")
    return _abs_sum(x.reshape(x.shape[0], -1))


@jax.jit
def _abs_sum(x: Array) -> Array:
    return jnp.abs(x).sum(axis=1)


def _check_same_length(i_ampa: Array, i_gaba: Array) -> None:
    if i_ampa.shape[0] != i_gaba.shape[0]:
        raise ValueError(
            f"i_ampa and i_gaba must have the same number of records, got "
            f"{i_ampa.shape[0]} and {i_gaba.shape[0]}."
        )


def lfp_proxy(
    i_ampa: ArrayLike,
    i_gaba: ArrayLike,
    dt: float,
    *,
    delay: float = 6.0,
    alpha: float = 1.65,
) -> Array:
    r"""The LFP proxy of Mazzoni et al. (2015), a weighted sum of the synaptic currents
    onto the excitatory (pyramidal) neurons of a network,

    $$\mathrm{LFP}(t) = \sum_i \big|I^\mathrm{AMPA}_i(t - \tau)\big|
    - \alpha \sum_i \big|I^\mathrm{GABA}_i(t)\big|,\qquad \tau = 6\ \mathrm{ms},\
    \alpha = 1.65,$$

    which they fitted to the LFP that a detailed model of pyramidal-cell morphologies
    gives for the same spikes (it accounts for over 90% of its variance). The sign
    convention of the currents does not matter (absolute values); the result is in the
    currents' unit, a proxy up to a scale.

    The delay is applied exactly, as $\tau / dt$ whole rows: a delay that is not a whole
    number of steps is a `ValueError`. The first $\tau/dt$ records have no delayed AMPA
    current, so the result starts there: row $k$ of the output is the LFP at the time of
    row $k + \tau/dt$ of the inputs (`records["t"][round(delay / dt):]`).

    **Arguments:**

    - `i_ampa`: AMPA (excitatory) currents onto the excitatory neurons, `(T,)` already
      summed or `(T, n)` per neuron (µA/cm² or nA), one record per `dt`.
    - `i_gaba`: GABA (inhibitory) currents onto the same neurons, with the same number
      of records.
    - `dt`: the time between records (ms).
    - `delay`: $\tau$ (ms), a whole multiple of `dt`.
    - `alpha`: $\alpha$, the relative weight of the GABA currents.

    Returns `(T - delay/dt,)`.

    ??? cite "Reference"

        Mazzoni, A., Lindén, H., Cuntz, H., Lansner, A., Panzeri, S., & Einevoll, G. T.
        (2015). Computing the local field potential (LFP) from integrate-and-fire network
        models. *PLoS Computational Biology*, 11(12), e1004584.
    """
    check_dt(dt)
    rows = float(delay) / float(dt)
    steps = int(np.floor(rows + 0.5))
    if not (rows >= 0 and abs(rows - steps) <= 1e-9 * max(rows, 1.0)):
        raise ValueError(
            f"delay={delay!r} ms must be a non-negative whole number of dt={dt:g} ms steps "
            "(it is applied exactly, as a shift by whole records)."
        )
    ampa, gaba = _summed_abs(i_ampa, "i_ampa"), _summed_abs(i_gaba, "i_gaba")
    _check_same_length(ampa, gaba)
    if steps >= ampa.shape[0]:
        raise ValueError(
            f"delay={delay!r} ms ({steps} records) leaves nothing of {ampa.shape[0]} records."
        )
    return ampa[: ampa.shape[0] - steps] - alpha * gaba[steps:]


def lfp_abs_sum(i_ampa: ArrayLike, i_gaba: ArrayLike) -> Array:
    r"""The sum of the absolute synaptic currents, the simplest current-based LFP proxy
    compared by Mazzoni et al. (2015) (their $\Sigma|I|$),

    $$\mathrm{LFP}(t) = \sum_i \big|I^\mathrm{AMPA}_i(t)\big|
    + \sum_i \big|I^\mathrm{GABA}_i(t)\big|.$$

    **Arguments:**

    - `i_ampa`, `i_gaba`: as for [`dynax.measure.lfp_proxy`][], `(T,)` or `(T, n)`.

    Returns `(T,)`, in the currents' unit.

    ??? cite "Reference"

        Mazzoni, A., Lindén, H., Cuntz, H., Lansner, A., Panzeri, S., & Einevoll, G. T.
        (2015). Computing the local field potential (LFP) from integrate-and-fire network
        models. *PLoS Computational Biology*, 11(12), e1004584.
    """
    ampa, gaba = _summed_abs(i_ampa, "i_ampa"), _summed_abs(i_gaba, "i_gaba")
    _check_same_length(ampa, gaba)
    return ampa + gaba
