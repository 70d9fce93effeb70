"""Izhikevich's simple model of spiking neurons (Izhikevich 2003, 2004)."""

import types
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_below, check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, Euler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._spiking import initial_v_spike, input_current, jump_on_spike, ode_step, on_spike, set_common


def _abcd(a, b, c, d):
    return types.MappingProxyType({"a": a, "b": b, "c": c, "d": d})


PATTERNS = types.MappingProxyType(
    {
        # Izhikevich (2003), Fig. 2: cortical and thalamic cell classes.
        "regular_spiking": _abcd(0.02, 0.2, -65.0, 8.0),
        "intrinsically_bursting": _abcd(0.02, 0.2, -55.0, 4.0),
        "chattering": _abcd(0.02, 0.2, -50.0, 2.0),
        "fast_spiking": _abcd(0.1, 0.2, -65.0, 2.0),
        "low_threshold_spiking": _abcd(0.02, 0.25, -65.0, 2.0),
        "thalamo_cortical": _abcd(0.02, 0.25, -65.0, 0.05),
        "resonator": _abcd(0.1, 0.26, -65.0, 2.0),
        # Izhikevich (2004), Fig. 1: the neuro-computational features reachable with the
        # same equations (the panels that change them, e.g. class 1 and integrator, are
        # left out).
        "tonic_spiking": _abcd(0.02, 0.2, -65.0, 6.0),
        "phasic_spiking": _abcd(0.02, 0.25, -65.0, 6.0),
        "tonic_bursting": _abcd(0.02, 0.2, -50.0, 2.0),
        "phasic_bursting": _abcd(0.02, 0.25, -55.0, 0.05),
        "mixed_mode": _abcd(0.02, 0.2, -55.0, 4.0),
        "spike_frequency_adaptation": _abcd(0.01, 0.2, -65.0, 8.0),
        "class_2": _abcd(0.2, 0.26, -65.0, 0.0),
        "spike_latency": _abcd(0.02, 0.2, -65.0, 6.0),
        "subthreshold_oscillations": _abcd(0.05, 0.26, -60.0, 0.0),
        "rebound_spike": _abcd(0.03, 0.25, -60.0, 4.0),
        "rebound_burst": _abcd(0.03, 0.25, -52.0, 0.0),
        "threshold_variability": _abcd(0.03, 0.25, -60.0, 4.0),
        "bistability": _abcd(1.0, 1.5, -60.0, 0.0),
        "depolarizing_after_potential": _abcd(1.0, 0.2, -60.0, -21.0),
    }
)
"""The parameters $(a, b, c, d)$ of Izhikevich's firing patterns, by name (read-only).

The first seven are the cell classes of Izhikevich (2003, Fig. 2): regular spiking (RS),
intrinsically bursting (IB), chattering (CH), fast spiking (FS), low-threshold spiking
(LTS), thalamo-cortical (TC) and resonator (RZ); under a step current of 10 they fire
their patterns. The others are panels of Izhikevich (2004, Fig. 1), each shown there
with its own input (e.g. tonic spiking with $I = 14$, tonic bursting with $I = 15$,
spike-frequency adaptation with $I = 30$, mixed mode with $I = 10$).
`Izhikevich.from_pattern(name, n)` builds a population with one of them.
"""


class IzhikevichState(eqx.Module):
    """State of an `Izhikevich` population, each `(n,)`: `v` (mV), the recovery variable
    `u` and `spike` (bool, or 0/1 floats with a surrogate)."""

    v: Float[Array, " n"]
    u: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]


class Izhikevich(AbstractNeuron):
    r"""Izhikevich's simple spiking neurons: a quadratic membrane with one recovery
    variable, which reproduce the firing patterns of cortical neurons by the choice of
    four parameters.

    $$\begin{aligned}
    \frac{dv}{dt} &= 0.04\,v^2 + 5\,v + 140 - u + I(v) + I_\text{bias}, \\
    \frac{du}{dt} &= a\,(b\,v - u),
    \end{aligned}$$

    with $v$ in mV and $t$ in ms. When $v \ge v_\text{peak}$ (30 mV) the neuron spikes and
    $v \leftarrow c$, $u \leftarrow u + d$. The named parameter sets of
    `Izhikevich.PATTERNS` (regular spiking, intrinsically bursting, chattering, fast
    spiking, ... and the features of Izhikevich 2004 that keep these equations) are
    reached with `Izhikevich.from_pattern(name, n)`.
    The input is in the model's units (mV/ms, as in the papers); a conductance $g$
    adds $-g\,v$.

    **Arguments:**

    - `n`: number of neurons.
    - `a`: recovery rate (ms⁻¹).
    - `b`: sensitivity of $u$ to $v$.
    - `c`: reset potential (mV), below `v_peak`.
    - `d`: jump of $u$ at a spike.
    - `v_peak`: the spike cut-off (mV), default 30.
    - `I_bias`: constant input.
    - `v_init`: initial potential (number, `(n,)` array or initialiser); default −65
      mV. `u` starts at $b\,v$.
    - `method`: integration method (default `Euler()` at the simulation's `dt`; the
      papers take 1 ms, or 0.5 ms steps for $v$; dt ≤ 0.1 ms resolves bursts reliably).
    - `spike_fn`: spike function of $v - v_\text{peak}$ (default `Heaviside()`).

    ??? cite "References"

        Izhikevich, E. M. (2003). Simple model of spiking neurons. *IEEE Transactions on
        Neural Networks*, 14(6), 1569–1572.

        Izhikevich, E. M. (2004). Which model to use for cortical spiking neurons? *IEEE
        Transactions on Neural Networks*, 15(5), 1063–1070.
    """

    PATTERNS: ClassVar[types.MappingProxyType] = PATTERNS

    n: int = eqx.field(static=True)
    a: Array
    b: Array
    c: Array
    d: Array
    v_peak: Array
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        a: ArrayLike = 0.02,
        b: ArrayLike = 0.2,
        c: ArrayLike = -65.0,
        d: ArrayLike = 8.0,
        v_peak: ArrayLike = 30.0,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = Euler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.a = param(a, "a", n=n)
        self.b = param(b, "b", n=n)
        self.c = param(c, "c", n=n)
        self.d = param(d, "d", n=n)
        self.v_peak = param(v_peak, "v_peak", n=n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.c, "c", self.v_peak, "v_peak", "the reset must end the spike")
        set_common(self, v_init, jnp.asarray(-65.0, self.a.dtype), method, spike_fn)

    @classmethod
    def from_pattern(cls, pattern: str, n: int = 1, **kwargs) -> "Izhikevich":
        """A population with the parameters $(a, b, c, d)$ of a named firing pattern of
        `PATTERNS` (`"regular_spiking"`, `"chattering"`, ...); other keyword arguments
        go to the constructor."""
        if pattern not in PATTERNS:
            raise ValueError(
                f"unknown Izhikevich pattern {pattern!r}; choose one of {sorted(PATTERNS)}."
            )
        return cls(n, **{**PATTERNS[pattern], **kwargs})

    def init(self, key: PRNGKeyArray | None = None) -> IzhikevichState:
        v, spike = initial_v_spike(self, key, self.a.dtype)
        return IzhikevichState(v, self.b * v, spike)

    def vector_field(self, t, y, args):
        """$(dv/dt, du/dt)$ for `y = (v, u)` and the input `args`."""
        v, u = y
        current = input_current(args, v, self.I_bias)
        return 0.04 * v**2 + 5.0 * v + 140.0 - u + current, self.a * (self.b * v - u)

    def step(self, state: IzhikevichState, input, ctx: Context) -> IzhikevichState:
        v, u = ode_step(self, input, ctx, state.v, state.u)
        spike = self.spike_fn(v - self.v_peak)
        return IzhikevichState(on_spike(spike, self.c, v), jump_on_spike(spike, u, self.d), spike)
