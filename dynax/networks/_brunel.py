"""Brunel (2000) model A: sparsely connected E/I network of LIF neurons with delta
synapses and one transmission delay."""

import numbers

from .._custom_types import PRNGKeyArray
from .._network import Network
from .._projection import AbstractProjection, Projection
from .._system import name_key
from ..connect import CSR, AbstractConnectivity, FixedPreNum, One2One
from ..init import Uniform
from ..inputs import PoissonCounts
from ..neurons import LIF, AbstractPopulation
from ..synapses import Delta, Jump

CONNECTIVITIES = ("csr", "fan_out")


def _check_positive(name: str, value, integer: bool = False) -> None:
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not float(value) > 0:
        what = "a positive int" if integer else "a positive number"
        raise ValueError(f"{name} must be {what}, got {name}={value!r}.")


def brunel_network(
    n_exc: int = 10_000,
    n_inh: int | None = None,
    *,
    g: float,
    eta: float,
    key: PRNGKeyArray,
    J: float = 0.1,
    epsilon: float = 0.1,
    delay: float = 1.5,
    tau: float = 20.0,
    theta: float = 20.0,
    v_reset: float = 10.0,
    tau_ref: float = 2.0,
    connectivity: str = "csr",
    kernel: str = "auto",
) -> Network:
    r"""Model A of Brunel (2000): $N_E$ excitatory and $N_I$ inhibitory leaky
    integrate-and-fire neurons, sparsely and randomly connected by delta synapses with
    one delay, driven by external Poisson spikes.

    $$\tau \frac{dV_i}{dt} = -V_i + \tau \sum_j J_{ij} \sum_k \delta(t - t_j^k - D)
    + \tau J \sum_k \delta(t - t_{\text{ext},i}^k),$$

    a spike when $V_i$ reaches $\theta = 20$ mV, after which $V_i$ is held at
    $V_r = 10$ mV for $\tau_\text{rp} = 2$ ms; $\tau = 20$ ms. Every neuron receives
    exactly $C_E = \epsilon N_E$ excitatory and $C_I = \epsilon N_I$ inhibitory
    connections (`dx.connect.FixedPreNum`, no self-connections), each making the
    potential jump by $J$ (excitatory) or $-gJ$ (inhibitory) mV, $D$ ms after the
    presynaptic spike. The external input is $C_E$ independent Poisson synapses of
    weight $J$ and rate $\nu_\text{ext} = \eta\,\nu_\text{thr}$ per neuron, where
    $\nu_\text{thr} = \theta / (J C_E \tau)$ is the rate that alone brings the mean
    potential to threshold; their sum is drawn as one exact Poisson count of rate
    $C_E\nu_\text{ext}$ per neuron and step (`dx.inputs.PoissonCounts`, one-to-one).
    Without recurrence the free potential then has mean
    $\mu_\text{ext} = J C_E \nu_\text{ext}\tau = \eta\theta$ and standard deviation
    $\sigma_\text{ext} = J\sqrt{C_E\nu_\text{ext}\tau/2}$, whatever $C_E$.

    The relative inhibition $g$ and the drive $\eta$ select the state (Brunel's
    Fig. 8, $N_E = 10\,000$, $\epsilon = 0.1$): synchronous regular (SR, $g = 3$,
    $\eta = 2$), asynchronous irregular (AI, $g = 5$, $\eta = 2$), synchronous
    irregular with a fast global oscillation (SI fast, $g = 6$, $\eta = 4$, near
    180 Hz) or a slow one (SI slow, $g = 4.5$, $\eta = 0.9$). Initial potentials are
    uniform in $[0, \theta]$ mV.

    Measured with this builder (dt = 0.1 ms): the stationary rate is that of Brunel's
    mean-field theory (his eqs. 21–22) in every irregular state, e.g. 37.6 Hz against
    38.0 Hz at $g = 5$, $\eta = 2$, $J = 0.1$ mV, $N_E = 10\,000$. With $J = 0.1$ mV
    that state fires regularly, though (CV of the interspike intervals 0.39); with
    $J = 0.2$ mV it is irregular (CV 0.9, 26–28 Hz against 26.9 Hz), and SI fast
    oscillates at 160 Hz with CV 1.3, SR at the neurons' own 420 Hz with CV 0.04:
    `examples/brunel.py` reproduces Fig. 8 with $J = 0.2$ mV. The state depends on
    the in-degrees, not on $N$: a smaller network in the same state keeps
    $C_E = 1000$ by raising `epsilon` (e.g. $N_E = 4000$, `epsilon=0.25`); at
    `epsilon=0.1` its $C_E = 400$ is less balanced (at $g = 5$, $\eta = 2$ the mean
    input stays above threshold and the firing is regular).

    **Arguments:**

    - `n_exc`: $N_E$, the number of excitatory neurons (population `"E"`).
    - `n_inh`: $N_I$ (population `"I"`); default `n_exc // 4` ($\gamma = 0.25$).
    - `g`: relative strength of inhibition, $> 0$ (inhibitory weight $-gJ$).
    - `eta`: $\nu_\text{ext}/\nu_\text{thr}$, the external rate in units of the
      threshold rate, $> 0$.
    - `key`: PRNG key for the connectivity.
    - `J`: excitatory postsynaptic potential (mV), $> 0$.
    - `epsilon`: connection probability, in $(0, 1]$: $C_E = $ `round(epsilon * n_exc)`,
      $C_I = $ `round(epsilon * n_inh)`, both at least 1.
    - `delay`: transmission delay $D$ (ms) of the recurrent synapses, $\ge 0$.
    - `tau`: membrane time constant (ms); `theta`: threshold (mV); `v_reset`: reset
      potential $V_r$ (mV); `tau_ref`: refractory period (ms).
    - `connectivity`: `"csr"` (`dx.connect.CSR`) or `"fan_out"` (the same connections
      as padded `dx.connect.FanOut` tables).
    - `kernel`: the propagation kernel of the recurrent projections (see
      `dx.Projection`).

    Populations `"E"`, `"I"` (LIF) and `"XE"`, `"XI"` (the external Poisson counts);
    projections `"E2E"`, `"E2I"`, `"I2E"`, `"I2I"`, `"X2E"`, `"X2I"`. Monitor e.g.
    `"E.spike"`; `"XE.spike"` is the external count of each neuron.

    ??? cite "Reference"

        Brunel, N. (2000). Dynamics of sparsely connected networks of excitatory and
        inhibitory spiking neurons. *Journal of Computational Neuroscience*, 8(3),
        183–208.
    """
    _check_positive("n_exc", n_exc, integer=True)
    n_inh = n_exc // 4 if n_inh is None else n_inh
    _check_positive("n_inh", n_inh, integer=True)
    for name, value in (("g", g), ("eta", eta), ("J", J), ("tau", tau), ("theta", theta)):
        _check_positive(name, value)
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real):
        raise ValueError(f"epsilon must be a number in (0, 1], got epsilon={epsilon!r}.")
    if not 0 < epsilon <= 1:
        raise ValueError(f"epsilon must lie in (0, 1], got epsilon={epsilon!r}.")
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity!r}.")
    sizes = {"E": n_exc, "I": n_inh}
    in_degree = {pre: max(1, round(epsilon * n)) for pre, n in sizes.items()}
    c_e = in_degree["E"]
    nu_thr = theta / (J * c_e * tau)  # 1/ms
    external_rate = 1000.0 * c_e * eta * nu_thr  # Hz, all C_E external synapses together
    neuron = dict(
        tau=tau, v_rest=0.0, v_reset=v_reset, v_th=theta, tau_ref=tau_ref,
        v_init=Uniform(0.0, theta),
    )  # fmt: skip
    populations: dict[str, AbstractPopulation | Network] = {}
    projections: dict[str, AbstractProjection] = {}
    for post, n in sizes.items():
        populations[post] = LIF(n, **neuron)
        populations[f"X{post}"] = PoissonCounts(n, external_rate)
    weights = {"E": J, "I": -g * J}
    for pre in ("E", "I"):
        for post in ("E", "I"):
            name = f"{pre}2{post}"
            connector = FixedPreNum(in_degree[pre], include_self=False)
            csr = connector(
                sizes[pre], sizes[post], name_key(key, name), same_population=pre == post
            )
            conn: AbstractConnectivity = csr.to_fan_out() if connectivity == "fan_out" else csr
            projections[name] = Projection(
                pre, post, conn, weights[pre], Delta(sizes[post]), Jump(), delay, kernel=kernel
            )
    for post, n in sizes.items():
        one2one: CSR = One2One()(n, n)
        projections[f"X2{post}"] = Projection(f"X{post}", post, one2one, J, Delta(n), Jump())
    return Network(populations, projections)
