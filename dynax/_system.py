"""The one contract: `DynamicalSystem`, its `Context`, and addressing states by path."""

import abc
import dataclasses
import zlib
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from . import _random
from ._custom_types import Array, PRNGKeyArray, State


def name_key(key: PRNGKeyArray, name: str) -> PRNGKeyArray:
    """Child key of `key` for the child called `name`.

    Uses CRC32 of the name (not Python's `hash`, which changes between processes), so
    the same key and name give the same child key in every process.
    """
    return _random.fold_in(key, zlib.crc32(name.encode()) & 0x7FFFFFFF)


class Context(eqx.Module):
    """What every call of `step` shares: the time, the time step, the step index, a key.

    A step advances the state from time `t` to `t + dt`.

    **Arguments:**

    - `t`: time at the start of the step (ms), in floating point (float32 unless x64 is
      on): fine for smooth dependence on time, but only as exact as its precision
      (0.25 ms at one hour, 4 ms at ten hours).
    - `dt`: the time step (ms); a Python float, so it is static under `jit`.
    - `i`: index of the step, an integer: the step starts at `i * dt` (in `dx.simulate`,
      whose `t0` is a whole number of steps). Exact timing (edges, phases, spike
      times) uses `i`; see `dx.AbstractTimed`.
    - `key`: PRNG key for this step, or `None` when the run was given no key.
      Children get independent keys with `ctx.child(name)`.
    """

    t: Array
    dt: float = eqx.field(static=True)
    i: Array
    key: PRNGKeyArray | None = None

    def __check_init__(self):
        check_dt(self.dt)
        if not isinstance(self.dt, float | int):  # static under jit
            raise TypeError(f"dt must be a Python number (ms), got dt={self.dt!r}.")

    def child(self, name: str) -> "Context":
        """The context seen by the child called `name`: same time, independent key."""
        if self.key is None:
            return self
        return Context(self.t, self.dt, self.i, name_key(self.key, name))

    def require_key(self, who: str) -> PRNGKeyArray:
        """`self.key`, or a clear error naming `who` needs it."""
        if self.key is None:
            raise ValueError(
                f"{who} is random and needs a PRNG key: pass key=jax.random.key(seed) "
                "to dx.simulate (or a Context with a key to step)."
            )
        return self.key


class DynamicalSystem(eqx.Module):
    """Base of every model: an immutable pytree whose fields are its parameters.

    A model holds no state. `init` makes the initial state (an `eqx.Module` for a leaf
    model, a dict of child states for a composite) and `step` advances it by one time
    step `ctx.dt`, purely: no side effects, no globals, the same output for the same
    arguments. Outputs that other models read (spikes, rates, currents) live in the state.
    Continuous dynamics may also be exposed as `vector_field(t, y, args)`, with Diffrax's
    signature, so that `diffrax.ODETerm(model.vector_field)` works.
    """

    @abc.abstractmethod
    def init(self, key: PRNGKeyArray | None = None) -> State:
        """The initial state. `key` is needed only by models with random initial states."""

    @abc.abstractmethod
    def step(self, state: State, input: Any, ctx: Context) -> State:
        """The state after one time step `ctx.dt` from `state`, under `input`."""


class AbstractTimed(eqx.Module):
    """A model or input with times (ms) that become whole steps once `dt` is known.

    `dx.simulate` calls `with_dt(dt)` on every such part of the model and of `inputs=`
    before the run, on the host and in float64, and runs what it returns: a signal's
    edges turned into step indices, a spike train's times into steps, a rate checked
    against `dt`. Inside the compiled loop, time is then the integer step `ctx.i`, exact
    however long the run, while a float32 `ctx.t` is 0.25 ms coarse after an hour.

    A part of a state may be timed too: `dx.simulate` also calls `with_dt` on the state,
    so that what an unprepared model's `init()` could not size (a `dx.PendingDelay`, the
    ring buffer of a delay in ms) becomes its value for `dt`.
    """

    @abc.abstractmethod
    def with_dt(self, dt: float) -> "AbstractTimed":
        """This model prepared for steps of `dt` ms; raises `ValueError` when a
        parameter does not fit that step (naming it)."""


def with_dt(tree: Any, dt: float) -> Any:
    """`tree` with every `AbstractTimed` in it replaced by its `with_dt(dt)`, innermost
    first (a spike source whose rate is a timed signal gets the prepared signal)."""

    def visit(x):
        if not isinstance(x, AbstractTimed):
            return x
        inner = jtu.tree_map(visit, x, is_leaf=lambda y: y is not x and _is_timed(y))
        return inner.with_dt(dt)

    return jtu.tree_map(visit, tree, is_leaf=_is_timed)


def _is_timed(x: Any) -> bool:
    return isinstance(x, AbstractTimed)


# --------------------------------------------------------------------------------------
# Paths into states: "E.v" is state["E"].v.


def _children(node: Any) -> dict[str, Any] | None:
    if isinstance(node, dict):
        return {str(k): v for k, v in node.items()}
    if isinstance(node, tuple | list) and not hasattr(node, "_fields"):
        return {str(i): v for i, v in enumerate(node)}
    if isinstance(node, eqx.Module) or hasattr(node, "_fields"):
        names = node._fields if hasattr(node, "_fields") else _module_field_names(node)
        return {n: getattr(node, n) for n in names}
    return None


def _module_field_names(module: eqx.Module) -> list[str]:
    return [f.name for f in dataclasses.fields(module) if not f.metadata.get("static", False)]


def state_paths(state: State) -> list[str]:
    """Every path to an array in `state`, e.g. `["E.spike", "E.v", "E2I.syn.g"]`."""
    out = []

    def walk(node, prefix):
        children = _children(node)
        if children is None:
            if eqx.is_array(node):
                out.append(prefix)
            return
        for name, child in children.items():
            walk(child, f"{prefix}.{name}" if prefix else name)

    walk(state, "")
    return out


def get_path(state: State, path: str) -> Any:
    """The part of `state` at `path` (dot-separated: `"E.v"` is `state["E"].v`).

    Raises `KeyError` listing the valid paths when `path` names nothing.
    """
    node = state
    for part in path.split("."):
        children = _children(node)
        if children is None or part not in children:
            raise KeyError(
                f"unknown state path {path!r}; valid paths are: {', '.join(state_paths(state))}"
            )
        node = children[part]
    return node


def _key_name(key: Any) -> str:
    for attr in ("key", "name", "idx"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)


def leaf_paths(tree: State) -> list[str]:
    """The dotted path (`"E.v"`) of every leaf of `tree`, in `jax.tree_util` order."""
    return [".".join(map(_key_name, p)) for p, _ in jtu.tree_flatten_with_path(tree)[0]]


def check_dt(dt: Any, name: str = "dt") -> None:
    """Raise one clear `ValueError` unless the time step `dt` (or another duration named
    `name`) is a positive, finite number of ms. A traced value (under `jit`/`vmap`) passes
    unchecked."""
    if isinstance(dt, jax.core.Tracer):
        return
    try:
        ok = not isinstance(dt, bool) and np.ndim(dt) == 0 and bool(0 < float(dt) < np.inf)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a positive number (ms), got {name}={dt!r}.")


def as_float_array(
    x: Any, name: str, *, positive: bool = False, nonnegative: bool = False
) -> Array:
    """`jnp.asarray(x)` as a float array; with `positive` (`nonnegative`) check `x > 0`
    (`x >= 0`) where `x` is concrete, raising a `ValueError` that names `name`."""
    arr = jnp.asarray(x)
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        arr = arr.astype(jnp.result_type(float))
    if positive or nonnegative:
        try:
            concrete = np.asarray(arr)
        except jax.errors.TracerArrayConversionError:  # traced (e.g. under vmap): unchecked
            return arr
        if not np.all(concrete > 0 if positive else concrete >= 0):
            kind = "positive" if positive else "non-negative"
            raise ValueError(f"{name} must be {kind}, got {name}={x!r}.")
    return arr
