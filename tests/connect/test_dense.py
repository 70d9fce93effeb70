"""`dx.connect.Dense`'s event operators on the compiled kernels: the values and every
derivative (the weight gradient that visits only the active rows, the dense gradient with
respect to float events, forward mode, per-example gradients, second derivatives) equal
those of the matrix product, which finite differences confirm (float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx
from dynax.ops import _dense

pytestmark = pytest.mark.skipif(
    jax.default_backend() != "cpu" or not _dense.available(),
    reason="the native kernels run on a CPU with a C++ compiler",
)

N_PRE, N_POST, BATCH = 40, 30, 5


def _data(dtype):
    rng = np.random.default_rng(0)
    w = jnp.asarray(rng.normal(size=(N_PRE, N_POST)), dtype)
    active = rng.random((BATCH, N_PRE)) < 0.08  # under DENSE_ABOVE: the kernels run
    e = jnp.asarray(np.where(active, rng.normal(size=active.shape), 0.0), dtype)
    g = jnp.asarray(rng.normal(size=(BATCH, N_POST)), dtype)
    return w, e, g


def _loss(kernel, g):
    conn = dx.connect.Dense(N_PRE, N_POST)

    def loss(w, e):
        # a nonlinear loss, so that second derivatives are not trivially zero
        return jnp.sum(jnp.sin(conn.event_matmat(e, w, kernel=kernel)) * g)

    return loss


def test_gradients_equal_the_matrix_product(x64):
    w, e, g = _data(jnp.float64)
    native, xla = _loss("native", g), _loss("xla", g)
    dw, de = jnp.ones_like(w), jnp.asarray(np.random.default_rng(1).normal(size=e.shape)) * (e != 0)

    @jax.jit(static_argnums=2)
    def derivatives(w, e, loss):
        grads = jax.grad(loss, (0, 1))(w, e)
        tangent = jax.jvp(loss, (w, e), (dw, de))[1]  # forward mode
        hvp = jax.jvp(jax.grad(loss), (w, e), (dw, de))[1]  # forward over reverse
        return grads, tangent, hvp

    hlo = jax.jit(jax.grad(native)).lower(w, e).as_text()
    assert "dynax_dense_outer" in hlo and "dynax_dense_event" in hlo  # dW: active rows only
    got, want = derivatives(w, e, native), derivatives(w, e, xla)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)
    # finite differences: the gradient of the loss along (dw, de)
    eps = 1e-6
    fd = (native(w + eps * dw, e + eps * de) - native(w - eps * dw, e - eps * de)) / (2 * eps)
    (gw, ge), _, _ = got
    np.testing.assert_allclose(jnp.sum(gw * dw) + jnp.sum(ge * de), fd, rtol=1e-7)


def test_vmap_per_example_gradients_and_spikes():
    w, e, g = _data(jnp.float32)
    conn = dx.connect.Dense(N_PRE, N_POST)
    ws = jnp.stack([w, 2 * w])

    @jax.jit(static_argnums=3)
    def outputs(w, e, g, kernel):
        def product(e, w):
            return conn.event_matvec(e, w, kernel=kernel)

        def per_example(e, g):  # a vmap of grad: a weight gradient per batch member
            return jax.grad(lambda w: jnp.sum(product(e, w) * g))(w)

        def loss(w):  # a grad of vmap: the batch folded into one call
            return jnp.sum(jnp.tanh(jax.vmap(product, (0, None))(e, w)) * g)

        def swept(w):  # a vmap over the weights
            return jax.grad(lambda w: jnp.sum(jnp.cos(conn.event_matmat(e, w, kernel=kernel))))(w)

        spikes = jax.vmap(product, (0, None))(e != 0, w)  # boolean spikes
        return jax.vmap(per_example)(e, g), jax.grad(loss)(w), jax.vmap(swept)(ws), spikes

    for got, want in zip(outputs(w, e, g, "native"), outputs(w, e, g, "xla")):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
