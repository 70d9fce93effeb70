"""The FitzHugh–Nagumo oscillator as a rate (neural-mass) node (Kostova et al. 2004)."""

from typing import Any

import equinox as eqx

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class FHNState(eqx.Module):
    """State of [`dynax.rates.FHN`][]: the activity `x` and the recovery `y` of each
    node, `(n,)`, and the noise's state (`None` without noise)."""

    x: Float[Array, " n"]
    y: Float[Array, " n"]
    noise: OUState | None = None


class FHN(AbstractRateModel):
    r"""`n` FitzHugh–Nagumo oscillators in the form used as the node of whole-brain
    models (Kostova et al. 2004's parametrisation; the FHN node of neurolib, Cakan et
    al. 2021): a cubic activity $x$ and a slow linear recovery $y$,

    $$\begin{aligned}
    \frac{dx}{dt} &= -\alpha x^3 + \beta x^2 + \gamma x - y + I_\text{bias} + I,\\
    \tau \frac{dy}{dt} &= x - \delta - \epsilon y .
    \end{aligned}$$

    The fixed point is unique for the defaults, and it is stable unless the slope of
    the cubic there, $f'(x^*) = -3\alpha x^{*2} + 2\beta x^* + \gamma$, exceeds
    $\epsilon/\tau$: with the Jacobian $\begin{pmatrix} f'(x^*) & -1 \\ 1/\tau &
    -\epsilon/\tau\end{pmatrix}$ the Hopf points are where $f'(x^*) = \epsilon/\tau$
    (trace 0) with the determinant $(1 - \epsilon f'(x^*))/\tau > 0$. For the defaults
    this happens at $x^* = (4 \mp \sqrt{16 - 9 \cdot 1.525})/9$, i.e. for a total input
    $I_\text{bias} + I$ between about 0.726 and 1.332: inside, the node oscillates
    (neurolib's default input, 1, is inside). The input $I$ (and the noise) adds to
    $dx/dt$; `output` is $x$.

    This is not [`dynax.neurons.SpikingFHN`][]: that one is a neuron with the classic
    $v - v^3/3$ cubic, a threshold and a `spike` output for spiking networks; this one
    is a rate node with no spikes, whose `output` $x$ couplings read in
    [`dynax.rates.WholeBrain`][].

    Units: $x$, $y$ and the input are dimensionless (the input is a rate of change of
    $x$ per ms); time is in ms, so $\tau$ = 20 ms sets the slow time scale.

    **Arguments:**

    - `n`: number of nodes.
    - `alpha`, `beta`, `gamma`: the cubic's coefficients; default 3, 4, −1.5.
    - `delta`, `epsilon`: the recovery's offset and slope; default 0, 0.5.
    - `tau`: the recovery time constant (ms, > 0); default 20.
    - `I_bias`: constant input; default 0 (a stable fixed point).
    - `x0`, `y0`: initial values; default 0.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $I$.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "References"

        FitzHugh, R. (1961). Impulses and physiological states in theoretical models of
        nerve membrane. *Biophysical Journal*, 1(6), 445–466.

        Kostova, T., Ravindran, R., & Schonbek, M. (2004). FitzHugh–Nagumo revisited:
        types of bifurcations, periodical forcing and stability regions by a Lyapunov
        functional. *International Journal of Bifurcation and Chaos*, 14(3), 913–925.

        Cakan, C., Jajcay, N., & Obermayer, K. (2021). neurolib: a simulation framework
        for whole-brain neural mass modeling. *Cognitive Computation*, 15, 1132–1152.
    """

    n: int = eqx.field(static=True)
    alpha: Array
    beta: Array
    gamma: Array
    delta: Array
    epsilon: Array
    tau: Array
    I_bias: Array
    x0: Array
    y0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        alpha: ArrayLike = 3.0,
        beta: ArrayLike = 4.0,
        gamma: ArrayLike = -1.5,
        delta: ArrayLike = 0.0,
        epsilon: ArrayLike = 0.5,
        tau: ArrayLike = 20.0,
        I_bias: ArrayLike = 0.0,
        x0: ArrayLike = 0.0,
        y0: ArrayLike = 0.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        setup(
            self,
            n,
            noise,
            method,
            alpha=param(alpha, "alpha", n=n),
            beta=param(beta, "beta", n=n),
            gamma=param(gamma, "gamma", n=n),
            delta=param(delta, "delta", n=n),
            epsilon=param(epsilon, "epsilon", n=n),
            tau=param(tau, "tau", positive=True, n=n),
            I_bias=param(I_bias, "I_bias", n=n),
            x0=param(x0, "x0", n=n),
            y0=param(y0, "y0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> FHNState:
        dtype = self.alpha.dtype
        return FHNState(
            x=node_array(self.x0, self.n, dtype),
            y=node_array(self.y0, self.n, dtype),
            noise=self.noise_init(key),
        )

    def vector_field(self, t: Any, y: FHNState, args: Any) -> FHNState:
        x, w = y.x, y.y
        dx = ((-self.alpha * x + self.beta) * x + self.gamma) * x - w + self.I_bias
        if args is not None:
            dx = dx + args
        return FHNState(x=dx, y=(x - self.delta - self.epsilon * w) / self.tau)

    def output(self, state: FHNState) -> Float[Array, " n"]:
        return state.x
