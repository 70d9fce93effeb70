"""Sparse products with dense float inputs, over CSR or COO (row, column) connectivity.

Conventions shared by all of `dx.ops`: a connectivity is a matrix $W$ of shape
`(n_pre, n_post)`; without `transpose` an operator computes $x W$ (presynaptic values to
postsynaptic sums), with `transpose=True` it computes $W x$; a mat-mat takes a batch
`(batch, n)` and equals a `jax.vmap` of the mat-vec over its first axis.
"""

from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float, Int

if TYPE_CHECKING:
    from ..connect import CSR


def coo_apply(
    x: Array,
    weight: Array,
    rows: Array,
    cols: Array,
    n_out: int,
    transpose: bool,
    sorted_targets: bool = False,
) -> Array:
    """$x W$ (or $W x$ with `transpose`) for `x` of shape `(n_in, batch)`, as `(n_out, batch)`;
    `sorted_targets`: the output indices (`cols`, or `rows` with `transpose`) are sorted."""
    src, dst = (cols, rows) if transpose else (rows, cols)
    contrib = x[src] if weight.ndim == 0 else x[src] * weight[:, None]
    out = jax.ops.segment_sum(contrib, dst, n_out, indices_are_sorted=sorted_targets)
    return out if weight.ndim else out * weight


def _checked_weight(weight: ArrayLike, nnz: int) -> Array:
    weight = jnp.asarray(weight)
    if weight.shape not in ((), (nnz,)):
        raise ValueError(f"weight has shape {weight.shape}, expected () or ({nnz},).")
    return weight


def check_input(x: Array, n: int, batched: bool, name: str = "x") -> None:
    expected = f"(batch, {n})" if batched else f"({n},)"
    if x.ndim != 1 + batched or x.shape[-1] != n:
        raise ValueError(f"{name} has shape {x.shape}, expected {expected}.")


def _as_columns(x: Array, batched: bool, dtype) -> Array:
    return (x.T if batched else x[:, None]).astype(dtype)


def _from_columns(y: Array, batched: bool) -> Array:
    return y.T if batched else y[:, 0]


def _coo(x, rows, cols, weight, shape, transpose, batched):
    rows, cols = jnp.asarray(rows), jnp.asarray(cols)
    if rows.ndim != 1 or rows.shape != cols.shape:
        raise ValueError(
            f"rows and cols must be 1-d of equal length, got {rows.shape}, {cols.shape}."
        )
    n_pre, n_post = shape
    weight = _checked_weight(weight, rows.shape[0])
    check_input(x, n_post if transpose else n_pre, batched)
    dtype = jnp.result_type(x.dtype, weight.dtype, float)
    n_out = n_pre if transpose else n_post
    y = coo_apply(
        _as_columns(x, batched, dtype), weight.astype(dtype), rows, cols, n_out, transpose
    )
    return _from_columns(y, batched)


def csr_matvec(
    x: Float[Array, " n_in"], conn: "CSR", weight: ArrayLike, *, transpose: bool = False
) -> Float[Array, " n_out"]:
    r"""$y = x W$, i.e. $y_j = \sum_i x_i W_{ij}$, for a dense float `x` and $W$ stored in
    `conn`; with `transpose=True`, $y = W x$, i.e. $y_i = \sum_j W_{ij} x_j$. Every
    connection is visited once (a gather and a segment sum); for spikes see
    `event_csr_matvec`. Plain JAX operations: `jit`, `vmap`, `grad` work as usual.

    **Arguments:**

    - `x`: `(n_pre,)`, or `(n_post,)` with `transpose`.
    - `conn`: the connectivity, `n_pre × n_post`.
    - `weight`: a scalar (homogeneous) or `(nnz,)` ordered like `conn.indices`.
    - `transpose`: compute $W x$ instead of $x W$.
    """
    require_format(conn, "CSR")
    return conn.matvec(x, weight, transpose=transpose)


def csr_matmat(
    x: Float[Array, "batch n_in"], conn: "CSR", weight: ArrayLike, *, transpose: bool = False
) -> Float[Array, "batch n_out"]:
    r"""`csr_matvec` for a batch: $Y = X W$ (or $Y = X W^\top$ with `transpose`), `x` of
    shape `(batch, n_in)`; equal to `jax.vmap(csr_matvec)` over the first axis.

    **Arguments:** as `csr_matvec`, with `x` of shape `(batch, n_pre)` (`(batch, n_post)`
    with `transpose`).
    """
    require_format(conn, "CSR")
    return conn.matmat(x, weight, transpose=transpose)


def coo_matvec(
    x: Float[Array, " n_in"],
    rows: Int[ArrayLike, " nnz"],
    cols: Int[ArrayLike, " nnz"],
    weight: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
) -> Float[Array, " n_out"]:
    r"""$y = x W$ for $W$ given as coordinates: $W_{r_k c_k} \mathrel{+}= w_k$ (duplicates
    add); with `transpose=True`, $y = W x$.

    **Arguments:**

    - `x`: `(n_pre,)`, or `(n_post,)` with `transpose`.
    - `rows`, `cols`: `(nnz,)` int arrays, presynaptic and postsynaptic index of each
      connection.
    - `weight`: a scalar or `(nnz,)`.
    - `shape`: `(n_pre, n_post)`.
    - `transpose`: compute $W x$ instead of $x W$.
    """
    return _coo(x, rows, cols, weight, shape, transpose, batched=False)


def coo_matmat(
    x: Float[Array, "batch n_in"],
    rows: Int[ArrayLike, " nnz"],
    cols: Int[ArrayLike, " nnz"],
    weight: ArrayLike,
    *,
    shape: tuple[int, int],
    transpose: bool = False,
) -> Float[Array, "batch n_out"]:
    r"""`coo_matvec` for a batch `x` of shape `(batch, n_in)`: $Y = X W$ (or $X W^\top$).

    **Arguments:** as `coo_matvec`.
    """
    return _coo(x, rows, cols, weight, shape, transpose, batched=True)


def require_format(conn, kind: str) -> None:
    """A `TypeError` unless `conn` is a `dx.connect.CSR` or `FanOut` (`kind`)."""
    from ..connect import CSR, FanOut  # imported here: dx.connect builds on this module

    if not isinstance(conn, {"CSR": CSR, "FanOut": FanOut}[kind]):
        raise TypeError(f"conn must be a dx.connect.{kind}, got {type(conn).__name__}.")
