"""The rate-model family: nodes whose state is a few continuous variables per node."""

import abc
import dataclasses
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import check_size
from .._custom_types import Array, Float, PRNGKeyArray, PyTree, State
from .._system import Context, DynamicalSystem
from ..inputs import OUProcess, OUState
from ..integrate import AbstractODEMethod
from ..integrate._names import resolve_method


class AbstractRateModel(DynamicalSystem):
    r"""`n` nodes of a rate or mean-field model: each node's state is a few continuous
    variables (a population's rate, a phase, a mean potential), all nodes in one array
    per variable.

    A model declares its state (an `eqx.Module` with one `(n,)` array per variable and
    a field `noise` for the noise's state), `vector_field(t, y, args)` (the ODE, with
    the external input `args`, `()` or `(n,)`, entering where the model's equations
    say) and `output(state)`, the `(n,)` activity that other nodes read through a
    coupling (`dx.rates.WholeBrain`). This class gives the step: the input checked,
    the Ornstein–Uhlenbeck noise (if any) added to it, then one step of `method` on
    `vector_field`. Time is in ms.

    Noise: `noise=dx.inputs.OUProcess(n, 0.0, sigma, tau)` adds to each node's input an
    independent OU process (stationary standard deviation `sigma` in the input's unit,
    correlation time `tau` ms), advanced exactly; the noise held over a step, as an
    input is. A small `tau` (a few `dt`) approaches white noise of intensity
    $\sigma^2 \cdot 2\tau$.
    """

    n: eqx.AbstractVar[int]
    noise: eqx.AbstractVar[OUProcess | None]
    method: eqx.AbstractVar[AbstractODEMethod]

    @abc.abstractmethod
    def vector_field(self, t: Any, y: State, args: Any) -> State:
        """$dy/dt$ (per ms) of a state `y` whose `noise` is `None`, for the input `args`
        (`None`, a number, or an `(n,)` array); the derivative has `noise=None`."""

    @abc.abstractmethod
    def output(self, state: State) -> Float[Array, " n"]:
        """The `(n,)` activity of the nodes that couplings read."""

    def noise_init(self, key: PRNGKeyArray | None) -> OUState | None:
        """The initial noise state (for the model's `init`), `None` without noise."""
        return None if self.noise is None else self.noise.init(key)

    def step(self, state: State, input: Any, ctx: Context) -> State:
        drive = check_rate_input(input, self.n, type(self).__name__)
        noise = None
        if self.noise is not None:
            value = self.noise.output(state.noise)
            drive = value if drive is None else drive + value
            # The noise is the model's only random part: it takes the step's key as it
            # is (a child key cost one more threefry hash a step, which at 80 nodes was
            # most of the step).
            noise = self.noise.step(state.noise, None, ctx)
        y = dataclasses.replace(state, noise=None)
        y = self.method.step(self.vector_field, y, ctx.t, ctx.dt, drive)
        return dataclasses.replace(y, noise=noise)


def check_rate_input(input: Any, n: int, who: str) -> Array | None:
    """`input` as an array of shape `()` or `(n,)` (or `None`), with a clear error."""
    if input is None:
        return None
    if not eqx.is_array_like(input):
        raise TypeError(
            f"the input of {who}(n={n}) must be None, a number or an array of shape () or "
            f"({n},); got a {type(input).__name__}."
        )
    if jnp.shape(input) not in ((), (n,)):
        raise ValueError(
            f"the input of {who}(n={n}) has shape {jnp.shape(input)}; expected () or ({n},)."
        )
    return jnp.asarray(input)


def setup(self: Any, n: int, noise: OUProcess | None, method: Any, **params: Any) -> None:
    """Set the fields every rate model has (`n`, `noise`, `method`) and its parameters,
    checked: `noise` an `OUProcess` of `n` processes or `None`, `method` an ODE method
    object or name. `params` are set as given (convert them with `dx._checks.param`)."""
    self.n = check_size(n)
    if noise is not None and not isinstance(noise, OUProcess):
        raise TypeError(
            f"noise must be None or a dx.inputs.OUProcess(n, 0.0, sigma, tau); got "
            f"{type(noise).__name__}."
        )
    if noise is not None and noise.n != self.n:
        raise ValueError(f"noise has n={noise.n}; the model has n={self.n} nodes.")
    self.noise = noise
    self.method = resolve_method(method, AbstractODEMethod, type(self).__name__)
    for name, value in params.items():
        setattr(self, name, value)


def node_array(x: Any, n: int, dtype: Any) -> PyTree:
    """`x` (a number or `(n,)` array) broadcast to `(n,)` of `dtype`."""
    return jnp.broadcast_to(jnp.asarray(x, dtype), (n,))
