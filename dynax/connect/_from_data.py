"""Connectivity from user data: dense matrices, index pairs, SciPy sparse matrices, graphs."""

import numpy as np

from .._custom_types import PyTree
from ._base import check_size
from ._coo import COO
from ._csr import CSR


def from_dense(matrix, *, values: bool = False):
    """Connectivity with a synapse wherever `matrix` is nonzero (or True).

    **Arguments:**

    - `matrix`: an `(n_pre, n_post)` array: a boolean mask or a weight matrix.
    - `values`: if True, return `(csr, w)`, `w` the nonzero entries in CSR order (the
      per-synapse weights).
    """
    m = np.asarray(matrix)
    if m.ndim != 2 or 0 in m.shape:
        raise ValueError(f"matrix must be a non-empty (n_pre, n_post) array, got {m.shape}.")
    rows, cols = np.nonzero(m)
    indptr = np.zeros(m.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=m.shape[0]), out=indptr[1:])
    csr = CSR(indptr, cols, m.shape[1])
    return (csr, m[rows, cols]) if values else csr


def from_ij(pre, post, n_pre: int, n_post: int, *, data: PyTree = None):
    """Connectivity from the (pre, post) index pairs of its synapses, in any order.

    Sorted into CSR order (by pre, then post; a repeated pair keeps its synapses in
    their given order). Same as `dx.connect.COO(pre, post, n_pre, n_post).to_csr()`.

    **Arguments:**

    - `pre`, `post`: `(nnz,)` integer arrays, synapse `s` going from `pre[s]` to `post[s]`.
    - `n_pre`, `n_post`: the population sizes.
    - `data`: optional per-synapse array(s) in the order of the pairs; then the result is
      `(csr, data)` with `data` in CSR order.
    """
    return COO(pre, post, n_pre, n_post).to_csr(data)


def from_scipy(matrix, *, values: bool = False):
    """Connectivity from a `scipy.sparse` matrix or array: a synapse per stored entry.

    Duplicate entries are summed (SciPy's convention) and explicitly stored zeros stay
    synapses. SciPy is not needed by dynax itself: any object with a `tocsr()` method
    returning `indptr`, `indices`, `data` and `shape` works.

    **Arguments:**

    - `matrix`: an `(n_pre, n_post)` sparse matrix.
    - `values`: if True, return `(csr, w)` with the stored values in CSR order.
    """
    if not hasattr(matrix, "tocsr"):
        raise ValueError(f"matrix must be a scipy.sparse matrix, got {type(matrix).__name__}.")
    m = matrix.tocsr(copy=True)
    m.sum_duplicates()  # also sorts the indices of each row
    csr = CSR(m.indptr, m.indices, m.shape[1])
    if csr.n_pre != m.shape[0]:
        raise ValueError(f"matrix has {m.shape[0]} rows but indptr describes {csr.n_pre}.")
    return (csr, np.asarray(m.data)) if values else csr


def from_networkx(graph, *, nodelist=None, weight: str | None = None):
    """Connectivity from a `networkx` graph: neuron `i` is the `i`-th node of `nodelist`.

    A directed edge `u -> v` is a synapse from `u` to `v`; an undirected edge is a
    synapse each way (a self-loop, one). Parallel edges of a multigraph are separate
    synapses. `networkx` is optional: it is imported only here.

    **Arguments:**

    - `graph`: a `networkx.Graph`, `DiGraph`, `MultiGraph` or `MultiDiGraph`.
    - `nodelist`: the nodes in neuron order; default `list(graph)`.
    - `weight`: name of an edge attribute; if given, return `(csr, w)` with the
      attribute of each synapse in CSR order (1.0 where an edge lacks it).
    """
    try:
        import networkx as nx
    except ImportError as e:
        raise ImportError(
            "from_networkx needs networkx, which dynax does not install: `pip install networkx`."
        ) from e
    if not isinstance(graph, nx.Graph):
        raise ValueError(f"graph must be a networkx graph, got {type(graph).__name__}.")
    nodes = list(graph) if nodelist is None else list(nodelist)
    index = {node: i for i, node in enumerate(nodes)}
    if len(index) != len(nodes) or set(index) != set(graph):
        raise ValueError("nodelist must list every node of graph exactly once.")
    n = check_size(len(nodes), "the number of nodes")
    edges = list(graph.edges(data=weight, default=1.0)) if weight else list(graph.edges())
    src = np.array([index[e[0]] for e in edges], np.int64)
    dst = np.array([index[e[1]] for e in edges], np.int64)
    w = np.array([e[2] for e in edges], float) if weight else None
    if not graph.is_directed():
        back = src != dst
        src, dst = np.concatenate([src, dst[back]]), np.concatenate([dst, src[back]])
        if weight:
            assert w is not None  # made above when `weight`
            w = np.concatenate([w, w[back]])
    return from_ij(src, dst, n, n, data=w)
