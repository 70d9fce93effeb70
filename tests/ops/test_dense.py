"""The compiled kernels of event products with a dense matrix (`dynax/ops/_dense.py`)
against the matrix products they replace: $y = e W$ and $\\partial W = e^\\top g$, for
spikes and float events, float32 and float64, sparse events (the kernels) and dense ones
(the matrix product they switch to), leading batch dimensions and `jax.vmap`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dynax.ops import _dense

pytestmark = pytest.mark.skipif(
    jax.default_backend() != "cpu" or not _dense.available(),
    reason="the native kernels run on a CPU with a C++ compiler",
)

N_PRE, N_POST, ROWS = 70, 90, 6


def events(kind, density, shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    active = rng.random(shape) < density
    if kind == "bool":
        return jnp.asarray(active)
    return jnp.asarray(np.where(active, rng.normal(size=shape), 0.0), dtype)


def product(e, m):
    """e @ m in float64 NumPy over the last two axes."""
    return np.matmul(np.asarray(e, np.float64), np.asarray(m, np.float64))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_event_and_outer_equal_the_products(x64, dtype):
    """Boolean and float events; no event, few (the kernels) and most (the matrix product
    they switch to): one compiled program for the six."""
    dtype = jnp.dtype(dtype)
    tol = 1e-5 if dtype == jnp.float32 else 1e-12
    rng = np.random.default_rng(1)
    w = jnp.asarray(rng.normal(size=(N_PRE, N_POST)), dtype)
    init = jnp.asarray(rng.normal(size=(2, ROWS, N_POST)), dtype)
    g = jnp.asarray(rng.normal(size=(2, ROWS, N_POST)), dtype)
    cases = [
        events(kind, density, (2, ROWS, N_PRE), dtype, seed)
        for seed, kind in enumerate(("bool", "float"))
        for density in (0.0, 0.05, 0.6)
    ]

    @jax.jit
    def run(cases, w, init, g):
        return [
            (
                _dense.event(e, w, init),  # leading dimensions (2, ROWS), a shared weight
                jax.vmap(lambda e, i: _dense.event(e, w, i))(e[0], init[0]),  # one call
                _dense.outer(e, g),  # (2, N_PRE, N_POST): rows summed per leading member
                jax.vmap(_dense.outer)(e, g),
            )
            for e in cases
        ]

    for e, (y, y_vmap, dw, dw_vmap) in zip(cases, run(cases, w, init, g)):
        want = product(e, w) + np.asarray(init, np.float64)
        np.testing.assert_allclose(y, want, rtol=tol, atol=tol)
        np.testing.assert_allclose(y_vmap, want[0], rtol=tol, atol=tol)
        want = product(np.swapaxes(np.asarray(e, np.float64), -1, -2), g)
        np.testing.assert_allclose(dw, want, rtol=tol, atol=tol)
        np.testing.assert_allclose(dw_vmap, want, rtol=tol, atol=tol)
        assert y.dtype == dw.dtype == dtype
    # The kernels run (behind the switch to the matrix product), at 5 % but not 60 %.
    assert [bool(_dense._dense_above(e)) for e in cases] == [False, False, True] * 2
    hlo = run.lower(cases, w, init, g).as_text()
    assert "dynax_dense_event" in hlo and "dynax_dense_outer" in hlo


def test_kernels_add_the_active_rows_in_order():
    """With 0/1 spikes each output is the sum of the active rows' entries added one after
    another: the same float32 value as adding them in a loop."""
    rng = np.random.default_rng(3)
    w = rng.normal(size=(N_PRE, N_POST)).astype(np.float32)
    e = rng.random((ROWS, N_PRE)) < 0.1
    y = np.asarray(_dense.event(jnp.asarray(e), jnp.asarray(w), jnp.zeros((ROWS, N_POST))))
    for b in range(ROWS):
        acc = np.zeros(N_POST, np.float32)
        for i in np.flatnonzero(e[b]):
            acc = acc + w[i]
        np.testing.assert_array_equal(y[b], acc)


def test_batch_of_weights_and_errors():
    rng = np.random.default_rng(4)
    w = jnp.asarray(rng.normal(size=(3, N_PRE, N_POST)), jnp.float32)
    e = events("float", 0.05, (3, N_PRE), jnp.float32)
    y = jax.vmap(lambda e, w: _dense.event(e, w, jnp.zeros(N_POST)))(e, w)
    np.testing.assert_allclose(y, np.einsum("bi,bij->bj", e, w), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="do not match"):
        _dense.event(e, w[0], jnp.zeros((3, N_POST + 1)))
    with pytest.raises(ValueError, match="do not match"):
        _dense.outer(e, jnp.zeros((2, N_POST)))
