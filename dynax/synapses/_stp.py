"""Short-term plasticity: Tsodyks–Markram facilitation and depression."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, check_values, param
from .._custom_types import Array, ArrayLike, PRNGKeyArray
from .._system import Context
from ._base import AbstractPresynaptic


class STPState(eqx.Module):
    """Per presynaptic neuron, `(n,)`: `u`, the utilisation of resources (just after the
    last spike, decayed since); `x`, the fraction of resources available; `release`,
    what was released this step (0 without a spike)."""

    u: Array
    x: Array
    release: Array


class STP(AbstractPresynaptic):
    r"""Tsodyks–Markram short-term plasticity: facilitation through the utilisation $u$,
    depression through the resources $x$ of each presynaptic neuron:

    $$\frac{du}{dt} = -\frac{u}{\tau_f}, \qquad \frac{dx}{dt} = \frac{1 - x}{\tau_d},$$

    and at a spike $u \leftarrow u + U(1 - u)$, then a fraction $u\,x$ of the resources
    is released, $x \leftarrow x - u\,x$. Each spike then delivers $w\,u\,x$ instead of
    $w$ through every synapse of the neuron. For a regular train of interval $\Delta$
    this gives Markram et al. (1998)'s recurrence
    $u_{k+1} = U + u_k (1 - U) e^{-\Delta/\tau_f}$,
    $x_{k+1} = 1 - (1 - x_k (1 - u_k)) e^{-\Delta/\tau_d}$. Between spikes both are
    integrated exactly. `tau_f = 0` switches facilitation off ($u = U$ at every spike):
    pure depression, `STD`.

    Put it in a projection as `dx.Projection(..., stp=dx.synapses.STP(n_pre))`; it scales
    the spikes before they are propagated, so propagation stays event-driven.

    **Arguments:**

    - `n`: number of presynaptic neurons.
    - `U`: utilisation increment, in (0, 1].
    - `tau_f`: facilitation time constant (ms), ≥ 0 (0: none).
    - `tau_d`: recovery (depression) time constant (ms), > 0.

    ??? cite "Reference"

        Tsodyks, M., Pawelzik, K., & Markram, H. (1998). Neural networks with dynamic
        synapses. *Neural Computation*, 10(4), 821–835.

        Markram, H., Wang, Y., & Tsodyks, M. (1998). Differential signaling via the same
        axon of neocortical pyramidal neurons. *PNAS*, 95(9), 5323–5328.
    """

    n: int = eqx.field(static=True)
    U: Array
    tau_f: Array
    tau_d: Array

    def __init__(
        self, n: int, U: ArrayLike = 0.15, tau_f: ArrayLike = 1500.0, tau_d: ArrayLike = 200.0
    ):
        self.n = n = check_size(n)
        self.U = param(U, "U", positive=True, n=n)
        check_values(1 - self.U, "1 - U (U must be in (0, 1])", finite=True, nonnegative=True)
        self.tau_f = param(tau_f, "tau_f", nonnegative=True, n=n)
        self.tau_d = param(tau_d, "tau_d", positive=True, n=n)

    def init(self, key: PRNGKeyArray | None = None) -> STPState:
        zeros = jnp.zeros(self.n, self.U.dtype)
        return STPState(u=zeros, x=jnp.ones(self.n, self.U.dtype), release=zeros)

    def step(self, state: STPState, input: Array, ctx: Context) -> STPState:
        event = jnp.asarray(input, state.u.dtype)
        # exp(-dt / 0) = 0: without facilitation u has fully decayed at the next spike.
        u = state.u * jnp.exp(-ctx.dt / self.tau_f)
        x = 1 - (1 - state.x) * jnp.exp(-ctx.dt / self.tau_d)
        spiked = event > 0
        u = jnp.where(spiked, u + self.U * (1 - u), u)
        release = jnp.where(spiked, u * x, 0.0)
        return STPState(u=u, x=x - release, release=release * event)

    def transmitted(self, state: STPState) -> Array:
        return state.release


def STD(n: int, U: ArrayLike = 0.5, tau_d: ArrayLike = 200.0) -> STP:
    """Short-term depression without facilitation (Tsodyks & Markram 1997): an `STP`
    with `tau_f = 0`, so that every spike releases the fraction `U` of the resources
    available."""
    return STP(n, U=U, tau_f=0.0, tau_d=tau_d)
