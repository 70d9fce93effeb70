"""Monitors written as fresh lambdas reuse the compiled run when they compute the same."""

import jax.numpy as jnp
import numpy as np

import dynax as dx
from dynax._monitor import FunctionMonitor

OFFSET = 1.0


def run(monitors):
    lif = dx.neurons.LIF(3)
    return dx.simulate(lif, lif.init(), dt=0.1, n_steps=5, inputs=20.0, monitors=monitors)[1]


TRACES = []


def first_two(state):
    TRACES.append(1)  # runs when the loop is traced, not when it runs
    return state.v[:2]


def test_a_fresh_lambda_with_the_same_code_and_values_does_not_recompile():
    TRACES.clear()
    for _ in range(3):
        rec = run({"v": lambda s: first_two(s)})  # a new function object each time
    assert len(TRACES) == 1
    assert rec["v"].shape == (5, 2)
    run({"v": lambda s: first_two(s) * 2})  # other code: compiled again
    assert len(TRACES) == 2


def test_the_key_sees_closures_globals_and_defaults():
    def make(k):
        return lambda s: s.v[:k]

    assert FunctionMonitor(make(2)) == FunctionMonitor(make(2))
    assert FunctionMonitor(make(2)) != FunctionMonitor(make(3))

    def scaled():
        return lambda s: s.v * OFFSET

    assert FunctionMonitor(scaled()) == FunctionMonitor(scaled())

    def with_default(c):
        return lambda s, c=c: s.v * c

    assert FunctionMonitor(with_default(2.0)) == FunctionMonitor(with_default(2.0))
    assert FunctionMonitor(with_default(2.0)) != FunctionMonitor(with_default(3.0))
    # Equal values in other objects (arrays) are compared by identity.
    assert FunctionMonitor(make(jnp.asarray(2))) != FunctionMonitor(make(jnp.asarray(2)))


def test_a_changed_global_is_not_served_from_the_cache():
    global OFFSET

    def shifted():
        return {"x": lambda s: s.v + OFFSET}  # the same code each time

    first = run(shifted())["x"]
    OFFSET = 2.0
    try:
        second = run(shifted())["x"]
    finally:
        OFFSET = 1.0
    np.testing.assert_allclose(second - first, 1.0)
