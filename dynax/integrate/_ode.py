"""ODE methods (explicit Runge–Kutta, exponential and backward Euler, Diffrax solvers)
and `odeint`, which binds one to a vector field."""

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import diffrax
import equinox as eqx
import jax.numpy as jnp
import jax.tree_util as jtu
import optimistix as optx

from .._custom_types import Array, PyTree
from ._linear import check_dt, diagonal_linearisation, phi1
from ._method import AbstractMethod, AbstractODEMethod, AbstractSDEMethod, AbstractStepper
from ._tableau import TABLEAUX, ButcherTableau


def _combine(y, dt, coefficients, ks):
    """`y + dt * sum(c * k)` leafwise, skipping zero coefficients."""
    used = [(c, k) for c, k in zip(coefficients, ks) if c != 0.0]
    if not used:
        return y
    cs, ks = zip(*used)
    return jtu.tree_map(lambda y0, *k: y0 + dt * sum(c * x for c, x in zip(cs, k)), y, *ks)


def _add(*trees):
    return jtu.tree_map(lambda *xs: sum(xs[1:], xs[0]), *trees)


def _scale(c, tree):
    return jtu.tree_map(lambda x: c * x, tree)


def _runge_kutta_step(tableau: ButcherTableau, f, y, t, dt, args):
    """One step of the explicit Runge–Kutta method of `tableau`."""
    check_dt(dt)
    ks: list = []
    for a_i, c_i in zip(tableau.a, tableau.c):
        ks.append(f(t + c_i * dt, _combine(y, dt, a_i, ks), args))
    return _combine(y, dt, tableau.b, ks)


class AbstractRungeKutta(AbstractODEMethod):
    """A named explicit Runge–Kutta method: its [`dynax.integrate.ButcherTableau`][] is a
    class constant (`RungeKutta(tableau)` takes any tableau)."""

    tableau: eqx.AbstractClassVar[ButcherTableau]

    def order(self) -> int:
        return self.tableau.order

    def step(self, f, y, t, dt, args):
        return _runge_kutta_step(self.tableau, f, y, t, dt, args)


class RungeKutta(AbstractODEMethod):
    """An explicit Runge–Kutta method with your own
    [`dynax.integrate.ButcherTableau`][], e.g. `RungeKutta(TABLEAUX["ssprk3"])`."""

    tableau: ButcherTableau

    def order(self) -> int:
        return self.tableau.order

    def step(self, f, y, t, dt, args):
        return _runge_kutta_step(self.tableau, f, y, t, dt, args)


class Euler(AbstractRungeKutta):
    r"""Explicit (forward) Euler, $y_{n+1} = y_n + h\,f(t_n, y_n)$: order 1, one
    evaluation of $f$ per step. An ODE method only: for an SDE say which stochastic
    extension you mean, `EulerMaruyama()` (Itô) or `EulerHeun()` (Stratonovich)."""

    tableau: ClassVar[ButcherTableau] = TABLEAUX["euler"]


class Midpoint(AbstractRungeKutta):
    r"""The explicit midpoint method, $y_{n+1} = y_n + h\,f(t_n + h/2, y_n + \tfrac h2 f_n)$:
    order 2, two evaluations of $f$."""

    tableau: ClassVar[ButcherTableau] = TABLEAUX["midpoint"]


class Ralston(AbstractRungeKutta):
    """Ralston's two-stage method (nodes 0, 2/3; weights 1/4, 3/4): order 2 with the
    smallest error bound of the two-stage family.

    ??? cite "Reference"

        Ralston, A. (1962). Runge–Kutta methods with minimum error bounds.
        *Mathematics of Computation*, 16(80), 431–437.
    """

    tableau: ClassVar[ButcherTableau] = TABLEAUX["ralston"]


class RK3(AbstractRungeKutta):
    """Kutta's third-order method (nodes 0, 1/2, 1; weights 1/6, 2/3, 1/6)."""

    tableau: ClassVar[ButcherTableau] = TABLEAUX["rk3"]


class RK4(AbstractRungeKutta):
    r"""The classical fourth-order Runge–Kutta method (nodes 0, 1/2, 1/2, 1; weights
    1/6, 1/3, 1/3, 1/6): order 4, four evaluations of $f$ per step. The default of
    [`dynax.integrate.ddeint`][]: smooth rate and delay models gain most from its order.
    """

    tableau: ClassVar[ButcherTableau] = TABLEAUX["rk4"]


class Heun(AbstractRungeKutta, AbstractSDEMethod):
    r"""Heun's method, a predictor–corrector on both terms.

    For an ODE the trapezoidal predictor–corrector
    $\bar y = y_n + h f_n$, $y_{n+1} = y_n + \tfrac h2\big(f_n + f(t_{n+1}, \bar y)\big)$,
    order 2. For an SDE (Stratonovich only) the stochastic Heun method:
    $\bar y = y_n + f_n h + g_n \Delta W$,
    $y_{n+1} = y_n + \tfrac h2 (f_n + \bar f) + \tfrac12 (g_n + \bar g)\Delta W$, strong
    order 0.5 (1.0 for commutative noise). With $g = 0$ the two coincide.
    """

    tableau: ClassVar[ButcherTableau] = TABLEAUX["heun"]

    def solves(self, sde_type):
        return sde_type == "stratonovich"

    def sde_step(self, terms, y, t, dt, args, dW):
        f0, g0 = terms.f(t, y, args), terms.g(t, y, args)
        y_bar = _add(y, _scale(dt, f0), terms.prod(g0, dW))
        f1, g1 = terms.f(t + dt, y_bar, args), terms.g(t + dt, y_bar, args)
        drift = _scale(0.5 * dt, _add(f0, f1))
        return _add(y, drift, _scale(0.5, terms.prod(_add(g0, g1), dW)))


class ExpEuler(AbstractODEMethod, AbstractSDEMethod):
    r"""Exponential Euler: exact for linear equations, first order in general.

    With $A = \operatorname{diag}(\partial f/\partial y)$ at the start of the step
    (computed by automatic differentiation),

    $$y_{n+1} = y_n + h\,\varphi_1(hA)\,f(t_n, y_n), \qquad \varphi_1(z) = (e^z - 1)/z .$$

    For $f = A(y - y_\infty)$ with a diagonal $A$ (a membrane or gating equation with
    inputs held over the step) this is the exact solution at any `dt`, which is why it
    is the default of [`dynax.integrate.odeint`][] and of the neuron models: a large
    `dt` stays stable and accurate. `affine_step` is the same exact step in closed
    form for $\tau\,dy/dt = a - b\,y$, $y_{n+1} = y_\infty + (y_n - y_\infty)e^{-hb/\tau}$
    with $y_\infty = a/b$ (one `exp` and one division per element; $b \neq 0$).

    For an SDE (Itô only) the exponential Euler–Maruyama step
    $y_{n+1} = y_n + h\,\varphi_1(hA)\,f(t_n, y_n) + g\,\Delta W$: the drift is exact
    for linear $f$; strong order 0.5 (1.0 for additive noise).

    ??? cite "Reference"

        Hochbruck, M., & Ostermann, A. (2010). Exponential integrators.
        *Acta Numerica*, 19, 209–286.
    """

    def order(self) -> int:
        return 1

    def step(self, f, y, t, dt, args):
        check_dt(dt)
        fy, slope = diagonal_linearisation(lambda x: f(t, x, args), y)
        return jtu.tree_map(lambda y0, f0, a: y0 + dt * phi1(dt * a) * f0, y, fy, slope)

    def affine_step(self, y, t, dt, drive, leak, tau):
        # The closed form: one `exp` and one division per element, where the generic
        # step takes `expm1` and three divisions (2.4 times the time for `expm1` alone
        # on XLA's CPU backend).
        y_inf = drive / leak
        return y_inf + (y - y_inf) * jnp.exp(-dt * leak / tau)

    def solves(self, sde_type):
        return sde_type == "ito"

    def sde_step(self, terms, y, t, dt, args, dW):
        g0 = terms.g(t, y, args)
        f0, slope = diagonal_linearisation(lambda z: terms.f(t, z, args), y)
        drift = jtu.tree_map(lambda a, fx: dt * phi1(a * dt) * fx, slope, f0)
        return _add(y, drift, terms.prod(g0, dW))


class BackwardEuler(AbstractODEMethod):
    r"""Backward (implicit) Euler, $y_{n+1} = y_n + h f(t_{n+1}, y_{n+1})$: first order,
    L-stable, for stiff equations.

    The implicit equation is solved by Newton's method (`optimistix.Newton`) from an
    explicit Euler guess; its derivatives come from the implicit function theorem. A
    step whose Newton iteration does not converge in `max_steps` raises an error.

    **Arguments:** `rtol`, `atol`: Newton's tolerances; `max_steps`: its iteration cap.
    """

    rtol: float = eqx.field(static=True, default=1e-6)
    atol: float = eqx.field(static=True, default=1e-6)
    max_steps: int = eqx.field(static=True, default=32)

    def order(self) -> int:
        return 1

    def step(self, f, y, t, dt, args):
        check_dt(dt)
        t1 = t + dt

        def residual(y1, _):
            return jtu.tree_map(lambda a, b, k: a - b - dt * k, y1, y, f(t1, y1, args))

        guess = _combine(y, dt, (1.0,), (f(t, y, args),))
        solver = optx.Newton(rtol=self.rtol, atol=self.atol)
        return optx.root_find(residual, solver, guess, max_steps=self.max_steps).value


class Diffrax(AbstractODEMethod, AbstractSDEMethod):
    """A Diffrax solver as a dynax method: `Diffrax(diffrax.Tsit5())`.

    In [`dynax.integrate.odeint`][], with `adaptive=False` it makes one step of the
    solver per `dt`; with `adaptive=True` it integrates over $[t, t + dt]$ with
    error-controlled sub-steps (`diffrax.PIDController(rtol, atol)`, at most
    `max_steps` of them), so that a stiff or fast model stays accurate at a coarse
    network `dt`; exceeding `max_steps` raises. In [`dynax.integrate.solve`][] the
    solver is handed to `diffrax.diffeqsolve` as it is. In
    [`dynax.integrate.sdeint`][] it makes one `solver.step` per `dt` (see there).
    A bare Diffrax solver passed as `method=` means `Diffrax(solver)`.
    """

    solver: diffrax.AbstractSolver
    adaptive: bool = eqx.field(static=True, default=False)
    rtol: float = eqx.field(static=True, default=1e-6)
    atol: float = eqx.field(static=True, default=1e-6)
    max_steps: int = eqx.field(static=True, default=4096)

    def __check_init__(self):
        if not isinstance(self.solver, diffrax.AbstractSolver):
            raise ValueError(f"Diffrax(solver) needs a Diffrax solver, got {self.solver!r}.")
        if self.adaptive and not isinstance(self.solver, diffrax.AbstractAdaptiveSolver):
            raise ValueError(
                f"adaptive=True needs a Diffrax solver with an error estimate (Tsit5, Dopri5, "
                f"Dopri8, Bosh3, Kvaerno3/4/5, ...), got {type(self.solver).__name__}."
            )

    def order(self) -> None:
        return None

    def step(self, f, y, t, dt, args):
        check_dt(dt)
        # Diffrax's implicit solvers trace t as an array: a Python float would not match.
        t = jnp.asarray(t, dtype=float)
        term = diffrax.ODETerm(f)
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

    def solves(self, sde_type):
        ito = sde_type == "ito"
        return isinstance(
            self.solver, diffrax.AbstractItoSolver if ito else diffrax.AbstractStratonovichSolver
        )

    def sde_step(self, terms, y, t, dt, args, dW):
        from ._sde import diffrax_sde_step  # the SDE plumbing lives with sdeint

        return diffrax_sde_step(self.solver, terms, y, t, dt, args, dW)


class ODEStepper(AbstractStepper):
    r"""An ODE method bound to a vector field: `odeint(f, method=...)` returns one.

    Its state is $y$ itself: `stepper(y, t, dt, args) -> y` at `t + dt` (ms);
    `stepper.init(y0)` converts `y0` to float arrays and `stepper.value(y)` is `y`.
    """

    f: Callable
    method: AbstractODEMethod

    def init(self, y0: PyTree) -> PyTree[Array]:
        return jtu.tree_map(_as_float, y0)

    def __call__(self, y, t, dt, args=None, key=None):
        if key is not None:
            raise ValueError("key is only used by a stochastic equation (sdeint).")
        return self.method.step(self.f, y, t, dt, args)

    def value(self, state):
        return state


def _as_float(x):
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(float)


def odeint(
    f: Callable | None = None,
    *,
    method: AbstractMethod | str | ButcherTableau | diffrax.AbstractSolver = "exp_euler",
    adaptive: bool | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_steps: int | None = None,
) -> Any:
    r"""A pure one-step integrator `step(y, t, dt, args) -> y_next` for $dy/dt = f(t, y, args)$.

    `f` has Diffrax's signature `f(t, y, args)` and `y` may be any pytree of float
    arrays, so several coupled variables integrate jointly. Use it directly,
    `step = odeint(f, method=dx.integrate.RK4())`, or as a decorator,
    `@odeint(method="rk4")`; inside a model's `step` it advances the continuous part by
    one network `dt`. It returns an [`dynax.integrate.ODEStepper`][].

    **Arguments:**

    - `f`: the vector field, `f(t, y, args)` with $t$ in ms.
    - `method`: an [`dynax.integrate.AbstractODEMethod`][] (`Euler()`, `Midpoint()`,
      `Heun()`, `Ralston()`, `RK3()`, `RK4()`, `RungeKutta(tableau)`, `ExpEuler()`,
      `BackwardEuler()`, `Diffrax(solver)`), or a shorthand for one: a name of
      [`dynax.integrate.METHODS`][] (`"rk4"` is `RK4()`), a `ButcherTableau` (for
      `RungeKutta(tableau)`) or a Diffrax solver (for `Diffrax(solver)`). The default,
      `ExpEuler()`, is exact for the linear (leaky) equations of membranes and gates
      at any `dt`, and stable for them where explicit Runge–Kutta methods are not.
    - `adaptive`, `rtol`, `atol`, `max_steps`: shorthands for the options of the method
      a name or a Diffrax solver stands for: `Diffrax(solver, adaptive, rtol, atol,
      max_steps)` (error-controlled sub-steps across each `dt`, at most `max_steps`,
      default 4096) or `BackwardEuler(rtol, atol, max_steps)` (Newton's tolerances and
      iteration cap, default 32); the other methods have no such options and ignore
      them. Exceeding `max_steps` raises an error instead of returning a wrong value.
      Given with a method object they raise: set them on the object.
    """
    if f is None:
        return functools.partial(
            odeint, method=method, adaptive=adaptive, rtol=rtol, atol=atol, max_steps=max_steps
        )
    from ._names import resolve_method

    options: dict[str, Any] = {
        k: v
        for k, v in dict(adaptive=adaptive, rtol=rtol, atol=atol, max_steps=max_steps).items()
        if v is not None
    }
    if options and isinstance(method, AbstractMethod):
        raise ValueError(
            f"options {sorted(options)} apply to a method given by name or as a Diffrax "
            f"solver; set them on the method object instead, e.g. "
            f"dx.integrate.Diffrax(diffrax.Tsit5(), adaptive=True), got method={method!r}."
        )
    if options.get("adaptive") and not isinstance(method, diffrax.AbstractSolver):
        resolved = resolve_method(method, AbstractODEMethod, "odeint")
        if not isinstance(resolved, Diffrax):
            raise ValueError(
                f"adaptive=True needs a Diffrax solver with an error estimate such as "
                f"diffrax.Tsit5(), got method={method!r}."
            )
    resolved = resolve_method(method, AbstractODEMethod, "odeint")
    if isinstance(resolved, Diffrax) and options:
        resolved = Diffrax(resolved.solver, **options)
    elif isinstance(resolved, BackwardEuler) and options:
        options.pop("adaptive", None)
        resolved = BackwardEuler(**options)
    return ODEStepper(f, resolved)
