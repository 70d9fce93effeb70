"""The connectivity family, and the conditions that its arrays must satisfy."""

import abc
from typing import Any, NamedTuple

import equinox as eqx
import jax
import numpy as np

INT32_MAX = 2**31 - 1


class Pointers(NamedTuple):
    """`array` (field `field` of the format) is a row-pointer array: shape
    `(n_rows + 1,)`, integer, non-decreasing from 0 to `total`, no row longer than
    `longest` (None: any length, any row)."""

    field: str
    array: Any
    n_rows: int | None
    rows_name: str
    total: int
    total_name: str
    longest: int | None = None
    longest_name: str = ""


class Within(NamedTuple):
    """`array` (field `field` of the format) holds integers in `[0, high)`; its shape is
    `shape` (None: any length along that axis)."""

    field: str
    array: Any
    shape: tuple[int | None, ...]
    high: int
    high_name: str


Invariant = Pointers | Within


def length(x) -> int:
    """Length of the last axis of a 1-d array field, which leading axes may batch (0 for a
    field that holds no array, e.g. after `eqx.partition`)."""
    return x.shape[-1] if isinstance(x, jax.Array | np.ndarray | jax.ShapeDtypeStruct) else 0


class AbstractConnectivity(eqx.Module):
    """Connectivity from `n_pre` to `n_post` neurons in some format (`dx.connect.CSR`,
    `CSC`, `COO`, `FanOut`, `JitProb`).

    Besides its conversions, a format declares the conditions its arrays satisfy
    (`invariants`): row pointers that are non-decreasing from 0 to the number of
    connections, indices within the population sizes. Its constructor checks them;
    `dx.connect.validate` checks them again where arrays may have been replaced since
    (an `eqx.tree_at` edit, a loaded checkpoint), as `dx.simulate` does on every call.
    """

    n_pre: eqx.AbstractVar[int]
    n_post: eqx.AbstractVar[int]

    @abc.abstractmethod
    def invariants(self) -> tuple[Invariant, ...]:
        """The conditions on this connectivity's arrays, as `Pointers` and `Within`
        records naming each array's field (empty for connectivity with nothing stored)."""
