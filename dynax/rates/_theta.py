"""The theta neuron (Ermentrout–Kopell canonical model of class-I excitability)."""

import math
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class ThetaNeuronState(eqx.Module):
    """State of [`dynax.rates.ThetaNeuron`][]: the phase `theta` (rad) of each node,
    `(n,)`, and the noise's state (`None` without noise)."""

    theta: Float[Array, " n"]
    noise: OUState | None = None


class ThetaNeuron(AbstractRateModel):
    r"""`n` theta neurons, the canonical model of a neuron near a saddle-node on
    invariant circle bifurcation (class-I excitability):

    $$\tau\frac{d\theta}{dt} = (1 - \cos\theta) + (1 + \cos\theta)\,(\eta + I).$$

    A spike is the crossing of $\theta = \pi$. The change of variable $V = \tan(\theta/2)$
    turns it into the quadratic integrate-and-fire neuron $\tau\dot V = V^2 + \eta + I$
    with threshold and reset at $V = \pm\infty$. For $\eta + I > 0$ the node fires
    periodically at the frequency

    $$f = \frac{\sqrt{\eta + I}}{\pi\tau}\ \text{(per ms)};$$

    for $\eta + I < 0$ it rests at $\theta^* = -\arccos\frac{1 + \eta + I}{1 - \eta - I}$.
    The input $I$ (and the noise) adds to $\eta$.

    `output` is the pulse that a spike sends to other nodes,
    $P(\theta) = a_m (1 - \cos\theta)^m$ with $m$ = `pulse_order`, peaked at the
    spike and normalised ($a_m = 2^m (m!)^2/(2m)!$) so that its mean over a uniformly
    advancing phase is 1 (Ariaratnam & Strogatz 2001; Luke, Barreto & So 2013).

    The phase is not wrapped: the equations depend on $\cos\theta$ only, and
    $\theta/2\pi$ counts the cycles completed. (In float32 the phase's resolution
    degrades as it grows: after $10^4$ cycles it is about $4\cdot10^{-3}$ rad.)

    **Arguments:**

    - `n`: number of nodes.
    - `tau`: time constant (ms), positive; default 10.
    - `eta`: excitability (dimensionless, the QIF neuron's constant input); default
      1 (periodic firing at $1/(\pi\tau)$ per ms, 31.8 Hz for $\tau = 10$ ms).
    - `theta0`: initial phase (rad); default 0 (the QIF neuron at $V = 0$).
    - `pulse_order`: the exponent $m \geq 1$ of the output pulse; default 2.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $I$.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "Reference"

        Ermentrout, G. B., & Kopell, N. (1986). Parabolic bursting in an excitable
        system coupled with a slow oscillation. *SIAM Journal on Applied Mathematics*,
        46(2), 233–253.

        Ermentrout, B. (1996). Type I membranes, phase resetting curves, and synchrony.
        *Neural Computation*, 8(5), 979–1001.

        Luke, T. B., Barreto, E., & So, P. (2013). Complete classification of the
        macroscopic behavior of a heterogeneous network of theta neurons. *Neural
        Computation*, 25(12), 3207–3234.
    """

    n: int = eqx.field(static=True)
    tau: Array
    eta: Array
    theta0: Array
    pulse_order: int = eqx.field(static=True)
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 10.0,
        eta: ArrayLike = 1.0,
        theta0: ArrayLike = 0.0,
        pulse_order: int = 2,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        if isinstance(pulse_order, bool) or not isinstance(pulse_order, int) or pulse_order < 1:
            raise ValueError(f"pulse_order must be an int >= 1, got pulse_order={pulse_order!r}.")
        self.pulse_order = pulse_order
        setup(
            self,
            n,
            noise,
            method,
            tau=param(tau, "tau", positive=True, n=n),
            eta=param(eta, "eta", n=n),
            theta0=param(theta0, "theta0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> ThetaNeuronState:
        return ThetaNeuronState(
            theta=node_array(self.theta0, self.n, self.tau.dtype), noise=self.noise_init(key)
        )

    def vector_field(self, t: Any, y: ThetaNeuronState, args: Any) -> ThetaNeuronState:
        drive = self.eta if args is None else self.eta + args
        c = jnp.cos(y.theta)
        return ThetaNeuronState(theta=((1 - c) + (1 + c) * drive) / self.tau)

    def output(self, state: ThetaNeuronState) -> Float[Array, " n"]:
        m = self.pulse_order
        norm = 2**m * math.factorial(m) ** 2 / math.factorial(2 * m)
        return norm * (1 - jnp.cos(state.theta)) ** m
