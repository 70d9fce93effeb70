"""Checkpoints: save a state (or a model, or both) to a file and load it back."""

import os
from typing import Any

import equinox as eqx
import jax.tree_util as jtu


def save(path: str | os.PathLike, tree: Any) -> None:
    """Write the arrays of `tree` (a state, a model, a dict of both, ...) to `path`.

    Only array leaves are stored (`eqx.tree_serialise_leaves`); the structure comes back
    from the `like` argument of `load`. To resume a run, save the final state together
    with the time it reached, e.g. `save(path, {"state": state, "t": records["t"][-1]})`.
    """
    eqx.tree_serialise_leaves(path, tree)


def load(path: str | os.PathLike, like: Any) -> Any:
    """Read a tree saved by `save`; `like` has the same structure, shapes and dtypes
    (e.g. `model.init(key)` for a state, the model built the same way for a model, or
    `eqx.filter_eval_shape(...)` of either)."""
    try:
        return eqx.tree_deserialise_leaves(path, like)
    except (RuntimeError, ValueError, OSError) as e:
        leaves = len(jtu.tree_leaves(like))
        raise ValueError(
            f"cannot load {os.fspath(path)!r} into a tree like the one given ({leaves} leaves): {e}"
        ) from e
