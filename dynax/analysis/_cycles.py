"""Continuation of limit cycles from a Hopf point (orthogonal collocation, see
`_collocation.py`), with their stability and the folds, period doublings and
Neimark–Sacker points of cycles: the whole branch, its mesh adaptation included, as one
compiled program (`jax.jit`, `jax.vmap`)."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float
from ._augmented import hopf_start
from ._bifurcation import SpecialPoint
from ._collocation import cycle_problem, node_times, remesh, weights
from ._cycle_branch import CycleArrays, CycleBranch
from ._engine import Settings, capacity, float_dtype, settings, trace
from ._equilibria import names, param_index, parameters
from ._system import System

__all__ = ["CycleArrays", "CycleBranch", "continue_cycles", "limit_cycle_branch"]


class _Chunks(NamedTuple):
    """The carry of the loop over chunks of `adapt` cycles: where the next chunk starts
    (its point, tangent, phase reference, mesh and weights, step), and the rows so far."""

    u: Array
    t: Array
    ref: Array
    mesh: Array
    w: Array
    ds: Array
    total: Array  # rows written
    chunks: Array
    n_jac: Array
    status: Array
    more: Array
    rows: tuple  # (u, mesh, multipliers, x_max, x_min, found), (R, ...) each


def _start(F: Any, x: Array, p: Array, idx: int, N: int, m: int):
    r"""The first cycle and tangent at the Hopf point: the constant cycle `x` with the
    period $2\pi/\omega$, along the eigenvector's oscillation $v_1\cos 2\pi\tau -
    (v_2/\omega)\sin 2\pi\tau$ (unit in the weights `w`); and whether it is one."""
    n = x.shape[0]
    z, _, _, omega = hopf_start(F, x, p)
    v1, v2 = z[:n], z[n : 2 * n]
    T0 = 2 * jnp.pi / omega
    mesh = jnp.linspace(0, 1, N + 1, dtype=x.dtype)
    tau = 2 * jnp.pi * node_times(mesh, m)[:, None]
    phi = jnp.cos(tau) * v1 - jnp.sin(tau) * v2 / omega
    w = weights(mesh, n, m, T0)
    zero = jnp.zeros(2, x.dtype)
    t0 = jnp.concatenate([phi.reshape(-1), zero])
    t0 = t0 / jnp.sqrt(jnp.sum(w * t0 * t0))
    u0 = jnp.concatenate([jnp.tile(x, N * m), jnp.stack([T0, p[idx]])])
    go = (omega > 0) & jnp.all(jnp.isfinite(u0)) & jnp.all(jnp.isfinite(t0))
    return u0, t0, mesh, w, T0, go


def _filter(rest: Array, code: Array) -> Array:
    """Whether each located zero (`code`, an index into `CYCLE_KINDS`) shows in the
    non-trivial multipliers `rest`, `(R, n - 1)`: where the cycles are too unstable or
    too stable for the multipliers to be accurate (near a homoclinic orbit, in a canard)
    a test function may change sign by round-off alone."""
    lpc = jnp.min(jnp.abs(rest - 1), axis=1) < 1e-2
    pd = jnp.min(jnp.abs(rest + 1), axis=1) < 1e-3
    k = jnp.argmin(jnp.abs(jnp.abs(rest) - 1), axis=1)
    near = jnp.take_along_axis(rest, k[:, None], axis=1)[:, 0]
    # (a real pair on the circle is a neutral saddle cycle, not a torus bifurcation)
    ns = (jnp.abs(near.imag) >= 1e-6) & (jnp.abs(jnp.abs(near) - 1) <= 1e-3)
    return jnp.select([code == 0, code == 1, code == 2], [lpc, pd, ns], True)


@eqx.filter_jit
def _arrays(
    F: Any,
    x: Array,
    p: Array,
    bounds: tuple[Array, Array],
    period_max: Array,
    targets: Array,
    s: Settings,
    idx: int,
    N: int,
    m: int,
    adapt: int,
    max_points: int,
    labels: tuple,
) -> CycleArrays:
    """The branch from the Hopf point `(x, p)`: an outer `lax.while_loop` over chunks of
    `adapt` cycles, each a `trace` of the engine, the mesh redistributed between two
    (`remesh`, traced), the rows gathered into fixed buffers."""
    n, dtype = x.shape[0], x.dtype
    u0, t0, mesh0, w0, T0, go = _start(F, x, p, idx, N, m)
    problem = cycle_problem(F, p, idx, targets, n, N, m)
    n1, nt = u0.shape[0], 3 + targets.shape[0]
    exact = (False, False, False) + (True,) * targets.shape[0]
    inf = jnp.full(n1, jnp.inf, dtype)
    period_hi = jnp.where(jnp.isnan(period_max), 20 * T0, period_max)
    lo = (-inf).at[-2].set(0).at[-1].set(bounds[0])
    hi = inf.at[-2].set(period_hi).at[-1].set(bounds[1])
    cap = capacity(s.max_points, nt)
    # a chunk starts with fewer than max_points rows written and adds at most cap - 1
    # (its first row repeats the last one): the last row stays empty
    R = max_points + cap
    rows0 = (
        jnp.full((R, n1), jnp.nan, dtype),
        jnp.full((R, N + 1), jnp.nan, dtype),
        jnp.full((R, n), jnp.nan, jnp.result_type(dtype, jnp.complex64)),
        jnp.full((R, n), jnp.nan, dtype),
        jnp.full((R, n), jnp.nan, dtype),
        jnp.full(R, -1, jnp.int32),
    )
    zero = jnp.array(0)  # (the engine's integer type)
    init = _Chunks(
        u0, t0, u0 + s.ds * t0, mesh0, w0, jnp.asarray(s.ds, dtype), zero, zero, zero,
        jnp.where(go, 0, 4).astype(jnp.int32), go, rows0,
    )  # fmt: skip

    def chunk(c: _Chunks) -> _Chunks:
        sc = eqx.tree_at(lambda q: q.ds, s, c.ds)
        curve = trace(problem, c.mesh, c.u, c.t, c.ref, c.w, lo, hi, sc, exact, False, c.more)
        # a later chunk's first row is the previous chunk's last (remeshed): not again
        first = jnp.where(c.chunks > 0, 1, 0)
        i = jnp.arange(curve.u.shape[0])
        dest = jnp.where((i >= first) & (i < curve.size), c.total + i - first, R)
        meshes = jnp.broadcast_to(c.mesh, (i.shape[0], N + 1))
        new = (curve.u, meshes, *curve.info, curve.found)
        rows = tuple(b.at[dest].set(v.astype(b.dtype), mode="drop") for b, v in zip(c.rows, new))
        total = c.total + jnp.maximum(curve.size - first, 0)
        status = curve.status[0]
        # the last row is an accepted point (special points are inserted before it)
        last = jnp.maximum(curve.size - 1, 0)
        u, t, mesh, w = curve.u[last], curve.t[last], c.mesh, c.w
        if adapt > 0:
            u, t, mesh = remesh(u, t, mesh, n, m, T0)
            w = weights(mesh, n, m, T0)
        more = c.more & (status == 1) & (total < max_points)
        nxt = _Chunks(
            u, t, u, mesh, w, curve.ds, total, c.chunks + 1, c.n_jac + curve.n_jac,
            jnp.where(c.more, status, c.status), more, rows,
        )  # fmt: skip
        return jax.tree.map(lambda a, b: jnp.asarray(a, b.dtype), nxt, c)

    c = jax.lax.while_loop(lambda c: c.more, chunk, init)
    U, meshes, mu, x_max, x_min, found = c.rows
    used = jnp.arange(R) < c.total
    T = U[:, -2]
    code = jnp.where(found >= 0, jnp.minimum(found, 3), -1)
    # the non-trivial multipliers: all but the nearest to 1
    rest = jnp.take_along_axis(mu, jnp.argsort(jnp.abs(mu - 1), axis=1)[:, 1:], axis=1)
    return CycleArrays(
        times=jax.vmap(node_times, (0, None))(meshes, m) * T[:, None],
        x=U[:, :-2].reshape(R, N * m, n),
        period=T,
        p=U[:, -1],
        params=p,
        multipliers=mu,
        stable=used & jnp.all(jnp.abs(rest) < 1, axis=1),
        x_max=x_max,
        x_min=x_min,
        kind=jnp.where(used & (code >= 0) & _filter(rest, code), code, -1),
        size=c.total,
        n_jacobians=c.n_jac,
        status=c.status,
        param=idx,
        names=labels[0],
        param_names=labels[1],
    )


def continue_cycles(
    system: System | Callable[[Array, Array], Array],
    hopf_x: Float[ArrayLike, " n"],
    hopf_p: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
    *,
    param: int | str = 0,
    bounds: tuple[ArrayLike, ArrayLike] = (-np.inf, np.inf),
    period_max: ArrayLike | None = None,
    n_intervals: int = 40,
    degree: int = 4,
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 200,
    adapt: int = 10,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> CycleArrays:
    r"""[`dynax.analysis.limit_cycle_branch`][] as one compiled program that returns
    fixed-size arrays: it works under `jax.jit` and `jax.vmap` (a batch of branches of
    cycles, e.g. for several values of another parameter, in one call). The mesh is
    redistributed inside the program, between chunks of `adapt` cycles.

    ```python
    def lpc(a):  # the fold of cycles born at FitzHugh-Nagumo's first Hopf point in I
        eq = dx.analysis.continue_equilibria(F, x0, {"a": a}, param="I", bounds=(-1, 2.5))
        row = eq.rows("H", 1)[0]
        cycles = dx.analysis.continue_cycles(
            F, eq.x[row], eq.params_at(row), param="I", bounds=(0.0, 0.8), n_intervals=30
        )
        return cycles.p[cycles.rows("LPC", 1)[0]]

    jax.vmap(lpc)(jnp.array([0.65, 0.7, 0.75]))  # one compiled call
    ```

    **Arguments:**

    - `system`: the system (a [`dynax.analysis.System`][] or `F(x, p)`).
    - `hopf_x`: the equilibrium at a Hopf point, `(n,)`, $n \ge 2$ (traced: e.g. a row
      of [`dynax.analysis.continue_equilibria`][]'s arrays).
    - `hopf_p`: the parameters there, `(k,)` (traced), or with a `System` a dict of some
      of them by name (the others from `system.p0`).
    - `param`: the continued parameter, its index in `p` or (with a `System`) its name.
    - `bounds`, `period_max` (NaN or `None`: 20 times the period at the Hopf point):
      traced; the other arguments as in [`dynax.analysis.limit_cycle_branch`][] (the
      sizes `n_intervals`, `degree`, `max_points`, `adapt` and the number of `targets`
      are static: changing them compiles anew).

    Returns a [`dynax.analysis.CycleArrays`][]; `status == 4` where the point has no
    pair of eigenvalues $\pm i\omega$ or is not finite (nothing is continued then), and
    `arrays.to_branch()` is the [`dynax.analysis.CycleBranch`][] that
    `limit_cycle_branch` returns. The branch is not differentiable (its loop is a
    `lax.while_loop`).
    """
    if int(n_intervals) < 2 or int(degree) < 1:
        raise ValueError(f"need n_intervals >= 2 and degree >= 1; got {n_intervals}, {degree}.")
    lo, hi = bounds
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and not lo < hi:
        raise ValueError(f"bounds must be (low, high) with low < high; got {bounds}.")
    dtype = float_dtype()
    x = jnp.atleast_1d(jnp.asarray(hopf_x, dtype))
    if x.ndim != 1 or x.shape[0] < 2:
        raise ValueError(f"hopf_x must be a state of n >= 2 variables, (n,); got {x.shape}.")
    p = parameters(system, hopf_p, dtype)
    idx = param_index(system, param, p.shape[0])
    N, m, adapt, max_points = int(n_intervals), int(degree), int(adapt), int(max_points)
    chunk = max_points if adapt <= 0 else min(adapt + 1, max_points)
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=chunk)
    target = jnp.asarray(np.asarray(targets, dtype).reshape(-1))
    period = jnp.asarray(np.nan if period_max is None else period_max, dtype)
    limits = (jnp.asarray(lo, dtype), jnp.asarray(hi, dtype))
    labels = names(system, x.shape[0], p.shape[0])
    return _arrays(system, x, p, limits, period, target, s, idx, N, m, adapt, max_points, labels)


def limit_cycle_branch(
    system: System | Callable[[Array, Array], Array],
    point: SpecialPoint,
    *,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    period_max: float | None = None,
    n_intervals: int = 40,
    degree: int = 4,
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 200,
    adapt: int = 10,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> CycleBranch:
    r"""Continue the limit cycles born at a Hopf point, by orthogonal collocation and
    pseudo-arclength continuation (the method of AUTO and MatCont).

    A cycle is $x(\tau) = x(tT)$ on $\tau \in [0, 1)$: on each of `n_intervals` mesh
    intervals a polynomial of degree `degree` (values at equally spaced nodes, continuous
    and periodic) satisfies $x' = T F(x, p)$ at the Gauss–Legendre points (the
    collocation points); the phase is fixed by $\int_0^1 x(\tau)\cdot
    x_\text{prev}'(\tau)\,d\tau = 0$ against the previous cycle. The unknowns
    $(x(\cdot), T, p)$ are continued by pseudo-arclength with the $L^2$ norm over $\tau$;
    every `adapt` points the mesh is redistributed to equidistribute the orbit's
    arclength (sharp spikes and near-homoclinic cycles get more intervals), the last
    cycle and its tangent interpolated onto the new mesh.

    The branch starts at the Hopf point, along the eigenvector's oscillation
    $v_1\cos 2\pi\tau - (v_2/\omega)\sin 2\pi\tau$ with period $2\pi/\omega$. At every
    cycle the Floquet multipliers are the eigenvalues of the monodromy matrix, the
    product of the collocated variational equation's transfer matrices over the
    intervals (AUTO's condensation, here dense). Test functions locate

    - **folds of cycles** (`"LPC"`): the tangent's parameter component (for a planar
      system, whose multipliers are exact, the non-trivial multiplier minus 1);
    - **period doublings** (`"PD"`, a multiplier at −1): $\mathrm{sign}\prod(\mu_i + 1)
      \cdot \min|\mu_i + 1|$;
    - **Neimark–Sacker** points (`"NS"`, a complex pair on the unit circle):
      $\prod_{i<j}(\mu_i\mu_j - 1)$ over the non-trivial multipliers;
    - **targets** (`"UZ"`): the parameter at each value of `targets`.

    **Arguments:**

    - `system`: the system (a [`dynax.analysis.System`][] or `F(x, p)`).
    - `point`: a Hopf point (`"H"`) of an [`dynax.analysis.EquilibriumBranch`][].
    - `bounds`: the parameter range; the branch stops at the first cycle outside it.
    - `period_max`: the branch stops at a longer period (default 20 times the period at
      the Hopf point: a cycle approaching a homoclinic orbit).
    - `n_intervals`, `degree`: the collocation mesh (intervals) and the polynomials'
      degree (4 is AUTO's default).
    - `ds`, `ds_min`, `ds_max`: first, smallest and largest step, in the $L^2$ norm of
      the cycle (about its amplitude) plus period and parameter.
    - `max_points`: the most cycles.
    - `adapt`: redistribute the mesh every `adapt` points (0: never).
    - `targets`, `tol`: as in [`dynax.analysis.equilibrium_branch`][].

    The whole branch, the mesh adaptation included, is one compiled program: an outer
    `lax.while_loop` over chunks of `adapt` cycles, each the engine's pseudo-arclength
    loop, with the remeshing traced between them (no host round trip); a second branch
    of the same system and sizes does not compile again.
    [`dynax.analysis.continue_cycles`][] returns it as fixed-size arrays, for `jax.jit`
    and `jax.vmap` over branches; this function cuts them to the cycles.

    Returns a [`dynax.analysis.CycleBranch`][]; raises `ValueError` where `point` has no
    pair of eigenvalues $\pm i\omega$.

    ??? cite "References"

        Doedel, E. J., Keller, H. B., & Kernévez, J. P. (1991). Numerical analysis and
        control of bifurcation problems (II): bifurcation in infinite dimensions.
        *International Journal of Bifurcation and Chaos*, 1(4), 745–772.

        Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory* (3rd ed.),
        section 10.3. Springer.
    """
    if point.kind != "H":
        raise ValueError(f"limit_cycle_branch starts at a Hopf point ('H'); got {point.kind!r}.")
    if len(point.param) != 1:
        raise ValueError("start the cycles at a Hopf point of a one-parameter branch.")
    arrays = continue_cycles(
        system, point.x, point.p, param=point.param[0], bounds=bounds, period_max=period_max,
        n_intervals=n_intervals, degree=degree, ds=ds, ds_min=ds_min, ds_max=ds_max,
        max_points=max_points, adapt=adapt, targets=targets, tol=tol,
    )  # fmt: skip
    if int(arrays.status) == 4:
        raise ValueError(
            "no pair of eigenvalues +-i omega at the point: give a Hopf point of an "
            "equilibrium branch (branch.special('H'))."
        )
    return arrays.to_branch()
