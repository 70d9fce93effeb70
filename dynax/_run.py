"""`simulate`: run a model over time in one jitted `lax.scan` (per chunk)."""

import itertools
from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
from jax.experimental import multihost_utils

from . import _random
from ._custom_types import PRNGKeyArray, State
from ._monitor import FunctionMonitor
from ._run_checks import check_key, check_state, start_step, steps
from ._run_inputs import Inputs
from ._system import (
    Context,
    DynamicalSystem,
    check_dt,
    get_path,
    leaf_paths,
    name_key,
    with_dt,
)
from .connect import validate

Monitor = str | Callable[[State], Any]

# Progress bars of the runs under way, keyed by a run id passed into the jitted scan as an
# argument (a bar closed over would change the function and force a recompilation).
_BARS: dict[int, Any] = {}
_RUN_IDS = itertools.count()


def _advance_bar(run_id, steps):
    bar = _BARS.get(int(np.asarray(run_id).ravel()[0]))
    if bar is not None:
        bar.update(int(np.asarray(steps).ravel()[0]))


class _LoopConfig(NamedTuple):
    """What the compiled loop is specialised on (a static argument: a change recompiles)."""

    dt: float  # ms
    n_blocks: int  # records in this chunk
    every: int  # steps per record
    monitors: tuple  # (name, function) pairs
    counted: tuple  # (name, shape) of the boolean monitors counted over `every` steps
    check_finite: bool
    tick: int  # records between progress-bar updates (0: no bar)
    unroll: int  # steps per iteration of the compiled loop
    checkpoint: int  # records per recomputed segment in the backward pass (0: none)


_NONE, _INITIAL = -1, -2  # the first non-finite step: none yet, the initial state


def _first_non_finite(state, float_leaf, k, bad):
    """`bad` (the first step and leaf with a non-finite value) updated with `state`,
    the state after step `k`."""
    finite = jnp.stack(
        [jnp.all(jnp.isfinite(x)) for x, f in zip(jtu.tree_leaves(state), float_leaf) if f]
        or [jnp.asarray(True)]
    )
    first = (bad[0] == _NONE) & ~jnp.all(finite)
    where = jnp.argmin(finite).astype(jnp.int32)
    return jnp.where(first, k, bad[0]), jnp.where(first, where, bad[1])


def _loop(model, state, src_states, inputs, arrays, k0, i0, t0, key, run_id, config):
    dt, n_blocks, every, monitors = config.dt, config.n_blocks, config.every, config.monitors
    counted, check_finite, tick, unroll = (
        config.counted,
        config.check_finite,
        config.tick,
        config.unroll,
    )
    counted = dict(counted)
    counters = [(name, m) for name, m in monitors if name in counted]
    float_leaf = [jnp.issubdtype(x.dtype, jnp.inexact) for x in jtu.tree_leaves(state)]

    def one_step(carry, x):
        state, src_states, bad, counts = carry
        k, step_key, xs = x  # k: steps since the start of the run (int32, also under x64)
        i = i0 + k
        # t: a float for smooth dependence on time; exact timing reads the integer i.
        ctx = Context(t=t0 + k.astype(t0.dtype) * dt, dt=dt, i=i, key=step_key)
        input, src_states = inputs.evaluate(src_states, xs, ctx)
        state = model.step(state, input, ctx)
        if check_finite:
            bad = _first_non_finite(state, float_leaf, k, bad)
        counts = {name: counts[name] + m(state) for name, m in counters}
        return (state, src_states, bad, counts), None

    def block(carry, x):
        b, xs = x
        zeros = {name: jnp.zeros(shape, jnp.int32) for name, shape in counted.items()}
        if every == 1:
            # One step per record, its input the loop's own slice (not reshaped to
            # blocks of one): no inner loop, whose residuals for the backward pass (the
            # step's input, sliced again) the outer loop stored a second time.
            k = k0 + b
            step_key = None if key is None else _random.fold_in(key, i0 + k)
            carry, _ = one_step((*carry, zeros), (k, step_key, xs))
        else:
            ks = k0 + b * every + jnp.arange(every, dtype=jnp.int32)
            # The block's step keys, fold_in(key, i), in one vectorised hash: one
            # threefry call per step cost more than a small model's whole step on a CPU.
            keys = None if key is None else jax.vmap(lambda k: _random.fold_in(key, i0 + k))(ks)
            carry, _ = jax.lax.scan(
                one_step, (*carry, zeros), (ks, keys, xs), unroll=min(unroll, every)
            )
        *carry, counts = carry
        if tick:
            jax.lax.cond(
                (b + 1) % tick == 0,
                lambda: jax.debug.callback(_advance_bar, run_id, tick * every),
                lambda: None,
            )
        # The barrier keeps computed monitors out of the step's fusions: on a GPU, a
        # spike count fused into the neuron update turned it into a reduction kernel at
        # half the memory bandwidth (benchmarks/README.md). A path monitor only reads a
        # part of the state and computes nothing to fuse: no barrier for it (the barrier
        # and its transpose in the backward pass would only constrain XLA).
        computed = any(not isinstance(m, _PathMonitor) for _, m in monitors)
        watched = jax.lax.optimization_barrier(carry[0]) if computed else carry[0]
        record = {name: counts[name] if name in counts else m(watched) for name, m in monitors}
        return tuple(carry), record

    xs = (
        arrays
        if every == 1
        else jtu.tree_map(lambda a: a.reshape(n_blocks, every, *a.shape[1:]), arrays)
    )
    bad = (jnp.asarray(_NONE, jnp.int32), jnp.asarray(0, jnp.int32))
    if check_finite:  # an infinite initial voltage would become a spike, not an error
        bad = _first_non_finite(state, float_leaf, jnp.asarray(_INITIAL, jnp.int32), bad)
    carry = (state, src_states, bad)
    blocks = (jnp.arange(n_blocks, dtype=jnp.int32), xs)
    unroll_blocks = max(1, unroll // every)
    segment = config.checkpoint
    if not segment:
        (state, src_states, bad), records = jax.lax.scan(block, carry, blocks, unroll=unroll_blocks)
        return state, src_states, bad, records

    # Reverse mode keeps the carry every `segment` records and recomputes the steps in
    # between: memory grows as n / (every segment) states plus one segment's steps.
    @jax.checkpoint
    def run_segment(carry, seg):
        return jax.lax.scan(block, carry, seg, unroll=min(unroll_blocks, segment))

    segs = jtu.tree_map(lambda a: a.reshape(n_blocks // segment, segment, *a.shape[1:]), blocks)
    (state, src_states, bad), records = jax.lax.scan(run_segment, carry, segs)
    records = jtu.tree_map(lambda a: a.reshape(n_blocks, *a.shape[2:]), records)
    return state, src_states, bad, records


_scan = eqx.filter_jit(_loop)


def _monitor_fn(name: str, monitor: Monitor, state: State) -> Callable:
    if callable(monitor):
        # Keyed by what it computes: a fresh lambda with the same code and values does
        # not compile the run again.
        return FunctionMonitor(monitor)
    if not isinstance(monitor, str):
        raise TypeError(f"monitor {name!r} must be a path string or a function of the state.")
    try:
        get_path(state, monitor)
    except KeyError as e:
        raise ValueError(f"monitor {name!r}: {e.args[0]}") from None
    return _PathMonitor(monitor)


class _PathMonitor(eqx.Module):
    path: str = eqx.field(static=True)

    def __call__(self, state):
        return get_path(state, self.path)


def _is_traced(tree: Any) -> bool:
    return any(isinstance(x, jax.core.Tracer) for x in jtu.tree_leaves(tree))


def simulate(
    model: DynamicalSystem,
    state: State,
    *,
    dt: float,
    n_steps: int | None = None,
    duration: float | None = None,
    inputs: Any = None,
    monitors: dict[str, Monitor] | None = None,
    key: PRNGKeyArray | None = None,
    every: int = 1,
    chunk: int | None = None,
    progress: bool = False,
    check_finite: bool = False,
    t0: float = 0.0,
    unroll: int | None = None,
    checkpoint: bool | int = False,
) -> tuple[State, dict[str, Any]]:
    """Run `model` from `state` for `n_steps` steps of `dt` ms (or for `duration` ms).

    The steps run inside one jitted `jax.lax.scan` (one per chunk); a second call with
    the same shapes, static settings and monitors (compared by what they compute) does
    not recompile. Step `k` advances the state from `t0 + k dt` to `t0 + (k + 1) dt`.
    Before compiling, the state is checked against `model.init()`, connectivity is
    validated (`dx.connect.validate`), and every `dx.AbstractTimed` part of the model,
    its state and `inputs` is prepared for `dt` (`dx.with_dt`): times in ms become
    whole steps on the host, so timing stays exact however long the run. The run is traceable when
    `chunk` is None, so it can be `jax.vmap`-ed over states, inputs or stacked models,
    and differentiated.

    **Arguments:**

    - `model`, `state`: the model and its state (from `model.init(key)`).
    - `dt`: time step (ms), a positive Python float.
    - `n_steps` or `duration` (ms): how long to run; `duration` must be a multiple of `dt`.
    - `inputs`: the model's `input` at each step, as a pytree (e.g. `{"E": ...}` for a
      `Network`) whose leaves are: a function of the `dx.Context` (any
      `dx.inputs.AbstractSignal`), a `dx.inputs.AbstractSource` (its state is carried
      along), a number or 0-d array (constant), a `dx.inputs.TimeSeries` (one row per
      step, at its stated `dt`), or an array of 2 or more dimensions whose leading axis
      is time (`n_steps` long). A plain 1-d array is refused as ambiguous (per step or
      per neuron?): wrap it in `TimeSeries` or `dx.inputs.Constant`.
    - `monitors`: `{name: path or function}`; a path such as `"E.v"` names a part of the
      state, a function maps the state to what to record.
    - `key`: PRNG key; step `i` uses `fold_in(key, i)`, so a run is reproducible and a
      run split in two (`t0`) uses the same keys as one run. None for deterministic models.
    - `every`: record every `every`-th step (must divide the number of steps). A
      boolean monitor (spikes) is not sampled but counted: its record is the int32
      number of steps in which each entry was True, over the `every` steps up to the
      record, so that no spike is lost.
    - `chunk`: split the run into scans of `chunk` steps (a multiple of `every`), moving
      records to host memory in between so that device memory stays bounded. A last,
      shorter chunk compiles once more.
    - `progress`: show a tqdm bar advancing as the simulation runs.
    - `check_finite`: raise `FloatingPointError` naming the first step, its time and
      the state path that became NaN or infinite (or the initial state, if it is).
    - `t0`: time at the start of the run (ms), a non-negative whole number of steps; a
      resumed run passes the time it stopped (`records["t"][-1]`).
    - `unroll`: steps per iteration of the compiled loop (`jax.lax.scan`'s `unroll`).
      None: 8 on a GPU, where each loop iteration costs a few microseconds (more steps
      per iteration compile longer; the measurements are in `benchmarks/README.md`), and
      1 elsewhere.
    - `checkpoint`: for gradients through long runs (`jax.grad` of a loss of the
      records): keep only some states for the backward pass and recompute the steps in
      between (`jax.checkpoint`), at the cost of running the forward steps twice. No
      effect on the values. `True`: keep the state at each record (every `every` steps),
      so memory grows as n / every + every states instead of n (take `every` near the
      square root of n). An int `k`: keep the state every `k` records and recompute
      those `k` records' steps, so that a run recorded at every step (`every=1`, as a
      loss on a readout at each step needs) stores n / k + k states (take `k` near
      the square root of n; it must divide the number of records of each chunk).

    **Returns:** `(final_state, records)`; `records["t"]` holds the time (ms) at the end
    of each recorded step (float64, from the integer step index) and `records[name]`
    the monitored values, time first.
    """
    check_dt(dt)
    if not isinstance(dt, int | float | np.number):  # static: it sizes the compiled loop
        raise TypeError(f"dt must be a Python number (ms), not an array; got dt={dt!r}.")
    dt = float(dt)
    n = steps(dt, n_steps, duration)
    if not isinstance(every, int) or every <= 0 or n % every:
        raise ValueError(f"every={every!r} must be a positive int dividing n_steps={n}.")
    if chunk is not None and (not isinstance(chunk, int) or chunk <= 0 or chunk % every):
        raise ValueError(f"chunk={chunk!r} must be a positive multiple of every={every}.")
    if unroll is None:
        unroll = 8 if jax.default_backend() == "gpu" else 1
    if isinstance(unroll, bool) or not isinstance(unroll, int) or unroll <= 0:
        raise ValueError(f"unroll must be a positive int or None, got unroll={unroll!r}.")
    if isinstance(checkpoint, bool):
        checkpoint = int(checkpoint)
    if not isinstance(checkpoint, int) or checkpoint < 0:
        raise ValueError(
            f"checkpoint must be a bool or a positive int (records per recomputed segment), "
            f"got checkpoint={checkpoint!r}."
        )
    i0 = start_step(t0, dt, n)
    check_key(key)
    if monitors is None:
        monitors = {}
    if not isinstance(monitors, dict):
        raise TypeError(
            "monitors must be a dict {name: path or function of the state}, e.g. "
            f"monitors={{'v': 'v'}}; got {type(monitors).__name__} {monitors!r}."
        )
    if "t" in monitors:
        raise ValueError('"t" is reserved for the record times; rename that monitor.')
    # Times in ms become whole steps of this dt, on the host and in float64.
    model, inputs = with_dt(model, dt), with_dt(inputs, dt)
    # Parts of the state whose shape depends on dt (a delay buffer from init() of a model
    # not yet prepared, `dx.PendingDelay`) become their value for this dt.
    state = with_dt(state, dt)
    # Row pointers or indices edited after construction (eqx.tree_at) would make the
    # operators read the wrong entries: checked once per array, remembered by identity.
    model = validate(model)
    check_state(model, state)
    monitors_static = tuple(
        (name, _monitor_fn(name, m, state)) for name, m in sorted(monitors.items())
    )
    # Boolean monitors (spikes) sampled every k-th step would drop the spikes in between:
    # they are counted over the k steps instead.
    counted = []  # (name, shape)
    if every > 1:
        for name, m in monitors_static:
            out = jax.eval_shape(m, state)
            if isinstance(out, jax.ShapeDtypeStruct) and out.dtype == jnp.bool_:
                counted.append((name, out.shape))
    inputs, input_arrays = Inputs(inputs).split_arrays(dt, n)
    traced = _is_traced((model, state, inputs, input_arrays, key))
    if chunk is not None and traced:
        raise ValueError("chunk moves records to the host; it cannot be used under jit/vmap.")

    src_states = inputs.init(None if key is None else name_key(key, "inputs"))
    chunk_steps = n if chunk is None else min(chunk, n)
    run_id = next(_RUN_IDS)
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("progress=True needs tqdm: pip install 'dynax[progress]'.") from None

        bar = _BARS[run_id] = tqdm(total=n, unit="step", desc="simulate")
    tick = max(1, (chunk_steps // every) // 100) if progress else 0
    pieces = []
    try:
        for start in range(0, n, chunk_steps):
            size = min(chunk_steps, n - start)
            if checkpoint and (size // every) % checkpoint:
                raise ValueError(
                    f"checkpoint={checkpoint} must divide the number of records of each "
                    f"chunk ({size // every} = {size} steps / every={every})."
                )
            config = _LoopConfig(
                dt=dt,
                n_blocks=size // every,
                every=every,
                monitors=monitors_static,
                counted=tuple(counted),
                check_finite=check_finite,
                tick=tick,
                unroll=unroll,
                checkpoint=checkpoint,
            )
            arrays = [None if a is None else a[start : start + size] for a in input_arrays]
            state, src_states, bad, records = _scan(
                model,
                state,
                src_states,
                inputs,
                arrays,
                jnp.asarray(start, jnp.int32),
                jnp.asarray(i0, jnp.int32),
                jnp.asarray(i0 * dt, jnp.result_type(float)),
                key,
                jnp.asarray(run_id, jnp.int32),
                config,
            )
            if check_finite:
                state = _report_non_finite(bad, state, dt, i0, traced)
            pieces.append(records if chunk is None else _to_host(records))
    finally:
        if bar is not None:
            bar.update(n - bar.n)
            bar.close()
            _BARS.pop(run_id, None)
    if chunk is None:
        records = pieces[0]
    else:
        records = jtu.tree_map(lambda *xs: np.concatenate(xs), *pieces)
    records = dict(records)
    # float64 whatever the run's precision: the end of each recorded step, from its index.
    records["t"] = (i0 + every * np.arange(1, n // every + 1, dtype=np.int64)) * dt
    return state, records


def _to_host(records: Any) -> Any:
    """A chunk's records (or the non-finite report) as NumPy arrays. An array that spans
    processes (a sharded network in a `jax.distributed` run) is gathered whole into every
    process, one collective per such array: every process calls `simulate` alike, so all
    take part in the same order."""
    records = jtu.tree_map(
        lambda x: (
            multihost_utils.process_allgather(x, tiled=True)
            if isinstance(x, jax.Array) and not x.is_fully_addressable
            else x
        ),
        records,
    )
    return jax.device_get(records)


def _report_non_finite(bad, state, dt, i0, traced):
    """Raise `FloatingPointError` naming the first step, its time and the state path
    that became NaN or infinite; under `jit`/`vmap` from inside the computation."""
    paths = [
        p
        for p, x in zip(leaf_paths(state), jtu.tree_leaves(state))
        if jnp.issubdtype(x.dtype, jnp.inexact)
    ] or ["<none>"]

    def check(step, leaf):
        step, leaf = np.asarray(step).ravel(), np.asarray(leaf).ravel()
        hit = np.flatnonzero(step != _NONE)
        if hit.size:
            k, p = int(step[hit[0]]), paths[int(leaf[hit[0]])]
            member = f" (batch member {int(hit[0])})" if step.size > 1 else ""
            if k == _INITIAL:
                raise FloatingPointError(
                    f"the initial state is non-finite in {p!r}{member} (t = {i0 * dt:g} ms)."
                )
            raise FloatingPointError(
                f"the state became non-finite at step {k} (t = {(i0 + k + 1) * dt:g} ms) "
                f"in {p!r}{member}."
            )

    if not traced:
        check(*_to_host(bad))
        return state
    # Under jit/vmap the values are known only inside the computation: a callback that
    # raises there, ordered before the state is returned.
    token = jax.pure_callback(
        lambda s, leaf: (check(s, leaf), np.zeros(np.shape(s), np.int32))[1],
        jax.ShapeDtypeStruct((), jnp.int32),
        *bad,
        vmap_method="expand_dims",
    )
    return jtu.tree_map(
        lambda x: (
            x + jnp.zeros((), x.dtype) * token.astype(x.dtype)
            if jnp.issubdtype(x.dtype, jnp.inexact)
            else x
        ),
        state,
    )
