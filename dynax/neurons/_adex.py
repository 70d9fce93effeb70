"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005)."""

import types
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_below, check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, Euler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._expif import upswing
from ._spiking import (
    fire,
    initial_refractory,
    initial_v_spike,
    input_current,
    jump_on_spike,
    ode_step,
    refractory_period,
    set_common,
)


def _naud(C, gL, EL, VT, delta_T, a, tau_w, b, Vr):
    """Constructor arguments from a row of Naud et al. (2008), Table 1: C (pF), gL (nS),
    a (nS), b (pA) in this class's units (tau = C/gL ms, R = 1/gL MΩ, µS, nA); spikes
    registered at 0 mV."""
    return types.MappingProxyType(
        dict(
            tau=C / gL,
            R=1000.0 / gL,
            v_rest=EL,
            v_T=VT,
            delta_T=delta_T,
            a=a / 1000.0,
            tau_w=tau_w,
            b=b / 1000.0,
            v_reset=Vr,
            v_peak=0.0,
        )
    )


# Naud et al. (2008), Table 1: C, gL, EL, VT, ΔT, a, τw, b, Vr; and the step current (pA).
_NAUD = {
    "tonic": ((200, 10, -70, -50, 2, 2, 30, 0, -58), 500),
    "adapting": ((200, 12, -70, -50, 2, 2, 300, 60, -58), 500),
    "initial_burst": ((130, 18, -58, -50, 2, 4, 150, 120, -50), 400),
    "regular_bursting": ((200, 10, -58, -50, 2, 2, 120, 100, -46), 210),
    "irregular": ((100, 12, -60, -50, 2, -11, 130, 30, -48), 160),
    "transient": ((100, 10, -65, -50, 2, 10, 90, 100, -47), 180),
    "delayed_accelerating": ((200, 12, -70, -50, 2, -10, 300, 0, -58), 300),
    "delayed_regular_bursting": ((100, 10, -65, -50, 2, -10, 90, 30, -47), 110),
}
PATTERNS = types.MappingProxyType({name: _naud(*row) for name, (row, _) in _NAUD.items()})
PATTERN_CURRENTS = types.MappingProxyType({name: i / 1000.0 for name, (_, i) in _NAUD.items()})


class AdExIFState(eqx.Module):
    """State of an `AdExIF` population, each `(n,)`: `v` (mV), the adaptation current `w`
    (nA), `spike` (bool, or 0/1 floats with a surrogate) and `refractory` (steps left;
    `None` when `tau_ref` is)."""

    v: Float[Array, " n"]
    w: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]
    refractory: Int[Array, " n"] | None


class AdExIF(AbstractNeuron):
    r"""Adaptive exponential integrate-and-fire neurons (AdEx).

    $$\begin{aligned}
    \tau \frac{dv}{dt} &= -(v - v_\text{rest})
        + \Delta_T \exp\!\Big(\frac{v - v_T}{\Delta_T}\Big) - R\,w
        + R\,\big(I(v) + I_\text{bias}\big), \\
    \tau_w \frac{dw}{dt} &= a\,(v - v_\text{rest}) - w .
    \end{aligned}$$

    When $v$ reaches $v_\text{peak}$ the neuron spikes: $v \leftarrow v_\text{reset}$,
    $w \leftarrow w + b$, and $v$ is held for `tau_ref`. In the usual units $C$ (pF),
    $g_L$ (nS) this is $\tau = C/g_L$, $R = 1/g_L$: e.g. $C = 200$ pF, $g_L = 10$ nS is
    `tau=20.0, R=100.0` (MΩ) with currents in nA, $a$ in µS and $b$ in nA. The subthreshold
    coupling $a$ and the spike-triggered jump $b$ give adaptation, bursting, delayed and
    irregular firing: the parameter sets of Naud et al. (2008, Table 1) are
    `AdExIF.PATTERNS` (`"tonic"`, `"adapting"`, `"initial_burst"`, `"regular_bursting"`,
    `"irregular"`, `"transient"`, `"delayed_accelerating"`,
    `"delayed_regular_bursting"`), built with `AdExIF.from_pattern(name, n)`, and the
    step current (nA) that shows each pattern is `AdExIF.PATTERN_CURRENTS[name]`. The
    defaults are Brette & Gerstner's regular-spiking cell ($C = 281$ pF,
    $g_L = 30$ nS, $a = 4$ nS, $b = 0.0805$ nA, $\tau_w = 144$ ms).

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: membrane time constant (ms), > 0.
    - `v_rest`, `v_reset`: leak reversal and reset potentials (mV).
    - `v_T`, `delta_T`: threshold and slope factor of the exponential (mV); `delta_T > 0`.
    - `v_peak`: the potential at which a spike is registered (mV), above `v_T` and
      `v_reset`; $(v_\text{peak} - v_T)/\Delta_T$ below about 80 in float32.
    - `R`: membrane resistance (MΩ), > 0.
    - `a`: subthreshold adaptation conductance (µS).
    - `b`: spike-triggered adaptation increment (nA).
    - `tau_w`: adaptation time constant (ms), > 0.
    - `tau_ref`: absolute refractory period (ms), ≥ 0, or `None` (the default) for none
      and no counter in the state (as for [`dynax.neurons.LIF`][]).
    - `I_bias`: constant current added to the input (nA).
    - `v_init`: initial potential (number, `(n,)` array or initialiser); default
      `v_rest`. `w` starts at 0.
    - `method`: integration method for $(v, w)$ (default `Euler()`; dt ≤ 0.1 ms, or
      `RK4()`, for accurate spike times).
    - `spike_fn`: spike function of $v - v_\text{peak}$ (default `Heaviside()`); with a
      surrogate, the gradient flows through both resets.

    ??? cite "References"

        Brette, R., & Gerstner, W. (2005). Adaptive exponential integrate-and-fire model
        as an effective description of neuronal activity. *Journal of Neurophysiology*,
        94(5), 3637–3642.

        Naud, R., Marcille, N., Clopath, C., & Gerstner, W. (2008). Firing patterns in the
        adaptive exponential integrate-and-fire model. *Biological Cybernetics*, 99(4–5),
        335–347.
    """

    PATTERNS: ClassVar[types.MappingProxyType] = PATTERNS
    PATTERN_CURRENTS: ClassVar[types.MappingProxyType] = PATTERN_CURRENTS

    n: int = eqx.field(static=True)
    tau: Array
    v_rest: Array
    v_reset: Array
    v_T: Array
    delta_T: Array
    v_peak: Array
    R: Array
    a: Array
    b: Array
    tau_w: Array
    tau_ref: Array | None
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 281.0 / 30.0,
        v_rest: ArrayLike = -70.6,
        v_reset: ArrayLike = -70.6,
        v_T: ArrayLike = -50.4,
        delta_T: ArrayLike = 2.0,
        v_peak: ArrayLike = 20.0,
        R: ArrayLike = 1000.0 / 30.0,
        a: ArrayLike = 0.004,
        b: ArrayLike = 0.0805,
        tau_w: ArrayLike = 144.0,
        tau_ref: ArrayLike | None = None,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = Euler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.v_T = param(v_T, "v_T", n=n)
        self.delta_T = param(delta_T, "delta_T", positive=True, n=n)
        self.v_peak = param(v_peak, "v_peak", n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.a = param(a, "a", n=n)
        self.b = param(b, "b", n=n)
        self.tau_w = param(tau_w, "tau_w", positive=True, n=n)
        self.tau_ref = refractory_period(tau_ref, n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        check_below(self.v_reset, "v_reset", self.v_peak, "v_peak", "the reset must end the spike")
        check_below(self.v_T, "v_T", self.v_peak, "v_peak", "spikes start above v_T")
        set_common(self, v_init, self.v_rest, method, spike_fn)

    @classmethod
    def from_pattern(cls, pattern: str, n: int = 1, **kwargs) -> "AdExIF":
        """A population with the parameters of a firing pattern of Naud et al. (2008)
        (`PATTERNS`); other keyword arguments go to the constructor. Drive it with
        `PATTERN_CURRENTS[pattern]` (nA) to see the pattern."""
        if pattern not in PATTERNS:
            raise ValueError(f"unknown AdEx pattern {pattern!r}; choose one of {sorted(PATTERNS)}.")
        return cls(n, **{**PATTERNS[pattern], **kwargs})

    def init(self, key: PRNGKeyArray | None = None) -> AdExIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        return AdExIFState(v, jnp.zeros_like(v), spike, initial_refractory(self))

    def vector_field(self, t, y, args):
        """$(dv/dt, dw/dt)$ for `y = (v, w)` and the input `args`."""
        v, w = y
        current = input_current(args, v, self.I_bias) - w
        dv = (-(v - self.v_rest) + upswing(self, v) + self.R * current) / self.tau
        dw = (self.a * (v - self.v_rest) - w) / self.tau_w
        return dv, dw

    def step(self, state: AdExIFState, input, ctx: Context) -> AdExIFState:
        v, w = ode_step(self, input, ctx, state.v, state.w)
        v, spike, refractory = fire(self, state, v, self.v_peak, ctx.dt)
        return AdExIFState(v, jump_on_spike(spike, w, self.b), spike, refractory)
