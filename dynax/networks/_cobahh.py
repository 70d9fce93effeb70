"""The E/I network of Hodgkin–Huxley-type neurons: Brette et al. (2007) benchmark 3 (COBAHH)."""

from typing import Any

from .._custom_types import PRNGKeyArray
from .._network import Network
from ..channels import Leak, TraubMilesPotassium, TraubMilesSodium
from ..init import Normal
from ..neurons import ConductanceBased
from ..surrogate import AbstractSpikeFunction, Heaviside
from ..synapses import COBA
from ._ei import _ei_network

# The benchmark's membrane patch, 20 000 µm² in cm²: conductances given per neuron (nS)
# become densities (mS/cm²) by dividing by it, 1 nS -> 0.005 mS/cm².
_AREA_CM2 = 20_000e-8
_NS_TO_MS_PER_CM2 = 1e-6 / _AREA_CM2


def cobahh_network(
    n_exc: int = 3200,
    n_inh: int = 800,
    *,
    key: PRNGKeyArray,
    prob: float | None = None,
    connectivity: str = "csr",
    kernel: str = "auto",
    we: float = 6.0,
    wi: float = 67.0,
    v_init: Any = None,
    spike_fn: AbstractSpikeFunction = Heaviside(),
) -> Network:
    r"""The conductance-based E/I network of Hodgkin–Huxley-type neurons, benchmark 3
    of Brette et al. (2007) ("COBAHH").

    Each neuron is a patch of 20 000 µm² with the Traub & Miles (1991) sodium and
    potassium channels shifted by $V_T = -63$ mV (`dx.channels.TraubMilesSodium`,
    `dx.channels.TraubMilesPotassium`), a leak, and two exponential conductances:

    $$C\frac{dv}{dt} = g_\text{Na} m^3 h\,(E_\text{Na} - v) + g_\text{K} n^4 (E_\text{K} - v)
    + g_L (E_L - v) + g_e (E_e - v) + g_i (E_i - v),\qquad
    \frac{dg_{e,i}}{dt} = -\frac{g_{e,i}}{\tau_{e,i}},$$

    $C = 1$ µF/cm², $g_L = 0.05$ mS/cm² ($5 \cdot 10^{-5}$ S/cm²), $E_L = -60$ mV,
    $g_\text{Na} = 100$ mS/cm², $E_\text{Na} = 50$ mV, $g_\text{K} = 30$ mS/cm²,
    $E_\text{K} = -90$ mV, $\tau_e = 5$ ms, $\tau_i = 10$ ms, $E_e = 0$ mV,
    $E_i = -80$ mV. Each spike adds `we` = 6 nS (`wi` = 67 nS) to the target's $g_e$
    ($g_i$), converted to mS/cm² by the area (6 nS is 0.03 mS/cm², 67 nS 0.335 mS/cm²).
    There is no external input: the activity sustains itself. A spike is an upward
    crossing of −20 mV.

    The neurons are [`dynax.neurons.ConductanceBased`][] populations (exponential
    Euler: Rush–Larsen gates, exact membrane step for the step's conductances); their
    state is `state["E"].v`, `state["E"].channels["Na"].m`, ….

    **Initial state.** Potentials are drawn from `v_init`, by default Gaussian with
    mean −65 mV and standard deviation 5 mV, the $E_L + (5\xi - 5)$ mV of Brian's
    version of the benchmark; the gates start at their steady state at that potential
    (Brian's example starts them at 0, so that its neurons begin with sodium fully
    inactivated) and the synaptic conductances at 0. At N = 4 000 (dt = 0.1 ms, 1 s)
    the neurons fire at 30–39 Hz depending on the network drawn (mean 34 Hz over 20
    seeds); Brian2 and BrainPy gave 36–38 Hz on networks of their own, and an
    independent JAX implementation gives dynax's rates on dynax's networks (see
    `tests/networks/test_cobahh.py`).

    **Arguments:**

    - `n_exc`, `n_inh`: population sizes (populations `"E"` and `"I"`).
    - `key`: PRNG key for the connectivity.
    - `prob`: connection probability; default `80 / (n_exc + n_inh)` (0.02 at 4 000),
      which keeps the mean fan-in at 80 at every size.
    - `connectivity`: `"csr"`, `"fan_out"` or `"jit"`, as for
      `dx.networks.coba_network`.
    - `kernel`: the propagation kernel of every projection (see `dx.Projection`).
    - `we`, `wi`: excitatory and inhibitory weights (nS per synapse).
    - `v_init`: initial potential (mV): a number, an `(n,)` array or an initialiser
      `v_init(key, (n,))`; default (None) `dx.init.Normal(-65.0, 5.0)`.
    - `spike_fn`: the neurons' spike function (default `dx.surrogate.Heaviside()`; a
      surrogate makes the network trainable).

    Projections are `"E2E"`, `"E2I"`, `"I2E"`, `"I2I"`; monitor e.g. `"E.spike"`.

    ??? cite "References"

        Brette, R., Rudolph, M., Carnevale, T., Hines, M., Beeman, D., Bower, J. M., et
        al. (2007). Simulation of networks of spiking neurons: a review of tools and
        strategies. *J. Comput. Neurosci.*, 23(3), 349–398 (benchmark 3).

        Traub, R. D., & Miles, R. (1991). *Neuronal Networks of the Hippocampus*.
        Cambridge University Press.
    """

    # The default is built here, not in the signature: an array made at import time
    # would start JAX's backend, after which `jax.distributed.initialize` is refused.
    v0 = Normal(-65.0, 5.0) if v_init is None else v_init

    def neuron(n: int) -> ConductanceBased:
        channels = {
            "Na": TraubMilesSodium(g=100.0, E=50.0, V_T=-63.0),
            "K": TraubMilesPotassium(g=30.0, E=-90.0, V_T=-63.0),
            "L": Leak(g=0.05, E=-60.0),
        }
        return ConductanceBased(n, channels, C=1.0, v_init=v0, v_th=-20.0, spike_fn=spike_fn)

    synapses = {
        "E": (we * _NS_TO_MS_PER_CM2, 5.0, COBA(E=0.0)),
        "I": (wi * _NS_TO_MS_PER_CM2, 10.0, COBA(E=-80.0)),
    }
    return _ei_network(n_exc, n_inh, key, prob, connectivity, kernel, neuron, synapses)
