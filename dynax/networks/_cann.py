"""Continuous attractor neural networks on a ring and on a torus (Wu, Hamaguchi & Amari
2008; Fung, Wong & Wu 2010)."""

import functools
import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import check_size, concrete, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._system import Context, DynamicalSystem
from ..integrate import AbstractODEMethod
from ..integrate._names import resolve_method

_TWO_PI = 2 * math.pi


class CANN1DState(eqx.Module):
    """State of a [`dynax.networks.CANN1D`][]: the synaptic input `u` and the firing
    rate `r` of each neuron, `(n,)` (`r` is a function of `u`, kept for monitors)."""

    u: Float[Array, " n"]
    r: Float[Array, " n"]


def _compiled(method):
    """`method` compiled once per model structure: its arguments become arrays of the
    model's dtype first (Python numbers would be static under `eqx.filter_jit`, and
    compile again for every value)."""
    jitted = eqx.filter_jit(method)

    @functools.wraps(method)
    def wrapper(self, *args):
        return jitted(self, *(jnp.asarray(x, self.a.dtype) for x in args))

    return wrapper


def _grid(n: int, dtype: Any) -> Array:
    """The `n` preferred positions $-\\pi + 2\\pi j/n$, $j = 1..n$: the ring $(-\\pi, \\pi]$."""
    return -math.pi + _TWO_PI * jnp.arange(1, n + 1, dtype=dtype) / n


def _wrap(d: Array) -> Array:
    """A difference of positions as the signed distance on the ring, in $[-\\pi, \\pi)$."""
    return jnp.mod(d + math.pi, _TWO_PI) - math.pi


def _offsets(n: int, dtype: Any) -> Array:
    """The periodic distance from neuron 0 to neuron j in FFT order (0, Δx, ..., −Δx)."""
    return _wrap(_TWO_PI * jnp.arange(n, dtype=dtype) / n)


def _periodic_gaussian(d: Array, a: Array) -> Array:
    r"""$e^{-d^2/4a^2}$ summed over the nearest periodic images: the profile of $u$ on
    the ring (the wrapped tails of $r$, $e^{-\pi^2/2a^2}$, are below 3·10⁻⁹ at a = 0.5)."""
    d = _wrap(d)
    images = [jnp.exp(-((d + _TWO_PI * m) ** 2) / (4 * a * a)) for m in (-1, 0, 1)]
    return images[0] + images[1] + images[2]


def _rate(u: Array, k: Array) -> Array:
    # With one neuron per grid point, rho * dx = 1 (rho = n/2pi, dx = 2pi/n; on the torus
    # rho = n^2/4pi^2 per rad^2, dx^2 = 4pi^2/n^2), so the integral is the plain sum.
    u2 = jnp.square(jnp.maximum(u, 0.0))
    return u2 / (1.0 + k * jnp.sum(u2))


def _decode(r: Array, x: Array, axis: int) -> Array:
    """The population vector's angle along `axis`: $\\arg \\sum_j r_j e^{i x_j}$."""
    shape = [1] * r.ndim
    shape[axis] = x.shape[0]
    x = x.reshape(shape)
    return jnp.arctan2(jnp.sum(r * jnp.sin(x)), jnp.sum(r * jnp.cos(x)))


def _height(p: Array, q: Array, drive: Array) -> Array:
    """The stable root $U$ of $U = pU^2/(1 + qU^2) + $ `drive`: the height of a Gaussian
    bump whose recurrent input is $g(U) = pU^2/(1 + qU^2)$, under a Gaussian input of
    height `drive`. NaN where there is none."""

    def newton(_, U):
        denominator = 1 + q * U * U
        F = p * U * U / denominator + drive - U
        return U - F / (2 * p * U / denominator**2 - 1)

    # From above every root (g < p/q), Newton's iterates fall monotonically to the
    # largest one: F is decreasing and concave there (q U^2 >= 1 > 1/3 on that branch).
    U = jax.lax.fori_loop(0, 60, newton, p / q + drive + 1.0 / jnp.sqrt(q))
    # One more step from the converged root, its start held fixed: the derivatives of
    # the root by the implicit function theorem, not through the iterations.
    U = newton(0, jax.lax.stop_gradient(U))
    ok = jnp.abs(p * U * U / (1 + q * U * U) + drive - U) <= 1e-5 * U
    return jnp.where(ok & (U > 0), U, jnp.nan)


def _lag(tau: Array, a: Array, p: Array, q: Array, v: Array, A: Array) -> Array:
    r"""The lag $s \ge 0$ of a bump behind a stimulus of amplitude `A` moving at speed
    $|v|$, at the lowest order of Fung et al. (2010): $\tau|v| = (A/U)\,s\,e^{-s^2/8a^2}$
    with $U = g(U) + A e^{-s^2/8a^2}$, $g(U) = pU^2/(1 + qU^2)$; the smaller root, NaN
    where $|v|$ is above the largest speed on the right side."""
    v = jnp.abs(v)

    def speed(s):
        e = jnp.exp(-s * s / (8 * a * a))
        return A / (tau * _height(p, q, A * e)) * s * e

    # The speed rises with s to one maximum, then falls: bracket its maximum on a grid,
    # then bisect the rising branch.
    grid = jnp.linspace(0.0, 6.0, 241, dtype=v.dtype) * a
    speeds = jax.vmap(speed)(grid)
    top = jnp.argmax(jnp.where(jnp.isnan(speeds), -jnp.inf, speeds))

    def bisect(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        rising = speed(mid) < v
        return jnp.where(rising, mid, lo), jnp.where(rising, hi, mid)

    lo, hi = jax.lax.fori_loop(0, 60, bisect, (jnp.zeros_like(v), grid[top]))
    # A Newton step from the bisected root, held fixed, carries the derivatives (by the
    # implicit function theorem; bisection alone has none).
    s = jax.lax.stop_gradient(0.5 * (lo + hi))
    value, slope = jax.jvp(speed, (s,), (jnp.ones_like(s),))
    s = s - (value - v) / slope
    return jnp.where(v <= speeds[top], s, jnp.nan)


def _field(model: Any, kernel_hat: Array, u: Array, args: Any) -> Array:
    """$du/dt$ of a CANN on a ring or torus: the recurrent input a circular convolution
    by real FFTs over every axis, `kernel_hat` the kernel's (real) transform."""
    r = _rate(u, model.k)
    recurrent = jnp.fft.irfftn(jnp.fft.rfftn(r) * kernel_hat, s=u.shape)
    du = recurrent - u if args is None else recurrent - u + args
    return du / model.tau


def _step(model: Any, kernel_hat: Array, u: Array, drive: Array | None, ctx: Context) -> Array:
    # The kernel's transform is taken once per step, not once per stage of the method.
    def field(t, y, args):
        return _field(model, kernel_hat, y, args)

    return model.method.step(field, u, ctx.t, ctx.dt, drive)


def _check_input(input: Any, shape: tuple[int, ...], who: str) -> Array | None:
    if input is None:
        return None
    if not eqx.is_array_like(input):
        raise TypeError(
            f"the input of {who} must be None, a number or an array of shape () or "
            f"{shape}; got a {type(input).__name__}."
        )
    if jnp.shape(input) not in ((), shape):
        raise ValueError(
            f"the input of {who} has shape {jnp.shape(input)}; expected () or {shape}."
        )
    return jnp.asarray(input)


def _check_below_critical(k: Array, k_c: Array, who: str) -> None:
    kk, kc = concrete(k), concrete(k_c)
    if kk is not None and kc is not None and not kk < kc:
        raise ValueError(
            f"{who} has no stationary bump for k >= k_c; got k={float(kk)}, k_c={float(kc)}."
        )


def _sqrt_term(k: Array, k_c: Array) -> Array:
    # Past k_c the roots are complex: NaN, not a silent real part.
    return jnp.sqrt(jnp.where(k < k_c, 1.0 - k / k_c, jnp.nan))


class CANN1D(DynamicalSystem):
    r"""A continuous attractor neural network on a ring: `n` neurons whose preferred
    positions $x_i$ tile $(-\pi, \pi]$ (spacing $\Delta x = 2\pi/n$, density
    $\rho = n/2\pi$), coupled by a translation-invariant Gaussian kernel and normalised
    by global divisive inhibition:

    $$\tau \frac{du_i}{dt} = -u_i + \rho \sum_j J(x_i - x_j)\,r_j\,\Delta x + I_i,
    \qquad r_i = \frac{[u_i]_+^2}{1 + k\rho\sum_j [u_j]_+^2\,\Delta x},\qquad
    J(d) = \frac{J_0}{\sqrt{2\pi}\,a}\,e^{-d^2/2a^2},$$

    with $d$ the periodic distance. The recurrent sum is a circular convolution, computed
    with real FFTs in $O(n\log n)$ (exact for the circulant kernel), never as an
    $n\times n$ product.

    *Stationary bumps* (Wu et al. 2008). For $k < k_c = \rho J_0^2 / (8\sqrt{2\pi}\,a)$
    the network holds a continuous family of bumps, one for every position $z$:

    $$u(x) = U_0\, e^{-(x - z)^2/4a^2},\quad r(x) = R_0\,e^{-(x - z)^2/2a^2},\quad
    U_0 = \frac{J_0\,\big(1 + \sqrt{1 - k/k_c}\big)}{4\sqrt\pi\,a k},\quad
    R_0 = \frac{\sqrt 2\,U_0}{\rho J_0}$$

    (`bump(z)`, `bump_height()`; the root with $-\sqrt{1 - k/k_c}$ is unstable). Above
    $k_c$ silence is the only stationary state. On the ring the Gaussian of $u$ is
    summed over its periodic images, so that `bump(z)` is stationary to $10^{-8}$ for
    $a = 0.5$.

    *Tracking* (Fung et al. 2010). The bumps are neutrally stable along $z$, so a weak
    input moves them. Under a stimulus $I(x) = A\,e^{-(x - z_0)^2/4a^2}$
    (`stimulus(z0, A)`), the lowest order of Fung et al.'s expansion keeps the bump
    Gaussian, of height $U$ and centre $z$, and projects the dynamics on the profile and
    its derivative (as derived here):

    $$\tau\frac{dU}{dt} = -U + g(U) + A\,e^{-(z_0 - z)^2/8a^2},\qquad
    \tau\frac{dz}{dt} = \frac{A}{U}\,(z_0 - z)\,e^{-(z_0 - z)^2/8a^2},$$

    with $g(U) = \rho J_0 U^2 / \big(\sqrt2\,(1 + \sqrt{2\pi}\,a k\rho\,U^2)\big)$ the
    recurrent input of a Gaussian bump ($U = g(U)$ at $U_0$). A stimulus moving at a
    constant speed $v$ is followed at a constant lag $s = z_0 - z$ that solves
    $\tau v = (A/U)\,s\,e^{-s^2/8a^2}$ with $U$ the stable root of
    $U = g(U) + A e^{-s^2/8a^2}$ (`tracking_lag(v, A)`; NaN above the largest speed,
    the maximum of the right side over $s$). For small $v$ and $A$ this is
    $s \approx \tau v\,U_0/A$, which the height raised by the stimulus corrects by
    about $+1.4\,A/U_0$ at $k = k_c/2$. Against simulation ($A = 0.05\,U_0$,
    `examples/cann_tracking.py`) the lag agrees within 0.5% for $s \le 0.9a$, 1% at
    $s = 1.2a$ and 10% at the fastest tracked stimulus; the largest speed it gives,
    0.0291 rad/ms, is 3–5% above the simulated one (tracked at 0.0278, lost at 0.0284
    for $n = 256$; 0.0275 and 0.0280 for $n = 64$).
    (The exact first-order solvability condition, on the left null vector
    $\propto u\,u'$, has $6a^2$ for $8a^2$ in the speed equation: the same lag as
    $s/a \to 0$, further off at large $s$.)

    *Readout.* `decode(r)` is the population vector, $\arg\sum_j r_j e^{i x_j}$: exact
    for a symmetric bump, whatever its height.

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: time constant of the synaptic input (ms), > 0; default 1 ms (the papers'
      unit of time).
    - `a`: range of the connections (rad), > 0; default 0.5.
    - `J0`: strength of the connections (the kernel integrates to `J0`), > 0; default 1.
    - `k`: strength of the global divisive inhibition, > 0; default `None`, half the
      critical value, $k = k_c/2$. $k_c$ grows with $n$ (through $\rho$), so the
      default keeps the rescaled inhibition $\tilde k = k/k_c$ of Fung et al. (2010) at
      0.5 whatever the size.
    - `method`: the ODE method of a step, a [`dynax.integrate.AbstractODEMethod`][] or
      its name; default `"rk4"` (the stationary bump is exact for any method).

    `step` takes the external input $I$ (in the unit of $u$): `None`, a number, or an
    `(n,)` array such as `model.stimulus(z0, A)`.

    ??? cite "Reference"

        Wu, S., Hamaguchi, K., & Amari, S. (2008). Dynamics and computation of continuous
        attractors. *Neural Computation*, 20(4), 994–1025.

        Fung, C. C. A., Wong, K. Y. M., & Wu, S. (2010). A moving bump in a continuous
        manifold: a comprehensive study of the tracking dynamics of continuous attractor
        neural networks. *Neural Computation*, 22(3), 752–792.
    """

    n: int = eqx.field(static=True)
    tau: Array
    a: Array
    J0: Array
    k: Array
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 1.0,
        a: ArrayLike = 0.5,
        J0: ArrayLike = 1.0,
        k: ArrayLike | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        self.n = check_size(n)
        self.tau = param(tau, "tau", positive=True)
        self.a = param(a, "a", positive=True)
        self.J0 = param(J0, "J0", positive=True)
        k_c = self.n / _TWO_PI * self.J0**2 / (8 * math.sqrt(_TWO_PI) * self.a)
        self.k = param(0.5 * k_c if k is None else k, "k", positive=True)
        self.method = resolve_method(method, AbstractODEMethod, "CANN1D")

    @property
    def x(self) -> Float[Array, " n"]:
        """The preferred positions (rad), $-\\pi + 2\\pi j/n$, $j = 1, \\dots, n$."""
        return _grid(self.n, self.a.dtype)

    @property
    def rho(self) -> float:
        """The density of neurons, $n/2\\pi$ per rad."""
        return self.n / _TWO_PI

    @eqx.filter_jit
    def critical_k(self) -> Array:
        """$k_c = \\rho J_0^2 / (8\\sqrt{2\\pi}\\,a)$: no bump exists for $k \\ge k_c$."""
        return self.rho * self.J0**2 / (8 * math.sqrt(_TWO_PI) * self.a)

    @eqx.filter_jit
    def bump_height(self) -> tuple[Array, Array]:
        """The heights $(U_0, R_0)$ of $u$ and $r$ in the stable stationary bump (NaN for
        $k \\ge k_c$)."""
        root = 1.0 + _sqrt_term(self.k, self.critical_k())
        U0 = self.J0 * root / (4 * math.sqrt(math.pi) * self.a * self.k)
        return U0, math.sqrt(2.0) * U0 / (self.rho * self.J0)

    def bump(self, z: ArrayLike = 0.0) -> CANN1DState:
        """The stable stationary bump centred at `z` (rad); raises for $k \\ge k_c$."""
        _check_below_critical(self.k, self.critical_k(), "CANN1D")
        return self._bump(z)

    @_compiled
    def _bump(self, z: ArrayLike) -> CANN1DState:
        U0, _ = self.bump_height()
        u = U0 * _periodic_gaussian(self.x - jnp.asarray(z, self.a.dtype), self.a)
        return CANN1DState(u=u, r=_rate(u, self.k))

    @_compiled
    def stimulus(self, z: ArrayLike, A: ArrayLike) -> Float[Array, " n"]:
        """The Gaussian input $A\\,e^{-d^2/4a^2}$ centred at `z` (rad), $d$ the periodic
        distance, of amplitude `A` (the unit of $u$): the shape of the bump."""
        d = _wrap(self.x - jnp.asarray(z, self.a.dtype))
        return jnp.asarray(A, self.a.dtype) * jnp.exp(-d * d / (4 * self.a**2))

    @_compiled
    def decode(self, r: Float[Array, " n"]) -> Array:
        """The population-vector estimate of the bump's position (rad, in
        $[-\\pi, \\pi]$), $\\arg\\sum_j r_j e^{i x_j}$, from the rates `r` (`state.r`)."""
        return _decode(jnp.asarray(r), self.x, axis=0)

    @_compiled
    def tracking_lag(self, v: ArrayLike, A: ArrayLike) -> Array:
        """The lag (rad, signed like `v`) of the bump behind a stimulus of amplitude `A`
        moving at the speed `v` (rad/ms), from the equations above; NaN where `v` is
        too fast to be tracked."""
        a, rho, J0, k = self.a, self.rho, self.J0, self.k
        v, A = jnp.asarray(v, a.dtype), jnp.asarray(A, a.dtype)
        p, q = rho * J0 / math.sqrt(2.0), math.sqrt(_TWO_PI) * a * k * rho
        return jnp.sign(v) * _lag(self.tau, a, p, q, v, A)

    def init(self, key: PRNGKeyArray | None = None) -> CANN1DState:
        """Silence, $u = 0$ (stationary for every $k$); `bump(z)` gives a bump."""
        u = jnp.zeros(self.n, self.a.dtype)
        return CANN1DState(u=u, r=u)

    def _kernel_hat(self) -> Array:
        # J is even on the ring, so its DFT is real.
        d = _offsets(self.n, self.a.dtype)
        J = self.J0 / (math.sqrt(_TWO_PI) * self.a) * jnp.exp(-d * d / (2 * self.a**2))
        return jnp.fft.rfftn(J).real

    def vector_field(self, t: Any, u: Float[Array, " n"], args: Any) -> Float[Array, " n"]:
        """$du/dt$ (per ms) of the synaptic inputs `u`, `(n,)`, for the input `args`."""
        return _field(self, self._kernel_hat(), u, args)

    def step(self, state: CANN1DState, input: Any, ctx: Context) -> CANN1DState:
        drive = _check_input(input, (self.n,), f"CANN1D(n={self.n})")
        u = _step(self, self._kernel_hat(), state.u, drive, ctx)
        return CANN1DState(u=u, r=_rate(u, self.k))
