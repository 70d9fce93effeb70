"""Whole-brain networks: rate-model nodes coupled through a structural connectome."""

from typing import Any, Literal

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._checks import concrete, param
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray, State
from .._delay import Delay, DelayState, PendingDelay, PreparedDelay, to_steps
from .._system import AbstractTimed, Context, DynamicalSystem
from ._base import AbstractRateModel, check_rate_input

COUPLINGS = ("diffusive", "additive")


class WholeBrainState(eqx.Module):
    """State of a [`dynax.rates.WholeBrain`][]: the nodes' state `node` and the ring of
    their past outputs `history` (`None` without delays; a `dx.PendingDelay` in the
    initial state of a network not yet prepared for a `dt`)."""

    node: State
    history: DelayState | PendingDelay | None


class WholeBrain(DynamicalSystem, AbstractTimed):
    r"""`n` nodes of one rate model coupled through a structural connectivity matrix
    $W$ with a global coupling strength $G$ and per-connection conduction delays:
    node $i$ receives the input

    $$I_i(t) = G\sum_j W_{ij}\,\bigl(x_j(t - d_{ij}) - x_i(t)\bigr)\quad\text{(diffusive)},
    \qquad I_i(t) = G\sum_j W_{ij}\,x_j(t - d_{ij})\quad\text{(additive)},$$

    plus the external input, where $x$ is the node model's `output` (Stuart–Landau's
    $x$, Wilson–Cowan's excitatory rate, ...) and $d_{ij} = L_{ij}/c$ the delay over a
    fibre of length $L_{ij}$ (mm) at conduction speed $c$ (m/s, which is mm/ms).

    All nodes are one model with `(n,)` arrays, so a step is one matrix–vector product
    (no delays) or one gather of the `(n, n)` delayed outputs from a ring buffer of past
    outputs. Delays become whole steps of `dt` (the nearest, halves up) when the
    network is prepared for a `dt` (`dx.simulate` does it; `dx.with_dt(model, dt)` by
    hand); stepping with another `dt` raises. A delay of $d$ steps reads the output at
    the start of the step $d$ steps back: $x_j(t - d\,dt)$ exactly, so delays are exact
    to the step. Before $t = 0$ the outputs are taken as 0 (the ring starts empty, as a
    delayed projection's does).

    **Arguments:**

    - `node`: an `AbstractRateModel` of `n` nodes (its parameters may differ per node).
    - `weights`: `(n, n)`, `weights[i, j]` the connection from node `j` to node `i`
      (a connectome's fibre counts, normalised as the caller chooses).
    - `G`: global coupling strength (a scalar: the parameter swept or fitted).
    - `lengths`: `None` (no delays) or `(n, n)` fibre lengths (mm).
    - `speed`: conduction speed (m/s = mm/ms), needed with `lengths`.
    - `coupling`: `"diffusive"` (default) or `"additive"`.

    The state's node part is at `"node"` (monitor `"node.x"`); `output(state)` is the
    nodes' output.

    ??? cite "Reference"

        Deco, G., Jirsa, V. K., & McIntosh, A. R. (2011). Emerging concepts for the
        dynamical organization of resting-state activity in the brain. *Nature Reviews
        Neuroscience*, 12, 43–56.
    """

    node: AbstractRateModel
    weights: Float[Array, "n n"]
    G: Array
    delays: Array | np.ndarray | None  # ms, (n, n)
    coupling: str = eqx.field(static=True)
    max_delay: float = eqx.field(static=True)
    prepared: PreparedDelay | None  # the ring and the (n, n) delays in steps of its dt

    def __init__(
        self,
        node: AbstractRateModel,
        weights: ArrayLike,
        G: ArrayLike = 1.0,
        *,
        lengths: ArrayLike | None = None,
        speed: ArrayLike | None = None,
        coupling: Literal["diffusive", "additive"] = "diffusive",
    ):
        if not isinstance(node, AbstractRateModel):
            raise TypeError(
                f"node must be a dx.rates.AbstractRateModel (StuartLandau, WilsonCowan, ...), "
                f"got {type(node).__name__}."
            )
        n = node.n
        self.node = node
        self.weights = param(weights, "weights")
        if self.weights.shape != (n, n):
            raise ValueError(f"weights must have shape ({n}, {n}), got {self.weights.shape}.")
        self.G = param(G, "G")
        if self.G.ndim:
            raise ValueError(f"G must be a scalar, got shape {self.G.shape}.")
        if coupling not in COUPLINGS:
            raise ValueError(f"coupling must be one of {COUPLINGS}, got {coupling!r}.")
        self.coupling = coupling
        if (lengths is None) != (speed is None):
            raise ValueError("lengths (mm) and speed (m/s) go together: give both or neither.")
        if lengths is None:
            self.delays, self.max_delay = None, 0.0
        else:
            L = param(lengths, "lengths", nonnegative=True)
            if L.shape != (n, n):
                raise ValueError(f"lengths must have shape ({n}, {n}), got {L.shape}.")
            c = param(speed, "speed", positive=True)
            # In NumPy where the inputs are concrete, so that a network built inside
            # `jax.jit` (a loss) still knows its delays, which size the ring.
            length_mm, mm_per_ms = concrete(lengths), concrete(speed)
            if length_mm is not None and mm_per_ms is not None:
                self.delays = np.asarray(length_mm / mm_per_ms, np.float64)
            else:
                self.delays = L / c
            ms = concrete(self.delays)
            self.max_delay = float(np.max(ms)) if ms is not None else float("nan")
        self.prepared = None

    @property
    def n(self) -> int:
        return self.node.n

    def with_dt(self, dt: float) -> "WholeBrain":
        """This network with its delays as whole steps of `dt` (nearest, halves up)."""
        if self.delays is None or (self.prepared is not None and self.prepared.dt == dt):
            return self
        ms = concrete(self.delays)
        if ms is None:
            raise ValueError(
                "the delays (lengths / speed) must be concrete (not traced) when the network "
                "is prepared for a dt: the ring buffer's length depends on them."
            )
        steps = np.asarray(to_steps(ms, dt), np.int32)
        ring = Delay(self.n, int(steps.max(initial=0)), dtype=self.weights.dtype)
        prepared = PreparedDelay(dt, ring, jnp.asarray(steps))
        return eqx.tree_at(lambda m: m.prepared, self, prepared, is_leaf=_is_none)

    def init(self, key: PRNGKeyArray | None = None) -> WholeBrainState:
        node = self.node.init(key)
        history: DelayState | PendingDelay | None
        if self.delays is None:
            history = None
        elif self.prepared is None or self.prepared.delay is None:
            history = PendingDelay(self.n, self.max_delay, self.weights.dtype)
        else:
            history = self.prepared.delay.init()
        return WholeBrainState(node=node, history=history)

    def output(self, state: WholeBrainState) -> Float[Array, " n"]:
        return self.node.output(state.node)

    def step(self, state: WholeBrainState, input: Any, ctx: Context) -> WholeBrainState:
        external = check_rate_input(input, self.n, "WholeBrain")
        x = self.node.output(state.node)
        if self.delays is None:
            history = None
            received = self.weights @ x
        else:
            prepared = self.prepared
            if prepared is None or prepared.delay is None or prepared.dt != ctx.dt:
                have = (
                    "not prepared for any dt" if prepared is None else f"prepared for {prepared.dt}"
                )
                raise ValueError(
                    f"WholeBrain has delays in ms and is {have}, but is stepped with "
                    f"dt={ctx.dt!r}: run it with dx.simulate or prepare it with "
                    f"dx.with_dt(model, {ctx.dt!r})."
                )
            if not isinstance(state.history, DelayState):
                raise ValueError(
                    "the state has no delay buffer (made by init() before the network was "
                    "prepared for dt): use the prepared network's init(), or dx.simulate."
                )
            ring, steps = prepared.delay, prepared.steps
            assert steps is not None  # with_dt sets both
            history = ring.step(state.history, x)
            # head - steps lies in (-length, length): one wrap, not a signed integer
            # remainder per connection.
            back = history.head - steps
            slots = jnp.where(back < 0, back + ring.length, back)
            past = history.buffer[slots, jnp.arange(self.n)[None, :]]  # x_j(t - d_ij)
            # Row sums as a product with ones, not jnp.sum: on the CPU, XLA hands a
            # multiply-and-reduce to a library kernel of its own, so the (n, n) gather
            # is written out and read back; before a dot it fuses into one loop with
            # the product (80 nodes: about 7 instead of 9 µs per step).
            received = (self.weights * past) @ jnp.ones(self.n, past.dtype)
        if self.coupling == "diffusive":
            received = received - jnp.sum(self.weights, axis=1) * x
        drive = self.G * received
        if external is not None:
            drive = drive + external
        return WholeBrainState(node=self.node.step(state.node, drive, ctx), history=history)


def _is_none(x: Any) -> bool:
    return x is None
