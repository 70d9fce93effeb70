"""dx.random: jax.random's threefry numbers, bit for bit, in a form XLA fuses."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def assert_same_bits(a, b):
    a, b = np.atleast_1d(np.asarray(a)), np.atleast_1d(np.asarray(b))
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def draws(module, key, x64=False):
    """Every kind of draw from `key` in one compiled function (one compilation)."""
    dtypes = [jnp.float64] if x64 else [jnp.float32, jnp.float16, jnp.bfloat16]

    def all_of(key):
        out = {}
        for dtype in dtypes:  # 64, 32, 16 and 8 random bits per number
            name = jnp.dtype(dtype).name
            out["normal () " + name] = module.normal(key, (), dtype)
            out["normal (3, 5) " + name] = module.normal(key, (3, 5), dtype)
            out["uniform (7,) " + name] = module.uniform(key, (7,), dtype)
            out["uniform(-2, 3) (3, 5) " + name] = module.uniform(key, (3, 5), dtype, -2.0, 3.0)
        out["fold_in"] = jax.random.key_data(module.fold_in(key, 2**31 - 1))
        return out

    return jax.jit(all_of)(key)


def test_normal_uniform_and_fold_in_equal_jax_random():
    ours, ref = draws(dx.random, jax.random.key(42)), draws(jax.random, jax.random.key(42))
    for name in ref:
        assert_same_bits(ours[name], ref[name])
    # Called outside jit too (jitted themselves, as JAX's samplers are).
    key = jax.random.key(1)
    ref = jax.random.uniform(key, (5,), None, -2.0, 3.0)
    assert_same_bits(dx.random.uniform(key, (5,), None, -2.0, 3.0), ref)


def test_float64_equals_jax_random(x64):
    ours = draws(dx.random, jax.random.key(7), x64=True)
    ref = draws(jax.random, jax.random.key(7), x64=True)
    for name in ref:
        assert_same_bits(ours[name], ref[name])


def test_fold_in_and_draws_under_jit_vmap_and_scan():
    key = jax.random.key(0)
    steps = jnp.arange(50, dtype=jnp.int32)
    ours = jax.jit(jax.vmap(lambda i: dx.random.fold_in(key, i)))(steps)
    ref = jax.vmap(lambda i: jax.random.fold_in(key, i))(steps)
    assert_same_bits(jax.random.key_data(ours), jax.random.key_data(ref))

    def path(draw):
        def step(x, k):
            x = 0.9 * x + draw(k, (80,), jnp.float32)
            return x, x

        return jax.jit(lambda ks: jax.lax.scan(step, jnp.zeros(80), ks)[1])(ref)

    assert_same_bits(path(dx.random.normal), path(jax.random.normal))
    # A key from jax.random.PRNGKey (raw uint32 words) as well.
    raw = jax.random.PRNGKey(3)
    assert_same_bits(dx.random.normal(raw, (10,)), jax.random.normal(raw, (10,)))
    assert_same_bits(dx.random.fold_in(raw, 5), jax.random.fold_in(raw, 5))


def test_other_key_implementations_go_to_jax_random():
    key = jax.random.key(1, impl="unsafe_rbg")
    assert_same_bits(dx.random.normal(key, (10,)), jax.random.normal(key, (10,)))
    folded = dx.random.fold_in(key, 3)
    assert str(jax.random.key_impl(folded)) == "unsafe_rbg"
    assert_same_bits(jax.random.key_data(folded), jax.random.key_data(jax.random.fold_in(key, 3)))
    with pytest.raises(TypeError, match="floating-point"):
        dx.random.normal(jax.random.key(0), (3,), jnp.int32)


def test_a_draw_in_a_loop_is_no_loop_of_its_own():
    # JAX 0.10 lowers the threefry hash on the CPU as a loop of 5 rounds-blocks: a loop
    # inside the step loop, which cost more than an 80-node model's step. Ours is one
    # straight-line fusion: the compiled program has the scan's loop only.
    def run(draw):
        def step(x, i):
            return x + draw(dx.random.fold_in(jax.random.key(0), i), (80,), jnp.float32), None

        return jax.lax.scan(step, jnp.zeros(80), jnp.arange(10))[0]

    text = jax.jit(lambda: run(dx.random.normal)).lower().compile().as_text()
    assert text.count(" while(") == 1


def test_the_ou_noise_of_a_run_is_jax_random_normal_of_the_step_key():
    # The documented stream: step i of a run with key k draws jax.random.normal(
    # fold_in(k, i)), so a run is reproducible from its key with jax.random alone.
    n, mu, sigma, tau, dt, steps = 5, 0.3, 0.7, 4.0, 0.5, 30
    ou = dx.inputs.OUProcess(n, mu, sigma, tau)
    key = jax.random.key(11)
    _, rec = dx.simulate(ou, ou.init(), dt=dt, n_steps=steps, key=key, monitors={"x": "value"})
    decay = np.exp(np.float32(-dt / tau))
    std = np.float32(sigma) * np.sqrt(-np.expm1(np.float32(-2 * dt / tau)))
    x, ref = jnp.full(n, mu, jnp.float32), []
    for i in range(steps):
        xi = jax.random.normal(jax.random.fold_in(key, i), (n,), jnp.float32)
        x = mu + (x - mu) * decay + std * xi
        ref.append(x)
    np.testing.assert_allclose(rec["x"], np.stack(ref), rtol=1e-6, atol=1e-7)
