"""The Wilson–Cowan model of an excitatory and an inhibitory population (1972)."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class WilsonCowanState(eqx.Module):
    """State of [`dynax.rates.WilsonCowan`][]: the excitatory and inhibitory activities
    `E`, `I` of each node, `(n,)`, and the noise's state (`None` without noise)."""

    E: Float[Array, " n"]
    I: Float[Array, " n"]  # noqa: E741 (Wilson and Cowan's name)
    noise: OUState | None = None


def wc_sigmoid(x: Array, a: Array, theta: Array) -> Array:
    """Wilson and Cowan's response function, shifted so that $S(0) = 0$."""
    return jnp.reciprocal(1 + jnp.exp(-a * (x - theta))) - jnp.reciprocal(1 + jnp.exp(a * theta))


class WilsonCowan(AbstractRateModel):
    r"""`n` Wilson–Cowan nodes: the mean activities $E$, $I$ (the fraction of cells
    firing per unit time) of an excitatory and an inhibitory population, with the
    refractory terms of the original,

    $$\begin{aligned}
    \tau_e \frac{dE}{dt} &= -E + (k_e - r_e E)\,S_e(c_1 E - c_2 I + P + I_\text{ext}),\\
    \tau_i \frac{dI}{dt} &= -I + (k_i - r_i I)\,S_i(c_3 E - c_4 I + Q),
    \end{aligned}$$

    $$S(x) = \frac{1}{1 + e^{-a(x - \theta)}} - \frac{1}{1 + e^{a\theta}},\qquad
    k = \sup_x S(x) = \frac{e^{a\theta}}{1 + e^{a\theta}},$$

    with slope $a$ and threshold $\theta$ per population ($S(0) = 0$: no input, no
    activity). The refractory factors $k - rE$ are Wilson and Cowan's: a fraction $r$
    of the active cells is refractory. `r_e = r_i = 1` as in the paper; `r_e = r_i = 0`
    gives the form without refractoriness ($\tau\dot E = -E + k S(\cdot)$) that many
    later papers use. The external input $I_\text{ext}$ (and the noise) adds to the
    excitatory drive $P$; `output` is $E$.

    With the 1972 limit-cycle parameters (the defaults: $c_1 = 16$, $c_2 = 12$,
    $c_3 = 15$, $c_4 = 3$, $a_e = 1.3$, $\theta_e = 4$, $a_i = 2$, $\theta_i = 3.7$,
    $Q = 0$) the drive $P$ sets the state: from rest, the node oscillates for $P$
    between a saddle-node point, $P \approx 1.087$, where the low stable fixed point
    meets a saddle and disappears, and a supercritical Hopf point, $P \approx 1.879$
    (trace of the Jacobian 0, determinant > 0), above which the high fixed point is
    stable again; slightly below 1.087 the cycle coexists with the low fixed point
    (down to $P$ between 1.06 and 1.07). Both points are computed from the Jacobian and
    checked against simulations in `tests/rates/test_wilson_cowan.py`.

    Units: $E$, $I$, $P$, $Q$ and the couplings are dimensionless, as in the paper;
    the paper measures time in units of $\tau$, here $\tau_e$, $\tau_i$ are in ms
    (default 10 ms, a membrane time constant; with $\tau_e = \tau_i$ the fixed points
    and Hopf points do not depend on it, the period scales with it).

    **Arguments:**

    - `n`: number of nodes.
    - `c1`, `c2`, `c3`, `c4`: couplings E→E, I→E, E→I, I→I (≥ 0).
    - `a_e`, `theta_e`, `a_i`, `theta_i`: slopes (> 0) and thresholds (> 0) of the
      response functions.
    - `P`, `Q`: constant external drives of E and I; default 1.25 (inside the
      limit-cycle interval), 0.
    - `r_e`, `r_i`: refractory factors (≥ 0); default 1 (the paper).
    - `tau_e`, `tau_i`: time constants (ms, > 0); default 10.
    - `E0`, `I0`: initial activities; default 0.1, 0.05.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $P$.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "Reference"

        Wilson, H. R., & Cowan, J. D. (1972). Excitatory and inhibitory interactions in
        localized populations of model neurons. *Biophysical Journal*, 12(1), 1–24.
    """

    n: int = eqx.field(static=True)
    c1: Array
    c2: Array
    c3: Array
    c4: Array
    a_e: Array
    theta_e: Array
    a_i: Array
    theta_i: Array
    P: Array
    Q: Array
    r_e: Array
    r_i: Array
    tau_e: Array
    tau_i: Array
    E0: Array
    I0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        c1: ArrayLike = 16.0,
        c2: ArrayLike = 12.0,
        c3: ArrayLike = 15.0,
        c4: ArrayLike = 3.0,
        a_e: ArrayLike = 1.3,
        theta_e: ArrayLike = 4.0,
        a_i: ArrayLike = 2.0,
        theta_i: ArrayLike = 3.7,
        P: ArrayLike = 1.25,
        Q: ArrayLike = 0.0,
        r_e: ArrayLike = 1.0,
        r_i: ArrayLike = 1.0,
        tau_e: ArrayLike = 10.0,
        tau_i: ArrayLike = 10.0,
        E0: ArrayLike = 0.1,
        I0: ArrayLike = 0.05,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        setup(
            self,
            n,
            noise,
            method,
            c1=param(c1, "c1", nonnegative=True, n=n),
            c2=param(c2, "c2", nonnegative=True, n=n),
            c3=param(c3, "c3", nonnegative=True, n=n),
            c4=param(c4, "c4", nonnegative=True, n=n),
            a_e=param(a_e, "a_e", positive=True, n=n),
            theta_e=param(theta_e, "theta_e", positive=True, n=n),
            a_i=param(a_i, "a_i", positive=True, n=n),
            theta_i=param(theta_i, "theta_i", positive=True, n=n),
            P=param(P, "P", n=n),
            Q=param(Q, "Q", n=n),
            r_e=param(r_e, "r_e", nonnegative=True, n=n),
            r_i=param(r_i, "r_i", nonnegative=True, n=n),
            tau_e=param(tau_e, "tau_e", positive=True, n=n),
            tau_i=param(tau_i, "tau_i", positive=True, n=n),
            E0=param(E0, "E0", n=n),
            I0=param(I0, "I0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> WilsonCowanState:
        dtype = self.c1.dtype
        return WilsonCowanState(
            E=node_array(self.E0, self.n, dtype),
            I=node_array(self.I0, self.n, dtype),
            noise=self.noise_init(key),
        )

    def vector_field(self, t: Any, y: WilsonCowanState, args: Any) -> WilsonCowanState:
        E, I = y.E, y.I  # noqa: E741
        drive_e = self.c1 * E - self.c2 * I + self.P
        if args is not None:
            drive_e = drive_e + args
        drive_i = self.c3 * E - self.c4 * I + self.Q
        k_e = _sup(self.a_e, self.theta_e)
        k_i = _sup(self.a_i, self.theta_i)
        dE = (-E + (k_e - self.r_e * E) * wc_sigmoid(drive_e, self.a_e, self.theta_e)) / self.tau_e
        dI = (-I + (k_i - self.r_i * I) * wc_sigmoid(drive_i, self.a_i, self.theta_i)) / self.tau_i
        return WilsonCowanState(E=dE, I=dI)

    def output(self, state: WilsonCowanState) -> Float[Array, " n"]:
        return state.E


def _sup(a: Array, theta: Array) -> Array:
    # 1 - 1/(1 + e^{a theta}), written so that a large a*theta does not overflow
    return jnp.reciprocal(1 + jnp.exp(-a * theta))
