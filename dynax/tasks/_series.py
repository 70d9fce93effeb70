"""Chaotic time series to predict: the Lorenz system and the Mackey–Glass equation,
integrated with dynax's own steppers."""

import math

import jax
import jax.numpy as jnp

from .._custom_types import Array, ArrayLike, Float
from ..integrate import AbstractODEMethod, ddeint, odeint


def _check(n_steps, dt, substeps, transient):
    if not isinstance(n_steps, int) or isinstance(n_steps, bool) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive int, got n_steps={n_steps!r}.")
    if not (isinstance(dt, (int, float)) and dt > 0 and math.isfinite(dt)):
        raise ValueError(f"dt must be a positive number (time units), got dt={dt!r}.")
    if not isinstance(substeps, int) or isinstance(substeps, bool) or substeps < 1:
        raise ValueError(f"substeps must be a positive int, got substeps={substeps!r}.")
    if not (isinstance(transient, (int, float)) and transient >= 0):
        raise ValueError(f"transient must be a number >= 0 (time units), got {transient!r}.")
    return round(transient / dt)


def _lorenz_field(t, y, args):
    sigma, rho, beta = args
    x, v, z = y[0], y[1], y[2]
    return jnp.stack([sigma * (v - x), x * (rho - z) - v, x * v - beta * z])


def lorenz(
    n_steps: int,
    dt: float = 0.01,
    *,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8.0 / 3.0,
    y0: ArrayLike | None = None,
    transient: float = 10.0,
    method: AbstractODEMethod | str = "rk4",
    substeps: int = 1,
) -> Float[Array, "n_steps 3"]:
    r"""A trajectory of the Lorenz system, sampled every `dt`,

    $$\dot x = \sigma (y - x),\qquad \dot y = x(\rho - z) - y,\qquad \dot z = xy - \beta z.$$

    With the classic $\sigma = 10$, $\rho = 28$, $\beta = 8/3$ (the defaults) the flow
    is chaotic: its largest Lyapunov exponent is about 0.906, the time average of $z$
    about 23.5. The standard benchmark of time-series prediction with reservoirs
    (one-step-ahead or free-running forecasts of $(x, y, z)$).

    **Time is the system's own dimensionless time, not ms**: `dt` and `transient` are in
    those units (dt = 0.01 is common; one Lyapunov time is 1/0.906 ≈ 1.1 units).

    The trajectory starts at `y0` (default $(1, 1, 1)$), runs `transient` time units
    that are thrown away (to land on the attractor), then records `n_steps` samples,
    the first one at the end of the transient. Each sample interval is `substeps`
    steps of `method` ([`dynax.integrate.odeint`][]); the default, RK4 at one step
    of 0.01 per sample, agrees with an adaptive Tsit5 solve at rtol 1e-12 to about
    1e-4 after one time unit and 3e-3 after two (x64; `substeps=10`: 5e-9 and 1e-7),
    and like any solver departs from it after some tens of Lyapunov times: the
    series lies on the attractor, it is not one exact trajectory.
    Computed in the default float precision (float32 unless x64 is on).

    **Arguments:**

    - `n_steps`: the number of samples.
    - `dt`: the sample interval (dimensionless time units, > 0).
    - `sigma`, `rho`, `beta`: the Lorenz parameters.
    - `y0`: the initial state `(3,)`; default $(1, 1, 1)$.
    - `transient`: time units run and discarded before the first sample (≥ 0).
    - `method`: an ODE method of [`dynax.integrate.odeint`][] or its name; default
      `"rk4"`.
    - `substeps`: integration steps per sample (the step is `dt / substeps`).

    **Returns:** an array `(n_steps, 3)` of $(x, y, z)$.

    ??? cite "Reference"

        Lorenz, E. N. (1963). Deterministic nonperiodic flow. *Journal of the
        Atmospheric Sciences*, 20(2), 130–141.

        Sprott, J. C. (2003). *Chaos and Time-Series Analysis*. Oxford University
        Press. (Lyapunov exponents of the Lorenz system: 0.9056, 0, −14.5723.)
    """
    n_transient = _check(n_steps, dt, substeps, transient)
    stepper = odeint(_lorenz_field, method=method)
    y = stepper.init(jnp.array([1.0, 1.0, 1.0]) if y0 is None else jnp.asarray(y0))
    if y.shape != (3,):
        raise ValueError(f"y0 must have shape (3,), got shape {y.shape}.")
    args = (sigma, rho, beta)
    h = dt / substeps

    def sample(y, i):
        def sub(y, j):
            return stepper(y, (i * substeps + j) * h, h, args), None

        return jax.lax.scan(sub, y, jnp.arange(substeps))[0]

    @jax.jit
    def run(y):
        y = jax.lax.scan(lambda y, i: (sample(y, i), None), y, jnp.arange(n_transient))[0]
        # Record the state before each step: the first sample is the end of the transient.
        record = lambda y, i: (sample(y, i), y)
        return jax.lax.scan(record, y, n_transient + jnp.arange(n_steps))[1]

    return run(y)


def _mackey_glass_field(t, x, history, args):
    tau, beta, gamma, n = args
    x_tau = history(t - tau)
    return beta * x_tau / (1 + x_tau**n) - gamma * x


def mackey_glass(
    n_steps: int,
    dt: float = 1.0,
    *,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: float = 10.0,
    x0: float = 1.2,
    transient: float = 500.0,
    method: AbstractODEMethod | str = "rk4",
    substeps: int = 10,
) -> Float[Array, " n_steps"]:
    r"""A solution of the Mackey–Glass delay equation, sampled every `dt`,

    $$\frac{dx}{dt} = \beta\,\frac{x(t - \tau)}{1 + x(t - \tau)^n} - \gamma\,x(t).$$

    With $\beta = 0.2$, $\gamma = 0.1$, $n = 10$ (the defaults) the delay decides the
    dynamics: a limit cycle at $\tau = 6$, chaos at $\tau = 17$ (the default, the
    standard benchmark of time-series prediction, with a strange attractor of
    dimension about 2.1, Farmer 1982) and $\tau = 30$. The fixed point is $x^* = 1$.

    **Time is the equation's own dimensionless time, not ms**: `dt`, `tau` and
    `transient` are in those units (`dt = 1` with 10 integration steps of 0.1 per
    sample is the usual setting).

    The history is the constant `x0` (default 1.2, the classic choice) for $t \le 0$;
    the first `transient` time units are thrown away. Integrated by
    [`dynax.integrate.ddeint`][] (`method` per step, default RK4, with the history read
    by linear interpolation: second order) at `dt / substeps`.
    Computed in the default float precision (float32 unless x64 is on).

    **Arguments:**

    - `n_steps`: the number of samples.
    - `dt`: the sample interval (time units, > 0).
    - `tau`: the delay (time units, > 0).
    - `beta`, `gamma`, `n`: production rate, decay rate, Hill exponent.
    - `x0`: the constant initial history.
    - `transient`: time units run and discarded before the first sample (≥ 0).
    - `method`: an ODE method of [`dynax.integrate.odeint`][] or its name; default `"rk4"`.
    - `substeps`: integration steps per sample (the step is `dt / substeps`).

    **Returns:** an array `(n_steps,)`.

    ??? cite "References"

        Mackey, M. C., & Glass, L. (1977). Oscillation and chaos in physiological
        control systems. *Science*, 197(4300), 287–289.

        Farmer, J. D. (1982). Chaotic attractors of an infinite-dimensional dynamical
        system. *Physica D*, 4(3), 366–393.
    """
    n_transient = _check(n_steps, dt, substeps, transient)
    if not (isinstance(tau, (int, float)) and tau > 0):
        raise ValueError(f"tau must be a positive number (time units), got tau={tau!r}.")
    h = dt / substeps
    stepper = ddeint(_mackey_glass_field, method, max_delay=float(tau))
    args = (tau, beta, gamma, n)

    def sample(history, _):
        def sub(history, _):
            return stepper(history, history.t, h, args), None

        return jax.lax.scan(sub, history, None, length=substeps)[0]

    @jax.jit
    def run(history):
        skip = lambda s, _: (sample(s, _), None)
        history = jax.lax.scan(skip, history, None, length=n_transient)[0]
        record = lambda s, _: (sample(s, _), s.value)
        return jax.lax.scan(record, history, None, length=n_steps)[1]

    return run(stepper.init(jnp.asarray(x0, dtype=float), dt=h))
