"""A projection whose weights learn: the weights live in its state."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import concrete, param, to_time
from .._current import AbstractCurrent
from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from .._delay import Delay, DelayState, PendingDelay, PreparedDelay, to_steps
from .._projection import AbstractPlasticProjection, _describe
from .._system import AbstractTimed, Context
from ..connect import CSR
from ..ops._kernels import XLA, AbstractKernel, Auto, Native
from ..synapses import AbstractLinearSynapse, AbstractOutput, AbstractSynapse
from ._base import AbstractRule
from ._index import SynapseIndex

_KERNELS: dict[str, type[Auto | Native | XLA]] = {"auto": Auto, "native": Native, "xla": XLA}


class PlasticState(eqx.Module):
    """`w`: the weight of every synapse, `(nnz,)` in CSR order; `rule`: the learning
    rule's state (traces); `syn`: the synapse model's state; `delay`: the ring buffer of
    presynaptic spikes (None without a delay; a `dx.PendingDelay` before the projection
    was prepared for a `dt`)."""

    w: Float[Array, " nnz"]
    rule: Any
    syn: Any
    delay: DelayState | PendingDelay | None


class PlasticProjection(AbstractPlasticProjection, AbstractTimed):
    r"""Spikes of population `pre` driving synapses onto `post` through weights that
    change by a learning rule, the weights in the projection's state.

    Each step, with the spikes of the previous step of both populations (which a
    `dx.Network` passes as the pair `(pre_spikes, post_spikes)`):

    1. the presynaptic spikes go through the delay buffer (if any);
    2. `rule.update` delivers those that arrive to the synapse model (each spike's
       synapses with their weights before this step's change) and changes the
       weights: for a spike-timing rule
       (`dx.plasticity.AbstractTraceRule`: `PairSTDP`, `TripletSTDP`,
       `VogelsSprekeler`) only those of the synapses of the neurons that spiked, the
       arriving presynaptic spikes visiting their CSR rows and the postsynaptic spikes
       their columns (a column index of the same synapses pointing into the CSR weight
       vector, built once here with NumPy), so a step costs O(arriving spikes ×
       fan-out + postsynaptic spikes × fan-in), never O(synapses); a rate rule
       (`BCM`, `Oja`) changes every synapse, O(synapses).

    A trace rule runs in one of two ways (`kernel`): on a CPU with float32 weights, one
    call per step of a compiled kernel (`dx.ops.Native()`, built on first use, see
    `dx.ops`) that delivers and updates the synapses of the spiking rows and columns in
    place; elsewhere (a GPU, float64, no C++ compiler, `DYNAX_NATIVE=0`) a
    `lax.while_loop` over chunks of 8 spiking neurons (`dx.ops.XLA()`; a step with k
    spiking neurons runs ⌈k / 8⌉ iterations of 8 × (max fan-out or max fan-in) synapse
    slots). Either way there is no cap on the spikes of a step and none is dropped, and
    weights are clipped to `[w_min, w_max]` after each update.

    With a `delay`, the presynaptic side of the rule sees the spikes when they arrive
    at the synapses (an axonal delay); the postsynaptic spikes act at once.
    Derivatives through the weight updates are not a goal (the loops are
    `while_loop`s): use it to simulate learning, not to differentiate through it.

    **Arguments:**

    - `pre`, `post`: names of the populations in the enclosing `Network`.
    - `conn`: the connectivity, a `dx.connect.CSR` (convert others with `to_csr()`).
    - `weight`: initial weight, a scalar or one per connection `(nnz,)` (units of the
      synaptic variable: μS or leak-conductance units for COBA, nA or mV for CUBA),
      clipped to `[w_min, w_max]`.
    - `rule`: the learning rule, a `dx.plasticity.AbstractRule`.
    - `synapse`: the synapse dynamics, a `dx.synapses.AbstractSynapse` of `n_post`
      neurons, e.g. `dx.synapses.Exponential(n_post, tau=5.0)` (a postsynaptic
      synapse: presynaptic stages such as `dx.synapses.STP` are not supported here).
    - `output`: `dx.synapses.COBA(E=...)` or `dx.synapses.CUBA()`.
    - `w_min`, `w_max`: bounds of the weights (same units), `w_min < w_max`; `w_max`
      may be `inf` for an additive rule.
    - `delay`: homogeneous transmission delay (ms), ≥ 0, rounded to whole steps of the
      run's `dt` as in `dx.Projection` (per-connection delays are not supported here).
    - `kernel`: how a trace rule's step runs: `"auto"` (default: the compiled CPU
      kernel where it applies, on a CPU with float32 weights and synaptic variables,
      else XLA), `"native"` (the compiled kernel; an error where it cannot run) or
      `"xla"` (the `while_loop`), or the `dx.ops` kernel objects `Auto()`, `Native()`,
      `XLA()`. Rate rules always run on XLA (`"native"` is refused for them).
    """

    pre: str = eqx.field(static=True)
    post: str = eqx.field(static=True)
    conn: CSR
    index: SynapseIndex
    weight: Array
    rule: AbstractRule
    synapse: AbstractSynapse
    output: AbstractOutput
    w_min: Array
    w_max: Array
    delay: float = eqx.field(static=True)
    prepared: PreparedDelay | None
    kernel: AbstractKernel = eqx.field(static=True)

    def __init__(
        self,
        pre: str,
        post: str,
        conn: CSR,
        weight: ArrayLike,
        rule: AbstractRule,
        synapse: AbstractSynapse,
        output: AbstractOutput,
        *,
        w_min: ArrayLike = 0.0,
        w_max: ArrayLike = float("inf"),
        delay: float = 0.0,
        kernel: str | AbstractKernel = "auto",
    ):
        for role, name in (("pre", pre), ("post", post)):
            if not isinstance(name, str):
                raise TypeError(
                    f"{role} must be the name (a str) of a population, got {_describe(name)}."
                )
        if not isinstance(conn, CSR):
            raise TypeError(
                "conn must be a dx.connect.CSR (convert other formats with to_csr()), got "
                f"{_describe(conn)}."
            )
        checks = (
            (rule, AbstractRule, "rule", "dx.plasticity.AbstractRule (such as PairSTDP)"),
            (synapse, AbstractSynapse, "synapse", "dx.synapses.AbstractSynapse"),
            (output, AbstractOutput, "output", "dx.synapses.COBA or CUBA"),
        )
        for value, family, name, what in checks:
            if not isinstance(value, family):
                raise TypeError(f"{name} must be a {what}, got {_describe(value)}.")
        if synapse.n != conn.n_post:
            raise ValueError(
                f"synapse has n={synapse.n} but the connectivity has n_post={conn.n_post}."
            )
        self.pre, self.post, self.conn = pre, post, conn
        self.index = SynapseIndex(conn)
        self.weight = conn.check_weight(weight)
        self.rule, self.synapse, self.output = rule, synapse, output
        self.w_min = param(w_min, "w_min")
        self.w_max = jnp.asarray(w_max, self.w_min.dtype)
        low, high = concrete(self.w_min), concrete(self.w_max)
        if self.w_min.ndim or self.w_max.ndim:
            raise ValueError("w_min and w_max must be numbers.")
        if low is not None and high is not None and not (low < high):
            raise ValueError(f"w_min must be below w_max, got w_min={low}, w_max={high}.")
        ms = concrete(to_time(delay, "delay"))
        if ms is None or ms.ndim or not np.isfinite(ms) or ms < 0:
            raise ValueError(
                f"delay must be one finite non-negative number (ms), got delay={delay!r}."
            )
        self.delay = float(ms)
        self.prepared = None
        if isinstance(kernel, str):
            if kernel not in _KERNELS:
                raise ValueError(f"kernel must be one of {tuple(_KERNELS)}, got {kernel!r}.")
            kernel = _KERNELS[kernel]()
        if not isinstance(kernel, Auto | Native | XLA):
            raise TypeError(
                f"kernel must be one of {tuple(_KERNELS)} or dx.ops.Auto(), Native(), XLA(), "
                f"got {_describe(kernel)}."
            )
        if isinstance(kernel, Native):
            why = rule.native_unsupported(self.weight.dtype)
            if why is not None:
                raise ValueError(f'kernel="native": {why}.')
        self.kernel = kernel

    def sizes(self) -> tuple[int, int]:
        return self.conn.n_pre, self.conn.n_post

    def with_dt(self, dt: float) -> "PlasticProjection":
        """This projection with its delay as whole steps of `dt` (see `dx.Projection`)."""
        if not self.delay:
            return self
        steps = to_steps(self.delay, dt)
        buffer = Delay(self.conn.n_pre, steps, dtype=bool) if steps else None
        prepared = PreparedDelay(dt, buffer)
        return eqx.tree_at(lambda p: p.prepared, self, prepared, is_leaf=lambda x: x is None)

    def init(self, key: PRNGKeyArray | None = None) -> PlasticState:
        w = jnp.clip(self.weight, self.w_min, self.w_max)
        w = jnp.broadcast_to(w, (self.conn.nnz,)).astype(self.weight.dtype)
        delay: DelayState | PendingDelay | None = None
        if self.delay:
            if self.prepared is None:
                delay = PendingDelay(self.conn.n_pre, self.delay, bool)
            elif self.prepared.delay is not None:
                delay = self.prepared.delay.init()
        rule = self.rule.init(self.conn.n_pre, self.conn.n_post, w.dtype)
        return PlasticState(w=w, rule=rule, syn=self.synapse.init(key), delay=delay)

    def step(self, state: PlasticState, input: tuple[Array, Array], ctx: Context) -> PlasticState:
        """Advance with `input = (pre_spikes, post_spikes)`, both of the previous step."""
        pre, post = input
        delay = state.delay
        if self.delay:
            prepared = self._prepared(ctx.dt)
            if prepared.delay is not None:
                if not isinstance(delay, DelayState):
                    raise ValueError(
                        f"plastic projection {self.pre!r} -> {self.post!r}: its state has no "
                        "delay buffer (a state from init() before the model was prepared "
                        "for dt): use dx.simulate, or the prepared model's init()."
                    )
                delay = prepared.delay.step(delay, pre)
                pre = prepared.delay.read(delay)
        # The rule delivers the arriving weights as it visits their synapses, into the
        # decayed synaptic variable of a linear synapse.
        args = (self.index, self.w_min, self.w_max, ctx.dt)
        if isinstance(self.synapse, AbstractLinearSynapse):
            decayed = self.synapse.decay(state.syn, ctx)
            inbox = self.synapse.inbox(decayed)
            native = self._native(state.w.dtype, inbox.dtype)
            w, rule, inbox = self.rule.update(
                state.w, state.rule, pre, post, *args, inbox, native=native
            )
            syn = self.synapse.with_inbox(decayed, inbox)
        else:
            zeros = jnp.zeros(self.conn.n_post, state.w.dtype)
            native = self._native(state.w.dtype, zeros.dtype)
            w, rule, received = self.rule.update(
                state.w, state.rule, pre, post, *args, zeros, native=native
            )
            syn = self.synapse.step(state.syn, received, ctx)
        return PlasticState(w=w, rule=rule, syn=syn, delay=delay)

    def _native(self, w_dtype: Any, inbox_dtype: Any) -> bool:
        """Whether this step runs the compiled kernel (decided when it is traced, where
        the device and the dtypes are known)."""
        if isinstance(self.kernel, XLA):
            return False
        why = self.rule.native_unsupported(w_dtype)
        if why is None and jnp.dtype(inbox_dtype) != jnp.float32:
            why = f"the compiled plasticity kernel adds into float32, not {jnp.dtype(inbox_dtype)}"
        if isinstance(self.kernel, Native):
            if why is not None:
                raise ValueError(f'kernel="native": {why}.')
            self.kernel.here(jax.default_backend(), None)  # the device, the compiler
            return True
        return why is None and isinstance(self.kernel.here(jax.default_backend(), None), Native)

    def _prepared(self, dt: float) -> PreparedDelay:
        if self.prepared is None or self.prepared.dt != dt:
            have = (
                "not prepared for any dt"
                if self.prepared is None
                else (f"prepared for dt={self.prepared.dt!r}")
            )
            raise ValueError(
                f"plastic projection {self.pre!r} -> {self.post!r} has a delay in ms and is "
                f"{have}, but is stepped with dt={dt!r}: run it with dx.simulate, or "
                f"prepare it with dx.with_dt(model, {dt!r})."
            )
        return self.prepared

    def current(self, state: PlasticState) -> AbstractCurrent:
        return self.output(state.syn.g)
