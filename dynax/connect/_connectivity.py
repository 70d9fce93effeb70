"""The connectivity family: the conditions its arrays satisfy, and its linear algebra."""

import abc
from typing import Any, ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, PyTree
from ..ops._compact import out_dtype
from ..ops._kernels import XLA, AbstractKernel, Concrete, resolve
from ..ops._pallas import Target
from ..ops._sparse import check_input
from ._operator import event_columns

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
    r"""Connectivity from `n_pre` to `n_post` neurons in some format (`dx.connect.CSR`,
    `CSC`, `COO`, `FanOut`, `JitProb`, `Dense`): a sparse matrix $W$ of shape
    `(n_pre, n_post)` whose entries are the weights of the connections.

    **Linear algebra.** Every format applies its matrix the same way (the model is
    Lineax's `AbstractLinearOperator`): `event_matvec(events, weight)` computes $y = e W$
    visiting only the rows of presynaptic neurons with an event, `matvec(x, weight)`
    $y = x W$ for dense float `x`, both with `transpose=True` for $W x$, and
    `event_matmat` / `matmat` for a batch `(batch, n)`, equal to a `jax.vmap`;
    `todense(weight)` gives $W$. `weight` is a scalar, or one value per connection of
    shape `weight_shape`. One derivative rule serves every format: the operators are
    linear in the weight and, for float events (surrogate gradients), in the events,
    counting inactive rows too. `kernel=` picks the implementation (`dx.ops.XLA()`,
    `Native()`, `Pallas()`, or `"auto"`: see `dx.ops.resolve`).

    **Invariants.** A format declares the conditions its arrays satisfy
    (`invariants`): row pointers that are non-decreasing from 0 to the number of
    connections, indices within the population sizes. Its constructor checks them;
    `dx.connect.validate` checks them again where arrays may have been replaced since
    (an `eqx.tree_at` edit, a loaded checkpoint), as `dx.simulate` does on every call.

    **A new format** implements `invariants`, `weight_shape`, `dense_columns` (every
    connection, plain JAX) and, where it can skip inactive rows, `event_columns`; the
    compiled CPU and GPU kernels are optional (`native_add`, `pallas_target`).
    """

    n_pre: eqx.AbstractVar[int]
    n_post: eqx.AbstractVar[int]
    # Whether `native_add` has compiled CPU kernels (else `kernel="native"` is refused).
    has_native: ClassVar[bool] = False
    # Whether `row_slots` and `every_slot` give each row's connections (which
    # per-connection delays need).
    row_access: ClassVar[bool] = False
    # Whether `weight_cotangent` visits only the rows with an event (then the derivative
    # rule computes the gradient with respect to an array of weights with it).
    event_weight_grad: ClassVar[bool] = False

    @abc.abstractmethod
    def invariants(self) -> tuple[Invariant, ...]:
        """The conditions on this connectivity's arrays, as `Pointers` and `Within`
        records naming each array's field (empty for connectivity with nothing stored)."""

    @property
    @abc.abstractmethod
    def weight_shape(self) -> tuple[int, ...]:
        """The shape of one weight per connection (`(nnz,)` for a CSR, `(n_pre, k)` for a
        FanOut, `()` where only a scalar or a distribution is possible)."""

    @abc.abstractmethod
    def dense_columns(self, values: Array, weight: PyTree, transpose: bool) -> Array:
        """$v W$ for values `(n_pre, batch)` over every connection (or $W v$ for values
        `(n_post, batch)` with `transpose`), in plain JAX operations: linear in `values`
        and in `weight`, so JAX differentiates and transposes it."""

    def event_columns(
        self,
        events: Array,
        weight: PyTree,
        kernel: Concrete,
        max_events: int | None,
        add_to: Array | None = None,
    ) -> Array:
        """`add_to` (if given) + $e W$ for events `(n_pre, batch)` (bool or float), as
        `(n_post, batch)`: the primal of the event operator (its derivatives come from
        `dense_columns`). Formats that can visit only the active rows override it."""
        values = events.astype(out_dtype(events, *_leaves(weight)))
        out = self.dense_columns(values, weight, False)
        return out if add_to is None else add_to + out

    def weight_cotangent(self, events: Array, cotangent: Array, kernel: Concrete) -> Array:
        """The gradient with respect to an array of weights (`weight_shape`) of
        $\\langle g, e W \\rangle$ for events `(n_pre, batch)` and the cotangent $g$ of the
        output `(n_post, batch)`: the transpose of `dense_columns` in the weight. Formats
        that declare `event_weight_grad` compute it over the rows with an event only."""
        values = events.astype(cotangent.dtype)
        like = jax.ShapeDtypeStruct(self.weight_shape, cotangent.dtype)
        transpose = jax.linear_transpose(lambda w: self.dense_columns(values, w, False), like)
        return transpose(cotangent)[0]

    def row_slots(self, rows: Array) -> tuple[Array, Array] | None:
        """The connections of presynaptic `rows` (`(m,)`, `n_pre` pads), padded to a
        width: their targets `(m, width)` (`n_post` in the padding) and their positions
        in the flattened per-connection arrays (weights, delays). None for a format
        without row access (then per-connection delays are not available)."""
        return None

    def every_slot(self) -> tuple[Array, Array, Array] | None:
        """Every connection's presynaptic row, target (`n_post` in any padding) and
        position in the flattened per-connection arrays; None where `row_slots` is."""
        return None

    def column_blocks(self, data: PyTree, n_blocks: int) -> list[tuple[Any, PyTree]]:
        """This connectivity split by postsynaptic owner into `n_blocks` equal blocks of
        columns, for `dx.shard`: block $b$ holds the connections onto postsynaptic
        neurons $[b m, (b + 1) m)$, $m$ = `n_post / n_blocks`, renumbered from 0, in
        the order they have here (so that each postsynaptic sum adds the same terms in
        the same order), with their part of `data`: a pytree (weights as the operators
        take them, from `check_weight`; per-connection delays) whose leaves are
        scalars, the same for every block, or one value per connection
        (`weight_shape`), split like the connections (0 in any padding). Every block
        has the same tree structure and array shapes (padded where needed), so that the
        blocks stack; a block is a connectivity of `n_post = m` whose operators are its
        format's. Made on the host, once. Formats without it raise
        `NotImplementedError`."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot be split over devices; convert it to a "
            "dx.connect.CSR (to_csr()) or use FanOut, Dense or JitProb, which can."
        )

    def ring_columns(
        self, events: Array, weight: PyTree, steps: Array, head: Array, ring: Array
    ) -> Array:
        """`ring` `(length, n_post)` after the events `(n_pre,)` were delivered with
        per-connection delays `steps` (shaped like the weights): connection $c$ from $i$
        to $j$ adds $e_i w_c$ to `ring[(head + steps[c]) % length, j]` (see
        `dx.connect.RingDelayed`; a format with row access)."""
        from ._delayed import RingDelayed  # which builds on this module

        length, n = ring.shape
        delayed = RingDelayed(self, steps, head, length)
        flat = event_columns(delayed, events[:, None], weight, XLA(), None, ring.reshape(-1, 1))
        return flat.reshape(length, n)

    def per_connection(self, x: Any) -> Array:
        """`x` (shaped like the weights: per-connection delays in steps, say) as an array
        where the operators read it (a sharded connectivity's own devices)."""
        return jnp.asarray(x)

    def check_weight(self, weight: Any) -> PyTree:
        """`weight` as the operators take it (a float array), or a `ValueError` that
        says which shapes are allowed."""
        if isinstance(weight, eqx.Module):
            raise ValueError(
                f"weight is a {type(weight).__name__}: a distribution of weights is possible "
                "only with a dx.connect.JitProb; for stored connectivity, draw one weight "
                f"per connection {self.weight_shape} (e.g. with dx.init)."
            )
        weight = jnp.asarray(weight, dtype=jnp.result_type(weight, float))
        if weight.shape not in ((), self.weight_shape):
            raise ValueError(
                f"weight must be a scalar or have one entry per connection "
                f"{self.weight_shape}, got shape {weight.shape}."
            )
        return weight

    def resolve(self, kernel: "str | AbstractKernel") -> Concrete:
        """The concrete kernel that `kernel` runs for this format here (see
        `dx.ops.resolve`): made once, by the caller, and passed down."""
        return resolve(kernel, None if self.has_native else type(self).__name__)

    def native_add(self, events: Array, weight: PyTree, init: Array) -> Array | None:
        """`init + e W` with the compiled CPU kernels, for boolean spikes `(n_pre,)`,
        adding into `init` in place; None where this format or dtype has none."""
        return None

    def native_ring_add(
        self, events: Array, weight: PyTree, steps: Array, head: Array, init: Array, length: int
    ) -> Array | None:
        """`native_add` into a ring of `length` future steps (see `dx.connect.RingDelayed`),
        connection `c` delayed `steps[c]` steps from slot `head`; None where this format has
        no compiled ring kernel."""
        return None

    def pallas_target(self, weight: PyTree) -> Target | None:
        """This matrix for the Pallas GPU kernels (`dx.ops` fuses the targets of several
        projections into one launch); None where this format has none."""
        return None

    def event_matvec(
        self,
        events: Array,
        weight: Any = 1.0,
        *,
        transpose: bool = False,
        max_events: int | None = None,
        kernel: "str | AbstractKernel" = "auto",
    ) -> Array:
        r"""$y = e W$ for events `(n_pre,)` (spikes, bool, or float event values), visiting
        only the rows with $e_i \ne 0$; with `transpose=True`, $y = W e$ for `(n_post,)`
        events, which visits every connection. `max_events` bounds the buckets of
        active rows of the XLA path (default `n_pre // 4`; see
        `dx.ops.event_csr_matvec`)."""
        return self._apply(events, weight, transpose, max_events, kernel, False, True)

    def event_matmat(
        self,
        events: Array,
        weight: Any = 1.0,
        *,
        transpose: bool = False,
        max_events: int | None = None,
        kernel: "str | AbstractKernel" = "auto",
    ) -> Array:
        """`event_matvec` for a batch of event vectors `(batch, n)`, equal to its
        `jax.vmap` over the first axis (a row is visited when any member of the batch
        has an event there)."""
        return self._apply(events, weight, transpose, max_events, kernel, True, True)

    def matvec(self, x: Array, weight: Any = 1.0, *, transpose: bool = False) -> Array:
        """$y = x W$ for a dense float `x` `(n_pre,)` (or $W x$ for `(n_post,)` with
        `transpose`), visiting every connection."""
        return self._apply(x, weight, transpose, None, "xla", False, False)

    def matmat(self, x: Array, weight: Any = 1.0, *, transpose: bool = False) -> Array:
        """`matvec` for a batch `(batch, n)`, equal to its `jax.vmap`."""
        return self._apply(x, weight, transpose, None, "xla", True, False)

    def _apply(self, x, weight, transpose, max_events, kernel, batched, event):
        weight = self.check_weight(weight)
        check_input(
            x, self.n_post if transpose else self.n_pre, batched, "events" if event else "x"
        )
        dtype = out_dtype(x, *_leaves(weight))
        columns = x.T if batched else x[:, None]
        weight = jax.tree.map(lambda w: w.astype(dtype), weight)
        if event and not transpose:
            kernel = self.resolve(kernel)
            out = event_columns(self, columns, weight, kernel, max_events)
        else:  # W e gathers along every row: no compaction
            out = self.dense_columns(columns.astype(dtype), weight, transpose)
        return out.T if batched else out[:, 0]


def _leaves(weight: PyTree) -> list[Array]:
    return jax.tree.leaves(weight)
