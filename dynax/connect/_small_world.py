"""Small-world connectivity: a ring lattice with randomly rewired links (Watts–Strogatz)."""

import numbers

import equinox as eqx
import numpy as np

from .._custom_types import PRNGKeyArray
from ._base import AbstractConnector, check_budget, check_prob, check_sizes, numpy_rng
from ._csr import CSR


class SmallWorld(AbstractConnector):
    """A ring lattice whose links are rewired at random: the Watts–Strogatz small world,
    directed.

    The `n` neurons sit on a ring; neuron `i` first links to its `k` nearest neighbours,
    `k / 2` on each side. Each of these links is then rewired independently with
    probability `p`: its target is replaced by a neuron drawn uniformly among those that
    are neither `i` nor already a target of `i`. Every neuron keeps exactly `k` targets
    (out-degree `k`; in-degrees spread as `p` grows), so `.to_fan_out()` gives a table
    without padding. `p = 0` is the lattice (high clustering, long paths), `p = 1` close
    to a random graph; in between, a few long-range links make paths short while
    clustering stays high. For the undirected graph of the paper, build it with
    `networkx.watts_strogatz_graph` and read it with `dx.connect.from_networkx`.

    Called as `SmallWorld(k, p)(n, n, key)`.

    **Arguments:**

    - `k`: number of neighbours on the ring, even, `2 <= k < n`.
    - `p`: rewiring probability in `[0, 1]`.

    ??? cite "Reference"

        Watts, D. J., & Strogatz, S. H. (1998). Collective dynamics of 'small-world'
        networks. *Nature*, 393(6684), 440–442.
    """

    k: int = eqx.field(static=True)
    p: float = eqx.field(static=True)

    def __check_init__(self):
        k = self.k
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 2 or k % 2:
            raise ValueError(f"k must be an even int >= 2, got k={k!r}.")
        check_prob(self.p, "p")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = True
    ) -> CSR:
        n, _ = check_sizes(pre, post, True)
        k = int(self.k)
        if k >= n:
            raise ValueError(f"k must be smaller than the number of neurons, got k={k}, n={n}.")
        # Peak memory: the int64 (n, k) table and its uniform draws, then each rewired
        # link's comparison with its row (k bytes), measured.
        check_budget(f"SmallWorld({k}, {self.p})({n}, {n})", n * k, 24 + 9 * self.p * k)
        rng = numpy_rng(key)
        half = np.arange(1, k // 2 + 1)
        offsets = np.concatenate([-half[::-1], half])
        node = np.arange(n)[:, None]
        targets = (node + offsets) % n
        targets[rng.random((n, k)) < self.p] = -1  # links to rewire
        while True:
            row, slot = np.nonzero(targets < 0)
            if row.size == 0:
                break
            cand = rng.integers(0, n, size=row.size)
            ok = (cand != row) & ~np.any(targets[row] == cand[:, None], axis=1)
            # Two empty slots of a row drew the same node: the first one takes it.
            first = np.zeros(row.size, bool)
            first[np.unique(row * n + cand, return_index=True)[1]] = True
            ok &= first
            targets[row[ok], slot[ok]] = cand[ok]
        targets.sort(axis=1)
        return CSR(np.arange(n + 1) * k, targets.ravel(), n)
