"""Type aliases shared across dynax (used in public signatures and fields)."""

from typing import Any, TypeAlias

import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray, PyTree, UInt

State: TypeAlias = PyTree[Any]
"""A model's state: an `eqx.Module` per leaf model, a dict of child states per composite."""

RealScalarLike: TypeAlias = float | int | np.floating | np.integer | Float[ArrayLike, ""]
"""A real number, a NumPy scalar or a 0-d array."""

__all__ = [
    "Array",
    "ArrayLike",
    "Bool",
    "Float",
    "Int",
    "PRNGKeyArray",
    "PyTree",
    "RealScalarLike",
    "State",
    "UInt",
]
