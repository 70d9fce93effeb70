"""All-to-all connectivity stored as a dense weight matrix."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, PyTree
from ..ops import _dense
from ..ops._kernels import Native
from ._connectivity import AbstractConnectivity, Invariant
from ._csr import CSR
from ._validate import check_size

# Full float32 products (no TF32 on a GPU), so that a Dense sums like the sparse formats.
_PRECISION = jax.lax.Precision.HIGHEST


class Dense(AbstractConnectivity):
    r"""Connectivity from `n_pre` to `n_post` neurons in which every pair is connected,
    the weight being the dense matrix $W$ itself: `weight` has shape `(n_pre, n_post)`,
    `weight[i, j]` the weight from presynaptic neuron `i` to postsynaptic neuron `j`
    (a scalar gives every entry the same value). Nothing is stored but the two sizes.

    `matvec`, `matmat` and the transposed products are matrix products, which visit every
    entry; a zero entry is a connection that carries nothing. The event operators
    (`event_matvec`, `event_matmat`) on a CPU (`kernel="auto"` or `"native"`) visit only
    the rows of the presynaptic neurons with an event instead, with compiled kernels
    (`dynax/ops/_dense.py`), and so does the gradient with respect to the weights,
    $\sum_b e_b^\top g_b$; the gradient with respect to float events (surrogate spikes)
    is the dense product $g W^\top$, every neuron's. Spikes are mostly zeros, so this
    is what a network of spiking neurons trained with surrogate gradients wants; values
    that are rarely zero (rates) are faster through `matvec`. With `kernel="xla"` or on
    a GPU, the event operators are matrix products too. Use `Dense` for small or densely
    connected networks, for training a full weight matrix (gradients flow to every
    entry, including those that are zero now), and for rate networks. For sparse
    connectivity at scale, a stored format (`CSR`, `FanOut`) or a `JitProb` visits only
    the connections that exist. Matrix products are computed in full float32 precision
    (no TF32 on a GPU), as the sums of the sparse formats are; the compiled kernels add
    the active rows one after another (the same values up to rounding).

    With a `dx.Projection`, `weight` is in the units of the synaptic variable (μS or
    leak-conductance units for COBA, nA or mV for CUBA), as for any projection.
    `to_csr(data=weight)` gives the same network as a `dx.connect.CSR` with its
    `(n_pre × n_post,)` weights.

    **Arguments:**

    - `n_pre`, `n_post`: numbers of presynaptic and postsynaptic neurons.
    """

    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    has_native: ClassVar[bool] = True
    event_weight_grad: ClassVar[bool] = True

    def __init__(self, n_pre: int, n_post: int):
        self.n_pre = check_size(n_pre, "n_pre")
        self.n_post = check_size(n_post, "n_post")

    def invariants(self) -> tuple[Invariant, ...]:
        """None: no arrays are stored."""
        return ()

    @property
    def nnz(self) -> int:
        """Number of connections, `n_pre × n_post`."""
        return self.n_pre * self.n_post

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.n_pre, self.n_post)

    def dense_columns(self, values, weight, transpose):
        if weight.ndim == 0:  # every entry equal: a sum over the rows, broadcast
            n_out = self.n_pre if transpose else self.n_post
            return jnp.broadcast_to(weight * values.sum(0), (n_out, values.shape[1]))
        # (values^T W)^T rather than W^T values: under `jax.vmap` (a batch of event
        # vectors, each `(n_pre, 1)`) the product is then a `(batch, n_pre) @ W` with no
        # transposed operand or output, which XLA's CPU dot ran twice as fast.
        matrix = weight.T if transpose else weight
        return jnp.matmul(values.T, matrix, precision=_PRECISION).T

    def event_columns(self, events, weight, kernel, max_events, add_to=None):
        if weight.ndim == 0 or not isinstance(kernel, Native):
            return super().event_columns(events, weight, kernel, max_events, add_to)
        out = self.native_add(events.T, weight, None if add_to is None else add_to.T)
        if out is None:  # a dtype the kernels do not take
            return super().event_columns(events, weight, kernel, max_events, add_to)
        return out.T

    def native_add(self, events, weight, init):
        """`init + e W` (`init` None: zeros) with the compiled kernels, for events
        `(..., n_pre)` and a `(n_pre, n_post)` weight; None for a scalar weight or a
        dtype they do not take."""
        if jnp.ndim(weight) != 2 or not _dense.supports(events, weight.dtype):
            return None
        if not _dense.available():
            return None
        if init is None:
            init = jnp.zeros((*events.shape[:-1], self.n_post), weight.dtype)
        return _dense.event(events, weight, init.astype(weight.dtype))

    def weight_cotangent(self, events, cotangent, kernel):
        """$\\sum_b e_b^\\top g_b$ over the rows with an event (compiled kernels), or a
        matrix product (`kernel` XLA or Pallas, or dtypes the kernels do not take)."""
        native = isinstance(kernel, Native) and _dense.supports(events, cotangent.dtype)
        if native and _dense.available():
            return _dense.outer(events.T, cotangent.T)
        values = events.astype(cotangent.dtype)
        return jnp.matmul(values, cotangent.T, precision=_PRECISION)

    def column_blocks(self, weight, n_blocks):
        """Blocks of `n_post / n_blocks` columns of the matrix (a scalar weight stays one).
        A block's products sum over the presynaptic neurons as the whole matrix's do, but
        XLA may order a smaller product's sums differently (differences at the rounding
        level); a scalar weight gives the same sums."""
        m = self.n_post // n_blocks
        block = Dense(self.n_pre, m)
        if jnp.ndim(weight) == 0:
            return [(block, weight) for _ in range(n_blocks)]
        w = np.asarray(weight)
        return [(block, jnp.asarray(w[:, b * m : (b + 1) * m])) for b in range(n_blocks)]

    def todense(self, weight=1.0) -> Array:
        """The `(n_pre, n_post)` weight matrix: `weight` itself, or a scalar broadcast."""
        weight = self.check_weight(weight).astype(jnp.result_type(float))
        return jnp.broadcast_to(weight, self.weight_shape)

    def to_mask(self) -> Bool[Array, "n_pre n_post"]:
        """The dense `(n_pre, n_post)` boolean adjacency matrix: all True."""
        return jnp.ones(self.weight_shape, bool)

    def to_csr(self, data: PyTree = None):
        """The same all-to-all connectivity as a `dx.connect.CSR` (`n_pre × n_post`
        connections, row by row). With `data` (`(n_pre, n_post, ...)` arrays, e.g. the
        weight matrix, or a pytree of them), returns `(csr, data)` with one entry per
        connection in CSR order; scalars pass through unchanged."""
        indptr = np.arange(self.n_pre + 1, dtype=np.int64) * self.n_post
        cols = np.broadcast_to(np.arange(self.n_post, dtype=np.int32), self.weight_shape)
        csr = CSR(indptr, cols.ravel(), self.n_post)
        if data is None:
            return csr

        def flatten(x):
            x = jnp.asarray(x)
            if x.ndim == 0:
                return x
            if x.shape[:2] != self.weight_shape:
                raise ValueError(
                    f"per-connection data of a Dense must have shape {self.weight_shape} "
                    f"(+ trailing axes), got {x.shape}."
                )
            return x.reshape((self.nnz,) + x.shape[2:])

        return csr, jax.tree.map(flatten, data)
