"""Excitatory/inhibitory LIF networks: Brette et al. (2007) benchmarks 1 (COBA) and 2 (CUBA)."""

from typing import Any

import jax

from .._custom_types import PRNGKeyArray
from .._network import Network
from .._projection import AbstractProjection, Projection
from .._system import name_key
from ..connect import AbstractConnectivity, FixedProb, JitProb
from ..init import Uniform
from ..neurons import LIF, AbstractPopulation
from ..synapses import COBA as COBAOutput, CUBA as CUBAOutput, Exponential

_FAN_IN = 80.0  # the benchmarks' 0.02 connection probability at N = 4000


CONNECTIVITIES = ("csr", "fan_out", "jit")


def _ei_network(n_exc, n_inh, key, prob, connectivity, kernel, neuron, synapses) -> Network:
    """Populations `"E"`, `"I"` of `neuron(n)` and the four projections between them:
    Bernoulli(`prob`) connectivity (default: fan-in 80), `synapses[pre] = (weight, tau,
    output)` on `Exponential` synapses."""
    for name, n in (("n_exc", n_exc), ("n_inh", n_inh)):
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"{name} must be a positive int, got {name}={n!r}.")
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity!r}.")
    prob = min(1.0, _FAN_IN / (n_exc + n_inh)) if prob is None else prob
    sizes = {"E": n_exc, "I": n_inh}
    populations: dict[str, AbstractPopulation | Network] = {
        name: neuron(n) for name, n in sizes.items()
    }
    connector = FixedProb(prob, include_self=False)
    projections: dict[str, AbstractProjection] = {}
    for pre in ("E", "I"):
        weight, tau, output = synapses[pre]
        for post in ("E", "I"):
            name = f"{pre}2{post}"
            conn: AbstractConnectivity
            if connectivity == "jit":
                seed = jax.random.randint(name_key(key, name), (), 0, 2**31 - 1)
                conn = JitProb(sizes[pre], sizes[post], prob, seed)
            else:
                csr = connector(
                    sizes[pre], sizes[post], name_key(key, name), same_population=pre == post
                )
                conn = csr.to_fan_out() if connectivity == "fan_out" else csr
            projections[name] = Projection(
                pre, post, conn, weight, Exponential(sizes[post], tau), output, kernel=kernel
            )
    return Network(populations, projections)


def coba_network(
    n_exc: int = 3200,
    n_inh: int = 800,
    *,
    key: PRNGKeyArray,
    prob: float | None = None,
    connectivity: str = "csr",
    kernel: str = "auto",
    we: float = 0.6,
    wi: float = 6.7,
) -> Network:
    r"""The conductance-based E/I network of Vogels & Abbott (2005), benchmark 1 of
    Brette et al. (2007).

    $$\tau_m \frac{dv}{dt} = g_e (E_e - v) + g_i (E_i - v) - (v - E_l) + I,\qquad
    \frac{dg_{e,i}}{dt} = -\frac{g_{e,i}}{\tau_{e,i}},$$

    conductances in units of the leak conductance; $\tau_m = 20$ ms, $E_l = -60$ mV,
    threshold −50 mV, reset −60 mV, refractory 5 ms, $I = 20$ mV, $E_e = 0$ mV,
    $E_i = -80$ mV, $\tau_e = 5$ ms, $\tau_i = 10$ ms; each spike adds `we` (`wi`) to
    the target's $g_e$ ($g_i$). Initial potentials are uniform in [−60, −50] mV. At
    N = 4000 the excitatory neurons fire at about 21 Hz (dt = 0.1 ms).

    **Arguments:**

    - `n_exc`, `n_inh`: population sizes (populations `"E"` and `"I"`).
    - `key`: PRNG key for the connectivity.
    - `prob`: connection probability; default `80 / (n_exc + n_inh)` (0.02 at 4000),
      which keeps the mean fan-in at 80 at every size.
    - `connectivity`: `"csr"` (stored, `FixedProb` without self-connections),
      `"fan_out"` (the same, as padded `FanOut` tables) or `"jit"` (`JitProb`: never
      stored, regenerated from a seed; self-connections are possible). `"jit"` is what
      fits millions of neurons on a GPU.
    - `kernel`: the propagation kernel of every projection (see `dx.Projection`).
    - `we`, `wi`: excitatory and inhibitory weights (leak-conductance units).

    Projections are `"E2E"`, `"E2I"`, `"I2E"`, `"I2I"`; monitor e.g. `"E.spike"`.

    ??? cite "References"

        Vogels, T. P., & Abbott, L. F. (2005). Signal propagation and logic gating in
        networks of integrate-and-fire neurons. *J. Neurosci.*, 25(46), 10786–10795.

        Brette, R., et al. (2007). Simulation of networks of spiking neurons: a review of
        tools and strategies. *J. Comput. Neurosci.*, 23(3), 349–398.
    """
    neuron: dict[str, Any] = dict(
        tau=20.0,
        v_rest=-60.0,
        v_reset=-60.0,
        v_th=-50.0,
        tau_ref=5.0,
        I_bias=20.0,
        v_init=Uniform(-60.0, -50.0),
    )
    synapses = {"E": (we, 5.0, COBAOutput(E=0.0)), "I": (wi, 10.0, COBAOutput(E=-80.0))}
    return _ei_network(
        n_exc, n_inh, key, prob, connectivity, kernel, lambda n: LIF(n, **neuron), synapses
    )


def cuba_network(
    n_exc: int = 3200,
    n_inh: int = 800,
    *,
    key: PRNGKeyArray,
    prob: float | None = None,
    connectivity: str = "csr",
    kernel: str = "auto",
    we: float = 1.62,
    wi: float = -9.0,
) -> Network:
    r"""The current-based E/I network, benchmark 2 of Brette et al. (2007).

    $$\tau_m \frac{dv}{dt} = g_e + g_i - (v - E_l),\qquad
    \frac{dg_{e,i}}{dt} = -\frac{g_{e,i}}{\tau_{e,i}},$$

    with $g$ in mV; $\tau_m = 20$ ms, $E_l = -49$ mV, threshold −50 mV, reset −60 mV,
    refractory 5 ms, $\tau_e = 5$ ms, $\tau_i = 10$ ms, each excitatory spike adds
    `we` = 1.62 mV and each inhibitory spike `wi` = −9 mV. Initial potentials are
    uniform in [−60, −50] mV. Arguments as for `coba_network`.

    ??? cite "Reference"

        Brette, R., et al. (2007). Simulation of networks of spiking neurons: a review of
        tools and strategies. *J. Comput. Neurosci.*, 23(3), 349–398.
    """
    neuron: dict[str, Any] = dict(
        tau=20.0,
        v_rest=-49.0,
        v_reset=-60.0,
        v_th=-50.0,
        tau_ref=5.0,
        v_init=Uniform(-60.0, -50.0),
    )
    synapses = {"E": (we, 5.0, CUBAOutput()), "I": (wi, 10.0, CUBAOutput())}
    return _ei_network(
        n_exc, n_inh, key, prob, connectivity, kernel, lambda n: LIF(n, **neuron), synapses
    )
