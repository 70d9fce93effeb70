"""FitzHugh–Nagumo neuron with spikes (FitzHugh 1961; Nagumo et al. 1962)."""

import equinox as eqx

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from .._system import Context
from ..integrate import RK4, AbstractODEMethod
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._spiking import initial_v_spike, input_current, ode_step, set_common, upward_crossing


class SpikingFHNState(eqx.Module):
    """State of a `SpikingFHN` population, each `(n,)`: the fast variable `v`, the
    recovery `w` and `spike` (bool, or 0/1 floats with a surrogate)."""

    v: Float[Array, " n"]
    w: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]


class SpikingFHN(AbstractNeuron):
    r"""FitzHugh–Nagumo neurons that emit spikes: the two-variable caricature of the
    Hodgkin–Huxley model, with a spike at each upward crossing of a threshold.

    $$\begin{aligned}
    \frac{dv}{dt} &= v - \frac{v^3}{3} - w + I(v) + I_\text{bias}, \\
    \tau \frac{dw}{dt} &= v + a - b\,w .
    \end{aligned}$$

    Variables and time are dimensionless (one unit of time is one "ms" of `dt`). The
    neuron spikes when $v$ crosses $v_\text{th}$ upward within a step
    ($v_\text{prev} < v_\text{th} \le v$); there is no reset. With the classic
    $a = 0.7$, $b = 0.8$, $\tau = 12.5$ the resting state loses stability in a
    (subcritical) Hopf bifurcation at $I \approx 0.331$, where $1 - v^{*2} = b/\tau$:
    above it the neuron fires periodically. (The rate-model FitzHugh–Nagumo of
    whole-brain models is a different, non-spiking model.)

    **Arguments:**

    - `n`: number of neurons.
    - `a`, `b`: the recovery nullcline's offset and slope.
    - `tau`: the recovery time scale, > 0.
    - `v_th`: the spike threshold on $v$ (default 1).
    - `I_bias`: constant input.
    - `v_init`: initial $v$ (number, `(n,)` array or initialiser); default −1.2. $w$
      starts on its nullcline, $(v + a)/b$.
    - `method`: integration method (default `RK4()`).
    - `spike_fn`: spike function of $v - v_\text{th}$ (default `Heaviside()`).

    ??? cite "References"

        FitzHugh, R. (1961). Impulses and physiological states in theoretical models of
        nerve membrane. *Biophysical Journal*, 1(6), 445–466.

        Nagumo, J., Arimoto, S., & Yoshizawa, S. (1962). An active pulse transmission
        line simulating nerve axon. *Proceedings of the IRE*, 50(10), 2061–2070.
    """

    n: int = eqx.field(static=True)
    a: Array
    b: Array
    tau: Array
    v_th: Array
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        a: ArrayLike = 0.7,
        b: ArrayLike = 0.8,
        tau: ArrayLike = 12.5,
        v_th: ArrayLike = 1.0,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = RK4(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.a = param(a, "a", n=n)
        self.b = param(b, "b", n=n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_th = param(v_th, "v_th", n=n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        set_common(self, v_init, -1.2, method, spike_fn)

    def init(self, key: PRNGKeyArray | None = None) -> SpikingFHNState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return SpikingFHNState(v, (v + self.a) / self.b, spike)

    def vector_field(self, t, y, args):
        """$(dv/dt, dw/dt)$ for `y = (v, w)` and the input `args`."""
        v, w = y
        current = input_current(args, v, self.I_bias)
        return v - v**3 / 3 - w + current, (v + self.a - self.b * w) / self.tau

    def step(self, state: SpikingFHNState, input, ctx: Context) -> SpikingFHNState:
        v, w = ode_step(self, input, ctx, state.v, state.w)
        return SpikingFHNState(v, w, upward_crossing(self.spike_fn, state.v, v, self.v_th))
