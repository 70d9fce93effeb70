"""Hindmarsh–Rose bursting neuron (Hindmarsh & Rose 1984)."""

import equinox as eqx

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from .._system import Context
from ..integrate import RK4, AbstractODEMethod
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._spiking import initial_v_spike, input_current, ode_step, set_common, upward_crossing


class HindmarshRoseState(eqx.Module):
    """State of a `HindmarshRose` population, each `(n,)`: the membrane variable $x$ (as
    `v`, the field that every neuron's potential is), the fast recovery `y`, the slow
    adaptation `z`, and `spike` (bool, or 0/1 floats with a surrogate)."""

    v: Float[Array, " n"]
    y: Float[Array, " n"]
    z: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]


class HindmarshRose(AbstractNeuron):
    r"""Hindmarsh–Rose neurons: a three-variable polynomial model of bursting.

    $$\begin{aligned}
    \frac{dx}{dt} &= y - a x^3 + b x^2 - z + I(x) + I_\text{bias}, \\
    \frac{dy}{dt} &= c - d x^2 - y, \\
    \frac{dz}{dt} &= r\,\big(s\,(x - x_r) - z\big).
    \end{aligned}$$

    The variables and time are dimensionless (one unit of time is one "ms" of the
    simulation's `dt`). The fast subsystem $(x, y)$ spikes; the slow $z$ ($r \ll 1$)
    switches it on and off, so that the neuron fires bursts whose length grows with the
    input: with the defaults ($a = 1$, $b = 3$, $c = 1$, $d = 5$, $s = 4$, $x_r = -1.6$,
    $r = 0.001$) a constant input $I = 2$ gives regular bursts of 9 spikes and $I = 3$
    bursts of 18. There is no reset: a spike is an upward crossing of $x_\text{th}$
    within a step ($x_\text{prev} < x_\text{th} \le x$).

    **Arguments:**

    - `n`: number of neurons.
    - `a`, `b`, `c`, `d`: the fast subsystem's coefficients.
    - `r`: the slow time scale, > 0.
    - `s`: the adaptation's sensitivity to $x$.
    - `x_r`: the adaptation's resting $x$.
    - `x_th`: the spike threshold on $x$ (default 1).
    - `I_bias`: constant input.
    - `v_init`: initial $x$ (number, `(n,)` array or initialiser); default `x_r`. $y$
      and $z$ start on their nullclines, $c - d x^2$ and $s (x - x_r)$.
    - `method`: integration method (default `RK4()`: the spikes are fast, dt ≈ 0.05).
    - `spike_fn`: spike function of $x - x_\text{th}$ (default `Heaviside()`).

    ??? cite "Reference"

        Hindmarsh, J. L., & Rose, R. M. (1984). A model of neuronal bursting using three
        coupled first order differential equations. *Proceedings of the Royal Society of
        London B*, 221(1222), 87–102.
    """

    n: int = eqx.field(static=True)
    a: Array
    b: Array
    c: Array
    d: Array
    r: Array
    s: Array
    x_r: Array
    x_th: Array
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        a: ArrayLike = 1.0,
        b: ArrayLike = 3.0,
        c: ArrayLike = 1.0,
        d: ArrayLike = 5.0,
        r: ArrayLike = 0.001,
        s: ArrayLike = 4.0,
        x_r: ArrayLike = -1.6,
        x_th: ArrayLike = 1.0,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = RK4(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.a = param(a, "a", n=n)
        self.b = param(b, "b", n=n)
        self.c = param(c, "c", n=n)
        self.d = param(d, "d", n=n)
        self.r = param(r, "r", positive=True, n=n)
        self.s = param(s, "s", n=n)
        self.x_r = param(x_r, "x_r", n=n)
        self.x_th = param(x_th, "x_th", n=n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        set_common(self, v_init, self.x_r, method, spike_fn)

    def init(self, key: PRNGKeyArray | None = None) -> HindmarshRoseState:
        x, spike = initial_v_spike(self, key, self.a.dtype)
        y = self.c - self.d * x**2
        z = self.s * (x - self.x_r)
        return HindmarshRoseState(x, y, z, spike)

    def vector_field(self, t, state, args):
        """$(dx/dt, dy/dt, dz/dt)$ for `state = (x, y, z)` and the input `args`."""
        x, y, z = state
        dx = y - self.a * x**3 + self.b * x**2 - z + input_current(args, x, self.I_bias)
        dy = self.c - self.d * x**2 - y
        dz = self.r * (self.s * (x - self.x_r) - z)
        return dx, dy, dz

    def step(self, state: HindmarshRoseState, input, ctx: Context) -> HindmarshRoseState:
        x, y, z = ode_step(self, input, ctx, state.v, state.y, state.z)
        return HindmarshRoseState(x, y, z, upward_crossing(self.spike_fn, state.v, x, self.x_th))
