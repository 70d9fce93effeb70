"""Per-connection delays: spikes delivered into a ring of future steps as they are sent."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array, Int
from ..ops import _native
from ..ops._compact import each_active_chunk, take_rows
from ..ops._kernels import Native
from ..ops._sparse import coo_apply
from ._connectivity import AbstractConnectivity, Invariant

_CHUNK = 32  # active rows per iteration of the delivery loop
# Padding targets (out of range) are dropped, and so are negative ones (only in arrays
# edited out of range), rather than wrapped around.
_DROP = dict(mode="drop", wrap_negative_indices=False)


class RingDelayed(AbstractConnectivity):
    r"""The connectivity `conn` with a delay of `steps[c]` whole steps on each connection
    $c$, as a matrix into a ring of `length` future steps of its `conn.n_post` neurons:
    connection $c$ from $i$ to $j$ adds into entry $((head + steps_c) \bmod length)
    \cdot n + j$ of a `(length × n,)` ring, $n$ = `conn.n_post`, whose entry $(s \bmod
    length) \cdot n + j$ is what neuron $j$ receives at step $s$.

    A spike is delivered when it is sent, to the step at which it arrives, so a step
    costs O(spiking neurons × fan-out), whatever the number of connections or the
    delays; `dx.Projection` keeps the ring in its state and reads one slot per step.
    Any format with row access (`row_slots`: CSR, FanOut) can be delayed this way. With
    `kernel=Native()` on a CPU, CSR and FanOut go through compiled kernels that add each
    connection into its slot of the ring (`dynax/ops/_native.py`, `csr_ring` and
    `fan_out_ring`); otherwise an XLA loop over chunks of active rows does.

    **Arguments:**

    - `conn`: the connectivity.
    - `steps`: int delays in steps, one per connection (shaped like `conn.weight_shape`).
    - `head`: the ring slot of the current step (traced: it advances every step).
    - `length`: the ring's length, more than the largest delay.
    """

    conn: AbstractConnectivity
    steps: Int[Array, "..."]
    head: Int[Array, ""]
    length: int = eqx.field(static=True)
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)

    # CSR and FanOut, the formats with row access, have compiled ring kernels.
    has_native: ClassVar[bool] = True

    def __init__(self, conn: AbstractConnectivity, steps: Array, head: Array, length: int):
        if not conn.row_access:
            raise ValueError(
                f"per-connection delays need a connectivity with row access (dx.connect.CSR "
                f"or FanOut), got {type(conn).__name__}: convert it with to_csr()."
            )
        self.conn, self.steps, self.head, self.length = conn, steps, head, length
        self.n_pre, self.n_post = conn.n_pre, length * conn.n_post

    def invariants(self) -> tuple[Invariant, ...]:
        return self.conn.invariants()

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return self.conn.weight_shape

    def check_weight(self, weight):
        return self.conn.check_weight(weight)

    def _ring(self, target: Array, pos: Array) -> Array:
        """Ring entries of connections at `pos` with targets `target` (padding stays out
        of range, and is dropped)."""
        n = self.conn.n_post
        slot = (self.head + self.steps.reshape(-1)[pos]) % self.length
        return jnp.where((target >= 0) & (target < n), slot * n + target, self.n_post)

    def native_add(self, events, weight, init):
        return self.conn.native_ring_add(events, weight, self.steps, self.head, init, self.length)

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        batch = events.shape[1]
        dtype = weight.dtype
        if (
            isinstance(kernel, Native)
            and _native.supports(events, dtype)
            and (add_to is None or add_to.dtype == dtype)
        ):
            # The kernels take the batch first; one column goes as a vector: XLA copied
            # the whole ring twice a step around the kernel for (1, n) (measured).
            if batch == 1:
                to, back = (lambda x: x.reshape(-1)), (lambda x: x.reshape(-1, 1))
            else:
                to = back = jnp.transpose
            init = jnp.zeros((self.n_post, batch), dtype) if add_to is None else add_to
            out = self.native_add(to(events), weight, to(init))
            if out is not None:
                return back(out)
        # Otherwise XLA, in chunks of active rows added into the ring in place:
        # O(active rows × fan-out).
        flat = weight.reshape(-1) if weight.ndim else None
        values = events.astype(weight.dtype)

        def visit(idx, out):
            target, pos = self.conn.row_slots(idx)
            contrib = take_rows(values, idx, 0)[:, None, :]
            contrib = contrib * (weight if flat is None else flat[pos][..., None])
            contrib = jnp.broadcast_to(contrib, (*target.shape, contrib.shape[-1]))
            # Targets materialised before the scatter (see `dx.ops`' scatter_rows).
            ring = jax.lax.optimization_barrier(self._ring(target, pos).reshape(-1))
            return out.at[ring].add(contrib.reshape(ring.shape + out.shape[1:]), **_DROP)

        if add_to is None:
            add_to = jnp.zeros((self.n_post, batch), weight.dtype)
        # A single column is carried as a vector: XLA copied an (n, 1) loop carry on
        # every step (measured), a vector it updates in place.
        carry = add_to.reshape(-1) if batch == 1 else add_to
        out = each_active_chunk(events, _CHUNK, visit, carry)
        return out.reshape(self.n_post, batch)

    def dense_columns(self, values, weight, transpose):
        if transpose:
            raise ValueError("a ring of delayed connections has no transpose.")
        rows, target, pos = self.conn.every_slot()
        w = weight.reshape(-1)[pos] if weight.ndim else weight
        return coo_apply(values, w, rows, self._ring(target, pos), self.n_post, False)
