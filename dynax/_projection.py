"""Projections: what feeds a current into a population of a `dx.Network` (spikes over
connectivity through synapses, or a current drive)."""

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from ._checks import concrete, to_time
from ._current import AbstractCurrent
from ._custom_types import Array, ArrayLike, PRNGKeyArray
from ._delay import Delay, DelayState, PendingDelay, PreparedDelay, to_steps
from ._system import AbstractTimed, Context, DynamicalSystem
from .connect import AbstractConnectivity
from .connect._sharded import partition
from .ops import event_matvecs
from .ops._kernels import AbstractKernel
from .synapses import (
    AbstractLinearSynapse,
    AbstractOutput,
    AbstractPresynaptic,
    AbstractSynapse,
)


class AbstractProjection(DynamicalSystem):
    """Something that feeds a current into population `post` of a `Network`.

    `step(state, input, ctx)` receives the spikes of population `pre` from the previous
    step (None when `pre` is None); `current(state)` is what `post` receives.
    """

    pre: eqx.AbstractVar[str | None]
    post: eqx.AbstractVar[str]

    @abc.abstractmethod
    def sizes(self) -> tuple[int | None, int | None]:
        """The sizes `(n_pre, n_post)` it expects of its populations (None: any)."""

    @abc.abstractmethod
    def current(self, state: Any) -> AbstractCurrent:
        """The input this projection gives its postsynaptic population now."""

    def shard(self, mesh: Any, axis: str) -> "AbstractProjection":
        """This projection for a network whose populations are split over the axis `axis`
        of `mesh` (`dx.shard`): whatever it stores per connection partitioned by
        postsynaptic owner, on the host, once. A projection that cannot be split raises
        `NotImplementedError` (the default)."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot be split over devices (dx.shard): only "
            "dx.Projection and dx.CurrentDrive can yet."
        )


class AbstractPlasticProjection(AbstractProjection):
    """A projection that also reads the spikes of its postsynaptic population, as
    plasticity rules do (weights kept in its state, updated from pre- and postsynaptic
    traces). `dx.Network` passes its `step` the pair `(pre_spikes, post_spikes)`, both
    of the previous step; `current(state)` is what `post` receives, as for any
    projection. See "Writing your own synapse / projection / population" in the docs for
    a pair-STDP projection.
    """

    pre: eqx.AbstractVar[str]
    post: eqx.AbstractVar[str]


class AbstractElectricalProjection(AbstractProjection):
    """A projection that reads the membrane potentials of its presynaptic population
    instead of its spikes, as gap junctions do: `dx.Network` passes its `step` the
    potentials of `pre` (mV, `(n_pre,)`) of the previous step (`potential(state)` of a
    `dx.neurons.AbstractNeuron`)."""

    pre: eqx.AbstractVar[str]
    post: eqx.AbstractVar[str]


class ProjectionState(eqx.Module):
    """`syn`: the synapse model's state; `delay`: the spike ring buffer (None if no delay;
    a `PendingDelay` in the initial state of a projection not yet prepared for a `dt`);
    `stp`: the state of its short-term plasticity (None without); `g`: with a
    presynaptic synapse (`dx.synapses.AbstractPresynaptic`), the synaptic variable of
    each postsynaptic neuron, the weighted sum of what its presynaptic neurons transmit
    (None otherwise: it is `syn.g`)."""

    syn: Any
    delay: DelayState | PendingDelay | None
    stp: Any = None
    g: Array | None = None


class Projection(AbstractProjection, AbstractTimed):
    r"""Spikes of population `pre` driving synapses onto population `post`.

    Each step: the presynaptic spikes of the previous step enter the delay buffer; the
    (delayed) spikes are propagated over `conn`, event-driven, each delivering `weight`;
    the synapse model advances with the delivered weights as input; `current(state)` is
    what the postsynaptic neurons receive (`output` applied to the synaptic variable).

    **Arguments:**

    - `pre`, `post`: names of the populations in the enclosing `Network`.
    - `conn`: connectivity of shape `(n_pre, n_post)`, any `dx.connect.AbstractConnectivity`:
      a `dx.connect.CSR`, a `dx.connect.FanOut` table (one padded row per presynaptic
      neuron, no row pointers), a `dx.connect.JitProb` (random connections regenerated
      from a seed, never stored), `COO`, `CSC` or `Dense`. The projection propagates
      with the format's own `event_matvec`; CSR, FanOut and JitProb visit only the rows
      of neurons that spiked, with compiled CPU and Pallas GPU kernels, and a Dense too
      on a CPU.
    - `weight`: a scalar or one weight per connection, shaped like the connections
      (`conn.weight_shape`: `(nnz,)` for a CSR, `(n_pre, k)` for a FanOut,
      `(n_pre, n_post)` for a Dense); for a `JitProb`, a scalar or
      `dx.init.Uniform(low, high)` / `dx.init.Normal(mean, std)`, drawn per connection
      from its seed (units of the synaptic variable: μS or leak-conductance units for
      COBA, nA or mV for CUBA).
    - `synapse`: the synapse dynamics: a `dx.synapses.AbstractSynapse` of `n_post`
      neurons, e.g. `dx.synapses.Exponential(n_post, tau=5.0)` (one that is an
      `AbstractLinearSynapse` receives the spikes in place, see `dx.Network`); or a
      `dx.synapses.AbstractPresynaptic` of `n_pre` neurons, a synapse whose state is
      kept per presynaptic neuron (`dx.synapses.AMPA(n_pre)`,
      `dx.synapses.SecondOrderNMDA(n_pre)`): what it transmits each step, times the
      weights, summed per postsynaptic neuron, is the synaptic variable `g` (the
      state's `g`).
    - `output`: `dx.synapses.COBA(E=...)`, `dx.synapses.CUBA()`, `dx.synapses.Jump()` or
      `dx.synapses.MgBlock(...)`.
    - `delay`: transmission delay (ms), ≥ 0: a number for the whole projection, or one
      per connection, shaped like the weights (CSR and FanOut: a spike is delivered,
      when it is sent, into a ring of the steps ahead, at a cost of its fan-out; see
      `dx.connect.RingDelayed`). It becomes whole steps only once the
      step is known: `dx.simulate` calls `with_dt(dt)`, which rounds each delay to the
      nearest step (halves up, with a relative tolerance of 1e-9 so that `1.5 / 0.1`
      gives 15) and sizes the ring buffer for that `dt`. Delays are rounded rather than
      rejected because delays drawn from a distribution are the usual case; the error is
      at most `dt / 2`, the resolution at which a run sees any time. A delay can never
      be read in the units of another `dt`: `step` with a `ctx.dt` the projection was
      not prepared for raises an error (call `dx.simulate`, or `proj.with_dt(dt)` /
      `dx.with_dt(model, dt)` before stepping by hand). `init()` of a
      projection not yet prepared puts a `dx.PendingDelay` where the buffer goes, which
      `dx.simulate` replaces with the empty buffer of its `dt`; prepared, `init()` gives
      that buffer itself (e.g. as the `like` of `dx.load` for a state saved after a run).
    - `kernel`: how spikes are propagated: `dx.ops.Auto()` (Pallas kernels on a GPU,
      compiled kernels on a CPU for CSR, FanOut, JitProb and Dense, XLA otherwise),
      `dx.ops.XLA()`, `dx.ops.Pallas()` or `dx.ops.Native()`, or their names `"auto"`,
      `"xla"`, `"pallas"`, `"native"`; checked here, resolved for the device when the
      step is traced (`conn.resolve`).
    - `stp`: short-term plasticity, a `dx.synapses.AbstractPresynaptic` of `n_pre`
      neurons (`dx.synapses.STP`, `dx.synapses.STD`) that scales each arriving spike by
      its efficacy before it is propagated (event-driven as before); None for none.
    """

    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    conn: AbstractConnectivity
    weight: Any
    synapse: AbstractSynapse | AbstractPresynaptic
    output: AbstractOutput
    stp: AbstractPresynaptic | None
    delay: Array | np.ndarray | None
    prepared: PreparedDelay | None
    kernel: str | AbstractKernel = eqx.field(static=True)
    max_delay: float = eqx.field(static=True)

    def __init__(
        self,
        pre: str,
        post: str,
        conn: AbstractConnectivity,
        weight: Any,
        synapse: AbstractSynapse | AbstractPresynaptic,
        output: AbstractOutput,
        delay: ArrayLike = 0,
        kernel: str | AbstractKernel = "auto",
        stp: AbstractPresynaptic | None = None,
    ):
        for role, name in (("pre", pre), ("post", post)):
            if not isinstance(name, str):
                raise TypeError(
                    f"{role} must be the name (a str) of a population, got {_describe(name)}."
                )
        if not isinstance(synapse, AbstractSynapse | AbstractPresynaptic):
            raise TypeError(
                "synapse must be a dx.synapses.AbstractSynapse (such as "
                "dx.synapses.Exponential) or AbstractPresynaptic (such as "
                f"dx.synapses.AMPA), got {_describe(synapse)}."
            )
        if stp is not None and not isinstance(stp, AbstractPresynaptic):
            raise TypeError(
                "stp must be None or a dx.synapses.AbstractPresynaptic (such as "
                f"dx.synapses.STP), got {_describe(stp)}."
            )
        if not isinstance(output, AbstractOutput):
            raise TypeError(
                "output must be a dx.synapses.AbstractOutput (dx.synapses.COBA or CUBA), "
                f"got {_describe(output)}."
            )
        if not isinstance(conn, AbstractConnectivity):
            raise TypeError(
                "conn must be a dx.connect.AbstractConnectivity (CSR, CSC, COO, FanOut, "
                f"JitProb, Dense), got {_describe(conn)}."
            )
        conn.resolve(kernel)  # an unknown or impossible choice fails here
        self.pre, self.post, self.conn, self.kernel = pre, post, conn, kernel
        self.weight = conn.check_weight(weight)
        side, n = (
            ("n_pre", conn.n_pre)
            if isinstance(synapse, AbstractPresynaptic)
            else ("n_post", conn.n_post)
        )
        if synapse.n != n:
            raise ValueError(f"synapse has n={synapse.n} but the connectivity has {side}={n}.")
        if stp is not None and stp.n != conn.n_pre:
            raise ValueError(f"stp has n={stp.n} but the connectivity has n_pre={conn.n_pre}.")
        self.synapse, self.output, self.stp = synapse, output, stp
        ms = to_time(delay, "delay")
        if ms.ndim and not conn.row_access:
            raise ValueError(
                "per-connection delays need a connectivity with row access (dx.connect.CSR "
                f"or FanOut), got a {type(conn).__name__}: convert it with to_csr()."
            )
        if ms.shape not in ((), conn.weight_shape):
            raise ValueError(
                f"delay must be a number (ms) or have one entry per connection "
                f"{conn.weight_shape}, got shape {ms.shape}."
            )
        c = concrete(ms)
        if c is not None and (np.any(c < 0) or not np.all(np.isfinite(c))):
            raise ValueError(f"delay must be finite and non-negative (ms), got delay={delay!r}.")
        # No delay needs no dt: such a projection runs at any step.
        self.delay = None if c is not None and not c.any() else ms
        # Static, for init() under jit: the longest delay sizes a pending buffer.
        self.max_delay = float(np.max(c, initial=0.0)) if c is not None else float("nan")
        self.prepared = None

    def with_dt(self, dt: float) -> "Projection":
        """This projection with its delays as whole steps of `dt` and its buffer sized for
        them (the nearest step, halves up; see `delay` above). Inside `jax.jit`, where
        the delay is traced, a projection already prepared for `dt` is itself, so that a
        prepared model can be passed to a jitted function (a training step)."""
        if self.delay is None:
            return self
        ms = concrete(self.delay)
        if ms is None:
            if self.prepared is not None and self.prepared.dt == dt:
                return self
            raise ValueError(
                "delay must be concrete (not traced) when the projection is prepared for a "
                "dt: the buffer's length depends on it. Prepare the model before passing "
                "it into jax.jit (e.g. to a training step): model = dx.with_dt(model, dt)."
            )
        steps = to_steps(ms, dt)
        if not np.any(steps):
            prepared = PreparedDelay(dt, None)  # every delay rounds to 0 steps
        elif np.ndim(steps) == 0:  # a ring of the presynaptic spikes
            prepared = PreparedDelay(dt, Delay(self.conn.n_pre, steps, dtype=bool))
        else:  # a ring of what each postsynaptic neuron receives in the steps ahead
            ring = Delay(self.conn.n_post, int(np.max(steps)), dtype=self.weight.dtype)
            at = self.conn.per_connection(np.asarray(steps, np.int32))
            prepared = PreparedDelay(dt, ring, at)
        return eqx.tree_at(lambda p: p.prepared, self, prepared, is_leaf=lambda x: x is None)

    def shard(self, mesh: Any, axis: str) -> "Projection":
        """This projection with its connectivity and weights split by postsynaptic owner
        (`dx.connect.partition`): each device holds the connections onto its neurons."""
        if self.delay is None or not np.ndim(self.delay):
            conn, weight = partition(self.conn, self.weight, mesh, axis)
            return eqx.tree_at(lambda p: (p.conn, p.weight), self, (conn, weight))
        if self.prepared is not None:
            raise ValueError(
                f"projection {self.pre!r} -> {self.post!r}: split it before preparing it for "
                "a dt (its per-connection delays in steps are split with its connections)."
            )
        conn, (weight, delay) = partition(self.conn, (self.weight, self.delay), mesh, axis)
        return eqx.tree_at(lambda p: (p.conn, p.weight, p.delay), self, (conn, weight, delay))

    def lookahead(self, dt: float) -> int:
        """How many steps of the presynaptic spikes it reads are known one step ahead of
        the first (`upcoming`): its delay in steps of `dt` plus one with one delay for the
        projection (the spikes are read that many steps after they were emitted), 1
        otherwise."""
        prepared = self._prepared(dt)
        if prepared is None or prepared.delay is None or prepared.steps is not None:
            return 1
        return prepared.delay.max_steps + 1

    def upcoming(self, state: ProjectionState, input: Array, ctx: Context, count: int) -> Array:
        """The presynaptic spikes that reach this projection (before its presynaptic
        stages) in this step and the `count - 1` next, `(count, n_pre)`, from its delay
        buffer and `input` (the spikes of the previous step), without changing anything;
        `count` at most `lookahead(ctx.dt)`. A sharded network gathers these every
        `count` steps (`dx.shard`'s `window`) and passes each step's row to `arriving`."""
        if count > self.lookahead(ctx.dt):
            raise ValueError(
                f"projection {self.pre!r} -> {self.post!r} knows its spikes "
                f"{self.lookahead(ctx.dt)} steps ahead, not {count}."
            )
        prepared = self._prepared(ctx.dt)
        if prepared is None or prepared.delay is None or prepared.steps is not None:
            return input[None]
        ring = self._delay_state(state, prepared)
        d, length = prepared.delay.max_steps, prepared.delay.length
        # Step k from now reads the slot pushed d - k pushes before it: the slot after
        # the head's, k - d + 1 on; the last one (k = d) is `input`, not yet pushed.
        slots = (ring.head + 1 - d + jnp.arange(min(count, d))) % length
        rows = jnp.take(ring.buffer, slots, axis=0).astype(input.dtype)
        return jnp.concatenate([rows, input[None]]) if count > d else rows

    def _prepared(self, dt: float) -> PreparedDelay | None:
        """The delays as steps of `dt` (None: no delay), or a clear error when the
        projection was not prepared for that `dt` (static: raised while tracing)."""
        if self.delay is None:
            return None
        if self.prepared is None or self.prepared.dt != dt:
            have = (
                "not prepared for any dt"
                if self.prepared is None
                else (f"prepared for dt={self.prepared.dt!r}")
            )
            raise ValueError(
                f"projection {self.pre!r} -> {self.post!r} has a delay in ms and is {have}, "
                f"but is stepped with dt={dt!r}: run it with dx.simulate, or prepare the "
                f"model first with dx.with_dt(model, {dt!r}) (a projection: "
                f"proj.with_dt({dt!r})), so that its delay becomes steps of that dt."
            )
        return self.prepared

    def init(self, key: PRNGKeyArray | None = None) -> ProjectionState:
        delay: DelayState | PendingDelay | None
        if self.delay is None:
            delay = None
        elif self.prepared is None:  # the buffer's length waits for dt
            if self.delay.ndim:
                delay = PendingDelay(self.conn.n_post, self.max_delay, self.weight.dtype)
            else:
                delay = PendingDelay(self.conn.n_pre, self.max_delay, bool)
        else:
            buffer = self.prepared.delay
            delay = None if buffer is None else buffer.init()
        presynaptic = isinstance(self.synapse, AbstractPresynaptic)
        return ProjectionState(
            syn=self.synapse.init(key),
            delay=delay,
            stp=None if self.stp is None else self.stp.init(key),
            g=jnp.zeros(self.conn.n_post, self.weight.dtype) if presynaptic else None,
        )

    def _with_spike_dtype(self, state: ProjectionState, dtype: Any) -> ProjectionState:
        """`state` with its ring of delayed presynaptic spikes (one delay for the whole
        projection) holding `dtype`, the dtype of the presynaptic population's spikes:
        bool for `Heaviside` spikes, floats for a surrogate's, whose gradient must pass
        the delay (a bool ring would cut it). `init` cannot know it: `dx.Network` calls
        this on the initial state."""
        delay = state.delay
        if self.delay is None or self.delay.ndim or delay is None:
            return state
        new: Any
        if isinstance(delay, PendingDelay):
            new = PendingDelay(delay.n, delay.max_delay, dtype)
        else:
            new = DelayState(buffer=delay.buffer.astype(dtype), head=delay.head)
        return eqx.tree_at(lambda s: s.delay, state, new)

    def step(self, state: ProjectionState, input: Array, ctx: Context) -> ProjectionState:
        """Advance with `input`, the presynaptic spikes of the previous step."""
        return _propagate([self], [state], [input], [ctx], self.kernel)[0]

    def _delay_state(self, state: ProjectionState, prepared: PreparedDelay) -> DelayState:
        if not isinstance(state.delay, DelayState):
            raise ValueError(
                f"projection {self.pre!r} -> {self.post!r}: its state has no delay buffer "
                "(a state from init() before the model was prepared for dt): make the "
                "state with the prepared model's init(), or use dx.simulate."
            )
        return state.delay

    def presynaptic(
        self, state: ProjectionState, spikes: Array, ctx: Context
    ) -> tuple[ProjectionState, Array]:
        """The presynaptic stages (`stp`, then a presynaptic `synapse`) advanced under
        the spikes that reach the synapses now, and what is sent over the connections:
        the spikes themselves when there is no such stage."""
        if self.stp is not None:
            stp = self.stp.step(state.stp, spikes, ctx)
            state, spikes = eqx.tree_at(lambda s: s.stp, state, stp), self.stp.transmitted(stp)
        if isinstance(self.synapse, AbstractPresynaptic):
            syn = self.synapse.step(state.syn, spikes, ctx)
            state, spikes = eqx.tree_at(lambda s: s.syn, state, syn), self.synapse.transmitted(syn)
        return state, spikes

    def arriving(
        self, state: ProjectionState, input: Array, ctx: Context, reads: Array | None = None
    ):
        """The delay's part of a step: `(state, sent, received)` with the new delay
        buffer, and either what is propagated now (`received` None: the spikes that
        arrive, after the presynaptic stages) or, with per-connection delays, the weights
        received now (`sent` None: they were delivered into the ring of the steps ahead
        as they were sent, through the presynaptic stages of that step). `reads`: the
        spikes that arrive now (a row of `upcoming`) where the caller has them, as a
        sharded network gathers them from every device; `input` is still pushed into
        the buffer, so the state is the same either way."""
        prepared = self._prepared(ctx.dt)
        if prepared is None or prepared.delay is None:
            return (*self.presynaptic(state, input if reads is None else reads, ctx), None)
        buffer, ring = prepared.delay, self._delay_state(state, prepared)
        if prepared.steps is None:  # one delay: the spikes pushed `steps` steps ago
            ring = buffer.step(ring, input)
            state = eqx.tree_at(lambda s: s.delay, state, ring)
            arrive = buffer.read(ring) if reads is None else reads
            return (*self.presynaptic(state, arrive, ctx), None)
        state, input = self.presynaptic(state, input if reads is None else reads, ctx)
        head, length = ring.head, buffer.length
        # The slot read in the last step is cleared first and this step's is read last,
        # after the spikes were delivered: no read precedes a write, so XLA updates the
        # ring in place instead of copying it every step.
        slots = ring.buffer.at[(head - 1) % length].set(0)
        slots = self.conn.ring_columns(input, self.weight, prepared.steps, head, slots)
        ring = DelayState(buffer=slots, head=(head + 1) % length)
        return eqx.tree_at(lambda s: s.delay, state, ring), None, slots[head]

    def decayed(self, state: ProjectionState, ctx: Context) -> Any:
        """The synapse state after this step without input, when the synapse is a
        `dx.synapses.AbstractLinearSynapse` (its `step` then adds the input to its
        `inbox`); None otherwise."""
        if isinstance(self.synapse, AbstractLinearSynapse):
            return self.synapse.decay(state.syn, ctx)
        return None

    def receive(
        self, state: ProjectionState, arriving: Array, ctx: Context, decayed: Any = None
    ) -> ProjectionState:
        """Advance the synapses with `arriving`, the weights propagated this step. With
        `decayed` (from `decayed`), `arriving` is already the decayed synapse's inbox
        plus those weights: the operator added them in place. A presynaptic synapse has
        advanced already (`presynaptic`): `arriving` is the new `g`."""
        if isinstance(self.synapse, AbstractPresynaptic):
            return eqx.tree_at(lambda s: s.g, state, arriving)
        if decayed is None:
            syn = self.synapse.step(state.syn, arriving, ctx)
        else:
            assert isinstance(self.synapse, AbstractLinearSynapse)
            syn = self.synapse.with_inbox(decayed, arriving)
        return eqx.tree_at(lambda s: s.syn, state, syn)

    def sizes(self) -> tuple[int, int]:
        return self.conn.n_pre, self.conn.n_post

    def current(self, state: ProjectionState) -> AbstractCurrent:
        return self.output(state.syn.g if state.g is None else state.g)


def _propagate(
    projections: list[Projection],
    states: list[ProjectionState],
    inputs: list[Array],
    ctxs: list[Context],
    kernel: "str | AbstractKernel",
    reads: "list[Array | None] | None" = None,
) -> list[ProjectionState]:
    """The new states of `projections`, each driven by its presynaptic spikes of the
    previous step (`inputs`): the one path of every projection, with or without delays.
    The spikes that arrive now go through one `dx.ops.event_matvecs` for all (one kernel
    launch on a GPU), which adds the arriving weights into the decayed synaptic
    variables in place; per-connection delays delivered them when they were sent.
    `reads`: the spikes that arrive now, where the caller gathered them (see
    `Projection.arriving`)."""
    reads = [None] * len(projections) if reads is None else reads
    delayed = [
        p.arriving(s, x, c, r) for p, s, x, c, r in zip(projections, states, inputs, ctxs, reads)
    ]
    states = [d[0] for d in delayed]
    decayed = [p.decayed(s, c) for p, s, c in zip(projections, states, ctxs)]
    sent = [k for k, d in enumerate(delayed) if d[1] is not None]
    sums = event_matvecs(
        [delayed[k][1] for k in sent],
        [(projections[k].conn, projections[k].weight) for k in sent],
        kernel=kernel,
        add_to=[None if decayed[k] is None else _inbox(projections[k], decayed[k]) for k in sent],
    )
    received = {k: out for k, out in zip(sent, sums)}
    new = []
    for k, (p, s, c, d) in enumerate(zip(projections, states, ctxs, decayed)):
        if k not in received:  # weights from the ring of a per-connection delay
            out = delayed[k][2] if d is None else _inbox(p, d) + delayed[k][2]
            received[k] = out
        new.append(p.receive(s, received[k], c, d))
    return new


def _inbox(projection: Projection, decayed: Any) -> Array:
    """The variable of a decayed linear synapse that the arriving weights add into."""
    assert isinstance(projection.synapse, AbstractLinearSynapse)
    return projection.synapse.inbox(decayed)


def _describe(x: Any) -> str:
    """What `x` is, for an error message: its type, and its shape if an array."""
    if eqx.is_array(x) or isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    kind = _a(type(x).__name__)
    if isinstance(x, eqx.Module):
        return kind
    text = repr(x)
    return f"{kind} ({text if len(text) <= 40 else text[:37] + '...'})"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiouAEIOU" else f"a {noun}"
