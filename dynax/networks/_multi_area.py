"""The large-scale rate model of macaque cortex of Joglekar et al. (2018): 29 areas, each a
threshold-linear E/I circuit, coupled by long-range excitation scaled by the fraction of
labelled neurons and by the target's position in the hierarchy."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ..datasets import MacaqueCortex, load_macaque29
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ..rates._base import AbstractRateModel, node_array, setup

# The two regimes of the paper (STAR Methods): global balanced amplification (GBA) is
# weak or strong according to the local E -> I -> E inhibition and the long-range E -> E
# strength; the other parameters are shared (pA/Hz).
GBA = {"weak": {"w_ei": 19.7, "mu_ee": 33.7}, "strong": {"w_ei": 25.2, "mu_ee": 51.5}}

# The 250 ms pulse to V1 of the paper's Fig. 2, which raises V1's rate by about 100 Hz:
# the authors' code (rishimodel_generatefigs_rate.m) gives it as beta_E * I in Hz, 22.05 *
# 1.9 (weak) and 11.54 * 1.9 (strong); here in pA.
PULSE = {"weak": 22.05 * 1.9 / 0.066, "strong": 11.54 * 1.9 / 0.066}


class MultiAreaRateState(eqx.Module):
    """State of [`dynax.networks.MultiAreaRate`][]: the excitatory and inhibitory rates
    `E`, `I` (Hz) of each area, `(n,)`, and the noise's state (`None` without noise)."""

    E: Float[Array, " n"]
    I: Float[Array, " n"]  # noqa: E741 (the paper's name)
    noise: OUState | None = None


class MultiAreaRate(AbstractRateModel):
    r"""`n` cortical areas, each an excitatory and an inhibitory population with
    threshold-linear rates, coupled by long-range excitation (Joglekar et al. 2018):

    $$\begin{aligned}
    \tau_E\frac{d\nu_E^i}{dt} &= -\nu_E^i + \beta_E\bigl[I_E^i\bigr]_+, &
    I_E^i &= (1 + \eta h_i)\Bigl(w_{EE}\,\nu_E^i + \mu_{EE}\sum_j \mathrm{FLN}_{ij}\,
    \nu_E^j\Bigr) - w_{EI}\,\nu_I^i + I^i_{\mathrm{bg},E} + I^i_\mathrm{ext},\\
    \tau_I\frac{d\nu_I^i}{dt} &= -\nu_I^i + \beta_I\bigl[I_I^i\bigr]_+, &
    I_I^i &= (1 + \eta h_i)\Bigl(w_{IE}\,\nu_E^i + \mu_{IE}\sum_j \mathrm{FLN}_{ij}\,
    \nu_E^j\Bigr) - w_{II}\,\nu_I^i + I^i_{\mathrm{bg},I},
    \end{aligned}$$

    with $[x]_+ = \max(x, 0)$, $h_i \in [0, 1]$ the area's position in the hierarchy
    and $\mathrm{FLN}_{ij}$ the weight of the projection from area $j$ to area $i$.
    Excitatory strengths grow along the hierarchy by the factor $1 + \eta h_i$; the
    background currents $I_\mathrm{bg}$ are set, per area, so that the resting state is
    $\nu_E = $ `rest_e`, $\nu_I = $ `rest_i` (10 and 35 Hz in the paper), where the
    rectification is inactive: they are
    $I_{\mathrm{bg},E} = \nu_E/\beta_E - (1 + \eta h)(w_{EE} + \mu_{EE}\sum_j
    \mathrm{FLN}_{ij})\nu_E + w_{EI}\nu_I$ and likewise for $I$. The external input
    $I_\mathrm{ext}$ (pA, `()` or `(n,)`) and the noise enter the excitatory current;
    `output` is $\nu_E$. The model is linear about the resting state, and
    [`dynax.networks.multi_area_rate`][] builds it on the 29 areas of the macaque
    connectome with the paper's two regimes.

    **Arguments:**

    - `fln`: `(n, n)` long-range weights, `fln[i, j]` from area `j` to area `i`
      (dimensionless, ≥ 0; the diagonal is ignored).
    - `hierarchy`: `(n,)` hierarchical positions $h_i$ (normalised by the caller; the
      paper's are in $[0, 1]$).
    - `eta`: $\eta$, the hierarchy's scaling of excitation; default 0.68.
    - `tau_e`, `tau_i`: time constants (ms); default 20, 10.
    - `beta_e`, `beta_i`: slopes of the f–I curves (Hz/pA); default 0.066, 0.351.
    - `w_ee`, `w_ie`, `w_ei`, `w_ii`: local couplings (pA/Hz, ≥ 0; `w_ie` is E → I,
      `w_ei` is I → E); default 24.3, 12.2, 19.7, 12.5 (weak GBA).
    - `mu_ee`, `mu_ie`: long-range couplings onto E and I (pA/Hz, ≥ 0); default 33.7,
      25.3 (weak GBA).
    - `rest_e`, `rest_i`: resting rates (Hz, ≥ 0), which also start the run; default
      10, 35.
    - `noise`: `None` or a `dx.inputs.OUProcess(n, 0.0, sigma, tau)` (pA) added to the
      excitatory current.
    - `method`: an ODE method or its name; default `"rk4"`.

    ??? cite "Reference"

        Joglekar, M. R., Mejias, J. F., Yang, G. R., & Wang, X.-J. (2018). Inter-areal
        balanced amplification enhances signal propagation in a large-scale circuit
        model of the primate cortex. *Neuron*, 98(1), 222–234.
    """

    n: int = eqx.field(static=True)
    fln: Float[Array, "n n"]
    hierarchy: Float[Array, " n"]
    eta: Array
    tau_e: Array
    tau_i: Array
    beta_e: Array
    beta_i: Array
    w_ee: Array
    w_ie: Array
    w_ei: Array
    w_ii: Array
    mu_ee: Array
    mu_ie: Array
    rest_e: Array
    rest_i: Array
    noise: OUProcess | None
    method: AbstractODEMethod

    def __init__(
        self,
        fln: ArrayLike,
        hierarchy: ArrayLike,
        *,
        eta: ArrayLike = 0.68,
        tau_e: ArrayLike = 20.0,
        tau_i: ArrayLike = 10.0,
        beta_e: ArrayLike = 0.066,
        beta_i: ArrayLike = 0.351,
        w_ee: ArrayLike = 24.3,
        w_ie: ArrayLike = 12.2,
        w_ei: ArrayLike = 19.7,
        w_ii: ArrayLike = 12.5,
        mu_ee: ArrayLike = 33.7,
        mu_ie: ArrayLike = 25.3,
        rest_e: ArrayLike = 10.0,
        rest_i: ArrayLike = 35.0,
        noise: OUProcess | None = None,
        method: AbstractODEMethod | str = "rk4",
    ):
        fln = param(fln, "fln", nonnegative=True)
        if fln.ndim != 2 or fln.shape[0] != fln.shape[1]:
            raise ValueError(f"fln must be a square (n, n) matrix, got shape {fln.shape}.")
        n = check_size(fln.shape[0])
        setup(
            self,
            n,
            noise,
            method,
            fln=fln * (1 - jnp.eye(n, dtype=fln.dtype)),
            hierarchy=param(hierarchy, "hierarchy", n=n),
            eta=param(eta, "eta", n=n),
            tau_e=param(tau_e, "tau_e", positive=True, n=n),
            tau_i=param(tau_i, "tau_i", positive=True, n=n),
            beta_e=param(beta_e, "beta_e", positive=True, n=n),
            beta_i=param(beta_i, "beta_i", positive=True, n=n),
            w_ee=param(w_ee, "w_ee", nonnegative=True, n=n),
            w_ie=param(w_ie, "w_ie", nonnegative=True, n=n),
            w_ei=param(w_ei, "w_ei", nonnegative=True, n=n),
            w_ii=param(w_ii, "w_ii", nonnegative=True, n=n),
            mu_ee=param(mu_ee, "mu_ee", nonnegative=True, n=n),
            mu_ie=param(mu_ie, "mu_ie", nonnegative=True, n=n),
            rest_e=param(rest_e, "rest_e", nonnegative=True, n=n),
            rest_i=param(rest_i, "rest_i", nonnegative=True, n=n),
        )

    def background(self) -> tuple[Float[Array, " n"], Float[Array, " n"]]:
        """The background currents $(I_{\\mathrm{bg},E}, I_{\\mathrm{bg},I})$ (pA, `(n,)`)
        that hold every area at its resting rates."""
        e, i = self._recurrent(node_array(self.rest_e, self.n, self.fln.dtype), self.rest_i)
        return self.rest_e / self.beta_e - e, self.rest_i / self.beta_i - i

    def _recurrent(self, E: Array, I: Array) -> tuple[Array, Array]:  # noqa: E741
        gain = 1 + self.eta * self.hierarchy
        long_range = self.fln @ E
        e = gain * (self.w_ee * E + self.mu_ee * long_range) - self.w_ei * I
        i = gain * (self.w_ie * E + self.mu_ie * long_range) - self.w_ii * I
        return e, i

    def init(self, key: PRNGKeyArray | None = None) -> MultiAreaRateState:
        """The resting state: $\\nu_E = $ `rest_e`, $\\nu_I = $ `rest_i`."""
        dtype = self.fln.dtype
        return MultiAreaRateState(
            E=node_array(self.rest_e, self.n, dtype),
            I=node_array(self.rest_i, self.n, dtype),
            noise=self.noise_init(key),
        )

    def vector_field(self, t: Any, y: MultiAreaRateState, args: Any) -> MultiAreaRateState:
        bg_e, bg_i = self.background()
        e, i = self._recurrent(y.E, y.I)
        current_e = e + bg_e if args is None else e + bg_e + args
        current_i = i + bg_i
        dE = (-y.E + self.beta_e * jnp.maximum(current_e, 0)) / self.tau_e
        dI = (-y.I + self.beta_i * jnp.maximum(current_i, 0)) / self.tau_i
        return MultiAreaRateState(E=dE, I=dI)

    def output(self, state: MultiAreaRateState) -> Float[Array, " n"]:
        return state.E


def multi_area_rate(
    gba: str = "weak",
    *,
    data: MacaqueCortex | None = None,
    eta: ArrayLike = 0.68,
    noise: OUProcess | None = None,
    method: AbstractODEMethod | str = "rk4",
    **params: Any,
) -> MultiAreaRate:
    r"""Joglekar et al.'s (2018) rate model of 29 areas of macaque cortex, in the weak
    or the strong regime of global balanced amplification (GBA): a
    [`dynax.networks.MultiAreaRate`][] on the areas, FLN and hierarchy of
    [`dynax.datasets.load_macaque29`][], the hierarchy divided by its largest value
    (V1: $h = 0$, 24c: $h = 1$).

    Parameters (the paper's STAR Methods, also in the authors' code): $\tau_E = 20$ ms,
    $\tau_I = 10$ ms, $\beta_E = 0.066$ Hz/pA, $\beta_I = 0.351$ Hz/pA, $\eta = 0.68$, and
    in pA/Hz $w_{EE} = 24.3$, $w_{IE} = 12.2$, $w_{II} = 12.5$, $\mu_{IE} = 25.3$;
    weak GBA: $w_{EI} = 19.7$, $\mu_{EE} = 33.7$; strong GBA: $w_{EI} = 25.2$,
    $\mu_{EE} = 51.5$. Resting rates 10 Hz (E) and 35 Hz (I) in every area.

    In the paper (Fig. 2), a 250 ms current pulse to V1's excitatory population
    (`pulse_amplitude(gba)` pA) raises V1's rate by about 100 Hz; in weak GBA the
    response decays by orders of magnitude as it travels up the hierarchy, while in
    strong GBA, where stronger long-range excitation is balanced by stronger local
    inhibition, it reaches the prefrontal areas with far less attenuation
    (`examples/multi_area.py` reproduces the figure; `tests/networks/test_multi_area.py`
    measures it).

    The authors' code also floors every rate at its resting value during the run;
    rates here follow the equations alone. After the pulse to V1 no rate falls below
    rest in either regime (measured), so the floor changes nothing there.

    **Arguments:**

    - `gba`: `"weak"` or `"strong"`.
    - `data`: a [`dynax.datasets.MacaqueCortex`][] (default: the packaged data).
    - `eta`, `noise`, `method`: as for [`dynax.networks.MultiAreaRate`][].
    - `params`: other parameters of [`dynax.networks.MultiAreaRate`][], overriding the
      regime's (e.g. `mu_ee=40.0`).

    ??? cite "Reference"

        Joglekar, M. R., Mejias, J. F., Yang, G. R., & Wang, X.-J. (2018). Inter-areal
        balanced amplification enhances signal propagation in a large-scale circuit
        model of the primate cortex. *Neuron*, 98(1), 222–234.
    """
    if gba not in GBA:
        raise ValueError(f"gba must be one of {tuple(GBA)}, got gba={gba!r}.")
    data = load_macaque29() if data is None else data
    hierarchy = data.hierarchy / jnp.max(data.hierarchy)
    kwargs = {**GBA[gba], **params}
    return MultiAreaRate(data.fln, hierarchy, eta=eta, noise=noise, method=method, **kwargs)


def pulse_amplitude(gba: str) -> float:
    """The amplitude (pA) of the 250 ms current pulse to V1's excitatory population in
    Joglekar et al.'s Fig. 2 for the regime `gba`, which raises V1's rate by about
    100 Hz: 634.8 pA in weak GBA, 332.2 pA in strong GBA (the authors' code gives
    $\\beta_E I$: 41.9 and 21.9 Hz)."""
    if gba not in PULSE:
        raise ValueError(f"gba must be one of {tuple(PULSE)}, got gba={gba!r}.")
    return PULSE[gba]
