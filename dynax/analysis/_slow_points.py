"""Slow and fixed points of high-dimensional systems (Sussillo & Barak 2013): minimise
$q(x) = \\tfrac12\\|F(x)\\|^2$ from many candidates at once."""

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import optimistix as optx
from jaxtyping import Complex, Int

from .._custom_types import Array, ArrayLike, Float, PRNGKeyArray
from ._fixed_points import AbstractPoints, classify, dedupe
from ._linearise import _linearise
from ._system import System

SOLVERS = ("adam", "newton", "levenberg-marquardt", "bfgs")
"""The names `slow_points(solver=...)` takes: Optax's Adam, Optimistix's Newton (a root
finder on $F$), Levenberg–Marquardt (least squares on $F$) and BFGS (minimisation of $q$)."""


class SlowPoints(AbstractPoints):
    r"""The slow points found by [`dynax.analysis.slow_points`][].

    **Fields:**

    - `x`: the points kept, `(m, n)`: $q \le$ `tol`, unique, not outliers; sorted by $q$.
    - `q`: $q(x) = \frac12\|F(x)\|^2$ at each, `(m,)`.
    - `source`: the index of the candidate each was found from, `(m,)`.
    - `jacobian`, `eigenvalues`, `kind`: the linearisation at each (`(m, n, n)`,
      `(m, n)` complex, leading first; for a map, of $G$) and its stability class (an
      index into [`dynax.analysis.LABELS`][]); empty when `linearise=False`.
    - `candidates`: every starting point, `(M, n)`; `final`: where each ended, `(M, n)`;
      `final_q`: $q$ there, `(M,)`.
    - `names`: the variables' names.
    """

    x: Float[Array, "m n"]
    q: Float[Array, " m"]
    source: Int[Array, " m"]
    jacobian: Float[Array, "m n n"]
    eigenvalues: Complex[Array, "m n"]
    kind: Int[Array, " m"]
    candidates: Float[Array, "M n"]
    final: Float[Array, "M n"]
    final_q: Float[Array, " M"]
    names: tuple[str, ...] = eqx.field(static=True)


def sample_states(
    states: Float[ArrayLike, "... n"],
    num: int,
    key: PRNGKeyArray,
    *,
    noise: float = 0.0,
) -> Float[Array, "num n"]:
    """`num` candidates drawn without replacement from recorded `states` (any leading
    axes: trials, time), each perturbed by Gaussian noise of standard deviation `noise`
    (in the unit of the states), as Sussillo & Barak (2013) start their search."""
    states = jnp.asarray(states)
    flat = states.reshape(-1, states.shape[-1])
    if num > flat.shape[0]:
        raise ValueError(f"num={num} is more than the {flat.shape[0]} states recorded.")
    k1, k2 = jax.random.split(key)
    chosen = flat[jax.random.choice(k1, flat.shape[0], (num,), replace=False)]
    return chosen + noise * jax.random.normal(k2, chosen.shape, chosen.dtype)


def _q(system: System, x: Array, p: Array) -> Array:
    F = system(x, p)
    return 0.5 * jnp.sum(F * F)


@eqx.filter_jit
def _adam(system: System, x0: Array, p: Array, learning_rate: Array, steps: int) -> Array:
    # The optimiser made inside: a new optax.adam(...) outside would be a new static
    # argument, and compile again, at every call.
    return _descend(system, x0, p, optax.adam(learning_rate), steps)


@eqx.filter_jit
def _optax(system: System, x0: Array, p: Array, optimiser: Any, steps: int) -> Array:
    return _descend(system, x0, p, optimiser, steps)


def _descend(system: System, x0: Array, p: Array, optimiser: Any, steps: int) -> Array:
    def total(x):
        # A sum of independent terms: each candidate gets its own gradient, and Adam's
        # per-coordinate scaling keeps them independent.
        return jnp.sum(jax.vmap(_q, in_axes=(None, 0, None))(system, x, p))

    def body(carry, _):
        x, state = carry
        grads = jax.grad(total)(x)
        updates, state = optimiser.update(grads, state, x)
        return (optax.apply_updates(x, updates), state), None

    (x, _), _ = jax.lax.scan(body, (x0, optimiser.init(x0)), None, length=steps)
    return x


@eqx.filter_jit
def _optimistix(system: System, x0: Array, p: Array, solver: Any, steps: int) -> Array:
    def one(x):
        if isinstance(solver, optx.AbstractRootFinder):
            sol = optx.root_find(
                lambda y, a: system(y, a), solver, x, args=p, max_steps=steps, throw=False
            )
        elif isinstance(solver, optx.AbstractLeastSquaresSolver):
            sol = optx.least_squares(
                lambda y, a: system(y, a), solver, x, args=p, max_steps=steps, throw=False
            )
        else:
            sol = optx.minimise(
                lambda y, a: _q(system, y, a), solver, x, args=p, max_steps=steps, throw=False
            )
        return jnp.where(jnp.all(jnp.isfinite(sol.value)), sol.value, x)

    return jax.vmap(one)(x0)


@eqx.filter_jit
def _all_q(system: System, x: Array, p: Array) -> Array:
    return jax.vmap(_q, in_axes=(None, 0, None))(system, x, p)


def _resolve(solver: Any, learning_rate: float, eps: float) -> Any:
    if isinstance(solver, str):
        tol = eps**0.75
        table = {
            "adam": lambda: "adam",
            "newton": lambda: optx.Newton(rtol=tol, atol=tol),
            "levenberg-marquardt": lambda: optx.LevenbergMarquardt(rtol=tol, atol=tol),
            "bfgs": lambda: optx.BFGS(rtol=tol, atol=tol),
        }
        if solver not in table:
            raise ValueError(f"unknown solver {solver!r}; valid names are {SOLVERS}.")
        return table[solver]()
    if isinstance(
        solver,
        optax.GradientTransformation
        | optx.AbstractRootFinder
        | optx.AbstractLeastSquaresSolver
        | optx.AbstractMinimiser,
    ):
        return solver
    raise TypeError(
        "solver must be one of the names "
        f"{SOLVERS}, an optax.GradientTransformation or an Optimistix root finder, "
        f"least-squares solver or minimiser; got a {type(solver).__name__}."
    )


def slow_points(
    system: System,
    candidates: Float[ArrayLike, "M n"],
    p: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
    *,
    solver: Any = "adam",
    steps: int | None = None,
    learning_rate: float = 1e-2,
    tol: float | None = None,
    unique: float | None = None,
    outlier: float | None = 1.0,
    linearise: bool = True,
) -> SlowPoints:
    r"""Fixed and slow points of a (high-dimensional) system, after Sussillo & Barak
    (2013): from every candidate at once, minimise the speed

    $$q(x) = \tfrac12\,\|F(x, p)\|^2$$

    (for a map $x_{t+1} = G(x)$, $F = G(x) - x$, so that $q$ measures one step's move);
    then keep the points where $q$ fell below `tol`, drop duplicates and outliers,
    and linearise there. Minima with $q = 0$ are fixed points; small non-zero minima are
    the *slow points* (ghosts, the slow flow along approximate line attractors) that
    the paper showed organise trained RNNs. Hold inputs fixed by building the system
    with that input, and exclude variables with `fixed=` (see
    [`dynax.analysis.flat_system`][]).

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][].
    - `candidates`: starting points, `(M, n)`: usually states visited by the model
      ([`dynax.analysis.sample_states`][] draws them from a simulation, with noise).
    - `p`: the parameters, `(k,)`, or a dict of some of them by name
      (`{"I_bias": 0.5}`, the others from `system.p0`); default `system.p0`.
    - `solver`: `"adam"` (default; Optax's Adam on the sum of the candidates' $q$, for
      `steps` steps, the classic choice, robust far from a solution), `"newton"` (a
      root finder on $F$: exact fixed points, fast, but it ignores slow points that are
      not roots), `"levenberg-marquardt"` (least squares on $F$: finds slow points too),
      `"bfgs"` (minimises $q$); or such an object: an `optax.GradientTransformation`, an
      Optimistix root finder, least-squares solver or minimiser.
    - `steps`: iterations (Adam's steps, default 5000; or the Optimistix solver's
      `max_steps`, default 256).
    - `learning_rate`: Adam's learning rate (for `solver="adam"`).
    - `tol`: the largest $q$ kept; default $n\,\epsilon$ (an RMS speed of
      $\sqrt{2\epsilon}$ per variable: $5\cdot10^{-4}$ in float32). Raise it to keep
      slow points that are not fixed points.
    - `unique`: points closer than `unique` $\cdot(1 + |x|_\infty)$ in every variable are
      one (the lowest $q$ kept); default $\max(10\sqrt\epsilon, \sqrt{2\,\mathrm{tol}})$
      ($3.5\cdot10^{-3}$ in float32): a point with speed $\|F\| = \sqrt{2q}$ is only
      known to about that distance, so two minima of one root closer than it are one.
    - `outlier`: drop points farther from every candidate than `outlier` times the
      candidates' RMS distance from their centroid (points the optimiser ran off to, far
      from the states the model visits); `None` keeps them all.
    - `linearise`: compute the Jacobians, eigenvalues and stability classes.

    ??? cite "Reference"

        Sussillo, D., & Barak, O. (2013). Opening the black box: low-dimensional
        dynamics in high-dimensional recurrent neural networks. *Neural Computation*,
        25(3), 626–649.
    """
    dtype = system.x_all.dtype
    eps = float(np.finfo(dtype).eps)
    x0 = jnp.asarray(candidates, dtype)
    if x0.ndim != 2 or x0.shape[1] != system.n:
        raise ValueError(f"candidates must have shape (M, {system.n}); got {x0.shape}.")
    p_arr = system.parameters(p)
    solver = _resolve(solver, learning_rate, eps)
    n_steps = 5000 if steps is None else steps
    if isinstance(solver, str):
        final = _adam(system, x0, p_arr, jnp.asarray(learning_rate, dtype), n_steps)
    elif isinstance(solver, optax.GradientTransformation):
        final = _optax(system, x0, p_arr, solver, n_steps)
    else:
        final = _optimistix(system, x0, p_arr, solver, 256 if steps is None else steps)
    final_q = _all_q(system, final, p_arr)
    tol = system.n * eps if tol is None else tol
    # (a minimum with q <= tol lies within about sqrt(2 tol) / sigma_min(F_x) of the
    # root: with a loose tol, two candidates that converged to one root stop that far apart)
    unique = max(10 * float(np.sqrt(eps)), float(np.sqrt(2 * tol))) if unique is None else unique

    x_np, q_np = np.asarray(final, float), np.asarray(final_q, float)
    index = np.nonzero(np.isfinite(q_np) & (q_np <= tol))[0]
    index = index[dedupe(x_np[index], q_np[index], unique)]
    if outlier is not None and len(index):
        c = np.asarray(x0, float)
        radius = np.sqrt(np.mean(np.sum((c - c.mean(0)) ** 2, axis=1)))
        nearest = np.min(np.linalg.norm(x_np[index, None] - c[None], axis=-1), axis=1)
        index = index[nearest <= outlier * max(radius, np.finfo(float).tiny)]
    index = index[np.argsort(q_np[index], kind="stable")]
    x = jnp.asarray(np.asarray(final)[index]).reshape(-1, system.n)
    if linearise and len(index):
        # padded to a power of two: one compilation for most numbers of points
        size = 1 << int(np.ceil(np.log2(len(index))))
        rows = np.asarray(final)[index]
        padded = np.concatenate([rows, np.repeat(rows[-1:], size - len(index), axis=0)])
        lin = _linearise(system, jnp.asarray(padded), p_arr)
        J = jnp.asarray(np.asarray(lin.jacobian)[: len(index)])
        values = jnp.asarray(np.asarray(lin.eigenvalues)[: len(index)])
        kinds = classify(lin.eigenvalues, discrete=system.discrete)
        kind = jnp.asarray(np.asarray(kinds)[: len(index)])
    else:
        J = jnp.zeros((0, system.n, system.n), dtype)
        values = jnp.zeros((0, system.n), jnp.result_type(dtype, jnp.complex64))
        kind = jnp.zeros(0, int)
    return SlowPoints(
        x=x,
        q=jnp.asarray(np.asarray(final_q)[index]),
        source=jnp.asarray(index, dtype=int),
        jacobian=J,
        eigenvalues=values,
        kind=kind,
        candidates=x0,
        final=final,
        final_q=final_q,
        names=system.names,
    )
