"""Per-synapse data (weights, delays) carried through format conversions."""

import weakref

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, PyTree


def reorder(data: PyTree, index, nnz: int) -> PyTree:
    """Take `index` along the leading axis of every per-synapse leaf of `data`.

    Scalars (a weight shared by every synapse) pass through unchanged.
    """
    index = jnp.asarray(index)

    def take(x):
        x = jnp.asarray(x)
        if x.ndim == 0:
            return x
        if x.shape[0] != nnz:
            raise ValueError(
                f"per-synapse data must have a leading axis of length nnz={nnz}, got shape "
                f"{x.shape}."
            )
        return x[index]

    return jax.tree.map(take, data)


def with_data(conn, data: PyTree, index, nnz: int):
    """`conn` alone, or `(conn, data reordered by index)` when `data` is given."""
    return conn if data is None else (conn, reorder(data, index, nnz))


def lex_order(major, minor, n_minor: int) -> np.ndarray:
    """The stable order that sorts synapses by `(major, minor)`; ties keep their order."""
    major = np.asarray(major, np.int64)
    key = major * n_minor + np.asarray(minor, np.int64)
    return np.argsort(key, kind="stable")


def host_int(x, name: str) -> np.ndarray:
    """A 1-d host integer array (no copy when it already is one)."""
    x = np.asarray(x)
    if x.size == 0:
        x = x.astype(np.int32)
    if x.ndim != 1 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-d integer array, got {x.dtype} of shape {x.shape}.")
    return x


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialised array whose data is 64-byte aligned, which JAX can adopt on CPU
    without a copy (`jnp.asarray` of an unaligned array copies, slowly)."""
    shape = tuple(np.atleast_1d(shape))
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buf = np.empty(nbytes + 64, np.uint8)
    offset = -buf.ctypes.data % 64
    return buf[offset : offset + nbytes].view(dtype).reshape(shape)


# Arrays the connectors built and handed over (id -> array, forgotten when freed).
_HANDED_OVER: "weakref.WeakValueDictionary[int, np.ndarray]" = weakref.WeakValueDictionary()


def as_int32(x: np.ndarray) -> Array:
    """A JAX int32 array of `x`. An aligned int32 array that a connector built and handed
    over (`handed_over`) is adopted without a copy; anything else, in particular a
    caller's array, is copied first, so later writes to it cannot reach the
    connectivity."""
    if _HANDED_OVER.get(id(x)) is not x:
        copy = aligned_empty(x.shape, np.int32)
        copy[...] = x
        x = copy
    return jax.device_put(x)


def handed_over(x: np.ndarray) -> np.ndarray:
    """Mark a fresh, aligned int32 array that nobody else holds: `as_int32` may adopt it."""
    assert x.dtype == np.int32 and x.flags.c_contiguous
    assert x.size == 0 or x.ctypes.data % 64 == 0
    x.flags.writeable = False
    _HANDED_OVER[id(x)] = x
    return x


def _concrete(*xs) -> bool:
    return not any(isinstance(x, jax.core.Tracer) for x in xs)


def dense(n_pre: int, n_post: int, rows, cols, weight, nnz: int) -> Array:
    """The `(n_pre, n_post)` matrix with `weight` added at each (row, col)."""
    dtype = jnp.result_type(float)
    if _concrete(rows, cols, weight):  # on the host: no compilation per shape
        flat = np.asarray(rows, np.int64) * n_post + np.asarray(cols)
        w = np.broadcast_to(np.asarray(weight, dtype), (nnz,))
        out = np.bincount(flat, weights=w, minlength=n_pre * n_post).astype(dtype)
        return jnp.asarray(out.reshape(n_pre, n_post))
    w_traced = jnp.broadcast_to(jnp.asarray(weight, dtype), (nnz,))
    return jnp.zeros((n_pre, n_post), dtype).at[rows, cols].add(w_traced)


def mask(n_pre: int, n_post: int, rows, cols) -> Array:
    """The `(n_pre, n_post)` boolean matrix, True at each (row, col)."""
    if _concrete(rows, cols):
        out = np.zeros((n_pre, n_post), bool)
        out[np.asarray(rows), np.asarray(cols)] = True
        return jnp.asarray(out)
    return jnp.zeros((n_pre, n_post), bool).at[rows, cols].set(True)


def split_data(data: PyTree, cut) -> PyTree:
    """`data` (per-connection arrays and scalars) for one block of a format's
    `column_blocks`: `cut(x)` of each array leaf (a NumPy array), as a JAX array of its
    dtype; scalars and other leaves as they are."""

    def one(x):
        if np.ndim(x) == 0:
            return x
        host = np.asarray(x)
        return jnp.asarray(cut(host).astype(host.dtype))

    return jax.tree.map(one, data)
