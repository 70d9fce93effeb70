"""The families of learning rules that a `dx.plasticity.PlasticProjection` applies."""

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from .._checks import param
from .._custom_types import Array, ArrayLike, Float
from ..ops import _native
from ..ops._compact import take_rows
from ._index import SynapseIndex, each_spiking

INTERACTIONS = ("all_to_all", "nearest")
SOFT_BOUNDS = _native.SOFT_BOUNDS


def scalar(x: Any, name: str, **checks: bool) -> Array:
    """A rule's parameter: one number for every synapse, checked as `param` does."""
    out = param(x, name, **checks)
    if out.ndim:
        raise ValueError(
            f"{name} must be a number (shared by all synapses), got shape {out.shape}."
        )
    return out


def check_interaction(interaction: Any) -> str:
    if interaction not in INTERACTIONS:
        raise ValueError(f"interaction must be one of {INTERACTIONS}, got {interaction!r}.")
    return interaction


class AbstractRule(eqx.Module):
    """A learning rule: how the weights of a `dx.plasticity.PlasticProjection` change with
    the activity of its pre- and postsynaptic neurons.

    The projection keeps the weights (one per synapse, CSR order) and the rule's own
    state (traces, thresholds) in its state, and calls `update` once per step. `update`
    also delivers the arriving spikes (the weights before the step's change, summed per
    postsynaptic neuron): it visits those synapses anyway, and a separate propagation
    reading the weights that the update then changes in place made XLA copy all the
    weights twice a step (measured: 0.8 MB per copy in the COBA network's E→E).
    """

    @abc.abstractmethod
    def init(self, n_pre: int, n_post: int, dtype: Any) -> Any:
        """The rule's initial state for `n_pre` × `n_post` neurons."""

    @abc.abstractmethod
    def update(
        self,
        w: Float[Array, " nnz"],
        state: Any,
        pre: Array,
        post: Array,
        index: SynapseIndex,
        w_min: Array,
        w_max: Array,
        dt: float,
        inbox: Float[Array, " n_post"],
        native: bool = False,
    ) -> tuple[Float[Array, " nnz"], Any, Float[Array, " n_post"]]:
        """The weights (clipped to `[w_min, w_max]`) and the rule's state after one step
        of `dt` ms in which the presynaptic spikes `pre` (`(n_pre,)`, as they arrive at
        the synapses) and the postsynaptic spikes `post` (`(n_post,)`) occurred, and
        `inbox` plus $\\sum_i s_i w_{ij}$ over the arriving spikes $s$ with the weights
        before the change (what the synapses receive). `native`: run the compiled CPU
        kernel (only where `native_unsupported` gives None)."""

    @abc.abstractmethod
    def native_unsupported(self, dtype: Any) -> str | None:
        """None where `update` can run the compiled CPU kernel on weights of `dtype`,
        else why not."""


class TraceState(eqx.Module):
    """The traces of a `dx.plasticity.AbstractTraceRule`: `pre` `(k_pre, n_pre)` and
    `post` `(k_post, n_post)`, one row per trace, one column per neuron."""

    pre: Float[Array, "k_pre n_pre"]
    post: Float[Array, "k_post n_post"]


class TraceUpdate(eqx.Module):
    r"""How a spike changes the weights of its neuron's synapses, in the form every
    `dx.plasticity.AbstractTraceRule` declares:

    $$w \leftarrow \mathrm{clip}\big(w + c\, x\, s(w) + d,\ w_{min},\ w_{max}\big),$$

    with $c$ and $d$ from the spiking neuron's own traces, $x$ one trace of the
    synapse's other neuron (its partner) and $s(w)$ a soft bound. One form for every
    rule lets one compiled CPU kernel (`dynax/ops/native/event.cc`) run them all: the
    rule computes $c$ and $d$ for all its neurons (elementwise, cheap), the kernel
    visits only the synapses of the spikes.

    **Arguments:**

    - `scale`: $c$, an array over the spiking neurons (or broadcasting to them), in
      units of the weight per unit of trace (per unit of weight range times trace for
      a soft bound).
    - `shift`: $d$, likewise (units of the weight); 0 by default.
    - `partner`: which trace of the other side is $x$ (its row in `TraceState`).
    - `soft_bound`: $s(w)$: `"none"` ($1$: additive, hard bounds), `"lower"`
      ($w - w_{min}$) or `"upper"` ($w_{max} - w$).
    """

    scale: Array
    shift: Array
    partner: int = eqx.field(static=True)
    soft_bound: str = eqx.field(static=True)

    def __init__(
        self, scale: ArrayLike, shift: ArrayLike = 0.0, partner: int = 0, soft_bound: str = "none"
    ):
        if soft_bound not in SOFT_BOUNDS:
            raise ValueError(f"soft_bound must be one of {SOFT_BOUNDS}, got {soft_bound!r}.")
        if not isinstance(partner, int) or isinstance(partner, bool) or partner < 0:
            raise ValueError(
                f"partner must be a non-negative int (a trace's row), got {partner!r}."
            )
        self.scale, self.shift = jnp.asarray(scale), jnp.asarray(shift)
        self.partner, self.soft_bound = partner, soft_bound

    def apply(self, w: Array, x: Array, w_min: Array, w_max: Array) -> Array:
        """The weights `w` after the update, with partner traces `x` (broadcasting)."""
        # The compiled kernel evaluates the same sums in the same order.
        if self.soft_bound == "lower":
            change = self.scale * x * (w - w_min)
        elif self.soft_bound == "upper":
            change = self.scale * x * (w_max - w)
        else:
            change = self.scale * x
        return jnp.clip(w + change + self.shift, w_min, w_max)


class AbstractTraceRule(AbstractRule):
    r"""An event-driven spike-timing rule on traces of the spike trains.

    Each neuron carries traces $x_k$ that decay exactly between steps,
    $x_k \leftarrow x_k e^{-\Delta t/\tau_k}$, and jump at its spikes: by 1 for
    `interaction="all_to_all"` (every pair of spikes interacts), or to 1 for
    `"nearest"` (a spike interacts only with the nearest earlier spike of the other
    side; Morrison, Diesmann & Gerstner 2008). A presynaptic spike changes the weights
    of its synapses by `at_pre`, a postsynaptic spike those of its synapses by
    `at_post`, each a `dx.plasticity.TraceUpdate`
    $w \leftarrow \mathrm{clip}(w + c\,x\,s(w) + d)$ whose $c$, $d$ depend on the
    spiking neuron's own traces; nothing else touches a weight, so a step costs
    O(spikes × fan-out + spikes × fan-in).

    **Order within a step.** The traces decay; the synapses of the presynaptic spikes
    are updated (`at_pre`, with all traces as they were before this step's spikes),
    then those of the postsynaptic spikes (`at_post`, idem); then the traces of the
    neurons that spiked jump. Spikes of the same step therefore do not interact (a
    pre/post pair at Δt = 0 changes nothing), and a pair at Δt = k dt sees the other
    trace decayed by exactly $e^{-k\,dt/\tau}$. Weights are clipped to
    `[w_min, w_max]` after each update.

    **Two implementations** of a step, chosen by the projection's `kernel`: a
    `lax.while_loop` over chunks of spiking neurons (XLA: any device, any dtype, the
    reference), and one compiled CPU kernel call (`dx.ops.Native()`, float32 weights),
    which delivers and updates the synapses of the spiking rows and columns in place.
    Both evaluate the same `TraceUpdate`, so a rule declares its time constants
    (`time_constants`) and its two updates (`at_pre`, `at_post`) and gets both. Pair,
    triplet (all-to-all and nearest: the interaction changes only the jumps) and
    Vogels–Sprekeler rules fit the form; a rule whose update does not (e.g. a power of
    $w$) subclasses `dx.plasticity.AbstractRule` directly.
    """

    interaction: eqx.AbstractVar[str]

    @abc.abstractmethod
    def time_constants(self) -> tuple[Array, Array]:
        """The time constants (ms) of the presynaptic traces `(k_pre,)` and of the
        postsynaptic traces `(k_post,)`."""

    @abc.abstractmethod
    def at_pre(self, own: Array) -> TraceUpdate:
        """The update of the synapses of a presynaptic spike: `own` `(k_pre, ...)` are the
        spiking neurons' traces (before this step's spikes); the scale and shift are
        elementwise in them, and the partner is a postsynaptic trace."""

    @abc.abstractmethod
    def at_post(self, own: Array) -> TraceUpdate:
        """The update of the synapses of a postsynaptic spike: `own` `(k_post, ...)` are the
        spiking neurons' traces; the partner is a presynaptic trace."""

    def init(self, n_pre: int, n_post: int, dtype: Any = float) -> TraceState:
        tau_pre, tau_post = self.time_constants()
        return TraceState(
            pre=jnp.zeros((tau_pre.shape[0], n_pre), dtype),
            post=jnp.zeros((tau_post.shape[0], n_post), dtype),
        )

    def native_unsupported(self, dtype: Any) -> str | None:
        if jnp.dtype(dtype) != jnp.float32:
            return f"the compiled plasticity kernel takes float32 weights, not {jnp.dtype(dtype)}"
        return None

    def update(self, w, state: TraceState, pre, post, index, w_min, w_max, dt, inbox, native=False):
        tau_pre, tau_post = self.time_constants()
        x_pre = state.pre * jnp.exp(-dt / tau_pre)[:, None].astype(state.pre.dtype)
        x_post = state.post * jnp.exp(-dt / tau_post)[:, None].astype(state.post.dtype)
        if native:
            w, inbox = self._native(w, x_pre, x_post, pre, post, index, w_min, w_max, inbox)
        else:
            w, inbox = self._loops(w, x_pre, x_post, pre, post, index, w_min, w_max, inbox)
        traces = TraceState(pre=self._jump(x_pre, pre), post=self._jump(x_post, post))
        return w, traces, inbox

    def _loops(self, w, x_pre, x_post, pre, post, index, w_min, w_max, inbox):
        def at_pre(idx, carry):
            w, inbox = carry
            pos, target = index.row_slots(idx)
            form = self.at_pre(_take(x_pre, idx)[:, :, None])
            partner = _take(_row(x_post, form.partner, "at_pre", "post"), target)[0]
            old = take_rows(w, pos, 0)
            sent = old * take_rows(pre, idx, 0).astype(w.dtype)[:, None]
            inbox = inbox.at[target].add(sent.astype(inbox.dtype), mode="drop")
            new = form.apply(old, partner, w_min, w_max)
            return w.at[pos].set(new.astype(w.dtype), mode="drop"), inbox

        def at_post(idx, w):
            pos, source = index.column_slots(idx)
            form = self.at_post(_take(x_post, idx)[:, :, None])
            partner = _take(_row(x_pre, form.partner, "at_post", "pre"), source)[0]
            new = form.apply(take_rows(w, pos, 0), partner, w_min, w_max)
            return w.at[pos].set(new.astype(w.dtype), mode="drop")

        w, inbox = each_spiking(pre, at_pre, (w, inbox))
        return each_spiking(post, at_post, w), inbox

    def _native(self, w, x_pre, x_post, pre, post, index, w_min, w_max, inbox):
        # The coefficients of every neuron (elementwise over a few thousand: cheap), or
        # one for all where they do not depend on the traces (not broadcast: a broadcast
        # is one more XLA kernel a step); the kernel reads those of the spiking ones.
        forms = self.at_pre(x_pre), self.at_post(x_post)
        sides = []
        for form, own, other, name, side in zip(
            forms, (x_pre, x_post), (x_post, x_pre), ("at_pre", "at_post"), ("post", "pre")
        ):
            n = own.shape[1:]
            partner = _row(other, form.partner, name, side)[0]
            scale, shift = (
                a.reshape(1) if a.ndim == 0 else jnp.broadcast_to(a, n)
                for a in (form.scale, form.shift)
            )
            sides.append((scale, shift, partner))
        index_arrays = (index.indptr, index.indices, index.col_ptr, index.col_pre, index.col_pos)
        new_w, new_inbox = _native.plastic_trace(
            pre,
            post,
            index_arrays,
            sides[0],
            sides[1],
            (w_min, w_max),
            w,
            inbox,
            soft_pre=forms[0].soft_bound,
            soft_post=forms[1].soft_bound,
        )
        return new_w.astype(w.dtype), new_inbox.astype(inbox.dtype)

    def _jump(self, x: Array, spikes: Array) -> Array:
        if self.interaction == "nearest":
            return jnp.where(spikes != 0, jnp.ones((), x.dtype), x)
        return x + spikes.astype(x.dtype)


def _row(x: Array, k: int, name: str, side: str) -> Array:
    """Trace `k` of `x` (`(k_traces, n)`) as `(1, n)`, checking that the rule has it."""
    if k >= x.shape[0]:
        raise ValueError(
            f"{name} names partner trace {k}, but the rule has {x.shape[0]} {side}synaptic "
            "trace(s)."
        )
    return x[k : k + 1]


def _take(x: Array, idx: Array) -> Array:
    """Columns `idx` of the traces `x` (`(k, n)`), 0 for the padding (`idx = n`)."""
    return jnp.take(x, idx, axis=1, mode="fill", fill_value=0)


class RateState(eqx.Module):
    """The state of a `dx.plasticity.AbstractRateRule`: the rates of the pre- and
    postsynaptic neurons (Hz), low-pass filtered spike trains, and one auxiliary value
    per postsynaptic neuron (the sliding threshold of `BCM`)."""

    pre: Float[Array, " n_pre"]
    post: Float[Array, " n_post"]
    aux: Float[Array, " n_post"]


class AbstractRateRule(AbstractRule):
    r"""A rate-based rule: $\dot w_{ij} = f(w_{ij}, x_i, y_j, \theta_j)$ for presynaptic
    rate $x_i$, postsynaptic rate $y_j$ and a per-neuron auxiliary variable $\theta_j$.

    In a `dx.plasticity.PlasticProjection` the rates are the spike trains filtered with
    time constant `tau_rate`, in Hz ($r \leftarrow r e^{-\Delta t/\tau} +
    1000\,s/\tau$ per step, whose mean is the firing rate), and every synapse changes
    every step (forward Euler): the cost is O(synapses) per step, not event-driven.
    `dense_step` applies the same rule to any rates, e.g. of a rate model.
    """

    tau_rate: eqx.AbstractVar[Array]

    @abc.abstractmethod
    def drift(self, w: Array, x: Array, y: Array, aux: Array) -> Array:
        """$dw/dt$ (per ms), elementwise (broadcasting) in weights, presynaptic rates,
        postsynaptic rates and the postsynaptic auxiliary variable."""

    @abc.abstractmethod
    def init_aux(self, n_post: int, dtype: Any) -> Array:
        """The auxiliary variable's initial value, `(n_post,)`."""

    @abc.abstractmethod
    def step_aux(self, aux: Array, y: Array, dt: float) -> Array:
        """The auxiliary variable after `dt` ms at postsynaptic rates `y`."""

    def dense_step(
        self,
        w: Float[Array, "n_pre n_post"],
        aux: Float[Array, " n_post"],
        x: Float[Array, " n_pre"],
        y: Float[Array, " n_post"],
        dt: float,
    ) -> tuple[Float[Array, "n_pre n_post"], Float[Array, " n_post"]]:
        """One Euler step of `dt` of a dense weight matrix `w` at rates `x`, `y` (any
        units the rule's parameters are in): `(w, aux)` after the step, unclipped."""
        new = w + dt * self.drift(w, x[:, None], y[None, :], aux[None, :])
        return new, self.step_aux(aux, y, dt)

    def init(self, n_pre: int, n_post: int, dtype: Any = float) -> RateState:
        return RateState(
            pre=jnp.zeros(n_pre, dtype),
            post=jnp.zeros(n_post, dtype),
            aux=self.init_aux(n_post, dtype),
        )

    def native_unsupported(self, dtype: Any) -> str | None:
        return "a rate rule changes every synapse every step: it has no event kernel"

    def update(self, w, state: RateState, pre, post, index, w_min, w_max, dt, inbox, native=False):
        decay = jnp.exp(-dt / self.tau_rate).astype(state.pre.dtype)
        gain = (1000.0 / self.tau_rate).astype(state.pre.dtype)
        x = state.pre * decay + gain * pre.astype(state.pre.dtype)
        y = state.post * decay + gain * post.astype(state.post.dtype)
        rows, cols = index.rows(), index.indices
        sent = w * pre.astype(w.dtype)[rows]
        inbox = inbox + jnp.zeros_like(inbox).at[cols].add(sent.astype(inbox.dtype))
        dw = self.drift(w, x[rows], y[cols], state.aux[cols])
        w = jnp.clip(w + dt * dw, w_min, w_max).astype(w.dtype)
        return w, RateState(pre=x, post=y, aux=self.step_aux(state.aux, y, dt)), inbox
