"""The past of a delay differential equation: a ring buffer read by interpolation."""

import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from .._custom_types import Array, ArrayLike, Int, PyTree, RealScalarLike
from .._system import check_dt

INTERPOLATIONS = ("linear", "cubic")
"""How a [`dynax.integrate.History`][] interpolates between steps."""


def _concrete(x, name: str) -> float:
    try:
        return float(np.asarray(x))
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        raise ValueError(
            f"{name} must be a concrete number (it sets the size of the history buffer), "
            f"got a traced value {x!r}."
        ) from None
    except TypeError:
        raise ValueError(f"{name} must be a number, got {name}={x!r}.") from None


def _as_float(x):
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(float)


class _Constant(eqx.Module):
    """A pre-history constant in time (one value per element of `y`)."""

    value: PyTree[Array]

    def __call__(self, t):
        del t
        return self.value


class _Function(eqx.Module):
    """A plain-function pre-history, kept static so a `History` can be a scan carry."""

    fn: Callable = eqx.field(static=True)

    def __call__(self, t):
        return self.fn(t)


def _check_broadcast(before_shape, y_shape, what: str) -> None:
    try:
        ok = jnp.broadcast_shapes(tuple(before_shape), tuple(y_shape)) == tuple(y_shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"before{what} has shape {tuple(before_shape)}, which does not broadcast to the "
            f"shape {tuple(y_shape)} of y0."
        )


def _before(before, y0, t0):
    """Wrap the pre-history as a callable `t -> y`, checking it against `y0`."""
    y_leaves, y_def = jtu.tree_flatten(y0)
    if before is None:
        return _Constant(y0)
    if callable(before):
        try:
            out = jax.eval_shape(before, t0)
        except Exception as e:  # noqa: BLE001 - report any failure against the argument
            raise ValueError(f"before(t0) failed for the function before={before!r}: {e}") from e
        leaves, treedef = jtu.tree_flatten(out)
        if treedef != y_def:
            raise ValueError(f"before(t) must return a pytree like y0 ({y_def}), got {treedef}.")
        for leaf, y in zip(leaves, y_leaves):
            _check_broadcast(leaf.shape, y.shape, "(t)")
        # A plain function is a pytree leaf that is not an array: keep it static. An
        # `eqx.Module` (or `jax.tree_util.Partial`) keeps its array leaves traced.
        return _Function(before) if jtu.tree_leaves(before) == [before] else before
    leaves, treedef = jtu.tree_flatten(before)
    if jtu.treedef_is_leaf(treedef) and treedef != y_def:  # one constant for every leaf
        leaves, treedef = leaves * len(y_leaves), y_def
    if treedef != y_def:
        raise ValueError(
            f"before must be a number, an array, a pytree like y0 ({y_def}) or a function "
            f"before(t) -> y; got a pytree {treedef}."
        )
    values = []
    for b, y in zip(leaves, y_leaves):
        b = jnp.asarray(b)
        _check_broadcast(b.shape, y.shape, "")
        values.append(jnp.broadcast_to(b.astype(y.dtype), y.shape))
    return _Constant(jtu.tree_unflatten(y_def, values))


def _gather(buffer: Array, j: Array) -> Array:
    """`buffer[j]` for a scalar slot `j`, or elementwise `buffer[j_i, i]` for an array `j`."""
    if j.ndim == 0:
        return lax.dynamic_index_in_dim(buffer, j, axis=0, keepdims=False)
    shape = jnp.broadcast_shapes(j.shape, buffer.shape[1:])
    if shape != buffer.shape[1:]:  # more times than elements: a scalar y read at many s
        buffer = jnp.broadcast_to(
            buffer.reshape(
                buffer.shape[:1] + (1,) * (len(shape) - buffer.ndim + 1) + buffer.shape[1:]
            ),
            (buffer.shape[0], *shape),
        )
    index = jnp.broadcast_to(j, shape)[None]
    return jnp.take_along_axis(buffer, index, axis=0)[0]


class History(eqx.Module):
    r"""The past of a delay differential equation, read at any time by interpolation.

    A ring buffer of the last $L$ values $y_j = y(t_0 + j\,\Delta t)$ on the step grid
    (each leaf of `buffer` has a leading axis of length $L$), the number `n` of steps
    taken since $t_0$, and the pre-history `before` for $t < t_0$. It is the state of a
    [`dynax.integrate.DDEStepper`][]: pass it through `jax.lax.scan` as the carry, vmap
    or differentiate it like any pytree. Make one with `History.create` (or
    `stepper.init`); `push` appends a value.

    `history(s)` is $y(s)$ (ms) for a scalar or traced time `s`, at $O(1)$ cost (two
    buffer reads, or six with `interpolation="cubic"`, whatever $L$):

    - $s < t_0$: `before(s)`, exactly (a constant, an array or a function); $y(t_0)$
      itself is `y0`, so `before` may jump at $t_0$;
    - $t_0 \le s \le t_n$ (the newest entry, `history.t`): linear interpolation between
      the two grid values around $s$, error $\tfrac18 \Delta t^2 \max|y''|$ (or cubic
      Lagrange interpolation through four, $O(\Delta t^4)$, one-sided at both ends), so
      a delay need not be a multiple of $\Delta t$;
    - $s > t_n$: the newest value $y_n$ (*frozen*). Within a step from $t_n$, stages of
      a Runge–Kutta method at $t_n + c_i\Delta t$ read $s = t_n + c_i \Delta t - \tau$;
      a delay $\tau < \Delta t$ therefore sees the value at the start of the step: first
      order in $\Delta t$. Keep $\tau \ge \Delta t$ for the full accuracy.
    - $s$ older than the buffer, $s < t_n - (L - 1)\Delta t$ (but $\ge t_0$): the oldest
      entry (*clamped*, no error is raised). The buffer made for `max_delay` holds
      $L = \lceil \tau_\max / \Delta t\rceil + 2$ values (+ 3 for cubic), so every
      $s \ge t - \tau_\max$
      within the coming step is read exactly; bound a state-dependent delay by
      `max_delay` (e.g. `jnp.minimum(tau(y), max_delay)`).

    `s` may also be an array that broadcasts against each leaf of `y`: element $i$ is
    then read at its own time $s_i$ (per-neuron delays), still at $O(1)$ per element.
    `history.derivative(s)` gives $y'(s)$ for neutral equations.

    Time is held as `t0` plus the integer step count, so it does not drift over long
    runs. The position $(s - t_0)/\Delta t$ of a read is rounded to 8 ulps of the run's
    length in steps (float32: $2^{-13}$ of a step for 1000 steps, $2^{-6}$ for
    $10^5$), which keeps reads exact at grid points under XLA's fused multiply-adds.
    """

    buffer: PyTree[Array]
    n: Int[Array, ""]
    t0: Array
    before: Callable
    dt: float = eqx.field(static=True)
    interpolation: str = eqx.field(static=True, default="linear")

    @classmethod
    def create(
        cls,
        y0: PyTree[ArrayLike],
        *,
        t0: RealScalarLike = 0.0,
        dt: float,
        max_delay: float,
        before: Any = None,
        interpolation: str = "linear",
    ) -> "History":
        r"""A history holding only $y(t_0)$ = `y0`, with pre-history `before` for $t < t_0$.

        **Arguments:**

        - `y0`: the value at $t_0$, any pytree of float arrays (ints become floats).
        - `t0`: the initial time (ms).
        - `dt`: the step (ms), a concrete positive number; every `push` is one step.
        - `max_delay`: the longest delay that will be read (ms), a concrete positive
          number; it sets the buffer length $L = \lceil$`max_delay`$/\Delta t\rceil + 2$.
        - `before`: $y(t)$ for $t < t_0$: `None` (the constant `y0`), a number, an
          array (or a pytree like `y0`) broadcasting to `y0` (per-element constants),
          or a function `before(t) -> y` (e.g. `jnp.cos`) of a scalar or array `t`. A
          plain function is a static field (a new function object means a new
          compilation); pass an `eqx.Module` instead to trace or differentiate its
          parameters.
        - `interpolation`: `"linear"` (two grid values, error $O(\Delta t^2)$, never
          overshoots) or `"cubic"` (Lagrange through four grid values, $O(\Delta t^4)$
          where $y$ is smooth; about $O(\Delta t^3)$ across the jumps of $y''$ that a DDE
          has at $t_0 + \tau$).
        """
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}."
            )
        dt_ = _concrete(dt, "dt")
        check_dt(dt_)
        max_delay_ = _concrete(max_delay, "max_delay")
        if not max_delay_ > 0 or not math.isfinite(max_delay_):
            raise ValueError(f"max_delay must be positive and finite (ms), got {max_delay!r}.")
        y0 = jtu.tree_map(_as_float, y0)
        t0 = jnp.asarray(t0, dtype=float)
        # Reads reach back to t - max_delay, at most ceil(max_delay/dt) + 1 steps behind
        # the newest entry (+ 1 more for the cubic stencil); one more slot absorbs
        # rounding of max_delay/dt.
        extra = 2 if interpolation == "linear" else 3
        length = math.ceil(max_delay_ / dt_ * (1 - 1e-12)) + extra
        buffer = jtu.tree_map(lambda y: jnp.broadcast_to(y, (length, *y.shape)), y0)
        before = _before(before, y0, t0)
        return cls(buffer, jnp.zeros((), jnp.int32), t0, before, dt_, interpolation)

    @property
    def length(self) -> int:
        """The number $L$ of grid values the buffer holds."""
        return jtu.tree_leaves(self.buffer)[0].shape[0]

    @property
    def t(self) -> Array:
        r"""The time of the newest entry, $t_0 + n\,\Delta t$ (ms)."""
        return self.t0 + self.n * self.dt

    @property
    def value(self) -> PyTree[Array]:
        """The newest value $y_n = y(t_0 + n\\,\\Delta t)$."""
        slot = self.n % self.length
        return jtu.tree_map(lambda b: _gather(b, slot), self.buffer)

    def push(self, y: PyTree[ArrayLike]) -> "History":
        r"""A new history with `y` appended as the value at $t + \Delta t$."""
        slot = (self.n + 1) % self.length
        buffer = jtu.tree_map(
            lambda b, x: lax.dynamic_update_index_in_dim(b, jnp.asarray(x, b.dtype), slot, axis=0),
            self.buffer,
            y,
        )
        return History(buffer, self.n + 1, self.t0, self.before, self.dt, self.interpolation)

    def _position(self, s):
        r"""$(s - t_0)/\Delta t$, snapped to a lattice of 8 ulps of the run's length in steps.

        The slot `floor(u)` and the weight `u - floor(u)` of a read are evaluated in
        different places by XLA, which contracts multiply-adds into FMAs in some and not in
        others (on CPU and GPU alike): at a grid point, the two copies of `u` could fall on
        either side of an integer and the read would be off by a whole step. Rounding
        errors smaller than the lattice spacing cannot separate them any more, except
        within rounding of the lattice's half-way points next to an integer.
        """
        u = (s - self.t0) / self.dt
        scale = jnp.abs(self.t0) / self.dt + (self.n + self.length + 1).astype(u.dtype)
        bits = jnp.finfo(u.dtype).nmant - 2 - jnp.frexp(scale)[1]
        lattice = jnp.ldexp(jnp.ones((), u.dtype), bits)  # a power of two: exact products
        snapped = jnp.round(u * lattice) / lattice
        return u + lax.stop_gradient(snapped - u)

    def _grid(self, s, shift: float, first):
        """Slots and weight of the grid interval around `s` (shifted by `shift` steps)."""
        u = self._position(s) + shift
        oldest = jnp.maximum(self.n - (self.length - 1), first)
        j0 = jnp.clip(jnp.floor(u), oldest.astype(u.dtype), self.n.astype(u.dtype))
        j0 = j0.astype(jnp.int32)
        # Clipped: a weight that meets a slot from a copy of u rounded differently
        # (see _position) stays a convex combination.
        frac = jnp.clip(u - j0.astype(u.dtype), 0.0, 1.0)
        frac = jnp.where(j0 < self.n, frac, 0.0)
        return j0, jnp.minimum(j0 + 1, self.n), frac

    def _read(self, j):
        slot = j % self.length
        return jtu.tree_map(lambda b: _gather(b, slot), self.buffer)

    def _cubic(self, s):
        """Cubic Lagrange interpolation through four grid values around `s`, and its slope."""
        u = self._position(s)
        oldest = jnp.maximum(self.n - (self.length - 1), 0)
        u = jnp.clip(u, oldest.astype(u.dtype), self.n.astype(u.dtype))
        # Nodes m, ..., m + 3 around u, shifted inwards at both ends of the stored values
        # (one-sided stencils: the jump of y' at t0 is not interpolated across).
        m = jnp.clip(jnp.floor(u) - 1, oldest.astype(u.dtype), (self.n - 3).astype(u.dtype))
        x = u - m
        m = m.astype(jnp.int32)
        weights = (
            -(x - 1) * (x - 2) * (x - 3) / 6,
            x * (x - 2) * (x - 3) / 2,
            -x * (x - 1) * (x - 3) / 2,
            x * (x - 1) * (x - 2) / 6,
        )
        slopes = (
            -((x - 2) * (x - 3) + (x - 1) * (x - 3) + (x - 1) * (x - 2)) / 6,
            ((x - 2) * (x - 3) + x * (x - 3) + x * (x - 2)) / 2,
            -((x - 1) * (x - 3) + x * (x - 3) + x * (x - 1)) / 2,
            ((x - 1) * (x - 2) + x * (x - 2) + x * (x - 1)) / 6,
        )
        nodes = [self._read(m + i) for i in range(4)]

        def combine(ws, scale):
            return jtu.tree_map(
                lambda *ys: scale * sum(w.astype(y.dtype) * y for w, y in zip(ws, ys)), *nodes
            )

        return combine(weights, 1.0), combine(slopes, 1.0 / self.dt)

    def _linear(self, s):
        j0, j1, frac = self._grid(s, 0.0, 0)
        return jtu.tree_map(
            lambda a, b: a + frac.astype(a.dtype) * (b - a), self._read(j0), self._read(j1)
        )

    def _midpoint_slopes(self, s):
        k0, k1, frac = self._grid(s, 0.5, 1)
        below, at, above = self._read(k0 - 1), self._read(k0), self._read(k1)
        started = self.n > 0

        def slope(a, b, c):
            d0, d1 = (b - a) / self.dt, (c - b) / self.dt
            return jnp.where(started, d0 + frac.astype(d0.dtype) * (d1 - d0), 0.0)

        return jtu.tree_map(slope, below, at, above)

    def __call__(self, s: ArrayLike) -> PyTree[Array]:
        """$y(s)$: see the class docstring for the rules before, inside and after the buffer."""
        s = jnp.asarray(s, self.t0.dtype)
        interp = self._linear(s)
        if self.interpolation == "cubic":
            cubic, _ = self._cubic(s)
            interp = jtu.tree_map(lambda c, lin: jnp.where(self.n >= 3, c, lin), cubic, interp)
        past = s < self.t0
        return jtu.tree_map(
            lambda b, y: jnp.where(past, b, y).astype(y.dtype), self.before(s), interp
        )

    def derivative(self, s: ArrayLike) -> PyTree[Array]:
        r"""$y'(s)$, for neutral delay equations such as $y' = f(y, y(t-\tau), y'(t-\tau))$.

        For $s < t_0$ the derivative of `before` (automatic differentiation; zero for a
        constant). Otherwise, with `interpolation="linear"`, the slopes
        $(y_j - y_{j-1})/\Delta t$, second-order accurate at the midpoints $t_{j-1/2}$,
        interpolated linearly between midpoints: $O(\Delta t^2)$ where $y$ is smooth;
        outside the midpoints of the stored values the nearest slope is used (after the
        newest value: the last slope); before the first step it is zero. With
        `"cubic"`, the derivative of the cubic interpolant, $O(\Delta t^3)$.
        """
        s = jnp.asarray(s, self.t0.dtype)
        interp = self._midpoint_slopes(s)
        if self.interpolation == "cubic":
            _, cubic = self._cubic(s)
            interp = jtu.tree_map(lambda c, lin: jnp.where(self.n >= 3, c, lin), cubic, interp)
        _, before = jax.jvp(self.before, (s,), (jnp.ones_like(s),))
        past = s < self.t0
        return jtu.tree_map(lambda b, y: jnp.where(past, b, y).astype(y.dtype), before, interp)
