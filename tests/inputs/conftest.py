import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

from dynax._system import Context


@eqx.filter_jit
def drive(source, n_steps, *, dt, key=None, state=None, start=0, record=None):
    """Advance `source` by `n_steps` steps of `dt` from step `start` (t = i * dt) in one
    `lax.scan`; returns the final state and `record(state)` after each step (default:
    `source.output(state)`). Compiled once per source structure, step count and `dt`
    (pass `start` as an array to reuse the compilation)."""
    state = source.init() if state is None else state
    record = source.output if record is None else record

    def body(state, i):
        k = None if key is None else jax.random.fold_in(key, i)
        state = source.step(state, None, Context(t=i * dt, dt=dt, i=i, key=k))
        return state, record(state)

    return jax.lax.scan(body, state, start + jnp.arange(n_steps))


def at(t, dt=0.1):
    """A context at time `t` (float32, like a run's)."""
    return Context(t=jnp.asarray(t, dtype=jnp.float32), dt=dt, i=jnp.asarray(0))


@pytest.fixture
def run():
    return drive


@pytest.fixture
def ctx():
    return at
