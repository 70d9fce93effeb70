"""Structured matrices: (semi-)orthogonal, delta-orthogonal and identity weights."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike
from .._system import as_float_array
from ._base import AbstractInitializer, float_dtype, require_key


def orthogonal(key, n_rows: int, n_cols: int, dtype) -> Array:
    """A uniformly (Haar) distributed `(n_rows, n_cols)` matrix with orthonormal rows or
    columns, whichever are fewer."""
    transpose = n_rows < n_cols
    work = jnp.promote_types(dtype, jnp.float32)  # QR has no half-precision kernels
    a = jax.random.normal(key, (n_cols, n_rows) if transpose else (n_rows, n_cols), work)
    q, r = jnp.linalg.qr(a)
    # Fixing the signs of R's diagonal makes Q Haar-distributed (Mezzadri, 2007).
    q = q * jnp.where(jnp.diagonal(r) < 0, -1.0, 1.0).astype(work)
    return (q.T if transpose else q).astype(dtype)


class Orthogonal(AbstractInitializer):
    """A random (semi-)orthogonal matrix times `scale`.

    The shape is read as `(..., n_out)` and flattened to `(n_rows, n_out)`, `n_rows` the
    product of the other axes. With $W$ that matrix, $W W^\\top = \\text{scale}^2 I$ when
    `n_rows <= n_out` (orthonormal rows) and $W^\\top W = \\text{scale}^2 I$ when
    `n_rows >= n_out` (orthonormal columns). Drawn uniformly (Haar) by the QR
    decomposition of a Gaussian matrix. Orthogonal recurrent weights keep every singular
    value at `scale`, so activity neither explodes nor dies along any direction.

    **Arguments:**

    - `scale`: the gain, `> 0` (every singular value of $W$).

    ??? cite "Reference"

        Saxe, A. M., McClelland, J. L., & Ganguli, S. (2014). Exact solutions to the
        nonlinear dynamics of learning in deep linear neural networks. *ICLR*.
    """

    scale: Array

    def __init__(self, scale: ArrayLike = 1.0):
        self.scale = as_float_array(scale, "scale", positive=True)

    def __call__(self, key, shape, dtype=None):
        require_key(key, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape with at least 2 axes, got {shape}.")
        dtype = float_dtype(dtype)
        n_cols = shape[-1]
        n_rows = math.prod(shape) // n_cols if n_cols else 0
        q = orthogonal(key, n_rows, n_cols, dtype)
        return (self.scale.astype(dtype) * q).reshape(shape)


class DeltaOrthogonal(AbstractInitializer):
    """A convolution kernel that is orthogonal at its spatial centre and zero elsewhere.

    For a shape `(k_1, ..., k_d, n_in, n_out)` (at least three axes), the tap at the
    centre `(k_1 // 2, ..., k_d // 2)` is `Orthogonal(scale)` of shape `(n_in, n_out)` and
    every other tap is 0. With `n_in <= n_out` the convolution then preserves norms at
    initialisation ("dynamical isometry"), which lets very deep convolutional networks
    train without skip connections.

    **Arguments:**

    - `scale`: the gain of the centre tap, `> 0`.

    ??? cite "Reference"

        Xiao, L., Bahri, Y., Sohl-Dickstein, J., Schoenholz, S. S., & Pennington, J.
        (2018). Dynamical isometry and a mean field theory of CNNs: how to train
        10,000-layer vanilla convolutional neural networks. *ICML*, 5393–5402.
    """

    scale: Array

    def __init__(self, scale: ArrayLike = 1.0):
        self.scale = as_float_array(scale, "scale", positive=True)

    def __call__(self, key, shape, dtype=None):
        require_key(key, "DeltaOrthogonal")
        if len(shape) < 3:
            raise ValueError(
                f"DeltaOrthogonal needs a shape (k..., n_in, n_out) with at least 3 axes, "
                f"got {shape}."
            )
        dtype = float_dtype(dtype)
        centre = tuple(k // 2 for k in shape[:-2])
        tap = self.scale.astype(dtype) * orthogonal(key, shape[-2], shape[-1], dtype)
        return jnp.zeros(shape, dtype).at[centre].set(tap)


class Identity(AbstractInitializer):
    """`scale` times the identity matrix (deterministic; `key` is ignored).

    The shape must be 2-d `(n_rows, n_cols)`; a non-square shape gives ones on the main
    diagonal (`jnp.eye(n_rows, n_cols)`), e.g. one-to-one weights from the first
    `min(n_rows, n_cols)` neurons.

    **Arguments:**

    - `scale`: the diagonal value (a scalar, or a `(min(n_rows, n_cols),)` array).
    """

    scale: Array

    def __init__(self, scale: ArrayLike = 1.0):
        self.scale = as_float_array(scale, "scale")

    @eqx.filter_jit
    def __call__(self, key, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2-d shape (n_rows, n_cols), got {shape}.")
        dtype = float_dtype(dtype)
        n = min(shape)
        diag = jnp.broadcast_to(self.scale.astype(dtype), (n,))
        return jnp.zeros(shape, dtype).at[jnp.arange(n), jnp.arange(n)].set(diag)
