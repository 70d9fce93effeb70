"""The Jansen–Rit neural mass model of a cortical column (Jansen & Rit 1995)."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class JansenRitState(eqx.Module):
    """State of [`dynax.rates.JansenRit`][]: the postsynaptic potentials `y0`, `y1`,
    `y2` (mV) and their derivatives `y3`, `y4`, `y5` (mV/ms) of each node, `(n,)`, and
    the noise's state (`None` without noise)."""

    y0: Float[Array, " n"]
    y1: Float[Array, " n"]
    y2: Float[Array, " n"]
    y3: Float[Array, " n"]
    y4: Float[Array, " n"]
    y5: Float[Array, " n"]
    noise: OUState | None = None


class JansenRit(AbstractRateModel):
    r"""`n` Jansen–Rit cortical columns: pyramidal cells, excitatory and inhibitory
    interneurons, each population turning the mean firing rate it receives into a mean
    postsynaptic potential through a second-order linear synapse,

    $$\begin{aligned}
    \ddot y_0 &= A a\,S(y_1 - y_2) - 2a\dot y_0 - a^2 y_0,\\
    \ddot y_1 &= A a\,\bigl(p + I + C_2 S(C_1 y_0)\bigr) - 2a\dot y_1 - a^2 y_1,\\
    \ddot y_2 &= B b\,C_4 S(C_3 y_0) - 2b\dot y_2 - b^2 y_2,
    \end{aligned}\qquad S(v) = \frac{2e_0}{1 + e^{r(v_0 - v)}},$$

    written as six first-order equations ($y_3 = \dot y_0$, $y_4 = \dot y_1$,
    $y_5 = \dot y_2$), with $C_1 = C$, $C_2 = 0.8C$, $C_3 = C_4 = 0.25C$. $p$ is the
    firing rate arriving from other columns; the input $I$ (and the noise) adds to it.
    `output` is the pyramidal cells' membrane potential $y_1 - y_2$ (mV), the model's
    EEG.

    With the standard parameters (the defaults) and $p$ drawn uniformly from
    120–320 Hz (as in the paper; here an OU input of the same mean and spread), the
    output shows alpha activity: a spectral peak near 10 Hz
    (`tests/rates/test_jansen_rit.py`).

    Units: time in ms, so the paper's rates per second are given per ms ($a$ =
    100 s⁻¹ = 0.1 ms⁻¹, $e_0$ = 2.5 s⁻¹ = 0.0025 ms⁻¹, $p$ = 220 Hz = 0.22 ms⁻¹);
    potentials in mV.

    **Arguments:**

    - `n`: number of nodes.
    - `A`, `B`: maximal excitatory and inhibitory postsynaptic potentials (mV, > 0);
      default 3.25, 22.
    - `a`, `b`: inverse time constants of the excitatory and inhibitory synapses
      (1/ms, > 0); default 0.1, 0.05.
    - `C`: connectivity constant (number of synapses, > 0); default 135.
    - `e0`: half the maximal firing rate (1/ms, > 0); default 0.0025.
    - `v0`: the potential of half-maximal firing (mV); default 6.
    - `r`: the sigmoid's slope (1/mV, > 0); default 0.56.
    - `p`: mean input rate (1/ms); default 0.22 (220 Hz, the middle of 120–320 Hz).
    - `y_init`: initial value of `y0`, `y1`, `y2` (mV; their derivatives start at 0);
      default 0.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to $p$
      (sigma in 1/ms).
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "References"

        Jansen, B. H., & Rit, V. G. (1995). Electroencephalogram and visual evoked
        potential generation in a mathematical model of coupled cortical columns.
        *Biological Cybernetics*, 73(4), 357–366.

        Lopes da Silva, F. H., Hoeks, A., Smits, H., & Zetterberg, L. H. (1974). Model
        of brain rhythmic activity. *Kybernetik*, 15(1), 27–37.
    """

    n: int = eqx.field(static=True)
    A: Array
    B: Array
    a: Array
    b: Array
    C: Array
    e0: Array
    v0: Array
    r: Array
    p: Array
    y_init: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        A: ArrayLike = 3.25,
        B: ArrayLike = 22.0,
        a: ArrayLike = 0.1,
        b: ArrayLike = 0.05,
        C: ArrayLike = 135.0,
        e0: ArrayLike = 0.0025,
        v0: ArrayLike = 6.0,
        r: ArrayLike = 0.56,
        p: ArrayLike = 0.22,
        y_init: ArrayLike = 0.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        setup(
            self,
            n,
            noise,
            method,
            A=param(A, "A", positive=True, n=n),
            B=param(B, "B", positive=True, n=n),
            a=param(a, "a", positive=True, n=n),
            b=param(b, "b", positive=True, n=n),
            C=param(C, "C", positive=True, n=n),
            e0=param(e0, "e0", positive=True, n=n),
            v0=param(v0, "v0", n=n),
            r=param(r, "r", positive=True, n=n),
            p=param(p, "p", n=n),
            y_init=param(y_init, "y_init", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> JansenRitState:
        dtype = self.A.dtype
        y = node_array(self.y_init, self.n, dtype)
        zero = jnp.zeros(self.n, dtype)
        return JansenRitState(
            y0=y, y1=y, y2=y, y3=zero, y4=zero, y5=zero, noise=self.noise_init(key)
        )

    def sigmoid(self, v: Array) -> Array:
        """The population's mean firing rate (1/ms) at mean potential `v` (mV)."""
        return 2 * self.e0 / (1 + jnp.exp(self.r * (self.v0 - v)))

    def vector_field(self, t: Any, y: JansenRitState, args: Any) -> JansenRitState:
        a, b, C = self.a, self.b, self.C
        rate = self.p if args is None else self.p + args
        rate = rate + 0.8 * C * self.sigmoid(C * y.y0)
        return JansenRitState(
            y0=y.y3,
            y1=y.y4,
            y2=y.y5,
            y3=self.A * a * self.sigmoid(y.y1 - y.y2) - 2 * a * y.y3 - a * a * y.y0,
            y4=self.A * a * rate - 2 * a * y.y4 - a * a * y.y1,
            y5=self.B * b * 0.25 * C * self.sigmoid(0.25 * C * y.y0) - 2 * b * y.y5 - b * b * y.y2,
        )

    def output(self, state: JansenRitState) -> Float[Array, " n"]:
        return state.y1 - state.y2
