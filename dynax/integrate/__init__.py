"""Numerical integrators: ODE, SDE, fractional and delay differential equations.

Every integrator here is a pure *stepper*: given the state at `t` it returns the state
at `t + dt`, so it can be called inside a model's `step` (one network time step) as
well as on its own.
"""

from ._dde import DDEStepper as DDEStepper, ddeint as ddeint
from ._fde import FDEState as FDEState, FDEStepper as FDEStepper, fdeint as fdeint
from ._history import INTERPOLATIONS as INTERPOLATIONS, History as History
from ._ode import (
    ODE_METHODS as ODE_METHODS,
    AbstractODEStepper as AbstractODEStepper,
    BackwardEuler as BackwardEuler,
    DiffraxStepper as DiffraxStepper,
    ExponentialEuler as ExponentialEuler,
    RungeKutta as RungeKutta,
    odeint as odeint,
)
from ._sde import SDE_METHODS as SDE_METHODS, SDEStepper as SDEStepper, sdeint as sdeint
from ._solve import solve as solve
from ._tableau import TABLEAUX as TABLEAUX, ButcherTableau as ButcherTableau
