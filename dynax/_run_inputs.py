"""What `simulate` makes of `inputs=`: sources, functions of the context, constants and
time series, split by kind."""

from typing import Any

import equinox as eqx
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from ._custom_types import PRNGKeyArray
from ._system import Context, name_key
from .inputs import AbstractSource, TimeSeries
from .inputs._base import step_input


def _is_input_leaf(x: Any) -> bool:
    return isinstance(x, AbstractSource | TimeSeries) or (callable(x) and not eqx.is_array(x))


def _input_kind(x: Any, name: str) -> str:
    if isinstance(x, AbstractSource):
        return "source"
    if isinstance(x, TimeSeries):
        return "array"
    if callable(x) and not eqx.is_array(x):
        return "function"
    if isinstance(x, int | float | bool | np.number) or jnp.ndim(x) == 0:
        return "constant"
    if jnp.ndim(x) == 1:
        # One value per step, or one per neuron? A rule on the length would decide by
        # coincidence (a population of as many neurons as the run has steps).
        raise ValueError(
            f"{name} is a 1-d array of shape {jnp.shape(x)}, which could mean one value per "
            "step or one per neuron: wrap it as dx.inputs.TimeSeries(values, dt) (per step) "
            "or dx.inputs.Constant(values) (per neuron)."
        )
    return "array"


class Inputs(eqx.Module):
    """`inputs=` split by kind: sources (stateful), functions of the context, constants
    and arrays with a leading time axis (scanned alongside the steps)."""

    leaves: list
    treedef: Any = eqx.field(static=True)
    kinds: tuple[str, ...] = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, inputs: Any):
        leaves, self.treedef = jtu.tree_flatten(inputs, is_leaf=_is_input_leaf)
        paths = jtu.tree_flatten_with_path(inputs, is_leaf=_is_input_leaf)[0]
        self.names = tuple("inputs" + jtu.keystr(p) for p, _ in paths)
        self.kinds = tuple(_input_kind(x, name) for x, name in zip(leaves, self.names))
        # Constants become arrays, so that a new value does not force a recompilation.
        self.leaves = [
            jnp.asarray(x) if kind == "constant" else x for x, kind in zip(leaves, self.kinds)
        ]

    def init(self, key: PRNGKeyArray | None) -> list:
        return [
            x.init(None if key is None else name_key(key, name)) if kind == "source" else None
            for x, kind, name in zip(self.leaves, self.kinds, self.names)
        ]

    def split_arrays(self, dt: float, n_steps: int) -> tuple["Inputs", list]:
        """(these inputs with the time-first arrays taken out, those arrays), checking
        that each array has `n_steps` steps (of `dt` ms, for a `TimeSeries`)."""
        arrays: list[Any] = []
        for x, kind, name in zip(self.leaves, self.kinds, self.names):
            if kind != "array":
                arrays.append(None)
                continue
            if isinstance(x, TimeSeries):
                x.check(dt, n_steps, name)
                x = x.values
            elif jnp.shape(x)[0] != n_steps:
                raise ValueError(
                    f"{name} is an array of shape {jnp.shape(x)}, so its leading axis is "
                    f"time: expected {n_steps} steps (wrap per-neuron values in "
                    "dx.inputs.Constant)."
                )
            arrays.append(x)
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
