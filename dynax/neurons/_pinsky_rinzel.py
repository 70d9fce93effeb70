"""The Pinsky–Rinzel (1994) two-compartment CA3 pyramidal neuron."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import check_size, param
from .._current import AffineCurrent, as_affine
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray, PyTree
from .._system import Context
from ..channels import AbstractChannel, AbstractIon, Leak, ion_current
from ..channels._pinsky_rinzel import (
    PinskyRinzelCalcium,
    PinskyRinzelCalciumPool,
    PinskyRinzelPotassium,
    PinskyRinzelPotassiumAHP,
    PinskyRinzelPotassiumC,
    PinskyRinzelSodium,
)
from ..surrogate import AbstractSpikeFunction, Heaviside
from ._base import AbstractNeuron, check_input
from ._conductance import check_parts


class PinskyRinzelState(eqx.Module):
    """State of a `PinskyRinzel` population.

    - `v`: somatic potential (mV), `(n,)`; `v_d`: dendritic potential (mV), `(n,)`.
    - `spike`: upward crossings of `v_th` by the soma during the last step, `(n,)`
      (`None` in the variable of `vector_field`).
    - `soma`, `dendrite`: the gates of each compartment's channels, by name.
    - `ions`: the dendritic calcium pool (`ions["Ca"].c`).
    """

    v: Float[Array, " n"]
    v_d: Float[Array, " n"]
    spike: Any
    soma: dict[str, PyTree]
    dendrite: dict[str, PyTree]
    ions: dict[str, PyTree]


class PinskyRinzel(AbstractNeuron):
    r"""Pinsky–Rinzel two-compartment CA3 pyramidal neurons (a reduction of Traub et al.
    1991): a soma with fast sodium and delayed-rectifier potassium, a dendrite with
    calcium, calcium-activated potassium (K-C, K-AHP) and a calcium pool, coupled by a
    conductance $g_c$; $p$ is the fraction of the membrane in the soma:

    $$C\frac{dv_s}{dt} = \sum_\text{soma} I_k + \frac{g_c}{p}(v_d - v_s)
        + \frac{I(v_s) + I_\text{bias}}{p},$$

    $$C\frac{dv_d}{dt} = \sum_\text{dendrite} I_k + \frac{g_c}{1 - p}(v_s - v_d)
        + \frac{I_d}{1 - p},$$

    $$\frac{d[\mathrm{Ca}]}{dt} = -0.13\,I_\text{Ca} - 0.075\,[\mathrm{Ca}].$$

    The channels are [`dynax.channels.PinskyRinzelSodium`][] (`"Na"`),
    [`dynax.channels.PinskyRinzelPotassium`][] (`"K_DR"`) and a leak (`"L"`) in the soma;
    [`dynax.channels.PinskyRinzelCalcium`][] (`"Ca"`),
    [`dynax.channels.PinskyRinzelPotassiumC`][] (`"K_C"`),
    [`dynax.channels.PinskyRinzelPotassiumAHP`][] (`"K_AHP"`) and a leak in the
    dendrite, with [`dynax.channels.PinskyRinzelCalciumPool`][] (`"Ca"`). Potentials are
    absolute (rest −60 mV; the paper's are relative to rest). The step's input and
    `I_bias` go to the soma and, like the paper's $I_s$, are per unit area of the whole
    cell (hence the $1/p$); `I_d` is a constant dendritic current. With the defaults
    ($g_c = 2.1$ mS/cm², $p = 0.5$) and $I_\text{bias} = 0.75$ µA/cm² the neuron bursts
    (a somatic spike followed by a dendritic calcium spike and a few more somatic
    spikes); with a strong coupling ($g_c \gtrsim 10$) it fires single spikes.

    With the default exponential Euler step each compartment relaxes exactly under its
    channels, the coupling to the other compartment's potential at the start of the step
    and the input, the gates by Rush–Larsen and the calcium exactly for its held current.

    **Arguments:**

    - `n`: number of neurons.
    - `g_c`: soma–dendrite coupling conductance (mS/cm²), > 0; default 2.1.
    - `p`: fraction of the membrane area in the soma, in (0, 1); default 0.5.
    - `g_L`, `E_L`: leak conductance (mS/cm²) and reversal (mV) of both compartments;
      default 0.1, −60.
    - `g_Na`, `g_K_DR`, `g_Ca`, `g_K_C`, `g_K_AHP`: maximal conductances (mS/cm²);
      default 30, 15, 10, 15, 0.8.
    - `E_Na`, `E_K`, `E_Ca`: reversal potentials (mV); default 60, −75, 80.
    - `C`: membrane capacitance (µF/cm²), > 0; default 3.
    - `I_bias`: constant somatic current (µA/cm² of the whole cell); default 0.
    - `I_d`: constant dendritic current (µA/cm² of the whole cell); default 0.
    - `v_init`: initial potential of both compartments (mV); default −60.
    - `v_th`: somatic spike threshold, crossed upwards (mV); default −20.
    - `spike_fn`: spike function of `v - v_th`; default `dx.surrogate.Heaviside()`.

    ??? cite "Reference"

        Pinsky, P. F., & Rinzel, J. (1994). Intrinsic and network rhythmogenesis in a
        reduced Traub model for CA3 neurons. *Journal of Computational Neuroscience*,
        1(1–2), 39–60.
    """

    n: int = eqx.field(static=True)
    soma: dict[str, AbstractChannel]
    dendrite: dict[str, AbstractChannel]
    ions: dict[str, AbstractIon]
    g_c: Array
    p: Array
    C: Array
    I_bias: Array
    I_d: Array
    v_init: Array
    v_th: Array
    spike_fn: AbstractSpikeFunction

    def __init__(
        self,
        n: int,
        *,
        g_c: ArrayLike = 2.1,
        p: ArrayLike = 0.5,
        g_L: ArrayLike = 0.1,
        E_L: ArrayLike = -60.0,
        g_Na: ArrayLike = 30.0,
        g_K_DR: ArrayLike = 15.0,
        g_Ca: ArrayLike = 10.0,
        g_K_C: ArrayLike = 15.0,
        g_K_AHP: ArrayLike = 0.8,
        E_Na: ArrayLike = 60.0,
        E_K: ArrayLike = -75.0,
        E_Ca: ArrayLike = 80.0,
        C: ArrayLike = 3.0,
        I_bias: ArrayLike = 0.0,
        I_d: ArrayLike = 0.0,
        v_init: ArrayLike = -60.0,
        v_th: ArrayLike = -20.0,
        spike_fn: AbstractSpikeFunction = Heaviside(),
    ):
        self.n = n = check_size(n)
        self.g_c = param(g_c, "g_c", positive=True, n=n)
        self.p = param(p, "p", positive=True, n=n)
        if not jnp.all(self.p < 1):
            raise ValueError(f"p must be below 1 (a fraction of the membrane), got p={p}.")
        self.C = param(C, "C", positive=True, n=n)
        self.I_bias = param(I_bias, "I_bias", n=n)
        self.I_d = param(I_d, "I_d", n=n)
        self.v_init = param(v_init, "v_init", n=n)
        self.v_th = param(v_th, "v_th", n=n)
        self.soma, _ = check_parts(
            n,
            {
                "Na": PinskyRinzelSodium(g_Na, E_Na),
                "K_DR": PinskyRinzelPotassium(g_K_DR, E_K),
                "L": Leak(g_L, E_L),
            },
            None,
            self.C.dtype,
            "PinskyRinzel (soma)",
        )
        self.dendrite, self.ions = check_parts(
            n,
            {
                "Ca": PinskyRinzelCalcium(g_Ca, E_Ca),
                "K_C": PinskyRinzelPotassiumC(g_K_C, E_K),
                "K_AHP": PinskyRinzelPotassiumAHP(g_K_AHP, E_K),
                "L": Leak(g_L, E_L),
            },
            {"Ca": PinskyRinzelCalciumPool(E=E_Ca)},
            self.C.dtype,
            "PinskyRinzel (dendrite)",
        )
        self.spike_fn = spike_fn

    def init(self, key: PRNGKeyArray | None = None) -> PinskyRinzelState:
        dtype = self.C.dtype
        v = jnp.broadcast_to(jnp.asarray(self.v_init, dtype), (self.n,))
        ions = {name: ion.init(v) for name, ion in self.ions.items()}
        cond = self._conditions(ions)
        spike_dtype = jax.eval_shape(self.spike_fn, jnp.zeros(self.n, dtype)).dtype
        return PinskyRinzelState(
            v=v,
            v_d=v,
            spike=jnp.zeros(self.n, spike_dtype),
            soma={k: ch.init(v, {}) for k, ch in self.soma.items()},
            dendrite={k: ch.init(v, cond) for k, ch in self.dendrite.items()},
            ions=ions,
        )

    def _conditions(self, ions):
        return {name: ion.conditions(ions[name]) for name, ion in self.ions.items()}

    def _affine(self, y: PinskyRinzelState, drive: AffineCurrent, cond):
        """The affine currents of both compartments (µA/cm²) and the calcium current."""
        soma = [ch.current(y.soma[k], y.v, {}) for k, ch in self.soma.items()]
        dend = {k: ch.current(y.dendrite[k], y.v_d, cond) for k, ch in self.dendrite.items()}
        coupling_s, coupling_d = self.g_c / self.p, self.g_c / (1 - self.p)
        a_s = coupling_s * y.v_d + (drive.current + self.I_bias) / self.p
        b_s = coupling_s + drive.conductance / self.p
        for c in soma:
            a_s, b_s = a_s + c.current, b_s + c.conductance
        a_d, b_d = coupling_d * y.v + self.I_d / (1 - self.p), coupling_d
        for c in dend.values():
            a_d, b_d = a_d + c.current, b_d + c.conductance
        calcium = {name: jnp.zeros_like(y.v) for name in self.ions}
        for k, ch in self.dendrite.items():
            if ch.ion is not None:
                calcium[ch.ion] = calcium[ch.ion] + ion_current(dend[k], y.v_d)
        return (a_s, b_s), (a_d, b_d), calcium

    def vector_field(self, t, y: PinskyRinzelState, args) -> PinskyRinzelState:
        """$dy/dt$ for the somatic input `args`; `y.spike` is ignored and the derivative
        has `spike=None`."""
        drive = as_affine(args, y.v)
        cond = self._conditions(y.ions)
        (a_s, b_s), (a_d, b_d), calcium = self._affine(y, drive, cond)
        return PinskyRinzelState(
            v=(a_s - b_s * y.v) / self.C,
            v_d=(a_d - b_d * y.v_d) / self.C,
            spike=None,
            soma={k: ch.derivative(y.soma[k], y.v, {}) for k, ch in self.soma.items()},
            dendrite={
                k: ch.derivative(y.dendrite[k], y.v_d, cond) for k, ch in self.dendrite.items()
            },
            ions={k: ion.derivative(y.ions[k], calcium[k], y.v_d) for k, ion in self.ions.items()},
        )

    def step(self, state: PinskyRinzelState, input, ctx: Context) -> PinskyRinzelState:
        check_input(input, self.n, f"the input of PinskyRinzel(n={self.n})")
        drive = as_affine(input, state.v)
        y = eqx.tree_at(lambda s: s.v, state, state.v + drive.jump)
        cond = self._conditions(y.ions)
        (a_s, b_s), (a_d, b_d), calcium = self._affine(y, drive, cond)
        dt = ctx.dt
        v_s_inf, v_d_inf = a_s / b_s, a_d / b_d
        v = v_s_inf + (y.v - v_s_inf) * jnp.exp(-dt * b_s / self.C)
        v_d = v_d_inf + (y.v_d - v_d_inf) * jnp.exp(-dt * b_d / self.C)
        spike = self.spike_fn(v - self.v_th)
        spike = jnp.where(state.v < self.v_th, spike, jnp.zeros_like(spike))
        return PinskyRinzelState(
            v=v,
            v_d=v_d,
            spike=spike,
            soma={k: ch.step(y.soma[k], y.v, {}, dt) for k, ch in self.soma.items()},
            dendrite={
                k: ch.step(y.dendrite[k], y.v_d, cond, dt) for k, ch in self.dendrite.items()
            },
            ions={k: ion.step(y.ions[k], calcium[k], y.v_d, dt) for k, ion in self.ions.items()},
        )
