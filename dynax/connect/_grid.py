"""Nearest-neighbour connectivity on 2-d grids (von Neumann and Moore neighbourhoods)."""

import numbers

import equinox as eqx
import numpy as np

from .._custom_types import PRNGKeyArray
from ._base import AbstractConnector, check_bool, check_budget
from ._csr import CSR


def _shape(x, name: str) -> tuple[int, int]:
    if (
        not isinstance(x, tuple)
        or len(x) != 2
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in x)
        or min(x) <= 0
    ):
        raise ValueError(f"{name} must be a 2-d grid shape (h, w) of positive ints, got {x!r}.")
    return int(x[0]), int(x[1])


def _grid(offsets, include_self: bool, periodic: bool, pre, post) -> CSR:
    shape = _shape(pre, "pre")
    if _shape(post, "post") != shape:
        raise ValueError(f"pre and post must be the same grid, got {pre} and {post}.")
    h, w = shape
    if include_self:
        offsets = [(0, 0), *offsets]
    # At most one synapse per offset and cell; int64 (row, column) lists, their keys and
    # the sort that de-duplicates them peak at about 48 bytes a synapse (measured).
    check_budget(f"a {h} x {w} grid", h * w * min(len(offsets), h * w), 48)
    y, x = np.divmod(np.arange(h * w, dtype=np.int64), w)
    rows, cols = [], []
    for dy, dx in offsets:
        ty, tx = y + dy, x + dx
        if periodic:
            ty, tx = ty % h, tx % w
            keep = slice(None)
        else:
            keep = (ty >= 0) & (ty < h) & (tx >= 0) & (tx < w)
        rows.append(y[keep] * w + x[keep])
        cols.append(ty[keep] * w + tx[keep])
    # A small periodic grid reaches the same cell through two offsets: keep it once.
    keys = np.unique(np.concatenate(rows) * (h * w) + np.concatenate(cols))
    pre_idx, post_idx = np.divmod(keys, h * w)
    indptr = np.zeros(h * w + 1, np.int64)
    np.cumsum(np.bincount(pre_idx, minlength=h * w), out=indptr[1:])
    return CSR(indptr, post_idx, h * w)


def _square(n: int):
    return [(dy, dx) for dy in range(-n, n + 1) for dx in range(-n, n + 1) if dy or dx]


class GridFour(AbstractConnector):
    """Each cell of a 2-d grid connects to its 4 nearest neighbours (von Neumann
    neighbourhood: up, down, left, right).

    Called as `GridFour()((h, w), (h, w))`: pre and post are the same `(h, w)` grid,
    neuron `k` being cell `divmod(k, w)` (row-major). Cells on the border have fewer
    neighbours unless `periodic`. The key is not used.

    **Arguments:**

    - `include_self`: whether each cell also connects to the cell at its own position.
    - `periodic`: wrap around the edges (a torus).
    """

    include_self: bool = eqx.field(static=True, default=False)
    periodic: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_bool(self.include_self, "include_self")
        check_bool(self.periodic, "periodic")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        offsets = [(-1, 0), (1, 0), (0, -1), (0, 1)]
        return _grid(offsets, self.include_self, self.periodic, pre, post)


class GridEight(AbstractConnector):
    """Each cell of a 2-d grid connects to its 8 nearest neighbours (Moore
    neighbourhood: the 3 × 3 square around it); `GridN(1)`.

    Called as `GridEight()((h, w), (h, w))`, like `dx.connect.GridFour`.

    **Arguments:**

    - `include_self`: whether each cell also connects to the cell at its own position.
    - `periodic`: wrap around the edges (a torus).
    """

    include_self: bool = eqx.field(static=True, default=False)
    periodic: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_bool(self.include_self, "include_self")
        check_bool(self.periodic, "periodic")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        return _grid(_square(1), self.include_self, self.periodic, pre, post)


class GridN(AbstractConnector):
    """Each cell of a 2-d grid connects to the $(2n + 1)^2 - 1$ cells of the
    $(2n + 1) \\times (2n + 1)$ square centred on it.

    Called as `GridN(n)((h, w), (h, w))`, like `dx.connect.GridFour`.

    **Arguments:**

    - `n`: the half-width of the square, a positive int (`GridN(1)` is `GridEight()`).
    - `include_self`: whether each cell also connects to the cell at its own position.
    - `periodic`: wrap around the edges (a torus).
    """

    n: int = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=False)
    periodic: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        if isinstance(self.n, bool) or not isinstance(self.n, numbers.Integral) or self.n < 1:
            raise ValueError(f"n must be a positive int, got n={self.n!r}.")
        check_bool(self.include_self, "include_self")
        check_bool(self.periodic, "periodic")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        return _grid(_square(int(self.n)), self.include_self, self.periodic, pre, post)
