"""Numerical integrators: ODE, SDE, fractional and delay differential equations.

Methods are objects (`RK4()`, `ExpEuler()`, `EulerMaruyama()`, `Diffrax(solver)`,
`CaputoL1()`) of one family, [`dynax.integrate.AbstractMethod`][]; a name such as
`"rk4"` is a shorthand for one of them ([`dynax.integrate.METHODS`][]) and means the
same method everywhere.
`odeint`, `sdeint`, `ddeint` and `fdeint` bind a method to an equation and return a
pure *stepper* ([`dynax.integrate.AbstractStepper`][]): `stepper.init(y0) -> state`,
`stepper(state, t, dt, args, key) -> state`, any history or memory inside the state, so
it can be called inside a model's `step` (one network time step) as well as on its own.
"""

from ._dde import DDEStepper as DDEStepper, ddeint as ddeint
from ._fde import (
    CaputoEuler as CaputoEuler,
    CaputoL1 as CaputoL1,
    FDEState as FDEState,
    FDEStepper as FDEStepper,
    GrunwaldLetnikov as GrunwaldLetnikov,
    fdeint as fdeint,
)
from ._history import INTERPOLATIONS as INTERPOLATIONS, History as History
from ._method import (
    AbstractFDEMethod as AbstractFDEMethod,
    AbstractMethod as AbstractMethod,
    AbstractODEMethod as AbstractODEMethod,
    AbstractSDEMethod as AbstractSDEMethod,
    AbstractStepper as AbstractStepper,
)
from ._names import METHODS as METHODS
from ._ode import (
    RK3 as RK3,
    RK4 as RK4,
    BackwardEuler as BackwardEuler,
    Diffrax as Diffrax,
    Euler as Euler,
    ExpEuler as ExpEuler,
    Heun as Heun,
    Midpoint as Midpoint,
    ODEStepper as ODEStepper,
    Ralston as Ralston,
    RungeKutta as RungeKutta,
    odeint as odeint,
)
from ._sde import (
    DerivativeFreeMilstein as DerivativeFreeMilstein,
    EulerHeun as EulerHeun,
    EulerMaruyama as EulerMaruyama,
    Milstein as Milstein,
    SDEStepper as SDEStepper,
    sdeint as sdeint,
)
from ._solve import solve as solve
from ._tableau import TABLEAUX as TABLEAUX, ButcherTableau as ButcherTableau
