"""One-step ODE integrators: `odeint` and the steppers it returns."""

import abc
import functools
from collections.abc import Callable

import diffrax
import equinox as eqx
import jax.numpy as jnp
import jax.tree_util as jtu
import optimistix as optx

from .._custom_types import Array, PyTree, RealScalarLike
from ._linear import check_dt, diagonal_linearisation, phi1
from ._tableau import TABLEAUX, ButcherTableau

ODE_METHODS = (*TABLEAUX, "exp_euler", "backward_euler")
"""The method names `odeint` accepts (besides a `ButcherTableau` or a Diffrax solver)."""


def check_ode_method(method) -> None:
    """Raise a `ValueError` naming the valid choices unless `odeint` accepts `method`."""
    if isinstance(method, str):
        if method not in ODE_METHODS:
            raise ValueError(
                f"unknown ODE method {method!r}; valid methods are {', '.join(ODE_METHODS)}, "
                "a dx.integrate.ButcherTableau, or a Diffrax solver such as diffrax.Tsit5()."
            )
    elif not isinstance(method, ButcherTableau | diffrax.AbstractSolver):
        raise ValueError(
            f"method must be a name ({', '.join(ODE_METHODS)}), a dx.integrate.ButcherTableau "
            f"or a Diffrax solver instance, got {method!r}."
        )


def _combine(y, dt, coefficients, ks):
    """`y + dt * sum(c * k)` leafwise, skipping zero coefficients."""
    used = [(c, k) for c, k in zip(coefficients, ks) if c != 0.0]
    if not used:
        return y
    cs, ks = zip(*used)
    return jtu.tree_map(lambda y0, *k: y0 + dt * sum(c * x for c, x in zip(cs, k)), y, *ks)


class AbstractODEStepper(eqx.Module):
    r"""A pure one-step integrator of $dy/dt = f(t, y, \text{args})$.

    Call it as `stepper(y, t, dt, args) -> y_next`: it advances the pytree `y` from time
    `t` to `t + dt` (ms). Steppers are made by [`dynax.integrate.odeint`][].
    """

    f: eqx.AbstractVar[Callable]

    @abc.abstractmethod
    def __call__(self, y: PyTree[Array], t: RealScalarLike, dt: RealScalarLike, args=None):
        raise NotImplementedError


class RungeKutta(AbstractODEStepper):
    """An explicit Runge–Kutta step given by a [`dynax.integrate.ButcherTableau`][]."""

    f: Callable
    tableau: ButcherTableau

    def __call__(self, y, t, dt, args=None):
        check_dt(dt)
        ks = []
        for a_i, c_i in zip(self.tableau.a, self.tableau.c):
            ks.append(self.f(t + c_i * dt, _combine(y, dt, a_i, ks), args))
        return _combine(y, dt, self.tableau.b, ks)


class ExponentialEuler(AbstractODEStepper):
    r"""Exponential Euler: exact for linear equations, first order in general.

    With $A = \operatorname{diag}(\partial f/\partial y)$ at the start of the step
    (computed by automatic differentiation),

    $$y_{n+1} = y_n + h\,\varphi_1(hA)\,f(t_n, y_n), \qquad \varphi_1(z) = (e^z - 1)/z .$$

    For $f = A(y - y_\infty)$ with a diagonal $A$ (a membrane or gating equation with
    inputs held over the step) this is the exact solution at any `dt`, which is why it
    is the default for neuron models: large `dt` stays stable and accurate.

    ??? cite "Reference"

        Hochbruck, M., & Ostermann, A. (2010). Exponential integrators.
        *Acta Numerica*, 19, 209–286.
    """

    f: Callable

    def __call__(self, y, t, dt, args=None):
        check_dt(dt)
        fy, slope = diagonal_linearisation(lambda x: self.f(t, x, args), y)
        return jtu.tree_map(lambda y0, f0, a: y0 + dt * phi1(dt * a) * f0, y, fy, slope)


class BackwardEuler(AbstractODEStepper):
    r"""Backward (implicit) Euler, $y_{n+1} = y_n + h f(t_{n+1}, y_{n+1})$: first order,
    L-stable, for stiff equations.

    The implicit equation is solved by Newton's method (`optimistix.Newton`) from an
    explicit Euler guess; its derivatives come from the implicit function theorem. A
    step whose Newton iteration does not converge in `max_steps` raises an error.

    **Arguments:** `f`; `rtol`, `atol`: Newton's tolerances; `max_steps`: its iteration cap.
    """

    f: Callable
    rtol: float = eqx.field(static=True, default=1e-6)
    atol: float = eqx.field(static=True, default=1e-6)
    max_steps: int = eqx.field(static=True, default=32)

    def __call__(self, y, t, dt, args=None):
        check_dt(dt)
        t1 = t + dt

        def residual(y1, _):
            return jtu.tree_map(lambda a, b, k: a - b - dt * k, y1, y, self.f(t1, y1, args))

        guess = _combine(y, dt, (1.0,), (self.f(t, y, args),))
        solver = optx.Newton(rtol=self.rtol, atol=self.atol)
        return optx.root_find(residual, solver, guess, max_steps=self.max_steps).value


class DiffraxStepper(AbstractODEStepper):
    """A Diffrax solver stepping across each `dt`.

    With `adaptive=False` it makes one step of the solver per `dt`. With
    `adaptive=True` it integrates over $[t, t + dt]$ with error-controlled sub-steps
    (`diffrax.PIDController(rtol, atol)`, at most `max_steps` of them), so that a stiff
    or fast model stays accurate at a coarse network `dt`; exceeding `max_steps` raises.
    """

    f: Callable
    solver: diffrax.AbstractSolver
    adaptive: bool = eqx.field(static=True, default=False)
    rtol: float = eqx.field(static=True, default=1e-6)
    atol: float = eqx.field(static=True, default=1e-6)
    max_steps: int = eqx.field(static=True, default=4096)

    def __check_init__(self):
        if self.adaptive and not isinstance(self.solver, diffrax.AbstractAdaptiveSolver):
            raise ValueError(
                f"adaptive=True needs a Diffrax solver with an error estimate (Tsit5, Dopri5, "
                f"Dopri8, Bosh3, Kvaerno3/4/5, ...), got {type(self.solver).__name__}."
            )

    def __call__(self, y, t, dt, args=None):
        check_dt(dt)
        # Diffrax's implicit solvers trace t as an array: a Python float would not match.
        t = jnp.asarray(t, dtype=float)
        term = diffrax.ODETerm(self.f)
        if self.adaptive:
            solution = diffrax.diffeqsolve(
                term,
                self.solver,
                t,
                t + dt,
                # The first sub-step is chosen from the local error estimate: starting
                # at dt can overflow mid-spike, and the controller does not recover.
                None,
                y,
                args,
                saveat=diffrax.SaveAt(t1=True),
                stepsize_controller=diffrax.PIDController(rtol=self.rtol, atol=self.atol),
                max_steps=self.max_steps,
            )
            return jtu.tree_map(lambda x: x[0], solution.ys)
        solver = self.solver
        if isinstance(solver, diffrax.AbstractImplicitSolver) and not isinstance(
            solver.root_finder.rtol, int | float
        ):
            # Diffrax leaves an implicit solver's tolerances to the step-size controller,
            # which a fixed step does not have: use ours.
            root_finder = optx.Newton(rtol=self.rtol, atol=self.atol)
            solver = eqx.tree_at(lambda s: s.root_finder, solver, root_finder)
        state = solver.init(term, t, t + dt, y, args)
        y1, _, _, _, result = solver.step(term, t, t + dt, y, args, state, False)
        return eqx.error_if(
            y1, result != diffrax.RESULTS.successful, f"{type(solver).__name__} step failed"
        )


def odeint(
    f: Callable | None = None,
    *,
    method: str | ButcherTableau | diffrax.AbstractSolver = "exp_euler",
    adaptive: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-6,
    max_steps: int | None = None,
):
    r"""A pure one-step integrator `step(y, t, dt, args) -> y_next` for $dy/dt = f(t, y, args)$.

    `f` has Diffrax's signature `f(t, y, args)` and `y` may be any pytree of float
    arrays, so several coupled variables integrate jointly. Use it directly,
    `step = odeint(f, method="rk4")`, or as a decorator, `@odeint(method="rk4")`;
    inside a model's `step` it advances the continuous part by one network `dt`.

    **Arguments:**

    - `f`: the vector field, `f(t, y, args)` with $t$ in ms.
    - `method`: one of
        - `"euler"` (order 1), `"midpoint"`, `"heun2"`, `"ralston2"`, `"rk2"` (order 2),
          `"rk3"`, `"heun3"`, `"ralston3"`, `"ssprk3"` (order 3), `"rk4"`, `"ralston4"`,
          `"rk4_38"` (order 4): explicit Runge–Kutta methods;
        - a [`dynax.integrate.ButcherTableau`][]: your own explicit method;
        - `"exp_euler"`: exponential Euler, exact for linear equations (the default);
        - `"backward_euler"`: implicit Euler with Newton iterations, for stiff equations;
        - a Diffrax solver instance (`diffrax.Tsit5()`, `diffrax.Dopri8()`,
          `diffrax.Kvaerno5()`, ...), stepped once per `dt`, or adaptively across it.
    - `adaptive`: with a Diffrax solver, integrate across each `dt` with
      error-controlled sub-steps.
    - `rtol`, `atol`: tolerances of the adaptive sub-steps or of the Newton iteration.
    - `max_steps`: the cap on adaptive sub-steps (default 4096) or Newton iterations
      (default 32); exceeding it raises an error instead of returning a wrong value.
    """
    if f is None:
        return functools.partial(
            odeint, method=method, adaptive=adaptive, rtol=rtol, atol=atol, max_steps=max_steps
        )
    check_ode_method(method)
    if adaptive and not isinstance(method, diffrax.AbstractSolver):
        raise ValueError(
            f"adaptive=True needs a Diffrax solver with an error estimate such as "
            f"diffrax.Tsit5(), got method={method!r}."
        )
    if isinstance(method, diffrax.AbstractSolver):
        return DiffraxStepper(f, method, adaptive, rtol, atol, max_steps or 4096)
    if isinstance(method, ButcherTableau):
        return RungeKutta(f, method)
    if method == "exp_euler":
        return ExponentialEuler(f)
    if method == "backward_euler":
        return BackwardEuler(f, rtol, atol, max_steps or 32)
    return RungeKutta(f, TABLEAUX[method])
