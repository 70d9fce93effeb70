"""Phase planes in one and two variables: vector field, nullclines, fixed points,
trajectories and limit cycles."""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float
from ._fixed_points import FixedPoints, fixed_points
from ._linearise import as_points
from ._system import System


def restrict(system: System, names: Sequence[str], values: ArrayLike | None = None) -> System:
    """`system` with only the free variables `names` left free (in that order); the other
    free variables held at their entry in `values` (the free variables' values, `(n,)`;
    default `system.x0`)."""
    for name in names:
        system.index(name)  # raises for an unknown name
    if len(set(names)) != len(names):
        raise ValueError(f"the variables must differ; got {tuple(names)}.")
    x = system.x0 if values is None else jnp.asarray(values, system.x_all.dtype)
    x_all = system.full(x)
    keep = [system.free[system.index(name)] for name in names]
    return dataclasses.replace(
        system,
        x_all=x_all,
        free=tuple(keep),
        names=tuple(system.all_names[i] for i in keep),
    )


def _range(r: Any, name: str) -> Array:
    arr = jnp.asarray(r, dtype=float)
    if arr.shape != (2,) or not float(arr[0]) < float(arr[1]):
        raise ValueError(f"{name} must be (lo, hi) with lo < hi; got {r}.")
    return arr


@eqx.filter_jit
def integrate(
    system: System,
    x0: Float[Array, "m n"],
    p: Float[Array, " k"],
    dt: Float[Array, ""],
    n_steps: int,
    every: int,
) -> Float[Array, "m T n"]:
    """Trajectories from each `x0` (vmapped): classical RK4 with steps `dt` (ms) for a
    flow, iterates for a map; every `every`-th state recorded, the first included."""

    def advance(x):
        if system.discrete:
            return x + system(x, p)
        k1 = system(x, p)
        k2 = system(x + 0.5 * dt * k1, p)
        k3 = system(x + 0.5 * dt * k2, p)
        k4 = system(x + dt * k3, p)
        return x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    def block(x, _):
        x = jax.lax.fori_loop(0, every, lambda _, y: advance(y), x)
        return x, x

    def run(x):
        _, xs = jax.lax.scan(block, x, None, length=n_steps // every)
        return jnp.concatenate([x[None], xs])

    return jax.vmap(run)(x0)


class Trajectories(eqx.Module):
    """Trajectories from [`dynax.analysis.PhasePlane2D.trajectories`][] and the like:
    `t`, `(T,)` (ms, or steps for a map), and `x`, `(m, T, n)`, one per initial
    condition."""

    t: Float[Array, " T"]
    x: Float[Array, "m T n"]


class Cycle(eqx.Module):
    """A limit cycle found by simulation: `t`, `(T,)`, and `x`, `(T, n)`, one period of
    the orbit (from one upward crossing of the first variable's midpoint to the next),
    its `period` (ms) and the `amplitude` (max − min) of each variable, `(n,)`. `period`
    is NaN and the orbit empty when the trajectory settles instead."""

    t: Float[Array, " T"]
    x: Float[Array, "T n"]
    period: Array
    amplitude: Float[Array, " n"]


def trajectories(
    system: System,
    x0: Float[ArrayLike, "m n"],
    duration: float,
    *,
    p: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
    dt: float | None = None,
    every: int = 1,
) -> Trajectories:
    """Trajectories of `system` from the initial conditions `x0`, `(m, n)` (vmapped),
    over `duration` ms: classical RK4 with steps `dt` (default `duration / 2000`), or,
    for a map, `duration` iterates; every `every`-th state recorded, the first included.
    The candidates of [`dynax.analysis.slow_points`][] are often drawn from these."""
    p_arr = system.parameters(p)
    return _trajectories(system, x0, p_arr, duration, dt, every)


def _trajectories(
    system: System, x0: Any, p: Array, duration: float, dt: float | None, every: int
) -> Trajectories:
    x0 = as_points(jnp.asarray(x0, system.x_all.dtype), system.n)
    if system.discrete:
        dt_, n_steps = 1.0, int(round(duration))
    else:
        dt_ = duration / 2000 if dt is None else dt
        if dt_ <= 0 or duration <= 0:
            raise ValueError(f"duration and dt must be positive; got {duration}, {dt_}.")
        n_steps = int(round(duration / dt_))
    n_steps -= n_steps % every
    xs = integrate(system, x0, p, jnp.asarray(dt_, system.x_all.dtype), n_steps, every)
    t = jnp.arange(n_steps // every + 1) * dt_ * every
    return Trajectories(t.astype(system.x_all.dtype), xs)


def _cycle(
    system: System,
    x0: Any,
    p: Array,
    duration: float,
    transient: float,
    dt: float | None,
    tol: float,
) -> Cycle:
    dt_ = (duration + transient) / 20000 if dt is None else dt
    x0 = as_points(jnp.asarray(x0, system.x_all.dtype), system.n)[:1]
    # One run (one compilation), the transient cut on the host.
    run = _trajectories(system, x0, p, duration + transient, dt_, 1)
    start = int(round(transient / dt_))
    xs, t = np.asarray(run.x[0])[start:], np.asarray(run.t)[start:] - transient
    amplitude = xs.max(axis=0) - xs.min(axis=0)
    empty = Cycle(
        jnp.zeros(0), jnp.zeros((0, system.n)), jnp.asarray(np.nan), jnp.asarray(amplitude)
    )
    if amplitude[0] <= tol * max(1.0, float(np.max(np.abs(xs[:, 0])))):
        return empty
    mid = 0.5 * (xs[:, 0].max() + xs[:, 0].min())
    up = np.nonzero((xs[:-1, 0] < mid) & (xs[1:, 0] >= mid))[0]
    if len(up) < 3:
        return empty
    frac = (mid - xs[up, 0]) / (xs[up + 1, 0] - xs[up, 0])
    times = t[up] + frac * (t[1] - t[0])
    period = times[-1] - times[-2]
    # Take the last full period (furthest from the transient).
    i0, i1 = up[-2] + 1, up[-1] + 1
    return Cycle(
        jnp.asarray(t[i0:i1] - t[i0]),
        jnp.asarray(xs[i0:i1]),
        jnp.asarray(period),
        jnp.asarray(xs[i0:].max(axis=0) - xs[i0:].min(axis=0)),
    )


class PhasePlane1D(eqx.Module):
    r"""The phase line of one variable of a system (others held fixed): $\dot x = F(x)$
    on a range, its fixed points (stable where $F' < 0$) and trajectories.

    ```python
    F = dx.analysis.flat_system(lambda y, p: p[0] + y**2, params={"r": -1.0},
                                y0=jnp.zeros(1))
    pp = dx.analysis.PhasePlane1D(F, (-2.0, 2.0))
    pp.fixed_points().x       # [[-1.], [1.]]: stable, unstable
    ```

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][].
    - `x_range`: `(lo, hi)` of the variable.
    - `x`: the variable's name; default the first free one. The other free variables
      are held at `values` (default `system.x0`).
    - `p`: the parameters, `(k,)`, or a dict of some of them by name
      (`{"I_bias": 0.5}`, the others from `system.p0`); default `system.p0`.
    - `values`: the free variables' values, `(n,)`, for those held fixed.
    """

    system: System
    x_range: Float[Array, " 2"]
    p: Float[Array, " k"]

    def __init__(
        self,
        system: System,
        x_range: tuple[float, float],
        *,
        x: str | None = None,
        p: ArrayLike | Mapping[str, ArrayLike] | None = None,
        values: ArrayLike | None = None,
    ):
        name = system.names[0] if x is None else x
        self.system = restrict(system, (name,), values)
        self.x_range = _range(x_range, "x_range")
        self.p = system.parameters(p)

    def field(self, num: int = 200) -> tuple[Float[Array, " num"], Float[Array, " num"]]:
        """The grid of `num` values of the variable and $dx/dt$ there."""
        xs = jnp.linspace(self.x_range[0], self.x_range[1], num, dtype=self.system.x_all.dtype)
        return xs, jax.vmap(self.system, in_axes=(0, None))(xs[:, None], self.p)[:, 0]

    def fixed_points(self, num: int = 50, **kwargs: Any) -> FixedPoints:
        """The fixed points in the range, from `num` guesses
        ([`dynax.analysis.fixed_points`][]'s keywords pass through)."""
        bounds = [tuple(np.asarray(self.x_range).tolist())]
        return fixed_points(self.system, None, self.p, bounds=bounds, num=num, **kwargs)

    def trajectories(
        self, x0: ArrayLike, duration: float, *, dt: float | None = None, every: int = 1
    ) -> Trajectories:
        """Trajectories from the initial values `x0`, `(m,)`, over `duration` ms (RK4 with
        steps `dt`, default `duration / 2000`), every `every`-th step recorded."""
        return _trajectories(self.system, x0, self.p, duration, dt, every)


class PhasePlane2D(eqx.Module):
    r"""The phase plane of two variables of a system (the others held fixed): the
    vector field on a grid, the nullclines (where each component vanishes), the fixed
    points with their stability, trajectories, and limit cycles by simulation. Plot it
    with [`dynax.plot.phase_portrait`][].

    ```python
    fhn = dx.neurons.SpikingFHN(1, I_bias=0.5)
    F = dx.analysis.flat_system(fhn, y0=(0.0, 0.0), names=("v", "w"))
    pp = dx.analysis.PhasePlane2D(F, (-2.5, 2.5), (-1.0, 2.0))
    pp.fixed_points().labels          # ('unstable focus',)
    pp.limit_cycle([0.0, 0.0], duration=200.0).period   # about 37 ms
    ```

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][].
    - `x_range`, `y_range`: `(lo, hi)` of the two variables.
    - `x`, `y`: their names; default the first two free variables. The other free
      variables are held at `values` (default `system.x0`).
    - `p`: the parameters, `(k,)`, or a dict of some of them by name
      (`{"I_bias": 0.5}`, the others from `system.p0`); default `system.p0`.
    - `values`: the free variables' values, `(n,)`, for those held fixed.
    """

    system: System
    x_range: Float[Array, " 2"]
    y_range: Float[Array, " 2"]
    p: Float[Array, " k"]

    def __init__(
        self,
        system: System,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        *,
        x: str | None = None,
        y: str | None = None,
        p: ArrayLike | Mapping[str, ArrayLike] | None = None,
        values: ArrayLike | None = None,
    ):
        if system.n < 2 and (x is None or y is None):
            raise ValueError(
                f"a phase plane needs two free variables; the system has {system.names}."
            )
        names = (system.names[0] if x is None else x, system.names[1] if y is None else y)
        self.system = restrict(system, names, values)
        self.x_range = _range(x_range, "x_range")
        self.y_range = _range(y_range, "y_range")
        self.p = system.parameters(p)

    @property
    def names(self) -> tuple[str, str]:
        """The names of the two variables."""
        return self.system.names[0], self.system.names[1]

    def grid(self, num: int | tuple[int, int] = 20) -> tuple[Array, Array]:
        """The grid `(X, Y)`, each `(num_y, num_x)` (x along the second axis, as
        matplotlib's `contour` and `streamplot` take it)."""
        nx, ny = (num, num) if isinstance(num, int) else num
        dtype = self.system.x_all.dtype
        xs = jnp.linspace(self.x_range[0], self.x_range[1], nx, dtype=dtype)
        ys = jnp.linspace(self.y_range[0], self.y_range[1], ny, dtype=dtype)
        return tuple(jnp.meshgrid(xs, ys, indexing="xy"))  # type: ignore[return-value]

    def field(self, num: int | tuple[int, int] = 20) -> tuple[Array, Array, Array, Array]:
        """`(X, Y, U, V)`: the grid and the two components of the vector field on it."""
        X, Y = self.grid(num)
        pts = jnp.stack([X.ravel(), Y.ravel()], axis=-1)
        UV = _field(self.system, pts, self.p)
        return X, Y, UV[:, 0].reshape(X.shape), UV[:, 1].reshape(X.shape)

    def nullclines(
        self, num: int = 200, *, refine: int = 2
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The nullclines $F_x = 0$ and $F_y = 0$, each a list of polylines `(L, 2)`:
        contours of the field on a `num` × `num` grid (marching squares, by contourpy,
        which comes with matplotlib), each point then moved onto the curve by `refine`
        Newton steps along the gradient (so they are accurate to the solver's precision,
        not the grid's)."""
        try:
            import contourpy
        except ImportError as error:  # pragma: no cover
            raise ImportError(
                "nullclines need contourpy (installed with matplotlib: `pip install dynax[plot]`)."
            ) from error
        X, Y, U, V = self.field(num)
        out = []
        for i, Z in enumerate((U, V)):
            generator = contourpy.contour_generator(
                np.asarray(X, float), np.asarray(Y, float), np.asarray(Z, float)
            )
            lines = [np.asarray(line) for line in generator.lines(0.0) if len(line) > 1]
            if refine and lines:
                sizes = np.cumsum([len(line) for line in lines])
                pts = np.concatenate(lines)
                # padded to a power of two, and the component traced, so that one
                # compilation serves every contour of every plane of this system
                size = 1 << int(np.ceil(np.log2(len(pts))))
                padded = np.concatenate([pts, np.repeat(pts[-1:], size - len(pts), 0)])
                moved = _project(
                    self.system,
                    jnp.asarray(padded, self.system.x_all.dtype),
                    self.p,
                    jnp.asarray(i),
                    refine,
                )
                lines = np.split(np.asarray(moved)[: len(pts)], sizes[:-1])
            out.append(lines)
        return out[0], out[1]

    def fixed_points(self, num: int = 10, **kwargs: Any) -> FixedPoints:
        """The fixed points in the plane, from a `num` × `num` grid of guesses
        ([`dynax.analysis.fixed_points`][]'s keywords pass through)."""
        bounds = [
            tuple(np.asarray(self.x_range).tolist()),
            tuple(np.asarray(self.y_range).tolist()),
        ]
        return fixed_points(self.system, None, self.p, bounds=bounds, num=num, **kwargs)

    def trajectories(
        self, x0: ArrayLike, duration: float, *, dt: float | None = None, every: int = 1
    ) -> Trajectories:
        """Trajectories from the initial conditions `x0`, `(m, 2)`, over `duration` ms
        (RK4 with steps `dt`, default `duration / 2000`; iterates for a map), every
        `every`-th state recorded."""
        return _trajectories(self.system, x0, self.p, duration, dt, every)

    def limit_cycle(
        self,
        x0: ArrayLike,
        duration: float,
        *,
        transient: float = 0.0,
        dt: float | None = None,
        tol: float = 1e-3,
    ) -> Cycle:
        """The limit cycle reached from `x0`, by simulation: `transient` ms discarded,
        then `duration` ms simulated (several periods); the period is the time between
        the last two upward crossings of the first variable's midpoint. Returns a
        [`dynax.analysis.Cycle`][], with a NaN period when the amplitude stays below
        `tol` (relative) or fewer than three crossings happen."""
        return _cycle(self.system, x0, self.p, duration, transient, dt, tol)


@eqx.filter_jit
def _field(system: System, pts: Array, p: Array) -> Array:
    return jax.vmap(system, in_axes=(0, None))(pts, p)


@eqx.filter_jit
def _project(system: System, pts: Array, p: Array, i: Array, steps: int) -> Array:
    def component(x):
        return system(x, p)[i]

    grad: Callable[[Array], Array] = jax.grad(component)

    def one(x):
        for _ in range(steps):
            g = grad(x)
            x = x - component(x) * g / jnp.maximum(jnp.sum(g * g), 1e-30)
        return x

    return jax.vmap(one)(pts)
