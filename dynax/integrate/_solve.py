"""Whole-trajectory solves of small systems: a thin wrapper over `diffrax.diffeqsolve`."""

from collections.abc import Callable

import diffrax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, PyTree, RealScalarLike

_DIFFRAX_NAMES = {
    "euler": diffrax.Euler,
    "midpoint": diffrax.Midpoint,
    "heun2": diffrax.Heun,
    "ralston2": diffrax.Ralston,
    "bosh3": diffrax.Bosh3,
    "tsit5": diffrax.Tsit5,
    "dopri5": diffrax.Dopri5,
    "dopri8": diffrax.Dopri8,
    "backward_euler": diffrax.ImplicitEuler,
    "kvaerno3": diffrax.Kvaerno3,
    "kvaerno4": diffrax.Kvaerno4,
    "kvaerno5": diffrax.Kvaerno5,
}


def solve(
    f: Callable,
    y0: PyTree[ArrayLike],
    t0: RealScalarLike,
    t1: RealScalarLike,
    *,
    method: str | diffrax.AbstractSolver = "tsit5",
    args=None,
    dt0: RealScalarLike | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    saveat: ArrayLike | diffrax.SaveAt | None = None,
    max_steps: int = 65536,
    adjoint: diffrax.AbstractAdjoint | None = None,
) -> tuple[Array, PyTree[Array]]:
    r"""Solve $dy/dt = f(t, y, args)$ from `t0` to `t1` and return `(ts, ys)`.

    A thin wrapper over `diffrax.diffeqsolve` for small systems (the Lorenz system, a
    single neuron): the solution is differentiable with respect to `y0`, `args` and
    the times. Solvers with an error estimate take error-controlled steps
    (`diffrax.PIDController(rtol, atol)`, first step `dt0` or chosen automatically);
    the others take fixed steps of `dt0`. For a network, step with
    [`dynax.integrate.odeint`][] inside `dx.simulate` instead.

    **Arguments:**

    - `f`: the vector field `f(t, y, args)`; `y0` the initial value at `t0`.
    - `t0`, `t1`: the time interval (ms).
    - `method`: a Diffrax solver, or one of the names `euler`, `midpoint`, `heun2`,
      `ralston2`, `bosh3`, `tsit5`, `dopri5`, `dopri8`, `backward_euler`, `kvaerno3`,
      `kvaerno4`, `kvaerno5`.
    - `dt0`: the first (adaptive) or every (fixed) step size (ms).
    - `rtol`, `atol`: error tolerances of adaptive steps.
    - `saveat`: the times to return (an array), a `diffrax.SaveAt`, or `None` for `t1` only.
    - `max_steps`: the cap on steps; reaching it raises an error.
    - `adjoint`: how derivatives are taken; the default backpropagates through the
      solver (for `jax.grad`), `diffrax.ForwardMode()` allows `jax.jvp`/`jax.jacfwd`.

    **Returns:** `ts` (the saved times) and `ys` (the solution there, each leaf with a
    leading time axis).
    """
    if isinstance(method, str):
        if method not in _DIFFRAX_NAMES:
            raise ValueError(
                f"unknown solve method {method!r}; valid names are "
                f"{', '.join(_DIFFRAX_NAMES)}, or pass a Diffrax solver instance."
            )
        method = _DIFFRAX_NAMES[method]()
    elif not isinstance(method, diffrax.AbstractSolver):
        raise ValueError(f"method must be a name or a Diffrax solver, got {method!r}.")
    if isinstance(method, diffrax.AbstractAdaptiveSolver):
        controller = diffrax.PIDController(rtol=rtol, atol=atol)
    elif dt0 is None:
        raise ValueError(
            f"{type(method).__name__} has no error estimate, so it takes fixed steps: "
            "pass dt0 (ms)."
        )
    else:
        controller = diffrax.ConstantStepSize()
    if saveat is None:
        saveat = diffrax.SaveAt(t1=True)
    elif not isinstance(saveat, diffrax.SaveAt):
        saveat = diffrax.SaveAt(ts=jnp.asarray(saveat))
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(f),
        method,
        t0,
        t1,
        dt0,
        y0,
        args,
        saveat=saveat,
        stepsize_controller=controller,
        max_steps=max_steps,
        adjoint=diffrax.RecursiveCheckpointAdjoint() if adjoint is None else adjoint,
    )
    return solution.ts, solution.ys
