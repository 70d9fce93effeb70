"""`simulate`: run a model over time in one jitted `lax.scan` (per chunk)."""

import itertools
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from ._custom_types import PRNGKeyArray, State
from ._system import Context, DynamicalSystem, get_path, leaf_paths, name_key
from .inputs import AbstractSource
from .inputs._base import step_input

Monitor = str | Callable[[State], Any]


def _is_input_leaf(x: Any) -> bool:
    return isinstance(x, AbstractSource) or (callable(x) and not eqx.is_array(x))


def _input_kind(x: Any) -> str:
    if isinstance(x, AbstractSource):
        return "source"
    if callable(x) and not eqx.is_array(x):
        return "function"
    if isinstance(x, int | float | bool | np.number) or jnp.ndim(x) == 0:
        return "constant"
    return "array"


class _Inputs(eqx.Module):
    """`inputs=` split by kind: sources (stateful), functions of the context, constants
    and arrays with a leading time axis (scanned alongside the steps)."""

    leaves: list
    treedef: Any = eqx.field(static=True)
    kinds: tuple[str, ...] = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, inputs: Any):
        leaves, self.treedef = jtu.tree_flatten(inputs, is_leaf=_is_input_leaf)
        self.kinds = tuple(_input_kind(x) for x in leaves)
        # Constants become arrays, so that a new value does not force a recompilation.
        self.leaves = [
            jnp.asarray(x) if kind == "constant" else x for x, kind in zip(leaves, self.kinds)
        ]
        paths = jtu.tree_flatten_with_path(inputs, is_leaf=_is_input_leaf)[0]
        self.names = tuple("inputs" + jtu.keystr(p) for p, _ in paths)

    def init(self, key: PRNGKeyArray | None) -> list:
        return [
            x.init(None if key is None else name_key(key, name)) if kind == "source" else None
            for x, kind, name in zip(self.leaves, self.kinds, self.names)
        ]

    def split_arrays(self) -> tuple["_Inputs", list]:
        """(these inputs with the time-first arrays taken out, those arrays)."""
        arrays = [x if kind == "array" else None for x, kind in zip(self.leaves, self.kinds)]
        rest = [None if kind == "array" else x for x, kind in zip(self.leaves, self.kinds)]
        return eqx.tree_at(lambda s: s.leaves, self, rest, is_leaf=lambda x: x is None), arrays

    def evaluate(self, src_states: list, xs: list, ctx: Context) -> tuple[Any, list]:
        values, new_states = [], []
        for x, kind, name, s, a in zip(self.leaves, self.kinds, self.names, src_states, xs):
            if kind in ("source", "function"):
                s, value = step_input(x, s, ctx.child(name))
                values.append(value)
            elif kind == "constant":
                values.append(x)
            else:
                values.append(a)
            new_states.append(s)
        return jtu.tree_unflatten(self.treedef, values), new_states


# Progress bars of the runs under way, keyed by a run id passed into the jitted scan as an
# argument (a bar closed over would change the function and force a recompilation).
_BARS: dict[int, Any] = {}
_RUN_IDS = itertools.count()


def _advance_bar(run_id, steps):
    bar = _BARS.get(int(np.asarray(run_id).ravel()[0]))
    if bar is not None:
        bar.update(int(np.asarray(steps).ravel()[0]))


@eqx.filter_jit
def _scan(model, state, src_states, inputs, arrays, k0, i0, t0, key, run_id, config):
    dt, n_blocks, every, monitors, check_finite, tick, unroll = config
    float_leaf = [jnp.issubdtype(x.dtype, jnp.inexact) for x in jtu.tree_leaves(state)]

    def one_step(carry, x):
        state, src_states, bad = carry
        k, xs = x  # k: steps since the start of the run
        i = i0 + k
        step_key = None if key is None else jax.random.fold_in(key, i)
        ctx = Context(t=t0 + k.astype(t0.dtype) * dt, dt=dt, i=i, key=step_key)
        input, src_states = inputs.evaluate(src_states, xs, ctx)
        state = model.step(state, input, ctx)
        if check_finite:
            finite = jnp.stack(
                [jnp.all(jnp.isfinite(x)) for x, f in zip(jtu.tree_leaves(state), float_leaf) if f]
                or [jnp.asarray(True)]
            )
            first = (bad[0] < 0) & ~jnp.all(finite)
            bad = (jnp.where(first, k, bad[0]), jnp.where(first, jnp.argmin(finite), bad[1]))
        return (state, src_states, bad), None

    def block(carry, x):
        b, xs = x
        ks = k0 + b * every + jnp.arange(every)
        carry, _ = jax.lax.scan(one_step, carry, (ks, xs), unroll=min(unroll, every))
        if tick:
            jax.lax.cond(
                (b + 1) % tick == 0,
                lambda: jax.debug.callback(_advance_bar, run_id, tick * every),
                lambda: None,
            )
        # The barrier keeps the monitors out of the step's fusions: on an H200, a spike
        # count fused into the neuron update turned it into a reduction kernel at half
        # the memory bandwidth (COBA, 4 000 000 neurons: 0.96 s against 0.76 s).
        watched = jax.lax.optimization_barrier(carry[0]) if monitors else carry[0]
        record = {name: m(watched) for name, m in monitors}
        return carry, record

    xs = jtu.tree_map(lambda a: a.reshape(n_blocks, every, *a.shape[1:]), arrays)
    bad = (jnp.asarray(-1, jnp.int32), jnp.asarray(0, jnp.int32))
    carry = (state, src_states, bad)
    blocks = (jnp.arange(n_blocks), xs)
    unroll_blocks = max(1, unroll // every)
    (state, src_states, bad), records = jax.lax.scan(block, carry, blocks, unroll=unroll_blocks)
    return state, src_states, bad, records


def _monitor_fn(name: str, monitor: Monitor, state: State) -> Callable:
    if callable(monitor):
        return monitor
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


def _steps(dt: float, n_steps: int | None, duration: float | None) -> int:
    if (n_steps is None) == (duration is None):
        raise ValueError("give exactly one of n_steps and duration (ms).")
    if n_steps is None:
        n = round(duration / dt)
        if n <= 0 or abs(n - duration / dt) > 1e-6 * max(n, 1):
            raise ValueError(f"duration={duration} ms must be a positive multiple of dt={dt} ms.")
        return n
    if not isinstance(n_steps, int | np.integer) or n_steps <= 0:
        raise ValueError(f"n_steps must be a positive int, got n_steps={n_steps!r}.")
    return int(n_steps)


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
) -> tuple[State, dict[str, Any]]:
    """Run `model` from `state` for `n_steps` steps of `dt` ms (or for `duration` ms).

    The steps run inside one jitted `jax.lax.scan` (one per chunk); a second call with
    the same shapes, static settings and monitor objects does not recompile. Step `k`
    advances the state from `t0 + k dt` to `t0 + (k + 1) dt`. The run is traceable when
    `chunk` is None, so it can be `jax.vmap`-ed over states, inputs or stacked models,
    and differentiated.

    **Arguments:**

    - `model`, `state`: the model and its state (from `model.init(key)`).
    - `dt`: time step (ms), a positive Python float.
    - `n_steps` or `duration` (ms): how long to run; `duration` must be a multiple of `dt`.
    - `inputs`: the model's `input` at each step, as a pytree (e.g. `{"E": ...}` for a
      `Network`) whose leaves are: a function of the `dx.Context` (any
      `dx.inputs.AbstractSignal`), a `dx.inputs.AbstractSource` (its state is carried
      along), a number or 0-d array (constant), or an array whose leading axis is time
      (`n_steps` long).
    - `monitors`: `{name: path or function}`; a path such as `"E.v"` names a part of the
      state, a function maps the state to what to record.
    - `key`: PRNG key; step `i` uses `fold_in(key, i)`, so a run is reproducible and a
      run split in two (`t0`) uses the same keys as one run. None for deterministic models.
    - `every`: record every `every`-th step (must divide the number of steps).
    - `chunk`: split the run into scans of `chunk` steps (a multiple of `every`), moving
      records to host memory in between so that device memory stays bounded. A last,
      shorter chunk compiles once more.
    - `progress`: show a tqdm bar advancing as the simulation runs.
    - `check_finite`: raise `FloatingPointError` naming the first step and state path
      that became NaN or infinite.
    - `t0`: time at the start of the run (ms); a resumed run passes the time it stopped.
    - `unroll`: steps per iteration of the compiled loop (`jax.lax.scan`'s `unroll`).
      None: 8 on a GPU, where each loop iteration costs a few microseconds (an H200 ran
      1 s of the COBA network at 4 000 neurons in 0.160 / 0.111 / 0.106 / 0.103 s with
      1 / 2 / 8 / 16 steps per iteration, its first call taking 0.8 / 1.0 / 2.0 / 3.3 s;
      at 4 000 000 neurons 4 steps ran faster than 8, 0.87 against 0.94 s), and 1
      elsewhere.

    **Returns:** `(final_state, records)`; `records["t"]` holds the time (ms) at the end
    of each recorded step and `records[name]` the monitored values, time first.
    """
    if isinstance(dt, bool) or not isinstance(dt, int | float) or not dt > 0:
        raise ValueError(f"dt must be a positive Python number (ms), got dt={dt!r}.")
    dt = float(dt)
    n = _steps(dt, n_steps, duration)
    if not isinstance(every, int) or every <= 0 or n % every:
        raise ValueError(f"every={every!r} must be a positive int dividing n_steps={n}.")
    if chunk is not None and (not isinstance(chunk, int) or chunk <= 0 or chunk % every):
        raise ValueError(f"chunk={chunk!r} must be a positive multiple of every={every}.")
    if unroll is None:
        unroll = 8 if jax.default_backend() == "gpu" else 1
    if isinstance(unroll, bool) or not isinstance(unroll, int) or unroll <= 0:
        raise ValueError(f"unroll must be a positive int or None, got unroll={unroll!r}.")
    monitors = {} if monitors is None else dict(monitors)
    if "t" in monitors:
        raise ValueError('"t" is reserved for the record times; rename that monitor.')
    monitors_static = tuple(
        (name, _monitor_fn(name, m, state)) for name, m in sorted(monitors.items())
    )
    inputs, input_arrays = _Inputs(inputs).split_arrays()
    for a, name in zip(input_arrays, inputs.names):
        if a is not None and (jnp.ndim(a) == 0 or jnp.shape(a)[0] != n):
            raise ValueError(
                f"{name} is an array, so its leading axis is time: expected {n} steps, "
                f"got shape {jnp.shape(a)}."
            )
    traced = _is_traced((model, state, inputs, key))
    if chunk is not None and traced:
        raise ValueError("chunk moves records to the host; it cannot be used under jit/vmap.")

    i0 = round(t0 / dt)
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
    pieces, bad_all = [], None
    try:
        for start in range(0, n, chunk_steps):
            size = min(chunk_steps, n - start)
            config = (dt, size // every, every, monitors_static, check_finite, tick, unroll)
            arrays = [None if a is None else a[start : start + size] for a in input_arrays]
            state, src_states, bad, records = _scan(
                model,
                state,
                src_states,
                inputs,
                arrays,
                jnp.asarray(start, jnp.int32),
                jnp.asarray(i0, jnp.int32),
                jnp.asarray(t0, jnp.result_type(float)),
                key,
                jnp.asarray(run_id, jnp.int32),
                config,
            )
            if check_finite:
                bad_all = _report_non_finite(bad, state, dt, t0, traced)
                if traced:
                    state = bad_all
            pieces.append(records if chunk is None else jax.device_get(records))
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
    records["t"] = t0 + dt * every * np.arange(1, n // every + 1)
    return state, records


def _report_non_finite(bad, state, dt, t0, traced):
    paths = [
        p
        for p, x in zip(leaf_paths(state), jtu.tree_leaves(state))
        if jnp.issubdtype(x.dtype, jnp.inexact)
    ] or ["<none>"]
    if traced:
        messages = tuple(f"state became non-finite in {p!r}" for p in paths)
        return eqx.branched_error_if(state, bad[0] >= 0, bad[1], messages)
    step, leaf = int(bad[0]), int(bad[1])
    if step >= 0:
        raise FloatingPointError(
            f"the state became non-finite at step {step} (t = {t0 + (step + 1) * dt:g} ms) "
            f"in {paths[leaf]!r}."
        )
    return None
