"""Scale-free connectivity grown by preferential attachment (Barabási–Albert, Holme–Kim)."""

import numbers

import equinox as eqx
import numpy as np

from .._custom_types import PRNGKeyArray
from ._base import AbstractConnector, check_bool, check_budget, check_prob, check_sizes, numpy_rng
from ._coo import COO
from ._csr import CSR


class _Uniforms:
    """Uniform numbers in [0, 1) one at a time, drawn from a NumPy generator in batches
    (a Python loop calling `rng.random()` per number would spend most of its time there)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.buffer: list[float] = []

    def __call__(self) -> float:
        if not self.buffer:
            self.buffer = self.rng.random(1 << 14).tolist()[::-1]
        return self.buffer.pop()


def _pick(repeated: list, m: int, uniform: _Uniforms, exclude=()) -> list:
    """`m` distinct nodes, each draw proportional to its count in `repeated`."""
    chosen: list = []
    seen = set(exclude)
    while len(chosen) < m:
        node = repeated[int(uniform() * len(repeated))]
        if node not in seen:
            seen.add(node)
            chosen.append(node)
    return chosen


def _check_m(m, name: str) -> None:
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
        raise ValueError(f"{name} must be a positive int, got {name}={m!r}.")


# Peak memory per synapse: Python lists of the growth (edges, degrees, neighbours), then
# the int64 arrays sorted into a CSR (measured at 2 million synapses, rounded up).
_BYTES = 64


def _budget(name: str, edges: float, n: int, directed: bool) -> None:
    check_budget(f"{name}(...)({n}, {n})", edges * (1 if directed else 2), _BYTES)


def _graph(src: list, dst: list, n: int, directed: bool) -> CSR:
    """CSR of the edges `src -> dst`, and `dst -> src` too unless `directed`."""
    rows, cols = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    if not directed:
        rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    return COO(rows, cols, n, n).to_csr()


def _grow(n: int, m0: int, sizes, uniform: _Uniforms, triad: float = 0.0):
    """Grow a graph: node `m0` links to the `m0` initial nodes (a star), each later node
    `s` to `sizes(s)` distinct earlier nodes, chosen proportionally to their degree."""
    new, old = [m0] * m0, list(range(m0))  # edge e joins new[e] to the earlier old[e]
    neighbours = [[m0] for _ in range(m0)] + [list(range(m0))] + [[] for _ in range(n - m0 - 1)]
    repeated = list(range(m0)) + [m0] * m0  # node v appears degree(v) times
    for source in range(m0 + 1, n):
        m = sizes(source)
        targets = _pick(repeated, m, uniform)[::-1]
        linked: set[int] = set()
        order: list[int] = []
        while len(order) < m:
            target = targets.pop() if targets else _pick(repeated, 1, uniform, linked)[0]
            if target in linked:
                continue
            linked.add(target)
            order.append(target)
            # Holme–Kim: with probability `triad`, the next edge closes a triangle
            # through `target` instead (to a neighbour of it not yet linked).
            while len(order) < m and triad and uniform() < triad:
                options = [v for v in neighbours[target] if v not in linked]
                if not options:
                    break
                v = options[int(uniform() * len(options))]
                linked.add(v)
                order.append(v)
        for t in order:
            neighbours[t].append(source)
        neighbours[source] = order
        new.extend([source] * m)
        old.extend(order)
        repeated.extend(order)
        repeated.extend([source] * m)
    return new, old


class ScaleFreeBA(AbstractConnector):
    r"""A scale-free graph grown by preferential attachment (Barabási–Albert).

    Starting from `m` unconnected neurons, neurons `m, m + 1, …, n - 1` join one at a
    time, each linking to `m` distinct earlier neurons chosen with probability
    proportional to their degree (the first joiner links to all `m`, a star). The graph has
    exactly $m (n - m)$ edges and a degree distribution with the power-law tail
    $P(k) \propto k^{-3}$. Undirected by default: each edge is a synapse in both
    directions (`nnz = 2 m (n - m)`); with `directed=True`, only from the newer neuron
    to the older one.

    Called as `ScaleFreeBA(m)(n, n, key)`. Growth is sequential (a Python loop over
    neurons, about a second per 10⁵ neurons at `m = 3`).

    **Arguments:**

    - `m`: edges each new neuron brings, `1 <= m < n`.
    - `directed`: keep only the new → old direction of each edge.

    ??? cite "Reference"

        Barabási, A.-L., & Albert, R. (1999). Emergence of scaling in random networks.
        *Science*, 286(5439), 509–512.
    """

    m: int = eqx.field(static=True)
    directed: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        _check_m(self.m, "m")
        check_bool(self.directed, "directed")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = True
    ) -> CSR:
        n, _ = check_sizes(pre, post, True)
        m = int(self.m)
        if m >= n:
            raise ValueError(f"m must be smaller than the number of neurons, got m={m}, n={n}.")
        _budget("ScaleFreeBA", m * (n - m), n, self.directed)
        uniform = _Uniforms(numpy_rng(key))
        src, dst = _grow(n, m, lambda s: m, uniform)
        return _graph(src, dst, n, self.directed)


class ScaleFreeBADual(AbstractConnector):
    r"""Barabási–Albert growth where each new neuron brings `m1` edges with probability
    `p` and `m2` edges otherwise (the dual Barabási–Albert model).

    Start: neuron $M = \max(m_1, m_2)$ links to neurons $0, …, M - 1$ (a star). Each
    later neuron links to `m1` (probability `p`) or `m2` distinct earlier neurons,
    chosen with probability proportional to their degree. The mean number of edges is
    $M + (n - M - 1) (p\, m_1 + (1 - p)\, m_2)$. `p = 1` is `ScaleFreeBA(m1)`.
    Undirected by default (each edge a synapse both ways).

    **Arguments:**

    - `m1`, `m2`: the two numbers of edges, positive ints smaller than `n`.
    - `p`: probability of bringing `m1` edges, in `[0, 1]`.
    - `directed`: keep only the new → old direction of each edge.

    ??? cite "References"

        Barabási, A.-L., & Albert, R. (1999). Emergence of scaling in random networks.
        *Science*, 286(5439), 509–512.

        Moshiri, N. (2018). The dual-Barabási-Albert model. arXiv:1810.10538.
    """

    m1: int = eqx.field(static=True)
    m2: int = eqx.field(static=True)
    p: float = eqx.field(static=True)
    directed: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        _check_m(self.m1, "m1")
        _check_m(self.m2, "m2")
        check_prob(self.p, "p")
        check_bool(self.directed, "directed")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = True
    ) -> CSR:
        n, _ = check_sizes(pre, post, True)
        m0 = max(int(self.m1), int(self.m2))
        if m0 >= n:
            raise ValueError(
                f"m1 and m2 must be smaller than the number of neurons, got m1={self.m1}, "
                f"m2={self.m2}, n={n}."
            )
        m1, m2, p = int(self.m1), int(self.m2), float(self.p)
        _budget("ScaleFreeBADual", m0 * (n - m0), n, self.directed)  # at most
        uniform = _Uniforms(numpy_rng(key))
        src, dst = _grow(n, m0, lambda s: m1 if uniform() < p else m2, uniform)
        return _graph(src, dst, n, self.directed)


class PowerLaw(AbstractConnector):
    r"""A scale-free graph with tunable clustering (Holme–Kim): Barabási–Albert growth
    with triad formation.

    Each new neuron brings `m` edges. The first goes to an earlier neuron chosen with
    probability proportional to its degree; after each such preferential link to a
    neuron `t`, with probability `p` the next edge closes a triangle instead, going to a
    random neighbour of `t` (when one is not yet linked). Exactly $m (n - m)$ edges; the
    degree distribution keeps the $k^{-3}$ tail while the clustering coefficient grows
    with `p` (`p = 0` is `ScaleFreeBA(m)`, up to the random stream). Undirected by
    default.

    **Arguments:**

    - `m`: edges each new neuron brings, `1 <= m < n`.
    - `p`: probability of a triad-formation step after a preferential link, in `[0, 1]`.
    - `directed`: keep only the new → old direction of each edge.

    ??? cite "Reference"

        Holme, P., & Kim, B. J. (2002). Growing scale-free networks with tunable
        clustering. *Physical Review E*, 65(2), 026107.
    """

    m: int = eqx.field(static=True)
    p: float = eqx.field(static=True)
    directed: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        _check_m(self.m, "m")
        check_prob(self.p, "p")
        check_bool(self.directed, "directed")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = True
    ) -> CSR:
        n, _ = check_sizes(pre, post, True)
        m = int(self.m)
        if m >= n:
            raise ValueError(f"m must be smaller than the number of neurons, got m={m}, n={n}.")
        _budget("PowerLaw", m * (n - m), n, self.directed)
        uniform = _Uniforms(numpy_rng(key))
        src, dst = _grow(n, m, lambda s: m, uniform, triad=float(self.p))
        return _graph(src, dst, n, self.directed)
