"""Fixed points by vmapped Newton from many guesses, de-duplicated and classified."""

from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jaxtyping import Complex, Int

from .._custom_types import Array, ArrayLike, Float
from ._linearise import Linearisation, _linearise, as_points
from ._system import System

LABELS = (
    "stable node",
    "unstable node",
    "stable focus",
    "unstable focus",
    "saddle",
    "saddle-focus",
    "centre",
    "degenerate",
)
"""The stability classes, indexed by `FixedPoints.kind`: 0 stable node (every eigenvalue
real and negative), 1 unstable node (real, positive), 2 stable focus (every real part
negative, some eigenvalues complex), 3 unstable focus, 4 saddle (real parts of both
signs, real eigenvalues), 5 saddle-focus (of both signs, some complex), 6 centre (not
hyperbolic: a real part zero, every such eigenvalue in a complex pair), 7 degenerate (a
zero eigenvalue). For a map, "real part" reads $\\log|\\mu|$ and "complex" a multiplier off
the real axis."""

STABLE_NODE, UNSTABLE_NODE, STABLE_FOCUS, UNSTABLE_FOCUS = 0, 1, 2, 3
SADDLE, SADDLE_FOCUS, CENTRE, DEGENERATE = 4, 5, 6, 7


class AbstractPoints(eqx.Module):
    """Points with a stability class each (an index into [`dynax.analysis.LABELS`][]):
    `len` counts them, `labels` names their classes."""

    x: eqx.AbstractVar[Float[Array, "m n"]]
    kind: eqx.AbstractVar[Int[Array, " m"]]

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def labels(self) -> tuple[str, ...]:
        """The stability class of each point by name (`"saddle"`, `"stable focus"`...)."""
        return tuple(LABELS[int(k)] for k in np.asarray(self.kind))


class FixedPoints(AbstractPoints):
    """Fixed points found by [`dynax.analysis.fixed_points`][]: `m` distinct points,
    sorted by their first variable.

    **Fields:**

    - `x`: the points, `(m, n)`.
    - `p`: the parameters they are fixed points at, `(k,)`.
    - `residual`: $\\max_i |F_i(x)|$ at each, `(m,)`.
    - `jacobian`: $\\partial F/\\partial x$ at each, `(m, n, n)` (for a map, $\\partial
      G/\\partial x$).
    - `eigenvalues`: its eigenvalues, complex, `(m, n)`, leading first (see
      [`dynax.analysis.Linearisation`][]).
    - `kind`: the stability class of each, `(m,)`, an index into
      [`dynax.analysis.LABELS`][]; `labels` gives the names.
    - `names`: the variables' names.
    """

    x: Float[Array, "m n"]
    p: Float[Array, " k"]
    residual: Float[Array, " m"]
    jacobian: Float[Array, "m n n"]
    eigenvalues: Complex[Array, "m n"]
    kind: Int[Array, " m"]
    names: tuple[str, ...] = eqx.field(static=True)

    @property
    def stable(self) -> Array:
        """Whether each point is linearly stable (a stable node or focus)."""
        return (self.kind == STABLE_NODE) | (self.kind == STABLE_FOCUS)


def classify(
    eigenvalues: Complex[Array, "*m n"], *, discrete: bool = False, tol: ArrayLike | None = None
) -> Int[Array, "*m"]:
    """The stability class (an index into [`dynax.analysis.LABELS`][]) of a fixed point
    with the given Jacobian eigenvalues (of the map's Jacobian for `discrete=True`).

    `tol` is the real part (for a map, $\\log|\\mu|$) below which a mode counts as neutral,
    and the imaginary part below which an eigenvalue counts as real, relative to
    $\\max(1, \\max|\\lambda|)$; default $\\sqrt{\\epsilon}$ of the dtype ($3.5\\cdot10^{-4}$ in
    float32, $1.5\\cdot10^{-8}$ in float64).
    """
    values = jnp.asarray(eigenvalues)
    if tol is None:
        tol = float(np.sqrt(np.finfo(values.real.dtype).eps))
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(values), axis=-1, keepdims=True))
    tol = jnp.asarray(tol) * scale
    growth = jnp.log(jnp.abs(values)) if discrete else values.real
    rotating = jnp.abs(values.imag) > tol
    neutral = jnp.abs(growth) <= tol
    n = values.shape[-1]
    unstable = jnp.sum(growth > tol, axis=-1)
    complex_ = jnp.any(rotating, axis=-1)
    hyperbolic = jnp.where(
        unstable == 0,
        jnp.where(complex_, STABLE_FOCUS, STABLE_NODE),
        jnp.where(
            unstable == n,
            jnp.where(complex_, UNSTABLE_FOCUS, UNSTABLE_NODE),
            jnp.where(complex_, SADDLE_FOCUS, SADDLE),
        ),
    )
    centre = jnp.all(~neutral | rotating, axis=-1)
    return jnp.where(jnp.any(neutral, axis=-1), jnp.where(centre, CENTRE, DEGENERATE), hyperbolic)


def grid_points(
    bounds: Sequence[tuple[float, float]], num: int | Sequence[int] = 10, dtype: Any = None
) -> Float[Array, "m n"]:
    """Points on a regular grid: `bounds[i] = (lo, hi)` of variable `i`, `num` points along
    each (a number, or one per variable), `(prod(num), n)`."""
    nums = [num] * len(bounds) if isinstance(num, int) else list(num)
    if len(nums) != len(bounds):
        raise ValueError(f"num has {len(nums)} entries for {len(bounds)} variables.")
    axes = [jnp.linspace(lo, hi, k, dtype=dtype) for (lo, hi), k in zip(bounds, nums)]
    mesh = jnp.meshgrid(*axes, indexing="ij")
    return jnp.stack([m.ravel() for m in mesh], axis=-1)


@eqx.filter_jit
def newton(
    system: System,
    guesses: Float[Array, "m n"],
    p: Float[Array, " k"],
    solver: Any,
    max_steps: int,
) -> tuple[Array, Array, Linearisation, Array]:
    """Newton's method from each guess (vmapped): the points reached, the residual
    $\\max_i|F_i|$ there, the linearisation and the stability class at each (all in one
    compiled program). Failures are not raised: the residual tells."""

    def solve(x0):
        def fn(x, args):
            return system(x, args)

        sol = optx.root_find(fn, solver, x0, args=p, max_steps=max_steps, throw=False)
        x = jnp.where(jnp.all(jnp.isfinite(sol.value)), sol.value, x0)
        return x, jnp.max(jnp.abs(system(x, p)))

    x, residual = jax.vmap(solve)(guesses)
    lin = _linearise(system, x, p)
    return x, residual, lin, classify(lin.eigenvalues, discrete=system.discrete)


def fixed_points(
    system: System,
    guesses: Float[ArrayLike, "m n"] | None = None,
    p: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
    *,
    bounds: Sequence[tuple[float, float]] | None = None,
    num: int | Sequence[int] = 10,
    tol: float | None = None,
    unique: float | None = None,
    max_steps: int = 50,
    solver: Any = None,
) -> FixedPoints:
    r"""The fixed points $F(x^*, p) = 0$ of `system`, by Newton's method (Optimistix) from
    many guesses at once (`jax.vmap`), the converged ones kept, de-duplicated, sorted
    by their first variable, and classified from the eigenvalues of the Jacobian.

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][].
    - `guesses`: initial guesses, `(m, n)`; or `None` with `bounds`: a grid.
    - `p`: the parameters, `(k,)`, or a dict of some of them by name
      (`{"I_bias": 0.5}`, the others from `system.p0`); default `system.p0`.
    - `bounds`: `(lo, hi)` of each variable: the grid of guesses (with `num` points along
      each) and the box the points must lie in (others are dropped).
    - `tol`: the largest residual $\max_i|F_i(x^*)|$ accepted; default, at each point,
      $\sqrt\epsilon$ of the dtype ($3.5\cdot10^{-4}$ in float32, $1.5\cdot10^{-8}$ in
      float64) times $\|J\|_\infty(1 + |x^*|_\infty)$, the size of the field's terms
      there (so that a field in small units is judged by its own scale).
    - `unique`: two points closer than `unique` $\cdot\,(1 + |x|_\infty)$ in every variable
      are one; default $10\sqrt\epsilon$.
    - `max_steps`: Newton iterations at most.
    - `solver`: an Optimistix root finder; default `optx.Newton` at tolerances
      $\epsilon^{3/4}$.

    The solve runs compiled and vmapped; the de-duplication runs on the host (the number
    of points depends on the values), so this function is not itself traced. For a
    fixed point differentiable in the parameters, use [`dynax.analysis.fixed_point`][].
    """
    p_arr = system.parameters(p)
    dtype = system.x_all.dtype
    eps = float(np.finfo(dtype).eps)
    if guesses is None:
        if bounds is None:
            raise ValueError("give guesses=, or bounds= for a grid of guesses.")
        if system.n > 4:
            raise ValueError(
                f"a grid over {system.n} variables is too large; give guesses= (e.g. "
                "states from a simulation), or use dynax.analysis.slow_points."
            )
        guesses_arr = grid_points(bounds, num, dtype)
    else:
        guesses_arr = as_points(jnp.asarray(guesses, dtype), system.n)
    if bounds is not None and len(bounds) != system.n:
        raise ValueError(f"bounds has {len(bounds)} entries for {system.n} variables.")
    unique = 10 * float(np.sqrt(eps)) if unique is None else unique
    if solver is None:
        solver = optx.Newton(rtol=eps**0.75, atol=eps**0.75)
    x, residual, lin, kind = newton(system, guesses_arr, p_arr, solver, max_steps)
    x_np, res_np = np.asarray(x), np.asarray(residual)
    if tol is None:
        # Relative to the size of the field's terms there, |J| (1 + |x|): a model in
        # per-ms units (S/100 ms) is small everywhere, and an absolute tolerance would
        # accept its slow regions.
        J = np.abs(np.asarray(lin.jacobian))
        scale = np.max(np.sum(J, axis=-1), axis=-1) * (1 + np.max(np.abs(x_np), axis=-1))
        limit = np.sqrt(eps) * np.where(np.isfinite(scale), scale, 0.0)
    else:
        limit = np.full(res_np.shape, tol)
    keep = np.isfinite(res_np) & (res_np <= limit)
    if bounds is not None:
        lo, hi = np.asarray(bounds, dtype=float).T
        margin = 1e-9 * (hi - lo)
        keep &= np.all((x_np >= lo - margin) & (x_np <= hi + margin), axis=1)
    index = np.nonzero(keep)[0]
    index = index[dedupe(x_np[index], res_np[index], unique)]
    index = index[np.lexsort(x_np[index].T[::-1])] if len(index) else index
    # Selected on the host: an eager gather would compile once per number of points.
    x_, res_, J_, ev_, kind_ = (
        jnp.asarray(np.asarray(a)[index])
        for a in (x, residual, lin.jacobian, lin.eigenvalues, kind)
    )
    return FixedPoints(x_, p_arr, res_, J_, ev_, kind_, system.names)


def dedupe(x: np.ndarray, score: np.ndarray, unique: float) -> np.ndarray:
    """Indices of the points of `x`, `(m, n)`, to keep: the best (lowest `score`) of each
    group of points within `unique * (1 + |x|_inf)` of each other, in every coordinate."""
    kept: list[int] = []
    for i in np.argsort(score, kind="stable"):
        if kept:
            others = x[kept]
            scale = 1 + np.maximum(np.max(np.abs(others), axis=1), np.max(np.abs(x[i])))
            if np.any(np.max(np.abs(others - x[i]), axis=1) <= unique * scale):
                continue
        kept.append(int(i))
    return np.asarray(kept, dtype=int)
