import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dynax._system import Context
from dynax.inputs import AbstractSignal, Constant, Ramp, Section, Sinusoidal, Square


def values_on_grid(signal, n_steps, dt):
    """The signal at t = i * dt for i < n_steps, computed the way a run computes t."""

    def f(i):
        return signal(Context(t=i * dt, dt=dt, i=i))

    return np.asarray(jax.jit(jax.vmap(f))(jnp.arange(n_steps)))


@eqx.filter_jit
def at_times(signal, ts):
    """The signal at each time in `ts` (float32, ms), in one compiled call."""
    ts = jnp.asarray(ts, dtype=jnp.float32)
    return jax.vmap(lambda t: signal(Context(t=t, dt=0.1, i=jnp.asarray(0))))(ts)


def assert_values(signal, expected):
    """`signal(t) == v` exactly for each `t: v` in `expected`."""
    ts, vs = zip(*expected.items())
    np.testing.assert_array_equal(np.asarray(at_times(signal, list(ts))), vs)


def test_constant():
    c = Constant(jnp.array([1.0, -2.0]))
    assert isinstance(c, AbstractSignal)
    np.testing.assert_array_equal(at_times(c, [0.0, 1234.5]), [[1.0, -2.0], [1.0, -2.0]])


def test_section_values_and_boundaries():
    s = Section([1.0, 2.0, -3.0], [10.0, 20.0, 5.0])
    expected = {-0.1: 0.0, 0.0: 1.0, 9.9: 1.0, 10.0: 2.0, 29.9: 2.0, 30.0: -3.0, 34.9: -3.0}
    expected |= {35.0: 0.0, 100.0: 0.0}
    assert_values(s, expected)


def test_section_on_grid():
    # 0.3 / 0.1 and 0.3 + 0.4 are not exact in binary; boundaries must still fall on steps.
    s = Section([1.0, 2.0], [0.3, 0.4])
    np.testing.assert_array_equal(values_on_grid(s, 9, 0.1), [1, 1, 1, 2, 2, 2, 2, 0, 0])
    long = Section([1.0, 2.0], [1000.0, 1000.0])
    v = values_on_grid(long, 20_001, 0.1)
    assert np.all(v[:10_000] == 1) and np.all(v[10_000:20_000] == 2) and v[20_000] == 0


def test_section_array_values():
    s = Section([jnp.array([1.0, 2.0]), jnp.array([3.0, 4.0])], [5.0, 5.0])
    np.testing.assert_array_equal(at_times(s, [2.0, 5.0, 10.0]), [[1, 2], [3, 4], [0, 0]])
    # The same from one array whose leading axis runs over the sections.
    s = Section(jnp.array([[1.0, 2.0], [3.0, 4.0]]), [5.0, 5.0])
    np.testing.assert_array_equal(at_times(s, [2.0, 5.0, 10.0]), [[1, 2], [3, 4], [0, 0]])


def test_section_errors():
    with pytest.raises(ValueError, match="len\\(values\\)=2 and len\\(durations\\)=3"):
        Section([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="durations must be positive"):
        Section([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="values must all have the same shape"):
        Section([1.0, jnp.ones(3)], [1.0, 2.0])
    with pytest.raises(ValueError, match="values must be a sequence"):
        Section(1.0, [1.0])


def test_ramp():
    r = Ramp(1.0, 3.0, 10.0, 20.0)
    assert_values(r, {9.9: 0.0, 10.0: 1.0, 15.0: 2.0, 17.5: 2.5, 20.0: 0.0})  # 0 from t_end
    np.testing.assert_allclose(at_times(r, [19.9]), [1.0 + 2.0 * 9.9 / 10], rtol=1e-6)
    down = Ramp(jnp.array([0.0, 4.0]), jnp.array([1.0, 0.0]), 0.0, 8.0)
    np.testing.assert_array_equal(at_times(down, [2.0]), [[0.25, 3.0]])
    # The ramp ends exactly at the step that starts at t_end, even on a rounded grid.
    v = values_on_grid(Ramp(0.0, 1.0, 0.2, 0.7), 9, 0.1)
    np.testing.assert_allclose(v, [0, 0, 0, 0.2, 0.4, 0.6, 0.8, 0, 0], atol=1e-6)
    assert v[7] == 0 and v[2] == 0


def test_ramp_errors():
    with pytest.raises(ValueError, match="t_end must be greater than t_start"):
        Ramp(0.0, 1.0, 10.0, 10.0)


def test_sinusoidal():
    s = Sinusoidal(2.0, 10.0, phase=0.5, offset=1.0, t_start=5.0, t_end=150.0)
    ts = [5.0, 12.5, 25.0, 100.0, 149.9]
    expected = [2.0 * math.sin(2 * math.pi * 10.0 * t / 1000 + 0.5) + 1.0 for t in ts]
    np.testing.assert_allclose(at_times(s, ts), expected, atol=1e-5)
    assert_values(s, {4.9: 0.0, 150.0: 0.0})
    # Peak a quarter period in (t = 25 ms at 10 Hz): amplitude + offset.
    np.testing.assert_allclose(at_times(Sinusoidal(3.0, 10.0, offset=1.0), [25.0]), [4.0])
    # Stays accurate at long times in float32 (fractional cycles only).
    np.testing.assert_allclose(at_times(Sinusoidal(1.0, 40.0), [1e5 + 6.25]), [1.0], atol=1e-3)


def test_sinusoidal_errors():
    with pytest.raises(ValueError, match="frequency must be positive"):
        Sinusoidal(1.0, 0.0)
    with pytest.raises(ValueError, match="t_end must be greater than t_start"):
        Sinusoidal(1.0, 5.0, t_start=10.0, t_end=5.0)


def test_square():
    # 10 Hz: period 100 ms, on for the first 30 ms of each period counted from t_start=5.
    s = Square(1.0, 10.0, duty=0.3, offset=0.5, t_start=5.0, t_end=305.0)
    expected = {4.9: 0.0, 5.0: 1.5, 34.9: 1.5, 35.0: 0.5, 104.9: 0.5, 105.0: 1.5}
    expected |= {134.9: 1.5, 135.0: 0.5, 304.9: 0.5, 305.0: 0.0}
    assert_values(s, expected)
    assert_values(Square(2.0, 10.0, duty=1.0), {0.0: 2.0, 50.0: 2.0, 99.9: 2.0, 100.0: 2.0})
    assert_values(Square(2.0, 10.0, duty=0.0), {0.0: 0.0, 50.0: 0.0, 99.9: 0.0, 100.0: 0.0})


def test_square_on_grid():
    # 250 Hz, period 4 ms, 1 ms on; dt = 0.1: exactly 10 steps on, 30 off, every period.
    v = values_on_grid(Square(1.0, 250.0, duty=0.25), 4000, 0.1)
    expected = np.tile(np.r_[np.ones(10), np.zeros(30)], 100)
    np.testing.assert_array_equal(v, expected)


def test_square_errors():
    with pytest.raises(ValueError, match="duty must lie in"):
        Square(1.0, 10.0, duty=1.5)
    with pytest.raises(ValueError, match="duty must be non-negative"):
        Square(1.0, 10.0, duty=-0.1)
    with pytest.raises(ValueError, match="frequency must be positive"):
        Square(1.0, -10.0)


def test_signals_vmap_over_parameters(ctx):
    # A sweep is a vmap over a stacked signal: parameters are array leaves.
    amps = jnp.array([1.0, 2.0, 3.0])

    @eqx.filter_jit
    def sweep(amps, t_ends):
        sines = eqx.filter_vmap(lambda a: Sinusoidal(a, 10.0))(amps)
        ramps = eqx.filter_vmap(lambda t1: Ramp(0.0, 1.0, 0.0, t1))(t_ends)
        return (
            eqx.filter_vmap(lambda s: s(ctx(25.0)))(sines),
            eqx.filter_vmap(lambda r: r(ctx(5.0)))(ramps),
        )

    sines, ramps = sweep(amps, jnp.array([10.0, 20.0]))
    np.testing.assert_allclose(sines, amps, rtol=1e-6)
    np.testing.assert_allclose(ramps, [0.5, 0.25])


def test_dtypes():
    # Python numbers give the default float (float32 unless x64 is on) ...
    for s in [
        Constant(1),
        Section([1, 2], [1, 1]),
        Ramp(0, 1, 0, 1),
        Sinusoidal(1, 1),
        Square(1, 1),
    ]:
        assert at_times(s, [0.5]).dtype == jnp.result_type(float)
    # ... and float32 parameters stay float32 at a float32 time, also under x64.
    f = jnp.float32
    for s in [
        Constant(f(1)),
        Section([f(1), f(2)], [f(1), f(1)]),
        Ramp(f(0), f(1), f(0), f(1)),
        Sinusoidal(f(1), f(1), phase=f(0), offset=f(0), t_start=f(0), t_end=f(2)),
        Square(f(1), f(1), duty=f(0.5), offset=f(0), t_start=f(0), t_end=f(2)),
    ]:
        assert at_times(s, [0.5]).dtype == jnp.float32
