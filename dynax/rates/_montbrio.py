"""The Montbrió–Pazó–Roxin mean field of a network of quadratic integrate-and-fire neurons."""

from typing import Any

import equinox as eqx

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class MontbrioPazoRoxinState(eqx.Module):
    """State of [`dynax.rates.MontbrioPazoRoxin`][]: the population firing rate `r`
    (spikes per ms, i.e. kHz) and mean membrane potential `v` (dimensionless, the QIF
    neurons' unit) of each node, `(n,)`, and the noise's state (`None` without noise)."""

    r: Float[Array, " n"]
    v: Float[Array, " n"]
    noise: OUState | None = None


class MontbrioPazoRoxin(AbstractRateModel):
    r"""`n` nodes, each the exact mean field of an infinite, all-to-all coupled network
    of quadratic integrate-and-fire neurons (Montbrió, Pazó & Roxin 2015):

    $$\tau\frac{dr}{dt} = \frac{\Delta}{\pi\tau} + 2rv,\qquad
    \tau\frac{dv}{dt} = v^2 + \bar\eta + J\tau r - (\pi\tau r)^2 + I.$$

    The neurons are $\tau\dot V_j = V_j^2 + \eta_j + J\tau s(t) + I(t)$, with a spike
    and a reset when $V_j$ reaches $+\infty$ (it restarts at $-\infty$), instantaneous
    synapses ($s$ the population's spike rate), and excitabilities $\eta_j$ drawn from
    a Lorentzian of centre $\bar\eta$ and half-width $\Delta$. On the Ott–Antonsen
    manifold the membrane potentials are Lorentzian too, centred at $v$ with half-width
    $\pi\tau r$; $r$ is the population firing rate. The equations are exact for
    $N \to \infty$; a network of $N$ neurons follows them up to finite-size
    fluctuations.

    Units: time in ms, $r$ in spikes per ms (kHz; multiply by 1000 for Hz); $v$,
    $\bar\eta$, $\Delta$, $J$ and the input $I$ are dimensionless (the QIF neuron's
    voltage scale). The input $I$ (and the noise) enters the $v$ equation; `output`
    is $r$ (kHz).

    The defaults ($\bar\eta = -5$, $J = 15$, $\Delta = 1$, $\tau = 10$ ms; the
    parameters of the paper's Fig. 2) are bistable: a low-activity node
    ($\tau r = 0.0811$, $v = -1.962$: 8.1 Hz) and a high-activity focus ($\tau r = 1.031$,
    $v = -0.154$: 103 Hz). A step of input $I = 3$ leaves only the high-activity focus,
    which the node approaches through damped oscillations, and where it stays when the
    input ends.

    **Arguments:**

    - `n`: number of nodes.
    - `tau`: membrane time constant (ms), positive; default 10.
    - `eta`: $\bar\eta$, centre of the excitabilities' Lorentzian; default −5.
    - `delta`: $\Delta$, its half-width, positive; default 1.
    - `J`: synaptic weight (positive excitatory, negative inhibitory); default 15.
    - `r0`, `v0`: initial rate (kHz, positive) and mean potential; default the
      low-activity state of the default parameters, 0.00811 and −1.962.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $I$.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "Reference"

        Montbrió, E., Pazó, D., & Roxin, A. (2015). Macroscopic description for
        networks of spiking neurons. *Physical Review X*, 5(2), 021028.
    """

    n: int = eqx.field(static=True)
    tau: Array
    eta: Array
    delta: Array
    J: Array
    r0: Array
    v0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        tau: ArrayLike = 10.0,
        eta: ArrayLike = -5.0,
        delta: ArrayLike = 1.0,
        J: ArrayLike = 15.0,
        r0: ArrayLike = 0.00811,
        v0: ArrayLike = -1.962,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        setup(
            self,
            n,
            noise,
            method,
            tau=param(tau, "tau", positive=True, n=n),
            eta=param(eta, "eta", n=n),
            delta=param(delta, "delta", positive=True, n=n),
            J=param(J, "J", n=n),
            r0=param(r0, "r0", positive=True, n=n),
            v0=param(v0, "v0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> MontbrioPazoRoxinState:
        dtype = self.tau.dtype
        return MontbrioPazoRoxinState(
            r=node_array(self.r0, self.n, dtype),
            v=node_array(self.v0, self.n, dtype),
            noise=self.noise_init(key),
        )

    def vector_field(self, t: Any, y: MontbrioPazoRoxinState, args: Any) -> MontbrioPazoRoxinState:
        tau, r, v = self.tau, y.r, y.v
        pi_tau_r = 3.141592653589793 * tau * r
        dr = (self.delta / (3.141592653589793 * tau) + 2 * r * v) / tau
        dv = v * v + self.eta + self.J * tau * r - pi_tau_r * pi_tau_r
        if args is not None:
            dv = dv + args
        return MontbrioPazoRoxinState(r=dr, v=dv / tau)

    def output(self, state: MontbrioPazoRoxinState) -> Float[Array, " n"]:
        return state.r
