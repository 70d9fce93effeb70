"""The Kuramoto model of phase oscillators with all-to-all coupling (Kuramoto 1975)."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class KuramotoState(eqx.Module):
    """State of [`dynax.rates.Kuramoto`][]: the phase `theta` of each oscillator (rad,
    unwrapped), `(n,)`, and the noise's state (`None` without noise)."""

    theta: Float[Array, " n"]
    noise: OUState | None = None


class Kuramoto(AbstractRateModel):
    r"""`n` Kuramoto phase oscillators with natural frequencies $\omega_i$ and
    all-to-all (mean-field) coupling of strength $K$,

    $$\frac{d\theta_i}{dt} = \omega_i + \frac{K}{n}\sum_{j=1}^n \sin(\theta_j - \theta_i)
    + I_i = \omega_i + K r \sin(\psi - \theta_i) + I_i,\qquad
    r e^{i\psi} = \frac1n\sum_j e^{i\theta_j},$$

    computed through the order parameter $r e^{i\psi}$ in $O(n)$ per step. The input
    $I_i$ (and the noise) adds to $d\theta_i/dt$: a network coupling of other nodes
    (e.g. $\sum_j W_{ij}\sin(\theta_j - \theta_i)$ computed by the caller) or a drive.
    `output` is the phase $\theta$ (rad, not wrapped, so that frequencies can be read
    from it; take `jnp.sin` or `dx.measure.kuramoto_order` of it). In
    [`dynax.rates.WholeBrain`][] the phases are coupled linearly through this output
    (diffusive: $G\sum_j W_{ij}(\theta_j - \theta_i)$), the small-difference limit of
    the sine coupling, not the sine itself.

    For frequencies drawn from a Lorentzian of half-width $\Delta$
    ([`dynax.rates.lorentzian_frequencies`][]) and $n \to \infty$, the incoherent state
    ($r = 0$) is stable for $K < K_c = 2\Delta$; above, the oscillators partially lock
    and $r = \sqrt{1 - 2\Delta/K}$ (Kuramoto 1975; exact for the Lorentzian, Ott &
    Antonsen 2008). A finite $n$ adds fluctuations of order $1/\sqrt n$.

    Units: time in ms, $\omega$, $K$ and the input in rad/ms (1 rad/ms =
    $1000/2\pi \approx 159$ Hz).

    **Arguments:**

    - `n`: number of oscillators.
    - `omega`: natural frequencies (rad/ms), a number or `(n,)`; default 0.
    - `K`: the mean-field coupling strength (rad/ms, ≥ 0); default 1.
    - `theta0`: initial phases (rad), a number or `(n,)`; default 0.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to
      $d\theta/dt$ (sigma in rad/ms).
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "References"

        Kuramoto, Y. (1975). Self-entrainment of a population of coupled non-linear
        oscillators. In *International Symposium on Mathematical Problems in
        Theoretical Physics*, Lecture Notes in Physics 39, 420–422. Springer.

        Strogatz, S. H. (2000). From Kuramoto to Crawford: exploring the onset of
        synchronization in populations of coupled oscillators. *Physica D*, 143, 1–20.

        Ott, E., & Antonsen, T. M. (2008). Low dimensional behavior of large systems of
        globally coupled oscillators. *Chaos*, 18, 037113.
    """

    n: int = eqx.field(static=True)
    omega: Array
    K: Array
    theta0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        omega: ArrayLike = 0.0,
        K: ArrayLike = 1.0,
        theta0: ArrayLike = 0.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        K = param(K, "K", nonnegative=True)
        if K.ndim:
            raise ValueError(f"K must be a scalar (the mean-field coupling), got shape {K.shape}.")
        setup(
            self,
            n,
            noise,
            method,
            omega=param(omega, "omega", n=n),
            K=K,
            theta0=param(theta0, "theta0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> KuramotoState:
        dtype = self.omega.dtype
        return KuramotoState(
            theta=node_array(self.theta0, self.n, dtype), noise=self.noise_init(key)
        )

    def vector_field(self, t: Any, y: KuramotoState, args: Any) -> KuramotoState:
        c, s = jnp.cos(y.theta), jnp.sin(y.theta)
        # K r sin(psi - theta) = K (<sin> cos(theta) - <cos> sin(theta))
        d = self.omega + self.K * (jnp.mean(s) * c - jnp.mean(c) * s)
        if args is not None:
            d = d + args
        return KuramotoState(theta=d)

    def output(self, state: KuramotoState) -> Float[Array, " n"]:
        return state.theta


def lorentzian_frequencies(
    n: int, delta: ArrayLike, omega0: ArrayLike = 0.0, *, key: PRNGKeyArray | None = None
) -> Float[Array, " n"]:
    r"""`n` natural frequencies from a Lorentzian (Cauchy) density of centre $\omega_0$
    and half-width $\Delta$,
    $g(\omega) = \dfrac{\Delta/\pi}{(\omega - \omega_0)^2 + \Delta^2}$.

    With a `key`, independent draws $\omega_0 + \Delta\tan(\pi(u - 1/2))$, $u$ uniform.
    Without, the deterministic quantiles
    $\omega_j = \omega_0 + \Delta\tan\bigl(\pi(j - 1/2)/n - \pi/2\bigr)$,
    $j = 1, \dots, n$: the regular sample whose finite-size fluctuations of the
    Kuramoto order parameter are much smaller than those of random draws.

    **Arguments:**

    - `n`: number of frequencies.
    - `delta`: half-width at half-maximum $\Delta$ (rad/ms, > 0).
    - `omega0`: centre $\omega_0$ (rad/ms); default 0.
    - `key`: a PRNG key for random draws; default `None` (the quantiles).

    Returns the `(n,)` frequencies (rad/ms), sorted when deterministic.
    """
    n = check_size(n)
    delta = param(delta, "delta", positive=True)
    omega0 = param(omega0, "omega0")
    if delta.ndim or omega0.ndim:
        raise ValueError("delta and omega0 must be scalars.")
    if key is None:
        u = jnp.asarray((np.arange(1, n + 1) - 0.5) / n, delta.dtype)
    else:
        u = jax.random.uniform(key, (n,), delta.dtype)
    return omega0 + delta * jnp.tan(jnp.pi * (u - 0.5))
