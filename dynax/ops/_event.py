"""Event-driven propagation of spikes over CSR and fixed fan-out connectivity."""

from typing import TYPE_CHECKING, Any, NamedTuple

import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float
from . import _native
from ._compact import (
    batched_kernel,
    by_activity,
    csr_rows,
    scatter_events,
    scatter_rows,
    take_rows,
)
from ._kernels import PALLAS
from ._pallas import csr_target, fan_out_target, launch
from ._sparse import coo_apply, require_format

if TYPE_CHECKING:
    from ..connect import CSR, FanOut

# ---------------------------------------------------------------------------------------
# CSR


class CsrMeta(NamedTuple):
    """The static description of a CSR operator: sizes, buckets of active rows, padded
    row width (the longest row), output dtype and kernel mode (`_kernels.mode`)."""

    n_pre: int
    n_post: int
    sizes: tuple[int, ...]
    width: int
    dtype: Any
    mode: str


def csr_slots(indices, start, end, width, n_post):
    """Rows `[start, end)` padded to `width` slots: each slot's position in `indices` (0
    in the padding) and its target (`n_post` in the padding). Spans are clamped to the
    connections that exist (for row pointers edited out of range; `dx.connect.validate`
    reports those), so no slot reads another row's or a clamped entry."""
    nnz = indices.shape[0]
    start = jnp.clip(start, 0, nnz)
    end = jnp.clip(end, start, nnz)
    pos = start[:, None] + jnp.arange(width)
    valid = pos < end[:, None]
    pos = jnp.where(valid, pos, 0)
    return pos, jnp.where(valid, indices[pos], n_post)


def csr_every(meta, values, weight, indptr, indices):
    """$v W$ over every CSR connection for values `(n_pre, batch)`: plain JAX."""
    n_pre, n_post, width = meta.n_pre, meta.n_post, meta.width
    nnz = indices.shape[0]
    if n_pre * width > 2 * nnz:  # rows too uneven to pad: one entry per connection
        rows = csr_rows(indptr, nnz)
        return coo_apply(values, weight, rows, indices, n_post, transpose=False)
    # Every row padded to the longest: no row index per connection to compute, which
    # (a `jnp.repeat` over the connections) cost 6 times the scatter on CPU.
    pos, target = csr_slots(indices, indptr[:-1], indptr[1:], width, n_post)
    contrib = (
        values[:, None, :] if weight.ndim == 0 else values[:, None, :] * weight[pos][..., None]
    )
    out = scatter_rows(target, contrib, n_post)
    return out if weight.ndim else out * weight


def _csr_kernel(meta, events, indptr, indices, *weight):
    """$e W$ for events `(n_pre, batch)`; unit weights unless a `(nnz,)` weight is given."""
    n_pre, n_post, sizes, width, dtype, mode = meta
    if mode in PALLAS and events.shape[1] == 1:
        w = weight[0] if weight else None
        target = csr_target(indptr, indices, w, n_post)
        return launch(events[:, 0], [target], dtype, mode == "interpret")[0][:, None]
    w = weight[0] if weight else jnp.ones((), dtype)
    if mode == "native" and _native.supports(events, dtype):
        zeros = jnp.zeros((events.shape[1], n_post), dtype)
        return _native.csr(events.T, indptr, indices, w, zeros).T
    values = events.astype(dtype)

    def few(idx):
        start = indptr[idx]  # idx = n_pre (padding) reads indptr[n_pre] = nnz: an empty row
        end = indptr[jnp.minimum(idx + 1, n_pre)]
        pos, target = csr_slots(indices, start, end, width, n_post)
        return scatter_events(target, idx, events, dtype, n_post, w[pos] if weight else None)

    return by_activity(events, sizes, few, lambda: csr_every(meta, values, w, indptr, indices))


def csr_event(meta, events, weight, indptr, indices):
    """$e W$ for events `(n_pre, batch)` over CSR arrays (the primal: derivatives come
    from `dx.connect`'s rule)."""
    if weight.ndim == 0:
        return weight * batched_kernel(_csr_kernel, meta)(events, indptr, indices)
    return batched_kernel(_csr_kernel, meta)(events, indptr, indices, weight)


def event_csr_matvec(
    events: Array,
    conn: "CSR",
    weight: ArrayLike,
    *,
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, " n_out"]:
    r"""$y_j = \sum_i e_i W_{ij}$ over the connections in `conn`, touching only the rows of
    presynaptic neurons with $e_i \ne 0$.

    The active rows are compacted into the smallest of the buckets 16, 64, 256, …
    (× 4, up to `max_events`, default `n_pre // 4`) that holds them, at a cost
    O(bucket × max fan-out); a step with more events than `max_events` makes one pass
    over every connection instead, so the result is exact either way. Derivatives are
    those of the dense product: with respect to `weight`, and with respect to float
    `events` (also for the inactive ones, as surrogate-gradient training needs).
    `jax.vmap` over `events` compacts the active rows of the whole batch together.

    On a CPU, `kernel="auto"` runs a compiled kernel instead (C++ through XLA's FFI,
    built on first use, see `dynax/ops/_native.py`): one pass over the events that adds
    each active row's connections, for bool or float32 events and float32 weights
    (other dtypes take the XLA path): faster per step and much quicker to compile than
    the XLA path (figures in `benchmarks/README.md`).

    On a GPU, a single event vector goes instead to a Pallas kernel (`kernel="auto"`):
    programs of 32–256 presynaptic rows each check their events and add the active
    rows' connections with atomic adds, with no compaction and no `lax.switch` (whose
    predicate XLA copies to the host every step). Sums are then accumulated in a
    nondeterministic order (differences at the rounding level).

    With `transpose=True` it computes $y_i = \sum_j W_{ij} e_j$ (postsynaptic events back
    to the presynaptic side, e.g. feedback); CSR rows cannot be entered from the
    postsynaptic side, so that direction visits every connection.

    Whatever `conn`'s arrays hold (they may have been replaced with `eqx.tree_at` or a
    checkpoint after the constructor checked them), no kernel reads or writes outside
    them: each row's span is clamped to the stored connections and targets outside
    `[0, n_post)` are skipped. Such arrays give wrong sums rather than an error;
    `dx.connect.validate` (which `dx.simulate` calls) reports them.

    **Arguments:**

    - `events`: `(n_pre,)` spikes (bool) or event values (float); `(n_post,)` with
      `transpose`.
    - `conn`: the connectivity, `n_pre × n_post`.
    - `weight`: a scalar (homogeneous) or a `(nnz,)` array ordered like `conn.indices`.
    - `transpose`: compute $W e$ instead of $e W$.
    - `max_events`: largest bucket of active rows (default `n_pre // 4`).
    - `kernel`: `"auto"` (Pallas on a GPU, compiled kernels on a CPU where a C++
      compiler is found, XLA otherwise), `"xla"`, `"native"` (the compiled CPU
      kernels; an error without a compiler) or `"pallas"` (interpreted, slowly, off a
      GPU: for tests).

    ??? cite "Reference"

        Event-driven operators, which visit only the connections of the neurons that
        spiked, and just-in-time connectivity are described in

        ```bibtex
        @article{wang2023brainpy,
          title={BrainPy, a flexible, integrative, efficient, and extensible framework
                 for general-purpose brain dynamics programming},
          author={Wang, Chaoming and Zhang, Tianqiu and Chen, Xiaoyu and He, Sichao and
                  Li, Shangyang and Wu, Si},
          journal={eLife},
          volume={12},
          pages={e86365},
          year={2023}
        }
        ```
    """
    require_format(conn, "CSR")
    return conn.event_matvec(
        events, weight, transpose=transpose, max_events=max_events, kernel=kernel
    )


def event_csr_matmat(
    events: Array,
    conn: "CSR",
    weight: ArrayLike,
    *,
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, "batch n_out"]:
    r"""`event_csr_matvec` for a batch of event vectors `(batch, n_pre)`: $Y = E W$ (or
    $E W^\top$ with `transpose`), equal to `jax.vmap(event_csr_matvec)` over the first
    axis. A row of $W$ is visited when any member of the batch has an event there.

    **Arguments:** as `event_csr_matvec`, with `events` of shape `(batch, n_pre)`
    (`(batch, n_post)` with `transpose`).
    """
    require_format(conn, "CSR")
    return conn.event_matmat(
        events, weight, transpose=transpose, max_events=max_events, kernel=kernel
    )


# ---------------------------------------------------------------------------------------
# Fixed fan-out


class FanOutMeta(NamedTuple):
    """The static description of a fan-out operator (as `CsrMeta`, without a width)."""

    n_pre: int
    n_post: int
    sizes: tuple[int, ...]
    dtype: Any
    mode: str


def _fan_out_kernel(meta, events, indices, *weight):
    n_pre, n_post, sizes, dtype, mode = meta
    if mode in PALLAS and events.shape[1] == 1:
        w = weight[0] if weight else None
        target = fan_out_target(indices, w, n_post)
        return launch(events[:, 0], [target], dtype, mode == "interpret")[0][:, None]
    w = weight[0] if weight else jnp.ones((), dtype)
    if mode == "native" and _native.supports(events, dtype):
        zeros = jnp.zeros((events.shape[1], n_post), dtype)
        return _native.fan_out(events.T, indices, w, zeros).T
    values = events.astype(dtype)

    def few(idx):
        target = take_rows(indices, idx, n_post)
        return scatter_events(
            target, idx, events, dtype, n_post, take_rows(w, idx, 0) if weight else None
        )

    return by_activity(events, sizes, few, lambda: fan_out_every(n_post, values, w, indices))


def fan_out_event(meta, events, weight, indices):
    """$e W$ for events `(n_pre, batch)` over a fan-out table (the primal)."""
    if weight.ndim == 0:
        return weight * batched_kernel(_fan_out_kernel, meta)(events, indices)
    return batched_kernel(_fan_out_kernel, meta)(events, indices, weight)


def fan_out_every(n_post, values, weight, indices):
    """$v W$ over every slot of a fan-out table for values `(n_pre, batch)`: plain JAX."""
    contrib = values[:, None, :] if weight.ndim == 0 else values[:, None, :] * weight[..., None]
    out = scatter_rows(indices, contrib, n_post)
    return out if weight.ndim else out * weight


def fan_out_gather(n_post, values, weight, indices):
    """$W v$ over a fan-out table for values `(n_post, batch)`: each row gathers its
    targets (padding reads nothing)."""
    gathered = take_rows(values, indices, 0)  # (n_pre, k, batch)
    w = weight if weight.ndim == 0 else jnp.where(indices < n_post, weight, 0)[..., None]
    return jnp.sum(gathered * w, axis=1)


def event_fanout_matvec(
    events: Array,
    conn: "FanOut",
    weight: ArrayLike,
    *,
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, " n_out"]:
    r"""$y_j = \sum_i e_i W_{ij}$ over a fixed fan-out table, reading only the rows of
    presynaptic neurons with $e_i \ne 0$.

    Active rows are compacted into buckets as in `event_csr_matvec`; each is one
    contiguous `(k,)` row of targets (padding slots point to a dropped extra output).
    With `transpose=True`, $y_i = \sum_j W_{ij} e_j$, a gather over the whole table.
    Derivatives are those of the dense product, with respect to `weight` and float
    `events`.

    **Arguments:**

    - `events`: `(n_pre,)` spikes (bool) or event values (float); `(n_post,)` with
      `transpose`.
    - `conn`: a `dx.connect.FanOut`, table `(n_pre, k)`.
    - `weight`: a scalar or an `(n_pre, k)` array (anything in the padding slots).
    - `transpose`: compute $W e$ instead of $e W$.
    - `max_events`: largest bucket of active rows (default `n_pre // 4`).
    - `kernel`: `"auto"` (Pallas on a GPU, compiled kernels on a CPU where a C++
      compiler is found, XLA otherwise), `"xla"`, `"native"` (the compiled CPU
      kernels; an error without a compiler) or `"pallas"` (interpreted, slowly, off a
      GPU: for tests).
    """
    require_format(conn, "FanOut")
    return conn.event_matvec(
        events, weight, transpose=transpose, max_events=max_events, kernel=kernel
    )


def event_fanout_matmat(
    events: Array,
    conn: "FanOut",
    weight: ArrayLike,
    *,
    transpose: bool = False,
    max_events: int | None = None,
    kernel: str = "auto",
) -> Float[Array, "batch n_out"]:
    r"""`event_fanout_matvec` for a batch of event vectors `(batch, n_pre)`: $Y = E W$ (or
    $E W^\top$), equal to `jax.vmap(event_fanout_matvec)` over the first axis.

    **Arguments:** as `event_fanout_matvec`, with a leading batch axis on `events`.
    """
    require_format(conn, "FanOut")
    return conn.event_matmat(
        events, weight, transpose=transpose, max_events=max_events, kernel=kernel
    )
