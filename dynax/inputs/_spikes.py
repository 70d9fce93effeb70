# ruff: noqa: F722  (jaxtyping shape strings such as " n" are not Python expressions)
"""Spike sources: Poisson spike trains and spikes at given times."""

from collections.abc import Callable

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .. import _random
from .._checks import ScalarOrN, check_param, check_size, concrete, to_float, to_size, to_time
from .._custom_types import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray
from .._system import AbstractTimed, Context
from ._base import AbstractSpikeSource
from ._grid import Grid, step_index


class PoissonState(eqx.Module):
    """State of a [`dynax.inputs.PoissonGroup`][]: which neurons spiked in the last step."""

    spike: Bool[Array, " n"]


class PoissonGroup(AbstractSpikeSource, AbstractTimed):
    """A population of `n` independent Poisson spike trains (Bernoulli per step).

    In each step of length $\\Delta t$ (ms) neuron $j$ spikes with probability
    $p_j = r_j \\Delta t / 1000$ ($r_j$ in Hz), independently of everything else, so
    that the number of spikes in a window $T$ has mean $r_j T / 1000$ and Fano factor
    $1 - p_j \\approx 1$. A step carries at most one spike, so $r \\Delta t$ must not
    exceed 1000 (in practice $r\\Delta t \\ll 1000$, or the Bernoulli train is a poor
    Poisson process): `dx.simulate` raises before the run when a fixed rate does
    (`with_dt`), and a time-varying or swept rate that reaches it stops the run with an
    error instead of saturating. The key of each step comes from
    `ctx.require_key("PoissonGroup")`.

    A `PoissonGroup` is also a population: it has a static `n`, its state has `.spike`,
    and `step` ignores its `input`, so it can sit in a network as a presynaptic group.

    **Arguments:**

    - `n`: number of neurons.
    - `rate`: firing rate (Hz), non-negative: a scalar, an array of shape `(n,)`, or a
      time-varying rate, i.e. any callable `rate(ctx)` returning Hz (such as a
      [`dynax.inputs.Section`][] or [`dynax.inputs.Sinusoidal`][]), evaluated at the
      start of each step.
    """

    n: int = eqx.field(static=True)
    rate: ScalarOrN | Callable[[Context], Array]
    checked: Grid | None  # the dt a fixed rate was checked for on the host (`with_dt`)

    def __init__(self, n: int, rate: ArrayLike | Callable[[Context], Array]):
        self.n = to_size(n)
        self.rate = rate if callable(rate) else to_float(rate, "rate")
        self.checked = None

    def __check_init__(self):
        check_size(self.n)
        if not callable(self.rate):
            check_param(self.rate, "rate", nonnegative=True, n=self.n)

    def init(self, key: PRNGKeyArray | None = None) -> PoissonState:
        """No neuron spiking; `key` is unused."""
        return PoissonState(jnp.zeros(self.n, dtype=bool))

    def with_dt(self, dt: float) -> "PoissonGroup":
        """Checks that a fixed rate gives at most one spike per step of `dt` ms."""
        rate = None if callable(self.rate) else concrete(self.rate)
        if rate is not None and np.any(rate * dt > 1000.0):
            raise ValueError(
                f"PoissonGroup rate={float(np.max(rate)):g} Hz at dt={dt:g} ms gives a spike "
                "probability above 1 per step (rate * dt > 1000), and a step carries at most "
                f"one spike: use dt <= {1000.0 / float(np.max(rate)):g} ms or a lower rate."
            )
        if rate is None:  # time-varying or traced: checked inside the step
            return self
        return eqx.tree_at(lambda g: g.checked, self, Grid(dt), is_leaf=lambda x: x is None)

    def step(self, state: PoissonState, input, ctx: Context) -> PoissonState:
        """Draw the spikes of the step `[ctx.t, ctx.t + ctx.dt)`; `input` is ignored."""
        key = ctx.require_key("PoissonGroup")
        rate = self.rate(ctx) if callable(self.rate) else self.rate
        rate = jnp.asarray(rate)
        if not jnp.issubdtype(rate.dtype, jnp.floating):
            rate = rate.astype(jnp.result_type(float))
        p = jnp.broadcast_to(rate, (self.n,)) * (ctx.dt / 1000.0)
        if self.checked is None or self.checked.dt != ctx.dt:
            # Not checked on the host by `with_dt` for this dt (a time-varying rate, or
            # one traced under vmap in a parameter sweep): checked here, every step.
            p = eqx.error_if(
                p,
                jnp.any(p > 1) | jnp.any(p < 0),
                "PoissonGroup: the rate left [0, 1000 / dt] Hz (negative, or more than one "
                "spike per step); use a smaller dt or bound the rate.",
            )
        return PoissonState(_random.uniform(key, (self.n,), p.dtype) < p)

    def output(self, state: PoissonState) -> Bool[Array, " n"]:
        """The spikes of the last step."""
        return state.spike


class SpikeTimeState(eqx.Module):
    """State of a [`dynax.inputs.SpikeTimeGroup`][]: which neurons spiked in the last step."""

    spike: Bool[Array, " n"]


class SpikeTimeGroup(AbstractSpikeSource, AbstractTimed):
    """A population of `n` neurons that spike at given times: neuron `indices[k]` at
    `times[k]`.

    **Timing.** A step advances the state from $t$ to $t + \\Delta t$ and its result is
    the state at time $t + \\Delta t$. A spike at time $T$ appears in the state of the
    step with $t < T \\le t + \\Delta t$: the first grid time at or after $T$. On a grid
    that starts at 0 that is step $k = \\lceil T/\\Delta t\\rceil - 1$, e.g. with
    `dt = 0.1` the times `0.1, 0.25, 0.3, 1.0` appear in steps `0, 2, 2, 9`. Times that
    lie on the grid are matched up to a few units in the last place, so `T = 0.3` is
    step 2 even though `0.3 / 0.1` rounds above 3. Because the initial state is at
    $t = 0$, spike times must be positive. A step carries at most one spike per neuron:
    `dx.simulate` raises before the run when two spikes of one neuron fall into the same
    step of its `dt` (`with_dt`, which also turns the times into step indices on the
    host, in float64, so that they stay exact however long the run).

    Each step compares the step index with every event (cost $O$(number of events),
    vectorised), so runs may start at any `t0`.

    **Arguments:**

    - `n`: number of neurons.
    - `indices`: the neuron of each spike, integers in `[0, n)`.
    - `times`: the time of each spike (ms), positive and finite; as many as `indices`.
    """

    n: int = eqx.field(static=True)
    indices: Int[Array, " events"]
    times: Float[Array | np.ndarray, " events"]  # float64 NumPy where concrete (`to_time`)
    grid: Grid | None

    def __init__(self, n: int, indices: ArrayLike, times: ArrayLike):
        self.n = to_size(n)
        idx = concrete(indices)
        if idx is not None and idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"indices must be integers, got dtype {idx.dtype}.")
        self.indices = jnp.asarray(indices, dtype=jnp.int32)
        self.times = to_time(times, "times")
        self.grid = None

    def __check_init__(self):
        check_size(self.n)
        if self.indices.ndim != 1 or self.times.ndim != 1:
            raise ValueError(
                "indices and times must be one-dimensional, got shapes "
                f"{self.indices.shape} and {self.times.shape}."
            )
        if self.times.shape != self.indices.shape:
            raise ValueError(
                "indices and times must have the same length, got "
                f"len(indices)={self.indices.shape[0]} and len(times)={self.times.shape[0]}."
            )
        idx = concrete(self.indices)
        if idx is not None and np.any((idx < 0) | (idx >= self.n)):
            bad = idx[(idx < 0) | (idx >= self.n)]
            raise ValueError(
                f"indices must lie in [0, n) = [0, {self.n}), got {bad.tolist()[:10]}."
            )
        t = concrete(self.times)
        if t is not None and not np.all(np.isfinite(t) & (t > 0)):
            bad = t[~(np.isfinite(t) & (t > 0))]
            raise ValueError(
                "times must be positive and finite (ms): a spike at T appears at the end of "
                f"the step that reaches T, and the run starts at t = 0; got {bad.tolist()[:10]}."
            )

    def init(self, key: PRNGKeyArray | None = None) -> SpikeTimeState:
        """No neuron spiking; `key` is unused."""
        return SpikeTimeState(jnp.zeros(self.n, dtype=bool))

    def with_dt(self, dt: float) -> "SpikeTimeGroup":
        """The step of each spike, checking that no neuron spikes twice in one step."""
        times, idx = concrete(self.times), concrete(self.indices)
        if times is None or idx is None:
            return self
        steps = step_index(times, dt) - 1  # the step that reaches T
        key = idx.astype(np.int64) * (2**32) + steps
        unique, counts = np.unique(key, return_counts=True)
        if np.any(counts > 1):
            first = unique[counts > 1][0]
            neuron, step = int(first // 2**32), int(first % 2**32)
            raise ValueError(
                f"SpikeTimeGroup: neuron {neuron} has {int(counts.max())} spikes in the step "
                f"starting at {step * dt:g} ms (dt={dt:g} ms), and a step carries at most one "
                "spike per neuron: use a smaller dt or merge those spikes."
            )
        grid = Grid(dt, events=jnp.asarray(steps))
        return eqx.tree_at(lambda g: g.grid, self, grid, is_leaf=lambda x: x is None)

    def step(self, state: SpikeTimeState, input, ctx: Context) -> SpikeTimeState:
        """The spikes with $t < T \\le t + \\Delta t$; `input` is ignored."""
        if self.grid is not None and self.grid.dt == ctx.dt:
            target = jnp.where(self.grid.events == jnp.asarray(ctx.i), self.indices, self.n)
            return SpikeTimeState(jnp.zeros(self.n, bool).at[target].set(True, mode="drop"))
        dtype = jnp.result_type(self.times, ctx.t)
        t = jnp.asarray(ctx.t, dtype=dtype)
        times = self.times.astype(dtype)
        eps = jnp.finfo(dtype).eps
        # Position of each event inside the step, in units of dt: the step owns (0, 1].
        x = (times - t) / ctx.dt
        # Rounding of T and t is relative to their size, not to T - t.
        tol = 8 * eps * (1 + (jnp.abs(times) + jnp.abs(t)) / ctx.dt)
        emit = (x > tol) & (x <= 1 + tol)
        # Events that do not fire this step scatter to index n, which is dropped.
        target = jnp.where(emit, self.indices, self.n)
        spike = jnp.zeros(self.n, dtype=bool).at[target].set(True, mode="drop")
        return SpikeTimeState(spike)

    def output(self, state: SpikeTimeState) -> Bool[Array, " n"]:
        """The spikes of the last step."""
        return state.spike
