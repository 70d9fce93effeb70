"""The Van der Pol oscillator (van der Pol 1926)."""

from typing import Any

import equinox as eqx

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class VanDerPolState(eqx.Module):
    """State of [`dynax.rates.VanDerPol`][]: the position `x` and velocity `y` of each
    oscillator, `(n,)`, and the noise's state (`None` without noise)."""

    x: Float[Array, " n"]
    y: Float[Array, " n"]
    noise: OUState | None = None


class VanDerPol(AbstractRateModel):
    r"""`n` Van der Pol oscillators, $\ddot x - \mu(1 - x^2)\dot x + x = I$:

    $$\frac{dx}{dt} = y,\qquad \frac{dy}{dt} = \mu(1 - x^2)\,y - x + I.$$

    For every $\mu > 0$ the origin is unstable and each oscillator settles on one limit
    cycle. For small $\mu$ it is nearly harmonic, of amplitude $2$ and period
    $2\pi(1 + \mu^2/16 + O(\mu^4))$; for large $\mu$ it is a relaxation oscillation of
    period $(3 - 2\ln 2)\mu + 3\alpha\mu^{-1/3} + O(\mu^{-1}\ln\mu)$, $\alpha \approx
    2.3381$ the first zero of the Airy function (Dorodnitsyn 1947), and amplitude
    $2 + O(\mu^{-4/3})$. The input $I$ (and the noise) is a force on $dy/dt$;
    `output` is $x$.

    Units: the equation is dimensionless; its time unit is 1 ms here, so $\mu$ is
    dimensionless, $x$ is dimensionless, $y$ and the natural angular frequency are per
    ms (1 rad/ms, a period of $2\pi$ ms for small $\mu$) and the input is per ms². To
    oscillate at another frequency, scale time outside (run at $dt \cdot \omega$).
    For large $\mu$ the equations are stiff ($|\partial\dot y/\partial y| \approx 3\mu$
    near $|x| = 2$): take $dt \lesssim 1/\mu$ with RK4.

    **Arguments:**

    - `n`: number of oscillators.
    - `mu`: the nonlinear damping (≥ 0); default 1.
    - `x0`, `y0`: initial values; default 2, 0 (near the small-$\mu$ cycle).
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $I$.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "References"

        van der Pol, B. (1926). On "relaxation-oscillations". *The London, Edinburgh,
        and Dublin Philosophical Magazine and Journal of Science*, 2(11), 978–992.

        Strogatz, S. H. (2015). *Nonlinear Dynamics and Chaos* (2nd ed.), sections 7.5
        and 7.6. Westview Press.
    """

    n: int = eqx.field(static=True)
    mu: Array
    x0: Array
    y0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        mu: ArrayLike = 1.0,
        x0: ArrayLike = 2.0,
        y0: ArrayLike = 0.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        setup(
            self,
            n,
            noise,
            method,
            mu=param(mu, "mu", nonnegative=True, n=n),
            x0=param(x0, "x0", n=n),
            y0=param(y0, "y0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> VanDerPolState:
        dtype = self.mu.dtype
        return VanDerPolState(
            x=node_array(self.x0, self.n, dtype),
            y=node_array(self.y0, self.n, dtype),
            noise=self.noise_init(key),
        )

    def vector_field(self, t: Any, y: VanDerPolState, args: Any) -> VanDerPolState:
        x, v = y.x, y.y
        dv = self.mu * (1 - x * x) * v - x
        if args is not None:
            dv = dv + args
        return VanDerPolState(x=v, y=dv)

    def output(self, state: VanDerPolState) -> Float[Array, " n"]:
        return state.x
