"""Whole-trajectory solves of small systems: a thin wrapper over `diffrax.diffeqsolve`."""

from collections.abc import Callable
from typing import ClassVar

import diffrax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, PyTree, RealScalarLike
from ._method import AbstractMethod, AbstractODEMethod
from ._names import resolve_method
from ._ode import Diffrax


class _MethodAsSolver(diffrax.AbstractSolver):
    """A dynax ODE method as a fixed-step Diffrax solver (linear dense output)."""

    method: AbstractODEMethod
    term_structure: ClassVar = diffrax.AbstractTerm
    interpolation_cls: ClassVar = diffrax.LocalLinearInterpolation

    def order(self, terms):
        return self.method.order()

    def init(self, terms, t0, t1, y0, args):
        return None

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        f = lambda t, y, args: terms.vf(t, y, args)
        y1 = self.method.step(f, y0, t0, t1 - t0, args)
        dense_info = dict(y0=y0, y1=y1)
        return y1, None, dense_info, None, diffrax.RESULTS.successful

    def func(self, terms, t0, y0, args):
        return terms.vf(t0, y0, args)


def solve(
    f: Callable,
    y0: PyTree[ArrayLike],
    t0: RealScalarLike,
    t1: RealScalarLike,
    *,
    method: AbstractMethod | str | diffrax.AbstractSolver = "tsit5",
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
    - `method`: any ODE method of [`dynax.integrate.odeint`][], or a name of
      [`dynax.integrate.METHODS`][] for one (the same method as in `odeint`): a
      `Diffrax(solver)` (or a bare Diffrax solver) is handed to `diffrax.diffeqsolve`
      as it is; the dynax methods (`Euler()`, `RK4()`, `ExpEuler()`, ...) take fixed
      steps of `dt0`. The default `"tsit5"` (`Diffrax(diffrax.Tsit5())`) is an
      efficient fifth-order method with an error estimate, so steps follow `rtol`/`atol`.
    - `dt0`: the first (adaptive) or every (fixed) step size (ms).
    - `rtol`, `atol`: error tolerances of adaptive steps.
    - `saveat`: the times to return (an array), a `diffrax.SaveAt`, or `None` for `t1` only.
    - `max_steps`: the cap on steps; reaching it raises an error.
    - `adjoint`: how derivatives are taken; the default backpropagates through the
      solver (for `jax.grad`), `diffrax.ForwardMode()` allows `jax.jvp`/`jax.jacfwd`.

    **Returns:** `ts` (the saved times) and `ys` (the solution there, each leaf with a
    leading time axis).
    """
    resolved: AbstractODEMethod = resolve_method(method, AbstractODEMethod, "solve")
    solver = resolved.solver if isinstance(resolved, Diffrax) else _MethodAsSolver(resolved)
    controller: diffrax.AbstractStepSizeController
    if isinstance(solver, diffrax.AbstractAdaptiveSolver):
        controller = diffrax.PIDController(rtol=rtol, atol=atol)
    elif dt0 is None:
        raise ValueError(
            f"{type(solver).__name__} has no error estimate, so it takes fixed steps: "
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
        solver,
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
