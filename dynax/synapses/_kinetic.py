"""Receptor kinetics gated by a pulse of transmitter (Destexhe, Mainen & Sejnowski 1994),
and the second-order saturating NMDA synapse of Wang (2002): presynaptically aligned."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Int, PRNGKeyArray
from .._system import Context
from ._base import AbstractPresynaptic


class KineticReceptorState(eqx.Module):
    """`r`: the fraction of open receptors at the synapses of each presynaptic neuron,
    `(n,)`; `T`: its transmitter concentration now (mM); `left`: steps of release left."""

    r: Array
    T: Array
    left: Int[Array, " n"]


class KineticReceptor(AbstractPresynaptic):
    r"""A two-state receptor opened by a pulse of transmitter:

    $$\frac{dr}{dt} = \alpha\,[T]\,(1 - r) - \beta\,r,$$

    where $[T] = T_\text{max}$ for `T_duration` after each presynaptic spike (scaled by the
    spike's value when an earlier stage, such as `STP`, scales it) and 0 otherwise. With
    $[T]$ constant over a step the update is exact:
    $r \leftarrow r_\infty + (r - r_\infty)\,e^{-(\alpha[T] + \beta)\,dt}$,
    $r_\infty = \alpha[T] / (\alpha[T] + \beta)$. The pulse lasts `T_duration` rounded to
    whole steps (at least one).

    One $r$ per presynaptic neuron is shared by all its synapses (they see the same
    spikes), and the projection sends $r$ to every target each step, multiplied by the
    weight: the postsynaptic conductance is $\sum_j w_{ij} r_j$. `AMPA`, `GABAa` and
    `NMDA` give this class with the published rate constants.

    **Arguments:**

    - `n`: number of presynaptic neurons.
    - `alpha`: binding rate (1/(mM·ms)), > 0.
    - `beta`: unbinding rate (1/ms), > 0.
    - `T_max`: transmitter concentration during the pulse (mM), > 0.
    - `T_duration`: duration of the pulse (ms), > 0.

    ??? cite "Reference"

        Destexhe, A., Mainen, Z. F., & Sejnowski, T. J. (1994). Synthesis of models for
        excitable membranes, synaptic transmission and neuromodulation using a common
        kinetic formalism. *Journal of Computational Neuroscience*, 1(3), 195–230.
    """

    n: int = eqx.field(static=True)
    alpha: Array
    beta: Array
    T_max: Array
    T_duration: Array

    def __init__(
        self,
        n: int,
        *,
        alpha: ArrayLike,
        beta: ArrayLike,
        T_max: ArrayLike = 1.0,
        T_duration: ArrayLike = 1.0,
    ):
        self.n = n = check_size(n)
        self.alpha = param(alpha, "alpha", positive=True, n=n)
        self.beta = param(beta, "beta", positive=True, n=n)
        self.T_max = param(T_max, "T_max", positive=True, n=n)
        self.T_duration = param(T_duration, "T_duration", positive=True, n=n)

    def init(self, key: PRNGKeyArray | None = None) -> KineticReceptorState:
        zeros = jnp.zeros(self.n, self.alpha.dtype)
        return KineticReceptorState(r=zeros, T=zeros, left=jnp.zeros(self.n, jnp.int32))

    def step(self, state: KineticReceptorState, input: Array, ctx: Context) -> KineticReceptorState:
        event = jnp.asarray(input, state.r.dtype)
        arrived = event > 0
        steps = jnp.maximum(jnp.round(self.T_duration / ctx.dt), 1).astype(jnp.int32)
        left = jnp.where(arrived, steps, state.left)
        T = jnp.where(arrived, self.T_max * event, jnp.where(left > 0, state.T, 0.0))
        rate = self.alpha * T + self.beta
        r_inf = self.alpha * T / rate
        r = r_inf + (state.r - r_inf) * jnp.exp(-rate * ctx.dt)
        return KineticReceptorState(r=r, T=T, left=jnp.maximum(left - 1, 0))

    def transmitted(self, state: KineticReceptorState) -> Array:
        return state.r


def AMPA(n: int, *, alpha: ArrayLike = 1.1, beta: ArrayLike = 0.19, **kwargs) -> KineticReceptor:
    """AMPA receptor kinetics, a `KineticReceptor` with $\\alpha = 1.1$ /(mM·ms),
    $\\beta = 0.19$ /ms and a 1 mM, 1 ms transmitter pulse (Destexhe et al. 1994); use
    with `dx.synapses.COBA(E=0.0)`."""
    return KineticReceptor(n, alpha=alpha, beta=beta, **kwargs)


def GABAa(n: int, *, alpha: ArrayLike = 5.0, beta: ArrayLike = 0.18, **kwargs) -> KineticReceptor:
    """GABA-A receptor kinetics, a `KineticReceptor` with $\\alpha = 5$ /(mM·ms),
    $\\beta = 0.18$ /ms and a 1 mM, 1 ms transmitter pulse (Destexhe et al. 1994); use
    with `dx.synapses.COBA(E=-80.0)`."""
    return KineticReceptor(n, alpha=alpha, beta=beta, **kwargs)


def NMDA(
    n: int, *, alpha: ArrayLike = 0.072, beta: ArrayLike = 0.0066, **kwargs
) -> KineticReceptor:
    """NMDA receptor kinetics, a `KineticReceptor` with $\\alpha = 0.072$ /(mM·ms),
    $\\beta = 0.0066$ /ms and a 1 mM, 1 ms transmitter pulse (Destexhe et al. 1994); use
    with `dx.synapses.MgBlock(E=0.0)` for the voltage dependence."""
    return KineticReceptor(n, alpha=alpha, beta=beta, **kwargs)


class SecondOrderNMDAState(eqx.Module):
    """`x`: the rise variable of each presynaptic neuron, `(n,)`; `s`: its fraction of
    open NMDA channels, `(n,)`, which the projection sends."""

    x: Array
    s: Array


class SecondOrderNMDA(AbstractPresynaptic):
    r"""The saturating NMDA gating of Wang (2002):

    $$\frac{dx}{dt} = -\frac{x}{\tau_\text{rise}} + \sum_k \delta(t - t_k), \qquad
      \frac{ds}{dt} = -\frac{s}{\tau_\text{decay}} + \alpha\,x\,(1 - s),$$

    one pair per presynaptic neuron. $x$ decays exactly; $s$ is advanced exactly for $x$
    held at its mean over the step ($x$'s own exact mean), then the spikes arriving now
    are added to $x$. Saturation ($s \le 1$) is why this synapse is kept per presynaptic
    neuron rather than summed per postsynaptic one. Use with
    `dx.synapses.MgBlock(E=0.0)`.

    **Arguments:**

    - `n`: number of presynaptic neurons.
    - `tau_rise`: rise time constant of $x$ (ms), > 0; 2 ms in Wang (2002).
    - `tau_decay`: decay time constant of $s$ (ms), > 0; 100 ms in Wang (2002).
    - `alpha`: saturation rate (1/ms), > 0; 0.5 /ms in Wang (2002).

    ??? cite "Reference"

        Wang, X.-J. (2002). Probabilistic decision making by slow reverberation in
        cortical circuits. *Neuron*, 36(5), 955–968.
    """

    n: int = eqx.field(static=True)
    tau_rise: Array
    tau_decay: Array
    alpha: Array

    def __init__(
        self,
        n: int,
        *,
        tau_rise: ArrayLike = 2.0,
        tau_decay: ArrayLike = 100.0,
        alpha: ArrayLike = 0.5,
    ):
        self.n = n = check_size(n)
        self.tau_rise = param(tau_rise, "tau_rise", positive=True, n=n)
        self.tau_decay = param(tau_decay, "tau_decay", positive=True, n=n)
        self.alpha = param(alpha, "alpha", positive=True, n=n)

    def init(self, key: PRNGKeyArray | None = None) -> SecondOrderNMDAState:
        zeros = jnp.zeros(self.n, self.alpha.dtype)
        return SecondOrderNMDAState(x=zeros, s=zeros)

    def step(self, state: SecondOrderNMDAState, input: Array, ctx: Context) -> SecondOrderNMDAState:
        dt = ctx.dt
        decay = jnp.exp(-dt / self.tau_rise)
        x_mean = state.x * self.tau_rise * (1 - decay) / dt
        drive = self.alpha * x_mean
        rate = drive + 1 / self.tau_decay
        s_inf = drive / rate
        s = s_inf + (state.s - s_inf) * jnp.exp(-rate * dt)
        x = state.x * decay + jnp.asarray(input, state.x.dtype)
        return SecondOrderNMDAState(x=x, s=s)

    def transmitted(self, state: SecondOrderNMDAState) -> Array:
        return state.s
