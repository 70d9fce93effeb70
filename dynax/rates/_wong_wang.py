"""The reduced two-variable decision-making model of Wong & Wang (2006)."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import param, to_size
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ._base import AbstractRateModel, node_array, setup


class WongWangState(eqx.Module):
    """State of [`dynax.rates.WongWang`][]: the NMDA gating variable `S` of each
    population, `(n,)` (populations `2k` and `2k + 1` form decision circuit `k`), and the
    noise's state (`None` without noise)."""

    S: Float[Array, " n"]
    noise: OUState | None = None


class WongWang(AbstractRateModel):
    r"""`n // 2` decision circuits of the reduced model of Wong & Wang (2006): in each,
    two selective populations, each described by its NMDA gating variable $S_i$,
    excite themselves and inhibit each other (through the shared interneurons, reduced
    away), so that one of them wins:

    $$\frac{dS_i}{dt} = -\frac{S_i}{\tau_S} + (1 - S_i)\,\gamma\,H(x_i),\qquad
    x_1 = J_{11}S_1 - J_{12}S_2 + I_0 + I_1,\quad x_2 = J_{22}S_2 - J_{21}S_1 + I_0 + I_2,$$

    $$H(x) = \frac{a x - b}{1 - e^{-d\,(a x - b)}},$$

    $H$ the population's firing rate (Hz; $\gamma H$ is taken per ms in the equation).
    The nodes are the populations: `n` is even, and populations `2k` and `2k + 1` are
    circuit `k`'s populations 1 and 2, so the input (nA) is one number per population,
    `(n,)` (or a scalar for all). `stimulus(coherence)` gives the input of a
    random-dot stimulus of the given motion coherence, $I_{1,2} = J_{ext}\,\mu_0
    (1 \pm c/100)$. `output` is $S$ (what other populations' synapses see);
    `rate(state, input)` is $H(x)$ (Hz), which crosses 15 Hz when a circuit decides.

    Noise: the paper adds to each population's input an OU process of correlation time
    $\tau_{AMPA} = 2$ ms, written $\tau_{AMPA}\dot I_{noise} = -I_{noise} +
    \eta(t)\sqrt{\tau_{AMPA}}\,\sigma_{noise}$ with $\sigma_{noise} = 0.02$ nA, whose
    stationary standard deviation is $\sigma_{noise}/\sqrt2$: pass
    `noise=dx.inputs.OUProcess(n, 0.0, 0.02 / 2**0.5, 2.0)`.

    Without a stimulus the circuit rests in a symmetric spontaneous state
    ($S = 0.1027$, $H = 1.78$ Hz with the defaults); with a stimulus, the
    symmetric state loses stability and one population climbs to $\approx 0.7$ while the
    other is suppressed.

    **Arguments:**

    - `n`: number of populations (even: two per decision circuit).
    - `a`: gain of $H$ (Hz/nA); default 270.
    - `b`: threshold of $H$ (Hz); default 108.
    - `d`: curvature of $H$ (ms); default 154 (0.154 s).
    - `gamma`: $\gamma$, the kinetic parameter of NMDA saturation; default 0.641.
    - `tau_s`: $\tau_S$, NMDA decay time (ms), positive; default 100.
    - `J_self`: $J_{11} = J_{22}$, self-excitation (nA); default 0.2609.
    - `J_cross`: $J_{12} = J_{21}$, the effective mutual inhibition (nA), entering with a
      minus sign; default 0.0497.
    - `I0`: $I_0$, the background input (nA); default 0.3255.
    - `S0`: initial $S$; default 0.1027, the spontaneous state.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` added to the input
      (nA); see above for the paper's.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "Reference"

        Wong, K.-F., & Wang, X.-J. (2006). A recurrent network mechanism of time
        integration in perceptual decisions. *Journal of Neuroscience*, 26(4),
        1314–1328.
    """

    n: int = eqx.field(static=True)
    a: Array
    b: Array
    d: Array
    gamma: Array
    tau_s: Array
    J_self: Array
    J_cross: Array
    I0: Array
    S0: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        n: int,
        *,
        a: ArrayLike = 270.0,
        b: ArrayLike = 108.0,
        d: ArrayLike = 154.0,
        gamma: ArrayLike = 0.641,
        tau_s: ArrayLike = 100.0,
        J_self: ArrayLike = 0.2609,
        J_cross: ArrayLike = 0.0497,
        I0: ArrayLike = 0.3255,
        S0: ArrayLike = 0.1027,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        n = to_size(n)
        if isinstance(n, int) and not isinstance(n, bool) and n % 2:
            raise ValueError(
                f"n counts populations, two per decision circuit, so it must be even; got n={n}."
            )
        setup(
            self,
            n,
            noise,
            method,
            a=param(a, "a", positive=True, n=n),
            b=param(b, "b", n=n),
            d=param(d, "d", positive=True, n=n),
            gamma=param(gamma, "gamma", positive=True, n=n),
            tau_s=param(tau_s, "tau_s", positive=True, n=n),
            J_self=param(J_self, "J_self", n=n),
            J_cross=param(J_cross, "J_cross", n=n),
            I0=param(I0, "I0", n=n),
            S0=param(S0, "S0", n=n),
        )

    def init(self, key: PRNGKeyArray | None = None) -> WongWangState:
        return WongWangState(
            S=node_array(self.S0, self.n, self.tau_s.dtype), noise=self.noise_init(key)
        )

    def vector_field(self, t: Any, y: WongWangState, args: Any) -> WongWangState:
        rate = self._transfer(self._current(y.S, args))
        # H in Hz is spikes per 1000 ms
        return WongWangState(S=-y.S / self.tau_s + (1 - y.S) * self.gamma * rate * 1e-3)

    def output(self, state: WongWangState) -> Float[Array, " n"]:
        return state.S

    def rate(self, state: WongWangState, input: ArrayLike | None = None) -> Array:
        """The populations' firing rates $H(x)$ (Hz) in `state` with the external
        `input` (nA; `None`, a scalar or `(n,)`) and the state's noise, if any. `state`
        may carry leading axes (recorded states: `S` of shape `(T, n)`)."""
        if state.noise is not None and self.noise is not None:
            noise = self.noise.output(state.noise)
            input = noise if input is None else input + noise
        return self._transfer(self._current(state.S, input))

    def stimulus(
        self, coherence: ArrayLike, *, mu0: ArrayLike = 30.0, J_ext: ArrayLike = 5.2e-4
    ) -> Float[Array, " n"]:
        """The input (nA) of a random-dot stimulus of motion `coherence` $c$ (%; a
        number, or one per circuit, `(n // 2,)`) in favour of population 1:
        $I_1 = J_{ext}\\mu_0(1 + c/100)$, $I_2 = J_{ext}\\mu_0(1 - c/100)$, with
        `mu0` (Hz) the stimulus strength and `J_ext` (nA/Hz) the input's efficacy
        (defaults 30 Hz and 5.2·10⁻⁴ nA/Hz, the paper's)."""
        c = jnp.broadcast_to(jnp.asarray(coherence, self.tau_s.dtype), (self.n // 2,)) / 100
        scale = jnp.asarray(J_ext) * jnp.asarray(mu0)
        return (scale * jnp.stack([1 + c, 1 - c], axis=-1)).reshape(self.n)

    def _current(self, S: Array, input: Any) -> Array:
        other = jnp.flip(S.reshape(S.shape[:-1] + (-1, 2)), axis=-1).reshape(S.shape)
        x = self.J_self * S - self.J_cross * other + self.I0
        return x if input is None else x + jnp.asarray(input)

    def _transfer(self, x: Array) -> Array:
        y = self.a * x - self.b  # Hz
        z = self.d * y * 1e-3
        # y / (1 - exp(-z)) is 0/0 at y = 0, where it tends to 1000/d (Hz); both branches
        # stay finite so that the gradient does too.
        small = jnp.abs(z) < 1e-6
        safe = jnp.where(small, 1.0, z)
        return jnp.where(small, 1e3 / self.d * (1 + z / 2), y / -jnp.expm1(-safe))
