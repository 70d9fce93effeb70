"""Dual-exponential and alpha synapses: a rise and a decay time constant."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, PRNGKeyArray
from .._system import Context
from ._base import AbstractLinearSynapse


class DualExponentialState(eqx.Module):
    """`h`: the rise variable, which the arriving weights jump, `(n,)`; `g`: the synaptic
    variable the output reads, `(n,)`."""

    h: Array
    g: Array


def _relative_expm1(z: Array) -> Array:
    """$(1 - e^{-z}) / z$, equal to 1 at $z = 0$ and smooth there (gradients included)."""
    small = jnp.abs(z) < 1e-4
    safe = jnp.where(small, 1.0, z)
    return jnp.where(small, 1 - z / 2 + z * z / 6, -jnp.expm1(-safe) / safe)


def _relative_log1p(y: Array) -> Array:
    """$\\ln(1 + y) / y$, equal to 1 at $y = 0$ and smooth there."""
    small = jnp.abs(y) < 1e-4
    safe = jnp.where(small, 1.0, y)
    return jnp.where(small, 1 - y / 2 + y * y / 3, jnp.log1p(safe) / safe)


def _kernel(t: Array, tau_rise: Array, tau_decay: Array) -> Array:
    r"""$u(t) = (e^{-t/\tau_d} - e^{-t/\tau_r}) / (1/\tau_r - 1/\tau_d)$, which is
    $t e^{-t/\tau}$ when the two are equal: no division by their difference."""
    delta = 1 / tau_rise - 1 / tau_decay
    return t * jnp.exp(-t / tau_decay) * _relative_expm1(t * delta)


def peak_time(tau_rise: Array, tau_decay: Array) -> Array:
    r"""When the response to one spike peaks (ms):
    $t_\text{peak} = \ln(\tau_d/\tau_r)\,\tau_r\tau_d / (\tau_d - \tau_r)$ ($\tau$ when
    the two are equal)."""
    return tau_decay * _relative_log1p(tau_decay / tau_rise - 1)


def _step(state, ctx, tau_rise, tau_decay):
    dt = ctx.dt
    # Exact for the linear pair dh/dt = -h/tau_r, dg/dt = -g/tau_d + c h, with c chosen
    # so that one weight w peaks at g = w.
    scale = 1 / _kernel(peak_time(tau_rise, tau_decay), tau_rise, tau_decay)
    g = state.g * jnp.exp(-dt / tau_decay) + scale * state.h * _kernel(dt, tau_rise, tau_decay)
    return DualExponentialState(h=state.h * jnp.exp(-dt / tau_rise), g=g)


class DualExponential(AbstractLinearSynapse):
    r"""A synaptic variable with a rise and a decay time constant, normalised so that a
    weight $w$ peaks at $g = w$:

    $$g(t) = w\,\frac{e^{-t/\tau_d} - e^{-t/\tau_r}}{e^{-t_p/\tau_d} - e^{-t_p/\tau_r}},
    \qquad t_p = \frac{\tau_r\tau_d}{\tau_d - \tau_r}\ln\frac{\tau_d}{\tau_r},$$

    after each arriving spike, computed as the linear system
    $dh/dt = -h/\tau_r$ (the weight jumps $h$), $dg/dt = -g/\tau_d + c\,h$, integrated
    exactly over each step (so at any `dt`). Equal time constants give the alpha
    function (`Alpha`) without dividing by their difference. Linear in the weights:
    all synapses onto a neuron share one pair $(h, g)$.

    **Arguments:**

    - `n`: number of postsynaptic neurons.
    - `tau_rise`: rise time constant $\tau_r$ (ms), > 0.
    - `tau_decay`: decay time constant $\tau_d$ (ms), > 0 (any order; equal is fine).

    ??? cite "Reference"

        Roth, A., & van Rossum, M. C. W. (2009). Modeling synapses. In E. De Schutter
        (Ed.), *Computational Modeling Methods for Neuroscientists* (pp. 139–160). MIT
        Press.
    """

    n: int = eqx.field(static=True)
    tau_rise: Array
    tau_decay: Array

    def __init__(self, n: int, tau_rise: ArrayLike = 1.0, tau_decay: ArrayLike = 10.0):
        self.n = n = check_size(n)
        self.tau_rise = param(tau_rise, "tau_rise", positive=True, n=n)
        self.tau_decay = param(tau_decay, "tau_decay", positive=True, n=n)

    def init(self, key: PRNGKeyArray | None = None) -> DualExponentialState:
        zeros = jnp.zeros(self.n, self.tau_decay.dtype)
        return DualExponentialState(h=zeros, g=zeros)

    def decay(self, state: DualExponentialState, ctx: Context) -> DualExponentialState:
        return _step(state, ctx, self.tau_rise, self.tau_decay)

    def inbox(self, state: DualExponentialState) -> Array:
        return state.h

    def with_inbox(self, state: DualExponentialState, value: Array) -> DualExponentialState:
        return DualExponentialState(h=value, g=state.g)


class Alpha(AbstractLinearSynapse):
    r"""The alpha function, normalised so that a weight $w$ peaks at $g = w$ at
    $t = \tau$:

    $$g(t) = w\,\frac{t}{\tau}\,e^{1 - t/\tau}$$

    after each arriving spike; the `DualExponential` with equal time constants, also
    integrated exactly over each step.

    **Arguments:**

    - `n`: number of postsynaptic neurons.
    - `tau`: time constant (ms), > 0: the time of the peak.

    ??? cite "Reference"

        Rall, W. (1967). Distinguishing theoretical synaptic potentials computed for
        different soma-dendritic distributions of synaptic input. *Journal of
        Neurophysiology*, 30(5), 1138–1168.
    """

    n: int = eqx.field(static=True)
    tau: Array

    def __init__(self, n: int, tau: ArrayLike = 2.0):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)

    def init(self, key: PRNGKeyArray | None = None) -> DualExponentialState:
        zeros = jnp.zeros(self.n, self.tau.dtype)
        return DualExponentialState(h=zeros, g=zeros)

    def decay(self, state: DualExponentialState, ctx: Context) -> DualExponentialState:
        return _step(state, ctx, self.tau, self.tau)

    def inbox(self, state: DualExponentialState) -> Array:
        return state.h

    def with_inbox(self, state: DualExponentialState, value: Array) -> DualExponentialState:
        return DualExponentialState(h=value, g=state.g)
