"""Delay differential equations: `ddeint` over any ODE or SDE stepper."""

import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import numpy as np

from .._custom_types import ArrayLike, PRNGKeyArray, PyTree, RealScalarLike
from ._history import INTERPOLATIONS, History, _concrete
from ._method import AbstractStepper
from ._ode import RK4, ODEStepper, odeint
from ._sde import SDEStepper, sdeint


class _WithHistory(eqx.Module):
    """`f(t, y, history, args)` as a Diffrax-style `f(t, y, (history, args))`."""

    f: Callable

    def __call__(self, t, y, args):
        history, args = args
        return self.f(t, y, history, args)


class DDEStepper(AbstractStepper):
    r"""One step of a delay differential equation; build it with [`dynax.integrate.ddeint`][].

    - `stepper.init(y0, *, t0=0.0, dt, before=None)`: the initial
      [`dynax.integrate.History`][] (see `History.create` for `before`).
    - `stepper(history, t, dt, args=None, key=None) -> History`: advances from
      `t` $= t_n$ (ms, the history's newest time `history.t`) to $t_n + \Delta t$ and
      appends the new value; `history.value` is the current state. `key` is needed (and
      only allowed) for an SDE. `dt` must be the history's `dt`.
    - `stepper.value(history)`: the current state, `history.value`.
    """

    stepper: ODEStepper | SDEStepper
    max_delay: float = eqx.field(static=True)
    interpolation: str = eqx.field(static=True, default="linear")

    def init(
        self,
        y0: PyTree[ArrayLike],
        *,
        t0: RealScalarLike = 0.0,
        dt: float,
        before: Any = None,
    ) -> History:
        """The history at the start of a run: `y0` at `t0` (ms), `before` for $t < t_0$."""
        return History.create(
            y0,
            t0=t0,
            dt=dt,
            max_delay=self.max_delay,
            before=before,
            interpolation=self.interpolation,
        )

    def __call__(
        self,
        history: History,
        t: RealScalarLike,
        dt: RealScalarLike,
        args: Any = None,
        key: PRNGKeyArray | None = None,
    ) -> History:
        try:
            given = float(np.asarray(dt))
        except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
            given = None  # traced: the history's dt is used
        if given is not None and not math.isclose(given, history.dt, rel_tol=1e-6):
            raise ValueError(
                f"dt={dt!r} differs from the history's dt={history.dt}: a history is built "
                "for one step size (make a new one with stepper.init)."
            )
        dt = history.dt
        sde = isinstance(self.stepper, SDEStepper)
        if sde and key is None:
            raise ValueError("this DDE has noise (g is given): pass a PRNG key.")
        if not sde and key is not None:
            raise ValueError("key is only used by a stochastic DDE (ddeint with g=...).")
        y, inner = history.value, (history, args)
        y_next = self.stepper(y, t, dt, inner, key) if sde else self.stepper(y, t, dt, inner)
        return history.push(y_next)

    def value(self, state: History) -> PyTree:
        return state.value


def ddeint(
    f: Callable,
    method: Any = None,
    *,
    max_delay: float,
    g: Callable | None = None,
    sde_type: str = "ito",
    noise: str = "diagonal",
    interpolation: str = "linear",
    **options,
) -> DDEStepper:
    r"""A stepper for the delay differential equation
    $dy/dt = f\big(t, y(t), \{y(s)\}_{s \le t}\big)$, with noise $+\,g\,dW$ if `g` is given.

    `f(t, y, history, args)` reads the past through the
    [`dynax.integrate.History`][] `history`: `history(t - tau)` for a constant delay,
    `history(t - tau(y))` for a state-dependent one, `history(t - taus)` with an array
    `taus` for one delay per element, `history.derivative(t - tau)` for a neutral term.
    The step itself is any ODE method of [`dynax.integrate.odeint`][] (or SDE method of
    [`dynax.integrate.sdeint`][] when `g` is given), applied to
    `lambda t, y, args: f(t, y, history, args)`: each stage at $t + c_i\Delta t$ reads
    the history at $t + c_i \Delta t - \tau$, interpolated linearly between steps.

    Accuracy: linear interpolation is second order, so a method of order $p$ gives
    order $\min(p, 2)$ (e.g. 2 for `RK4()`, 1 for `Euler()`); `interpolation="cubic"`
    gives about $\min(p, 3)$ (3 for `"rk4"`: $y''$ jumps at $t_0 + \tau$) at three
    times the cost per read. Delays shorter than `dt` are first order (see `History`).
    Discontinuities of $y'$ at $t_0 + k\tau$ (where `before` does not match the
    equation) are not tracked, and a jump of $y$ at $t_0$ (`before(t0) != y0`) costs
    first order. Neutral equations (`history.derivative`) keep their discontinuities,
    so there too only a smooth history gives the full order. For the ODE methods,
    `method` defaults to `RK4()` (linear
    interpolation caps the order at 2 whatever the method, and RK4's small error
    constant still pays off on smooth delay equations); for SDEs to `sdeint`'s default
    (`EulerMaruyama()` for Itô, `EulerHeun()` for Stratonovich).

    Mackey–Glass, with $x = 1.2$ before $t_0$:

    ```python
    def f(t, x, history, args):
        x_tau = history(t - 17.0)
        return 0.2 * x_tau / (1 + x_tau**10) - 0.1 * x

    step = dx.integrate.ddeint(f, "rk4", max_delay=17.0)
    h = step.init(1.2, dt=0.1)
    h, xs = jax.lax.scan(lambda h, i: (step(h, h.t, 0.1), h.value), h, jnp.arange(10000))
    ```

    **Arguments:**

    - `f`: the drift, `f(t, y, history, args)` with $t$ in ms, a pytree like `y`.
    - `method`: an ODE method of `odeint` (default `RK4()`), or an SDE method of
      `sdeint` when `g` is given; names as in [`dynax.integrate.METHODS`][].
    - `max_delay`: the longest delay read (ms), a positive number; reads older than
      the buffer it sizes return its oldest entry.
    - `g`: the diffusion `g(t, y, history, args)`, making the equation an SDE.
    - `sde_type`, `noise`: as in `sdeint` (only with `g`).
    - `interpolation`: how the history is read between steps, `"linear"` (default) or
      `"cubic"`; see [`dynax.integrate.History`][].
    - `**options`: passed to `odeint` (`adaptive`, `rtol`, `atol`, `max_steps`).

    **Returns:** a [`dynax.integrate.DDEStepper`][].

    ??? cite "References"

        Bellen, A., & Zennaro, M. (2003). *Numerical Methods for Delay Differential
        Equations*. Oxford University Press. (Method of steps, continuous extensions.)

        Mackey, M. C., & Glass, L. (1977). Oscillation and chaos in physiological
        control systems. *Science*, 197(4300), 287–289.
    """
    if not callable(f):
        raise ValueError(f"f must be callable as f(t, y, history, args), got f={f!r}.")
    max_delay_ = _concrete(max_delay, "max_delay")
    if not max_delay_ > 0 or not math.isfinite(max_delay_):
        raise ValueError(f"max_delay must be positive and finite (ms), got {max_delay!r}.")
    if g is None:
        stepper = odeint(_WithHistory(f), method=RK4() if method is None else method, **options)
    else:
        if options:
            raise ValueError(
                f"options {sorted(options)} apply to ODE methods only; sdeint takes none."
            )
        if not callable(g):
            raise ValueError(f"g must be callable as g(t, y, history, args), got g={g!r}.")
        stepper = sdeint(
            _WithHistory(f),
            _WithHistory(g),
            method=method,
            sde_type=sde_type,
            noise=noise,
        )
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}.")
    return DDEStepper(stepper, max_delay_, interpolation)
