"""Deterministic connectivity: one-to-one and all-to-all."""

import equinox as eqx
import numpy as np

from .._custom_types import PRNGKeyArray
from ._base import AbstractConnector, check_bool, check_budget, check_sizes
from ._csr import CSR


class One2One(AbstractConnector):
    """Neuron `i` of `pre` connects to neuron `i` of `post` (sizes must match).

    The key is not used.
    """

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        n_pre, n_post = check_sizes(pre, post, same_population)
        if n_pre != n_post:
            raise ValueError(f"One2One needs n_pre == n_post, got {n_pre} and {n_post}.")
        return CSR(np.arange(n_pre + 1), np.arange(n_pre), n_post)


class All2All(AbstractConnector):
    """Every presynaptic neuron connects to every postsynaptic neuron.

    **Arguments:**

    - `include_self`: whether neuron `i` connects to itself when
      `same_population=True`.

    The key is not used. The result has `n_pre × n_post` synapses: for large
    populations a dense weight matrix is the better representation.
    """

    include_self: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        check_bool(self.include_self, "include_self")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        n_pre, n_post = check_sizes(pre, post, same_population)
        skip = same_population and not self.include_self
        k = n_post - skip
        # Peak memory: the flattened int32 indices and their copy into the CSR (measured).
        check_budget(f"All2All()({n_pre}, {n_post})", n_pre * k, 8)
        cols = np.broadcast_to(np.arange(k, dtype=np.int32), (n_pre, k))
        if skip:
            cols = cols + (cols >= np.arange(n_pre, dtype=np.int32)[:, None])
        return CSR(np.arange(n_pre + 1, dtype=np.int64) * k, cols.ravel(), n_post)
