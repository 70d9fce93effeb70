"""The continuous attractor network on a torus (the 2-D case of Wu, Hamaguchi & Amari
2008); the shared machinery is in `_cann.py`."""

import math
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._system import Context, DynamicalSystem
from ..integrate import AbstractODEMethod
from ..integrate._names import resolve_method
from ._cann import (
    _TWO_PI,
    _check_below_critical,
    _check_input,
    _compiled,
    _decode,
    _field,
    _grid,
    _lag,
    _offsets,
    _periodic_gaussian,
    _rate,
    _sqrt_term,
    _step,
    _wrap,
)


class CANN2DState(eqx.Module):
    """State of a [`dynax.networks.CANN2D`][]: the synaptic input `u` and the firing
    rate `r` of each neuron, `(n, n)` (axis 0 the first coordinate, axis 1 the second;
    `r` is a function of `u`, kept for monitors)."""

    u: Float[Array, "n n"]
    r: Float[Array, "n n"]


class CANN2D(DynamicalSystem):
    r"""A continuous attractor neural network on a torus: `n` × `n` neurons whose
    preferred positions $\mathbf x_{ij} = (x_i, x_j)$ tile $(-\pi, \pi]^2$ (spacing
    $\Delta x = 2\pi/n$ on each axis, density $\rho = n^2/4\pi^2$), the two-dimensional
    form of [`dynax.networks.CANN1D`][]:

    $$\tau \frac{du}{dt} = -u + \rho \sum J(\mathbf x - \mathbf x')\,r(\mathbf x')\,
    \Delta x^2 + I,\qquad r = \frac{[u]_+^2}{1 + k\rho\sum [u]_+^2\,\Delta x^2},\qquad
    J(\mathbf d) = \frac{J_0}{2\pi a^2}\,e^{-|\mathbf d|^2/2a^2},$$

    with $\mathbf d$ the periodic displacement on each axis; the recurrent sum is a 2-D
    circular convolution by real FFTs, $O(n^2 \log n)$. The kernel again integrates to
    $J_0$; the results of Wu et al. (2008) carry over with the 2-D Gaussian integrals
    (derived here the same way): for
    $k < k_c = \rho J_0^2/(32\pi a^2)$ the stationary bumps are

    $$u = U_0\, e^{-|\mathbf x - \mathbf z|^2/4a^2},\quad
    r = R_0\, e^{-|\mathbf x - \mathbf z|^2/2a^2},\quad
    U_0 = \frac{J_0\,\big(1 + \sqrt{1 - k/k_c}\big)}{8\pi a^2 k},\quad
    R_0 = \frac{2\,U_0}{\rho J_0},$$

    and a stimulus $A\,e^{-|\mathbf x - \mathbf z_0|^2/4a^2}$ moving at a constant velocity
    $\mathbf v$ is followed at a lag $\mathbf s$ along $\mathbf v$ whose length solves the
    same equations as in 1-D, $\tau|\mathbf v| = (A/U)\,|\mathbf s|\,e^{-|\mathbf s|^2/8a^2}$
    with $U$ the stable root of $U = g(U) + A e^{-|\mathbf s|^2/8a^2}$, here
    $g(U) = \rho J_0 U^2/\big(2(1 + 2\pi a^2 k\rho\,U^2)\big)$ (`tracking_lag(v, A)`).
    `decode(r)` reads the position on each axis by the population vector,
    $\big(\arg\sum r\,e^{i x_1}, \arg\sum r\,e^{i x_2}\big)$.

    **Arguments:**

    - `n`: number of neurons on each axis (`n * n` in all).
    - `tau`: time constant of the synaptic input (ms), > 0; default 1 ms.
    - `a`: range of the connections (rad), > 0; default 0.5.
    - `J0`: strength of the connections (the kernel integrates to `J0`), > 0; default 1.
    - `k`: strength of the global divisive inhibition, > 0; default `None`, $k_c/2$.
    - `method`: the ODE method of a step, a [`dynax.integrate.AbstractODEMethod`][] or
      its name; default `"rk4"`.

    `step` takes the external input (in the unit of $u$): `None`, a number, or an
    `(n, n)` array such as `model.stimulus((z1, z2), A)`.

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
        k_c = (self.n / _TWO_PI) ** 2 * self.J0**2 / (32 * math.pi * self.a**2)
        self.k = param(0.5 * k_c if k is None else k, "k", positive=True)
        self.method = resolve_method(method, AbstractODEMethod, "CANN2D")

    @property
    def x(self) -> Float[Array, " n"]:
        """The preferred positions on each axis (rad), $-\\pi + 2\\pi j/n$."""
        return _grid(self.n, self.a.dtype)

    @property
    def rho(self) -> float:
        """The density of neurons, $n^2/4\\pi^2$ per rad²."""
        return (self.n / _TWO_PI) ** 2

    @eqx.filter_jit
    def critical_k(self) -> Array:
        """$k_c = \\rho J_0^2/(32\\pi a^2)$: no bump exists for $k \\ge k_c$."""
        return self.rho * self.J0**2 / (32 * math.pi * self.a**2)

    @eqx.filter_jit
    def bump_height(self) -> tuple[Array, Array]:
        """The heights $(U_0, R_0)$ of $u$ and $r$ in the stable stationary bump (NaN for
        $k \\ge k_c$)."""
        root = 1.0 + _sqrt_term(self.k, self.critical_k())
        U0 = self.J0 * root / (8 * math.pi * self.a**2 * self.k)
        return U0, 2.0 * U0 / (self.rho * self.J0)

    def _profile(self, z: ArrayLike | tuple[float, float], periodic: bool) -> Array:
        z = jnp.broadcast_to(jnp.asarray(z, self.a.dtype), (2,))
        if periodic:
            g1 = _periodic_gaussian(self.x - z[0], self.a)
            g2 = _periodic_gaussian(self.x - z[1], self.a)
        else:
            d1, d2 = _wrap(self.x - z[0]), _wrap(self.x - z[1])
            g1 = jnp.exp(-d1 * d1 / (4 * self.a**2))
            g2 = jnp.exp(-d2 * d2 / (4 * self.a**2))
        return g1[:, None] * g2[None, :]

    def bump(self, z: ArrayLike | tuple[float, float] = (0.0, 0.0)) -> CANN2DState:
        """The stable stationary bump centred at `z = (z1, z2)` (rad); raises for
        $k \\ge k_c$."""
        _check_below_critical(self.k, self.critical_k(), "CANN2D")
        return self._bump(z)

    @_compiled
    def _bump(self, z: ArrayLike | tuple[float, float]) -> CANN2DState:
        u = self.bump_height()[0] * self._profile(z, periodic=True)
        return CANN2DState(u=u, r=_rate(u, self.k))

    @_compiled
    def stimulus(self, z: ArrayLike | tuple[float, float], A: ArrayLike) -> Float[Array, "n n"]:
        """The Gaussian input $A\\,e^{-|\\mathbf d|^2/4a^2}$ centred at `z = (z1, z2)`
        (rad), $\\mathbf d$ the periodic displacement, of amplitude `A` (unit of $u$)."""
        return jnp.asarray(A, self.a.dtype) * self._profile(z, periodic=False)

    @_compiled
    def decode(self, r: Float[Array, "n n"]) -> Float[Array, " 2"]:
        """The population-vector estimate of the bump's position `(z1, z2)` (rad, each
        in $[-\\pi, \\pi]$) from the rates `r` (`state.r`)."""
        r = jnp.asarray(r)
        return jnp.stack([_decode(r, self.x, axis=0), _decode(r, self.x, axis=1)])

    @_compiled
    def tracking_lag(self, v: ArrayLike | tuple[float, float], A: ArrayLike) -> Float[Array, " 2"]:
        """The lag vector (rad) of the bump behind a stimulus of amplitude `A` moving at
        the velocity `v = (v1, v2)` (rad/ms), along `v`; NaN where too fast to track."""
        a, rho, J0, k = self.a, self.rho, self.J0, self.k
        v = jnp.broadcast_to(jnp.asarray(v, a.dtype), (2,))
        speed = jnp.sqrt(jnp.sum(v * v))
        p, q = rho * J0 / 2, 2 * math.pi * a * a * k * rho
        s = _lag(self.tau, a, p, q, speed, jnp.asarray(A, a.dtype))
        return jnp.where(speed > 0, v / jnp.where(speed > 0, speed, 1.0), 0.0) * s

    def init(self, key: PRNGKeyArray | None = None) -> CANN2DState:
        """Silence, $u = 0$ (stationary for every $k$); `bump(z)` gives a bump."""
        u = jnp.zeros((self.n, self.n), self.a.dtype)
        return CANN2DState(u=u, r=u)

    def _kernel_hat(self) -> Array:
        # Even on both axes, so its 2-D DFT is real.
        d = _offsets(self.n, self.a.dtype)
        d2 = d[:, None] ** 2 + d[None, :] ** 2
        J = self.J0 / (_TWO_PI * self.a**2) * jnp.exp(-d2 / (2 * self.a**2))
        return jnp.fft.rfftn(J).real

    def vector_field(self, t: Any, u: Float[Array, "n n"], args: Any) -> Float[Array, "n n"]:
        """$du/dt$ (per ms) of the synaptic inputs `u`, `(n, n)`, for the input `args`."""
        return _field(self, self._kernel_hat(), u, args)

    def step(self, state: CANN2DState, input: Any, ctx: Context) -> CANN2DState:
        drive = _check_input(input, (self.n, self.n), f"CANN2D(n={self.n})")
        u = _step(self, self._kernel_hat(), state.u, drive, ctx)
        return CANN2DState(u=u, r=_rate(u, self.k))
