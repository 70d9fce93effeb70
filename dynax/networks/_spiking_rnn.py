"""A recurrent network of spiking neurons with a leaky linear readout (Bellec et al. 2020),
the network that BPTT and e-prop train."""

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import check_size, param, to_float
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray, State
from .._system import Context, DynamicalSystem, name_key
from ..connect import Dense
from ..neurons import AbstractNeuron
from ..ops import AbstractKernel


class SpikingRNNState(eqx.Module):
    """State of a [`dynax.networks.SpikingRNN`][]: the state of its neurons (e.g. a
    `dx.neurons.ALIFState`, with `spike` and `v` of shape `(n_rec,)`) and the readout
    `out`, `(n_out,)`."""

    neuron: State
    out: Float[Array, " n_out"]


class SpikingRNN(DynamicalSystem):
    r"""A recurrent network of `n_rec` spiking neurons with dense input, recurrent and
    output weights and a leaky linear readout, as in Bellec et al. (2020):

    $$\begin{aligned}
    I^t &= x^t W_\text{in} + z^{t-1} W_\text{rec}, \\
    (h^t, z^t) &= \text{neuron.step}(h^{t-1}, I^t), \\
    y^t &= \kappa\, y^{t-1} + z^t W_\text{out} + b_\text{out},
    \qquad \kappa = e^{-dt/\tau_\text{out}},
    \end{aligned}$$

    where $z^t \in \{0, 1\}^{n_\text{rec}}$ are the spikes of step $t$ (row vectors),
    $h^t$ the neurons' state and $y^t$ the readout (`state.out`). The diagonal of
    $W_\text{rec}$ is set to zero in every step (no self-connections), whatever the
    array holds, so that its gradient there is zero too. The input current $I^t$ is in
    the unit the neuron takes (with `R = 1`, mV).

    **Products.** The presynaptic values of $W_\text{rec}$ are spikes, mostly zeros, so
    $z^{t-1} W_\text{rec}$ is a [`dynax.connect.Dense`][] event product: on a CPU
    (`kernel="auto"`) it adds only the rows of the neurons that spiked, and the
    gradient with respect to $W_\text{rec}$ only those rows too (the gradient with
    respect to the spikes, which the surrogate needs for every neuron, is a matrix
    product). $x^t W_\text{in}$ is one as well when the inputs are spikes: boolean
    inputs, or float inputs with `input_spikes=True` (Poisson trains given as 0/1
    floats); other inputs (rates, currents) go through a matrix product. The event
    products are exact for any values (a nonzero entry counts with its value), and a
    step in which more than 15 % of a product's entries are nonzero (a network firing
    fast) runs it as a matrix product. `kernel="xla"` makes every product a matrix
    product (XLA's, the reference the kernels are tested against).

    The spikes are the neuron's `spike_fn` of its distance to threshold: with a
    surrogate (`spike_fn=dx.surrogate.ReluGrad()`, Bellec's pseudo-derivative, or any
    other) gradients flow through them, so `jax.grad` of a loss of a `dx.simulate` run
    is backpropagation through time, and [`dynax.train.eprop_gradients`][] computes
    e-prop's online approximation of it. [`dynax.networks.spiking_rnn`][] draws the
    weights.

    **Arguments:**

    - `neuron`: the `n_rec` neurons, any [`dynax.neurons.AbstractNeuron`][]
      (`dx.neurons.LIF`, `dx.neurons.ALIF`, ...).
    - `W_in`: input weights, `(n_in, n_rec)`.
    - `W_rec`: recurrent weights, `(n_rec, n_rec)`, from row to column.
    - `W_out`: readout weights, `(n_rec, n_out)`.
    - `b_out`: readout bias added every step, `(n_out,)`, or `None` for none.
    - `tau_out`: time constant of the readout (ms), > 0.
    - `input_spikes`: whether float inputs are spikes (0/1, or event values that are
      mostly zero): then $x W_\text{in}$ is an event product too.
    - `kernel`: how the event products run (`"auto"`, `"native"`, `"xla"` or a
      `dx.ops.AbstractKernel`; see `dx.ops.resolve`).

    `step(state, x, ctx)` takes the input `x` of shape `(n_in,)`.

    ??? cite "Reference"

        Bellec, G., Scherr, F., Subramoney, A., Hajek, E., Salaj, D., Legenstein, R., &
        Maass, W. (2020). A solution to the learning dilemma for recurrent networks of
        spiking neurons. *Nature Communications*, 11, 3625.
    """

    neuron: AbstractNeuron
    W_in: Float[Array, "n_in n_rec"]
    W_rec: Float[Array, "n_rec n_rec"]
    W_out: Float[Array, "n_rec n_out"]
    b_out: Float[Array, " n_out"] | None
    tau_out: Float[Array, ""]
    n_in: int = eqx.field(static=True)
    n_rec: int = eqx.field(static=True)
    n_out: int = eqx.field(static=True)
    input_spikes: bool = eqx.field(static=True)
    kernel: str | AbstractKernel = eqx.field(static=True)

    def __init__(
        self,
        neuron: AbstractNeuron,
        W_in: Float[ArrayLike, "n_in n_rec"],
        W_rec: Float[ArrayLike, "n_rec n_rec"],
        W_out: Float[ArrayLike, "n_rec n_out"],
        *,
        b_out: Float[ArrayLike, " n_out"] | None = None,
        tau_out: ArrayLike = 20.0,
        input_spikes: bool = False,
        kernel: str | AbstractKernel = "auto",
    ):
        if not isinstance(neuron, AbstractNeuron):
            raise TypeError(
                "SpikingRNN: neuron must be a dx.neurons.AbstractNeuron (e.g. "
                f"dx.neurons.ALIF(n_rec)), got a {type(neuron).__name__}."
            )
        self.neuron = neuron
        self.n_rec = n = neuron.n
        self.W_in = _matrix(W_in, "W_in", None, n)
        self.W_rec = _matrix(W_rec, "W_rec", n, n)
        self.W_out = _matrix(W_out, "W_out", n, None)
        self.n_in, self.n_out = self.W_in.shape[0], self.W_out.shape[1]
        if b_out is None:
            self.b_out = None
        else:
            self.b_out = to_float(b_out, "b_out")
            if self.b_out.shape != (self.n_out,):
                raise ValueError(
                    f"SpikingRNN: b_out must have shape ({self.n_out},) (n_out, from W_out), "
                    f"got shape {self.b_out.shape}."
                )
        self.tau_out = param(tau_out, "tau_out", positive=True)
        if self.tau_out.shape != ():
            raise ValueError(f"tau_out must be a scalar (ms), got shape {self.tau_out.shape}.")
        self.input_spikes = bool(input_spikes)
        Dense(1, 1).resolve(kernel)  # an unknown or impossible choice fails here
        self.kernel = kernel

    def init(self, key: PRNGKeyArray | None = None) -> SpikingRNNState:
        neuron = self.neuron.init(None if key is None else name_key(key, "neuron"))
        return SpikingRNNState(neuron, jnp.zeros(self.n_out, self.W_out.dtype))

    def weights(self) -> tuple[Array, ...]:
        """The weights, `(W_in, W_rec, W_out, b_out)` (without `b_out` when it is `None`):
        what e-prop trains, and a `trainable` for `dx.train.make_step`
        (`trainable=dx.networks.SpikingRNN.weights`)."""
        parts = (self.W_in, self.W_rec, self.W_out)
        return parts if self.b_out is None else (*parts, self.b_out)

    def kappa(self, dt: float) -> Float[Array, ""]:
        """The readout's decay per step, $\\kappa = e^{-dt/\\tau_\\text{out}}$."""
        return jnp.exp(-dt / self.tau_out)

    def recurrent_weights(self) -> Float[Array, "n_rec n_rec"]:
        """`W_rec` with its diagonal set to zero: the weights the step uses."""
        return self.W_rec * (1 - jnp.eye(self.n_rec, dtype=self.W_rec.dtype))

    def current(self, state: SpikingRNNState, x: Array) -> Float[Array, " n_rec"]:
        """The input current $x W_\\text{in} + z W_\\text{rec}$ of the next step."""
        x = jnp.asarray(x)
        if x.shape != (self.n_in,):
            raise ValueError(
                f"the input of SpikingRNN(n_in={self.n_in}) must have shape ({self.n_in},), "
                f"got shape {x.shape}."
            )
        z = self.neuron.spikes(state.neuron)
        spikes = self.input_spikes or x.dtype == jnp.bool_
        inputs = self._product(x, self.W_in, spikes)
        return inputs + self._product(z, self.recurrent_weights(), True)

    def _product(self, values: Array, weight: Array, spikes: bool) -> Array:
        if spikes:
            return Dense(*weight.shape).event_matvec(values, weight, kernel=self.kernel)
        return values.astype(weight.dtype) @ weight

    def readout(self, out: Array, spikes: Array, dt: float) -> Float[Array, " n_out"]:
        """The readout after a step with `spikes`: $\\kappa y + z W_\\text{out} + b$."""
        out = self.kappa(dt) * out + spikes.astype(self.W_out.dtype) @ self.W_out
        return out if self.b_out is None else out + self.b_out

    def step(self, state: SpikingRNNState, input: Any, ctx: Context) -> SpikingRNNState:
        neuron = self.neuron.step(state.neuron, self.current(state, input), ctx)
        out = self.readout(state.out, self.neuron.spikes(neuron), ctx.dt)
        return SpikingRNNState(neuron, out)


def _matrix(w: Any, name: str, rows: int | None, cols: int | None) -> Array:
    w = to_float(w, name)
    ok = w.ndim == 2 and rows in (None, w.shape[0]) and cols in (None, w.shape[1])
    if not ok:
        want = f"({'n_in' if rows is None else rows}, {'n_out' if cols is None else cols})"
        raise ValueError(f"SpikingRNN: {name} must have shape {want}, got shape {w.shape}.")
    return w


def spiking_rnn(
    n_in: int,
    neuron: AbstractNeuron,
    n_out: int,
    *,
    key: PRNGKeyArray,
    scale_in: ArrayLike = 1.0,
    scale_rec: ArrayLike = 1.0,
    scale_out: ArrayLike = 1.0,
    recurrent: bool = True,
    bias: bool = True,
    tau_out: ArrayLike = 20.0,
) -> SpikingRNN:
    r"""A [`dynax.networks.SpikingRNN`][] with Gaussian weights scaled by the fan-in,
    as in Bellec et al. (2020):
    $W_\text{in} \sim \mathcal N(0, 1/n_\text{in}) \cdot$ `scale_in`,
    $W_\text{rec} \sim \mathcal N(0, 1/n_\text{rec}) \cdot$ `scale_rec` (zero diagonal),
    $W_\text{out} \sim \mathcal N(0, 1/n_\text{rec}) \cdot$ `scale_out`, and a zero bias.

    **Arguments:**

    - `n_in`, `n_out`: the numbers of inputs and of readout units.
    - `neuron`: the `n_rec` recurrent neurons (e.g. `dx.neurons.ALIF(100, v_th=1.0,
      spike_fn=dx.surrogate.ReluGrad())`).
    - `key`: PRNG key for the weights.
    - `scale_in`, `scale_rec`, `scale_out`: factors of the standard deviations (the
      currents are in the neuron's unit: with `R = 1` and a threshold `v_th` mV above
      rest, a scale of order `v_th` brings the neurons near threshold).
    - `recurrent`: `False` gives `W_rec = 0` (a feed-forward layer of spiking neurons).
    - `bias`: whether the readout has a bias (initially 0).
    - `tau_out`: time constant of the readout (ms).
    """
    n_in, n_out, n = check_size(n_in, "n_in"), check_size(n_out, "n_out"), neuron.n
    k_in, k_rec, k_out = jax.random.split(key, 3)
    dtype = to_float(0.0, "dtype").dtype
    w_in = jax.random.normal(k_in, (n_in, n), dtype) * (
        param(scale_in, "scale_in") / math.sqrt(n_in)
    )
    w_rec = jax.random.normal(k_rec, (n, n), dtype) * (param(scale_rec, "scale_rec") / math.sqrt(n))
    w_rec = w_rec * (1 - jnp.eye(n, dtype=dtype)) if recurrent else jnp.zeros((n, n), dtype)
    w_out = jax.random.normal(k_out, (n, n_out), dtype) * (
        param(scale_out, "scale_out") / math.sqrt(n)
    )
    b_out = jnp.zeros(n_out, dtype) if bias else None
    return SpikingRNN(neuron, w_in, w_rec, w_out, b_out=b_out, tau_out=tau_out)
