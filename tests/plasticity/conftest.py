import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dynax as dx


def _replay(proj, pre, post, dt):
    """The state of `proj` after stepping it through the spike rasters `pre` `(T, n_pre)`
    and `post` `(T, n_post)` (row k: the spikes its step k receives), from `init()`."""

    @jax.jit
    def run(pre, post):
        def body(state, x):
            i, p, q = x
            return proj.step(state, (p, q), dx.Context(i * dt, dt, i)), None

        steps = jnp.arange(pre.shape[0])
        return jax.lax.scan(body, proj.init(), (steps, pre, post))[0]

    return run(jnp.asarray(pre, bool), jnp.asarray(post, bool))


@pytest.fixture
def replay():
    return _replay


def one_to_one(n: int) -> dx.connect.CSR:
    return dx.connect.CSR(np.arange(n + 1), np.arange(n), n)


@pytest.fixture
def pairs():
    """A projection of `n` one-to-one synapses with `rule` (CUBA, exponential synapse)."""

    def make(rule, n, w0=0.5, **kwargs):
        return dx.plasticity.PlasticProjection(
            "pre",
            "post",
            one_to_one(n),
            w0,
            rule,
            dx.synapses.Exponential(n, 5.0),
            dx.synapses.CUBA(),
            **kwargs,
        )

    return make
