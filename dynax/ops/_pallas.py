"""Pallas (Triton) kernels for event-driven propagation on GPU.

On a GPU, the bucketed compaction of the XLA path costs a `lax.switch`, and XLA runs a
conditional by copying its predicate to the host: one device–host synchronisation per
step, which dominated below about 400 000 neurons on an H100. These kernels read the
event vector directly instead. Program `i` owns the presynaptic rows `[i B, (i + 1) B)`
(B a power of two from 32 to 256; one to four warps, see `Target`); it returns after
one vector load unless one of them is active, and otherwise visits its active rows one
after another, adding each row's connections (up to 256 at once, one per lane) to the
output with atomic adds. There is no host round trip and no compaction: a step costs
O(n_pre) loads plus the work of the active rows. Larger programs, listing a program's
active rows first, and a two-kernel scheme (list all active rows, then visit them from a
fixed grid) were measured and ran slower; see `benchmarks/README.md`.

JAX 0.11 deprecates Pallas's Triton backend in favour of Mosaic GPU (a
`DeprecationWarning` when a kernel compiles); `kernel="xla"` avoids it, and a Mosaic GPU
port of these kernels is the way forward.

One launch can serve several matrices with the same rows (`launch` with several
`Target`s): each active row is found once and added to every output.

The kernels take a single event column (`(n_pre,)`, bool or float); batches go through
the XLA path. `interpret=True` runs them through Pallas's interpreter (on CPU), which is
how CI checks them against the XLA path.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as pltriton

from .._custom_types import Array

CHUNK = 256  # connections of a row handled at once by one program (lanes)
_WARPS = 16384  # warps over all programs of a launch: a program visits its active rows one by one


def add_atomic(out_ref, target, value, mask, interpret):
    """`out[target] += value` where `mask`, atomically."""
    if interpret:
        # The interpreter's atomic add takes no mask and keeps one of several updates to
        # the same entry: read–modify–write the whole output instead (same result).
        n = out_ref.shape[0]
        value = jnp.broadcast_to(value, target.shape)
        out_ref[...] = out_ref[...].at[jnp.where(mask, target, n)].add(value, mode="drop")
    else:
        pltriton.atomic_add(out_ref, (target,), jnp.broadcast_to(value, target.shape), mask=mask)


def _rows_per_program(n_pre: int, warps: int) -> int:
    """A power of two in [32, 256], about `n_pre warps / _WARPS`."""
    return int(min(256, max(32, pl.next_power_of_2(-(-n_pre * warps // _WARPS)))))


def _each_active_row(events_ref, n_pre, size, dtype, visit, program):
    """`visit(row, value)` for each row of program `program` (of the programs of `size`
    rows over these events) with a nonzero event, one after another; a program without
    one returns after a single vector load."""
    rows = program * size + jnp.arange(size)
    inside = rows < n_pre
    values = pltriton.load(events_ref.at[jnp.minimum(rows, n_pre - 1)], mask=inside, other=0)
    active = inside & (values != 0)

    def more(active):
        return jnp.max(active.astype(jnp.int32)) > 0

    def next_row(active):
        row = jnp.min(jnp.where(active, rows, n_pre))
        visit(row, events_ref[row].astype(dtype))
        return active & (rows != row)

    @pl.when(more(active))
    def _():
        jax.lax.while_loop(more, next_row, active)


class Target(NamedTuple):
    """One matrix for `launch`: its arrays, its number of columns, and
    `visitor(refs, out_ref, offset, dtype, interpret) -> (load, add)` (`refs`: the
    kernel's references to `args`): `load(row)` reads what row `row` needs and
    `add(loaded, value)` adds the row times `value` to `out_ref[offset:offset + n_post]`.
    An active row is loaded for every target before any is added, so that the loads of
    all targets are in flight together.

    `warps`: the warps per program that suit its rows; a launch takes the fewest of its
    targets'. Stored rows run faster with 4 warps (their loads and atomic adds spread
    over more lanes), generated rows (`_jitconn`) with one (the cumulative sum of their
    draws stays within a warp); the figures are in `benchmarks/README.md`."""

    args: tuple
    n_post: int
    visitor: Callable
    warps: int = 4


def launch(
    events: Array | list[Array],
    targets: list[Target],
    dtype,
    interpret: bool,
    inits: list | None = None,
    sources: tuple[int, ...] | None = None,
) -> tuple[Array, ...]:
    """$e W_k$ for every target, in one kernel: each active row is found once and added
    to every output (as for the projections leaving one population); with `inits`,
    `inits[k] + e W_k`, added into those buffers in place.

    `events` may be a list of event vectors (populations), target `k` reading
    `events[sources[k]]`: the programs over all of them run in one launch (a COBA step
    launches one kernel for propagation, not one per population).

    Without `inits` the outputs are consecutive parts of one zero-filled buffer (XLA
    turned a zero buffer per output into a fill and a copy per output)."""
    events = list(events) if isinstance(events, list | tuple) else [events]
    sources = (0,) * len(targets) if sources is None else sources
    n_pres = [e.shape[0] for e in events]
    warps = min(t.warps for t in targets)
    rows_per_program = [_rows_per_program(n, warps) for n in n_pres]
    programs = [-(-n // size) for n, size in zip(n_pres, rows_per_program)]
    first = np.cumsum([0, *programs]).tolist()  # each source's first program
    args = list(events)
    for target in targets:
        args += target.args
    n_args = len(args)
    sizes = [t.n_post for t in targets]
    if inits is None:
        offsets = np.cumsum([0, *sizes]).tolist()[:-1]
        buffers = [jnp.zeros(sum(sizes), dtype)]
    else:
        offsets = [0] * len(targets)
        buffers = [jnp.asarray(b, dtype) for b in inits]
    out_refs = [0] * len(targets) if inits is None else list(range(len(targets)))

    def body(*refs):
        events_refs, inputs = refs[: len(events)], refs[len(events) : n_args]
        outputs = refs[n_args + len(buffers) :]
        visits, start = [[] for _ in events], 0
        for target, source, offset, k in zip(targets, sources, offsets, out_refs):
            own = inputs[start : start + len(target.args)]
            visits[source].append(target.visitor(own, outputs[k], offset, dtype, interpret))
            start += len(target.args)
        program = pl.program_id(0)
        for source, (events_ref, n_pre) in enumerate(zip(events_refs, n_pres)):

            def visit(row, value, source=source):
                loaded = [load(row) for load, _ in visits[source]]
                for (_, add), x in zip(visits[source], loaded):
                    add(x, value)

            def rows(source=source, events_ref=events_ref, n_pre=n_pre, visit=visit):
                local = program - first[source]
                size = rows_per_program[source]
                _each_active_row(events_ref, n_pre, size, dtype, visit, local)

            if len(events) == 1:
                rows()
            else:
                pl.when((program >= first[source]) & (program < first[source + 1]))(rows)

    out = pl.pallas_call(
        body,
        out_shape=tuple(jax.ShapeDtypeStruct(b.shape, dtype) for b in buffers),
        grid=(first[-1],),
        input_output_aliases={n_args + k: k for k in range(len(buffers))},
        interpret=interpret,
        compiler_params=pltriton.CompilerParams(num_warps=warps, num_stages=1),
    )(*args, *buffers)
    if inits is not None:
        return tuple(out)
    return tuple(out[0][a : a + n] for a, n in zip(offsets, sizes))


def _inside(target, n_post: int):
    """`0 <= target < n_post`: the slots that name a neuron (padding is `n_post`; anything
    else out of range only in arrays edited after their checks, which must not make a
    kernel write outside the output)."""
    return (target >= 0) & (target < n_post)


def _weights(weight_ref, pos, mask):
    """The weights at `pos` from a table, a scalar (shape `(1,)`), or 1 (no weight)."""
    if not weight_ref:
        return 1
    if weight_ref[0].shape == (1,):
        return weight_ref[0][0]
    return pltriton.load(weight_ref[0].at[pos], mask=mask, other=0)


def _weight_args(weight) -> tuple:
    if weight is None:
        return ()
    return (weight.reshape(1),) if weight.ndim == 0 else (weight.reshape(-1),)


def fan_out_target(indices, weight, n_post) -> Target:
    """A `(n_pre, k)` table of targets (`n_post` pads); `weight` is None (unit weights),
    a scalar or an `(n_pre, k)` table."""
    k = indices.shape[1]
    width = min(CHUNK, pl.next_power_of_2(k))  # Triton blocks have power-of-two sides

    def visitor(refs, out_ref, offset, dtype, interpret):
        indices_ref, *weight_ref = refs

        def chunk_of(row, c):
            slot = c * width + jnp.arange(width)
            pos = row * k + jnp.minimum(slot, k - 1)
            target = pltriton.load(indices_ref.at[pos], mask=slot < k, other=n_post)
            mask = _inside(target, n_post)
            return target, mask, _weights(weight_ref, pos, mask)

        def load(row):  # the row's first chunk (most rows fit in one)
            return row, chunk_of(row, 0)

        def add(loaded, value):
            row, first = loaded
            for c in range(-(-k // width)):  # a static count
                target, mask, w = first if c == 0 else chunk_of(row, c)
                contrib = (value * w).astype(dtype)
                add_atomic(out_ref, offset + target, contrib, mask, interpret)

        return load, add

    return Target((indices.reshape(-1), *_weight_args(weight)), n_post, visitor)


def csr_target(indptr, indices, weight, n_post) -> Target:
    """CSR arrays (at least one connection); `weight` is None (unit weights), a scalar or
    `(nnz,)`."""
    nnz = indices.shape[0]

    def visitor(refs, out_ref, offset, dtype, interpret):
        indptr_ref, indices_ref, *weight_ref = refs

        def chunk_of(start, end, c):
            pos = start + c * CHUNK + jnp.arange(CHUNK)
            inside = pos < end
            pos = jnp.minimum(pos, nnz - 1)
            target = pltriton.load(indices_ref.at[pos], mask=inside, other=n_post)
            mask = inside & _inside(target, n_post)
            return target, mask, _weights(weight_ref, pos, mask)

        def load(row):  # the row's span and its first chunk (most rows fit in one)
            # Clamped to the connections that exist, whatever `indptr` holds.
            start = jnp.clip(indptr_ref[row], 0, nnz)
            end = jnp.clip(indptr_ref[row + 1], start, nnz)
            return start, end, chunk_of(start, end, 0)

        def add(loaded, value):
            start, end, first = loaded

            def chunk(c, carry):
                target, mask, w = first if isinstance(c, int) else chunk_of(start, end, c)
                contrib = (value * w).astype(dtype)
                add_atomic(out_ref, offset + target, contrib, mask, interpret)
                return carry

            chunk(0, 0)
            jax.lax.fori_loop(1, (end - start + CHUNK - 1) // CHUNK, chunk, 0)

        return load, add

    return Target((indptr, indices, *_weight_args(weight)), n_post, visitor)
