"""The van Rossum distance between spike trains."""

import math

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float
from .._system import check_dt


def van_rossum_distance(
    spikes_a: ArrayLike,
    spikes_b: ArrayLike,
    dt: float,
    *,
    tau: float,
    squared: bool = False,
) -> Float[Array, "..."]:
    r"""The van Rossum distance between two spike trains: each is filtered by a causal
    exponential of time constant $\tau$ and the squared difference is integrated,

    $$f(t) = \sum_i H(t - t_i)\, e^{-(t - t_i)/\tau}, \qquad
    D^2 = \frac{1}{\tau} \int_0^\infty \big(f_a(t) - f_b(t)\big)^2\, dt .$$

    With this normalisation (van Rossum's) two single spikes $\Delta t$ apart are at
    $D^2 = 1 - e^{-|\Delta t|/\tau}$, and a spike against no spike at $D^2 = 1/2$: for
    small $\tau$, $D^2$ is half the number of unmatched spikes; for large $\tau$ it
    compares spike counts.

    The spike of row $k$ is at time $k\,\mathrm{dt}$ (the offset cancels). Between rows
    the filtered difference decays exactly as $e^{-(t - t_k)/\tau}$, so the integral is
    summed in closed form, $\int_{t_k}^{t_{k+1}} = f_k^2\,\tau\,(1 - e^{-2\mathrm{dt}/\tau})/2$,
    with the tail after the last row, $f_{T-1}^2 \tau / 2$, included: for spikes on the
    time grid $D^2$ is exact at any `dt`, not a Riemann sum.

    The trains may be bool, or 0/1 floats from a surrogate spike function
    (`dx.surrogate`): the distance is a linear filter followed by a square, so the
    surrogate gradient flows through it (`squared=True` gives a loss whose gradient is
    finite everywhere; $D$ itself has an infinite derivative at $D = 0$).

    **Arguments:**

    - `spikes_a`, `spikes_b`: `(T, ...)` spike trains of the same shape, time first, one
      row per simulation step (`dx.simulate` with `every=1`); the distance is computed
      for each train of the trailing axes. Integer counts over several steps carry no
      spike times and are refused.
    - `dt`: the simulation step (ms).
    - `tau`: the time constant of the filter (ms), > 0: the time scale at which spike
      times are compared.
    - `squared`: return $D^2$ instead of $D$.

    **Returns:** $D$ (or $D^2$), dimensionless, of the trailing shape `(...)`.

    ??? cite "Reference"

        van Rossum, M. C. W. (2001). A novel spike distance. *Neural Computation*,
        13(4), 751–763.
    """
    a, b = jnp.asarray(spikes_a), jnp.asarray(spikes_b)
    for name, x in (("spikes_a", a), ("spikes_b", b)):
        if jnp.issubdtype(x.dtype, jnp.integer):
            raise ValueError(
                f"van_rossum_distance needs the spikes of single steps (bool or 0/1 float "
                f"rows, dx.simulate's every=1); {name} has dtype {x.dtype}, which the "
                "measures read as spike counts over several steps."
            )
        if x.ndim < 1:
            raise ValueError(f"{name} must have a leading time axis, got shape {x.shape}.")
    if a.shape != b.shape:
        raise ValueError(
            f"spikes_a and spikes_b must have the same shape, got {a.shape} and {b.shape}."
        )
    check_dt(dt)
    if isinstance(tau, bool) or not isinstance(tau, int | float) or not tau > 0:
        raise ValueError(f"tau must be a positive number (ms), got tau={tau!r}.")
    if not isinstance(squared, bool):
        raise TypeError(f"squared must be a bool, got squared={squared!r}.")
    dtype = jnp.result_type(a.dtype, b.dtype, float)
    diff = a.astype(dtype) - b.astype(dtype)
    decay = math.exp(-float(dt) / tau)

    def filter_step(f, d):
        f = decay * f + d
        return f, f

    _, f = jax.lax.scan(filter_step, jnp.zeros(diff.shape[1:], dtype), diff)
    per_row = 0.5 * (1.0 - decay**2)  # (1/tau) * tau (1 - e^{-2 dt/tau}) / 2
    d2 = per_row * jnp.sum(f[:-1] ** 2, axis=0) + 0.5 * f[-1] ** 2
    return d2 if squared else jnp.sqrt(d2)
