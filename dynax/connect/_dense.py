"""All-to-all connectivity stored as a dense weight matrix."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Bool, PyTree
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

    Every operator is a matrix product ($y = e W$, or $W x$ with `transpose=True`),
    which visits every entry whether or not its row has an event; a zero entry is a
    connection that carries nothing. Use it for small or densely connected networks,
    for training a full weight matrix (gradients flow to every entry, including those
    that are zero now), and for rate networks, where every neuron sends a value every
    step anyway. For sparse connectivity at scale, a stored format (`CSR`, `FanOut`)
    or a `JitProb` visits only the connections that exist and the rows that spike.
    Products are computed in full float32 precision (no TF32 on a GPU), as the sums of
    the sparse formats are. `kernel=` is accepted and makes no difference: a dense
    matrix product is XLA's own.

    With a `dx.Projection`, `weight` is in the units of the synaptic variable (μS or
    leak-conductance units for COBA, nA or mV for CUBA), as for any projection.
    `to_csr(data=weight)` gives the same network as a `dx.connect.CSR` with its
    `(n_pre × n_post,)` weights.

    **Arguments:**

    - `n_pre`, `n_post`: numbers of presynaptic and postsynaptic neurons.
    """

    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)

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
        matrix = weight if transpose else weight.T
        return jnp.matmul(matrix, values, precision=_PRECISION)

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
