"""Generalized integrate-and-fire neuron (Mihalaş & Niebur 2009)."""

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_below, check_size, param
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from .._system import Context
from ..integrate import AbstractODEMethod, ExpEuler
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron
from ._spiking import initial_v_spike, input_current, ode_step, on_spike, set_common


class GIFState(eqx.Module):
    """State of a `GIF` population, each `(n,)`: `v` (mV), the moving threshold `theta`
    (mV), the internal currents `I1`, `I2` (nA) and `spike` (bool, or 0/1 floats with a
    surrogate)."""

    v: Float[Array, " n"]
    theta: Float[Array, " n"]
    I1: Float[Array, " n"]
    I2: Float[Array, " n"]
    spike: Bool[Array, " n"] | Float[Array, " n"]


class GIF(AbstractNeuron):
    r"""The generalized linear integrate-and-fire neuron of Mihalaş & Niebur: linear
    dynamics between spikes, a moving threshold and two spike-induced currents.

    $$\begin{aligned}
    \frac{dI_j}{dt} &= -k_j I_j \quad (j = 1, 2), \\
    \tau \frac{dv}{dt} &= -(v - v_\text{rest}) + R\,\big(I(v) + I_\text{bias} + I_1 + I_2\big), \\
    \frac{d\theta}{dt} &= a\,(v - v_\text{rest}) - b\,(\theta - \theta_\infty).
    \end{aligned}$$

    When $v \ge \theta$ the neuron spikes and $I_j \leftarrow R_j I_j + A_j$,
    $v \leftarrow v_\text{reset}$, $\theta \leftarrow \max(\theta_\text{reset}, \theta)$.
    The paper writes $C\,dV/dt = I_e + \sum_j I_j - G (V - E_L)$; here $\tau = C/G$ and
    $R = 1/G$. Its Table 1 is the default: $G/C = 50\ \text{s}^{-1}$ ($\tau = 20$ ms,
    with $R = 20$ MΩ, so $C = 1$ nF and a current in nA equals the paper's $I/C$ in
    V/s), $k_1 = 0.2$, $k_2 = 0.02$, $b = 0.01$ ms⁻¹, $R_1 = 0$, $R_2 = 1$,
    $E_L = V_r = -70$ mV, $\Theta_r = -60$ mV, $\Theta_\infty = -50$ mV. Its twenty
    firing patterns come from $a$, $A_1$, $A_2$ and the input: e.g. tonic spiking
    ($a = 0$, $I = 1.5$ nA), spike-frequency adaptation ($a = 0.005$ ms⁻¹, $I = 2$),
    phasic spiking ($a = 0.005$, $I = 1.5$), tonic bursting ($a = 0.005$, $A_1 = 10$,
    $A_2 = -0.6$ nA, $I = 2$), mixed mode ($A_1 = 5$, $A_2 = -0.3$).

    **Arguments:**

    - `n`: number of neurons.
    - `tau`: membrane time constant $C/G$ (ms), > 0.
    - `R`: membrane resistance $1/G$ (MΩ), > 0.
    - `v_rest`, `v_reset`: leak reversal $E_L$ and reset $V_r$ potentials (mV).
    - `theta_inf`, `theta_reset`: the threshold's resting value and its lower bound
      after a spike (mV), both above `v_reset`.
    - `a`: threshold adaptation to the potential (ms⁻¹).
    - `b`: threshold relaxation rate (ms⁻¹), ≥ 0.
    - `k1`, `k2`: decay rates of the internal currents (ms⁻¹), > 0.
    - `R1`, `R2`: fraction of each internal current kept at a spike.
    - `A1`, `A2`: increment of each internal current at a spike (nA).
    - `I_bias`: constant input current (nA).
    - `v_init`: initial potential; default `v_rest`. The threshold starts at
      `theta_inf` and the internal currents at 0.
    - `method`: integration method (default `ExpEuler()`: exact for the decaying
      currents, and exponential for $v$ and $\theta$ with the other variables held over
      the step).
    - `spike_fn`: spike function of $v - \theta$ (default `Heaviside()`).

    ??? cite "Reference"

        Mihalaş, Ş., & Niebur, E. (2009). A generalized linear integrate-and-fire neural
        model produces diverse spiking behaviors. *Neural Computation*, 21(3), 704–718.
    """

    n: int = eqx.field(static=True)
    tau: Array
    R: Array
    v_rest: Array
    v_reset: Array
    theta_inf: Array
    theta_reset: Array
    a: Array
    b: Array
    k1: Array
    k2: Array
    R1: Array
    R2: Array
    A1: Array
    A2: Array
    I_bias: Array
    v_init: object
    method: AbstractODEMethod
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 20.0,
        R: ArrayLike = 20.0,
        v_rest: ArrayLike = -70.0,
        v_reset: ArrayLike = -70.0,
        theta_inf: ArrayLike = -50.0,
        theta_reset: ArrayLike = -60.0,
        a: ArrayLike = 0.0,
        b: ArrayLike = 0.01,
        k1: ArrayLike = 0.2,
        k2: ArrayLike = 0.02,
        R1: ArrayLike = 0.0,
        R2: ArrayLike = 1.0,
        A1: ArrayLike = 0.0,
        A2: ArrayLike = 0.0,
        I_bias: ArrayLike = 0.0,
        v_init: object = None,
        method: AbstractODEMethod | str = ExpEuler(),
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.tau = param(tau, "tau", positive=True, n=n)
        self.R = param(R, "R", positive=True, n=n)
        self.v_rest = param(v_rest, "v_rest", n=n)
        self.v_reset = param(v_reset, "v_reset", n=n)
        self.theta_inf = param(theta_inf, "theta_inf", n=n)
        self.theta_reset = param(theta_reset, "theta_reset", n=n)
        self.a = param(a, "a", n=n)
        self.b = param(b, "b", nonnegative=True, n=n)
        self.k1 = param(k1, "k1", positive=True, n=n)
        self.k2 = param(k2, "k2", positive=True, n=n)
        self.R1 = param(R1, "R1", n=n)
        self.R2 = param(R2, "R2", n=n)
        self.A1 = param(A1, "A1", n=n)
        self.A2 = param(A2, "A2", n=n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        why = "the reset must end the spike"
        check_below(self.v_reset, "v_reset", self.theta_reset, "theta_reset", why)
        check_below(self.v_reset, "v_reset", self.theta_inf, "theta_inf", why)
        set_common(self, v_init, self.v_rest, method, spike_fn)

    def init(self, key: PRNGKeyArray | None = None) -> GIFState:
        v, spike = initial_v_spike(self, key, self.tau.dtype)
        zeros = jnp.zeros_like(v)
        theta = jnp.broadcast_to(self.theta_inf.astype(v.dtype), v.shape)
        return GIFState(v, theta, zeros, zeros, spike)

    def vector_field(self, t, y, args):
        """$(dv/dt, d\\theta/dt, dI_1/dt, dI_2/dt)$ for `y = (v, theta, I1, I2)`."""
        v, theta, I1, I2 = y
        current = input_current(args, v, self.I_bias) + I1 + I2
        dv = (-(v - self.v_rest) + self.R * current) / self.tau
        dtheta = self.a * (v - self.v_rest) - self.b * (theta - self.theta_inf)
        return dv, dtheta, -self.k1 * I1, -self.k2 * I2

    def step(self, state: GIFState, input, ctx: Context) -> GIFState:
        v, theta, I1, I2 = ode_step(self, input, ctx, state.v, state.theta, state.I1, state.I2)
        spike = self.spike_fn(v - theta)
        return GIFState(
            v=on_spike(spike, self.v_reset, v),
            theta=on_spike(spike, jnp.maximum(self.theta_reset, theta), theta),
            I1=on_spike(spike, self.R1 * I1 + self.A1, I1),
            I2=on_spike(spike, self.R2 * I2 + self.A2, I2),
            spike=spike,
        )
