import os
import subprocess
import sys
import textwrap

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import Mesh

import dynax as dx


def final_v(current):
    lif = dx.neurons.LIF(2, tau=10.0, v_th=100.0)
    state, _ = dx.simulate(lif, lif.init(), dt=0.1, n_steps=50, inputs=current)
    return state.v


def test_sweep_equals_a_loop():
    currents = jnp.linspace(0.0, 5.0, 7)
    swept = dx.sweep(final_v, currents)
    looped = jnp.stack([final_v(c) for c in currents])
    np.testing.assert_allclose(swept, looped, rtol=1e-6)
    np.testing.assert_allclose(swept[:, 0], currents * (1 - np.exp(-0.5)), rtol=1e-5)


def test_sweep_over_a_dict_of_grids():
    def rate(p):
        lif = dx.neurons.LIF(1, tau=p["tau"], v_th=1.0)
        return dx.simulate(
            lif, lif.init(), dt=0.1, n_steps=1000, inputs=p["I"], monitors={"s": "spike"}
        )[1]["s"].sum()

    taus, currents = jnp.meshgrid(jnp.asarray([5.0, 10.0]), jnp.asarray([0.5, 2.0, 4.0]))
    counts = dx.sweep(rate, {"tau": taus.ravel(), "I": currents.ravel()})
    assert counts.shape == (6,)
    # Reset 0, threshold 1: the period is tau ln(I / (I - 1)), seen on the dt grid.
    tau, current = np.asarray(taus.ravel()), np.asarray(currents.ravel())
    with np.errstate(divide="ignore", invalid="ignore"):
        period_steps = np.ceil(tau * np.log(current / (current - 1)) / 0.1 - 1e-4)
    expected = np.where(current > 1, 1000 // np.where(current > 1, period_steps, 1), 0)
    np.testing.assert_array_equal(counts, expected)


def test_sweep_rejects_ragged_batches():
    with pytest.raises(ValueError, match="one common leading"):
        dx.sweep(final_v, {"a": jnp.zeros(3), "b": jnp.zeros(4)})
    with pytest.raises(ValueError, match="devices=64"):
        dx.sweep(final_v, jnp.zeros(3), devices=64)
    mesh = Mesh(np.array(jax.devices()[:1]), ("neurons",))
    with pytest.raises(ValueError, match=r"no axis 'batch'.*\('neurons',\)"):
        dx.sweep(final_v, jnp.zeros(3), mesh=mesh)
    with pytest.raises(ValueError, match="either devices= or mesh="):
        dx.sweep(final_v, jnp.zeros(3), devices=1, mesh=mesh)


SHARDED = textwrap.dedent(
    """
    import jax, jax.numpy as jnp, numpy as np
    import dynax as dx

    def final_v(current):
        lif = dx.neurons.LIF(2, tau=10.0, v_th=1.0, tau_ref=1.0)
        state, rec = dx.simulate(lif, lif.init(), dt=0.1, n_steps=200, inputs=current,
                                 monitors={"s": "spike"})
        return state.v, rec["s"].sum(0)

    assert len(jax.devices()) == 4, jax.devices()
    currents = jnp.linspace(0.0, 3.0, 6)  # 6 is not a multiple of 4: padded
    sharded = dx.sweep(final_v, currents, devices=4)
    plain = dx.sweep(final_v, currents)
    for a, b in zip(sharded, plain):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert sharded[0].shape == (6, 2)
    print("devices used:", len(sharded[0].sharding.device_set))
    # A mesh from jax.make_mesh (Explicit axes in recent JAX), the batch over its "batch".
    meshed = dx.sweep(final_v, currents[:4], mesh=jax.make_mesh((4,), ("batch",)))
    assert len(meshed[0].sharding.device_set) == 4
    for a, b in zip(meshed, plain):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b)[:4])
    """
)


# (6 s in a subprocess with four host devices; tests/test_shard.py checks sharding quickly)
@pytest.mark.slow
def test_sharded_sweep_equals_unsharded_on_four_host_devices():
    env = dict(
        os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu"
    )
    out = subprocess.run(
        [sys.executable, "-c", SHARDED], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "devices used: 4" in out.stdout


def test_stacked_model_sweep_compiles_once():
    # Monitors are traced only when simulate's scan is (re)compiled.
    monitors = {"v": eqx.debug.assert_max_traces(lambda s: s.v, max_traces=1)}

    def run(model, current):
        state, rec = dx.simulate(
            model, model.init(), dt=0.1, n_steps=20, inputs=current, monitors=monitors
        )
        return rec["v"][-1]

    def stack(taus):
        return eqx.filter_vmap(lambda tau: dx.neurons.LIF(1, tau=tau, v_th=100.0))(taus)

    v = dx.sweep(run, stack(jnp.arange(1.0, 9.0)), 1.0)
    dx.sweep(run, stack(jnp.arange(2.0, 10.0)), 2.0)
    np.testing.assert_allclose(v[:, 0], 1 - np.exp(-2.0 / np.arange(1.0, 9.0)), rtol=1e-5)
