"""Random connectivity with a fixed connection probability (Erdős–Rényi)."""

import equinox as eqx
import jax
import numpy as np

from .._custom_types import PRNGKeyArray
from ._csr import CSR


def _numpy_rng(key: PRNGKeyArray) -> np.random.Generator:
    return np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel().tolist())


class FixedProb(eqx.Module):
    """Each pair (pre, post) is connected independently with probability `prob`.

    Generation skips over the pair index space with geometric gaps, so it costs
    O(connections), not O(n_pre × n_post), and is exactly Bernoulli per pair.

    **Arguments:**

    - `prob`: connection probability in `[0, 1]`.
    - `include_self`: whether neuron `i` may connect to itself when pre and post are the
      same population (`connector(n, n, key, same_population=True)`).

    Calling `FixedProb(prob)(n_pre, n_post, key)` returns a `dx.connect.CSR`; the same
    key gives the same connectivity.
    """

    prob: float = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        if not 0.0 <= self.prob <= 1.0:
            raise ValueError(f"prob must lie in [0, 1], got prob={self.prob!r}.")

    def __call__(
        self, n_pre: int, n_post: int, key: PRNGKeyArray, *, same_population: bool = False
    ) -> CSR:
        for name, n in (("n_pre", n_pre), ("n_post", n_post)):
            if not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"{name} must be a positive int, got {name}={n!r}.")
        rng = _numpy_rng(key)
        total = n_pre * n_post
        if self.prob == 0.0:
            flat = np.zeros(0, np.int64)
        elif self.prob == 1.0:
            flat = np.arange(total, dtype=np.int64)
        else:
            expected = total * self.prob
            draws = int(expected + 8 * np.sqrt(expected) + 64)
            flat = np.empty(0, np.int64)
            start = -1
            while start < total:  # almost always a single pass
                gaps = rng.geometric(self.prob, size=draws)
                pos = start + np.cumsum(gaps)
                flat = np.concatenate([flat, pos[pos < total]])
                start = int(pos[-1])
        rows, cols = np.divmod(flat, n_post)
        if same_population and not self.include_self:
            keep = rows != cols
            rows, cols = rows[keep], cols[keep]
        indptr = np.zeros(n_pre + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n_pre), out=indptr[1:])
        return CSR(indptr, cols, n_post)
