"""What `simulate` checks before it compiles: the run's length and start, the key, and
the state against the model's `init()`."""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from ._custom_types import State
from ._system import DynamicalSystem, leaf_paths

_MAX_STEPS = 2**31 - 1  # the step index is an int32


def steps(dt: float, n_steps: int | None, duration: float | None) -> int:
    if (n_steps is None) == (duration is None):
        raise ValueError("give exactly one of n_steps and duration (ms).")
    if n_steps is None:
        assert duration is not None  # exactly one of them is given
        n = round(duration / dt)
        if n <= 0 or abs(n - duration / dt) > 1e-6 * max(n, 1):
            raise ValueError(f"duration={duration} ms must be a positive multiple of dt={dt} ms.")
        return n
    if not isinstance(n_steps, int | np.integer) or n_steps <= 0:
        raise ValueError(f"n_steps must be a positive int, got n_steps={n_steps!r}.")
    return int(n_steps)


def start_step(t0: Any, dt: float, n: int) -> int:
    """The index of the first step, `t0 / dt`: `t0` must be a whole number of steps, so
    that step `i` starts at exactly `i * dt` however long the run."""
    if isinstance(t0, bool) or not isinstance(t0, int | float | np.number):
        try:
            t0 = float(np.asarray(t0))  # a 0-d array (e.g. a checkpoint's time)
        except (TypeError, ValueError, jax.errors.ConcretizationTypeError):
            raise ValueError(f"t0 must be a number (ms), got t0={t0!r}.") from None
    t0 = float(t0)
    i0 = round(t0 / dt) if np.isfinite(t0) else -1
    if i0 < 0 or abs(i0 * dt - t0) > 1e-9 * max(abs(t0), dt):
        raise ValueError(
            f"t0={t0!r} ms must be a non-negative whole number of steps of dt={dt:g} ms "
            "(a resumed run passes the time it reached, records['t'][-1])."
        )
    if i0 + n > _MAX_STEPS:
        raise ValueError(
            f"the run would reach step {i0 + n}, beyond the int32 step index ({_MAX_STEPS} "
            f"steps, {_MAX_STEPS * dt / 3.6e6:.3g} h at dt={dt:g} ms)."
        )
    return i0


def check_key(key: Any) -> None:
    if key is None:
        return
    ok = isinstance(key, jax.Array) and (
        jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
        or (key.dtype == jnp.uint32 and key.shape[-1:] == (2,))
    )
    if not ok:
        raise TypeError(
            f"key must be a JAX PRNG key such as jax.random.key(0), or None, got {key!r}."
        )


_INIT_SHAPES: dict = {}  # the shapes of model.init(), by the model's structure and shapes


def _init_shapes(model: DynamicalSystem) -> Any:
    leaves, treedef = jtu.tree_flatten(model)
    signature = (treedef, *((x.shape, x.dtype) if eqx.is_array(x) else id(x) for x in leaves))
    try:
        return _INIT_SHAPES[signature]
    except (KeyError, TypeError):
        pass
    shapes = eqx.filter_eval_shape(lambda m: m.init(jax.random.key(0)), model)
    if len(_INIT_SHAPES) > 64:
        _INIT_SHAPES.clear()
    try:
        _INIT_SHAPES[signature] = shapes
    except TypeError:  # an unhashable leaf
        pass
    return shapes


def check_state(model: DynamicalSystem, state: State) -> None:
    """Raise when `state` is not shaped like `model.init()`, naming the first path that
    differs (a state of `LIF(100)` given to `LIF(200)` would run on 100 neurons)."""
    expected = _init_shapes(model)
    # mypy cannot resolve jaxlib's PyTreeDef (shows "PyTreeDef?"); treedefs compare fine.
    if jtu.tree_structure(state) != jtu.tree_structure(expected):  # type: ignore[operator]
        got_paths, want_paths = leaf_paths(state), leaf_paths(expected)
        missing = sorted(set(want_paths) - set(got_paths))
        extra = sorted(set(got_paths) - set(want_paths))
        raise ValueError(
            "state does not have the structure of model.init(): "
            + (f"missing {missing[:5]}; " if missing else "")
            + (f"unexpected {extra[:5]}; " if extra else "")
            + f"expected the paths {want_paths[:20]}."
        )
    for k, (got, want) in enumerate(zip(jtu.tree_leaves(state), jtu.tree_leaves(expected))):
        shape, dtype = jnp.shape(got), jnp.result_type(got)
        if shape != want.shape or dtype != want.dtype:
            path = leaf_paths(expected)[k]
            raise ValueError(
                f"state {path!r} has shape {shape} and dtype {dtype}, but model.init() gives "
                f"shape {want.shape} and dtype {want.dtype}: is the state from another model?"
            )
