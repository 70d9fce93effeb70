"""The Stuart–Landau oscillator (the normal form of a supercritical Hopf bifurcation)."""

from typing import Any

import equinox as eqx

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class StuartLandauState(eqx.Module):
    """State of [`dynax.rates.StuartLandau`][]: the real and imaginary parts `x`, `y`
    of each node's $z$, `(n,)`, and the noise's state (`None` without noise)."""

    x: Float[Array, " n"]
    y: Float[Array, " n"]
    noise: OUState | None = None


class StuartLandau(AbstractRateModel):
    r"""`n` Stuart–Landau oscillators, the normal form of a supercritical Hopf
    bifurcation, $\dot z = (a + i\omega)z - |z|^2 z + I$ with $z = x + iy$:

    $$\frac{dx}{dt} = (a - x^2 - y^2)\,x - \omega y + I,\qquad
    \frac{dy}{dt} = (a - x^2 - y^2)\,y + \omega x.$$

    For $a < 0$ the origin is a stable focus (oscillations decay at rate $-a$); at
    $a = 0$ it loses stability, and for $a > 0$ every node settles on a limit cycle of
    radius $\sqrt a$ and angular frequency $\omega$. The input $I$ (and the noise)
    enters the $x$ equation; `output` is $x$. It is the node of the "Hopf" whole-brain
    models (Deco et al. 2017).

    **Arguments:**

    - `n`: number of nodes.
    - `a`: bifurcation parameter (1/ms); default 0.25 (in units where time is ms, a
      limit cycle of radius 0.5).
    - `omega`: angular frequency (rad/ms); default $2\pi \cdot 0.04$ (40 Hz).
    - `x0`, `y0`: initial values; default 0.1, 0.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $I$.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "Reference"

        Kuramoto, Y. (1984). *Chemical Oscillations, Waves, and Turbulence*. Springer.

        Deco, G., Kringelbach, M. L., Jirsa, V. K., & Ritter, P. (2017). The dynamics of
        resting fluctuations in the brain: metastability and its dynamical cortical core.
        *Scientific Reports*, 7, 3095.
    """

    n: int = eqx.field(static=True)
    a: Array
    omega: Array
    x0: Array
    y0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        a: ArrayLike = 0.25,
        omega: ArrayLike = 2 * 3.141592653589793 * 0.04,
        x0: ArrayLike = 0.1,
        y0: ArrayLike = 0.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        setup(
            self,
            n,
            noise,
            method,
            a=param(a, "a", n=n),
            omega=param(omega, "omega", n=n),
            x0=param(x0, "x0", n=n),
            y0=param(y0, "y0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> StuartLandauState:
        dtype = self.a.dtype
        return StuartLandauState(
            x=node_array(self.x0, self.n, dtype),
            y=node_array(self.y0, self.n, dtype),
            noise=self.noise_init(key),
        )

    def vector_field(self, t: Any, y: StuartLandauState, args: Any) -> StuartLandauState:
        x, v = y.x, y.y
        growth = self.a - x * x - v * v
        dx = growth * x - self.omega * v
        if args is not None:
            dx = dx + args
        return StuartLandauState(x=dx, y=growth * v + self.omega * x)

    def output(self, state: StuartLandauState) -> Float[Array, " n"]:
        return state.x
