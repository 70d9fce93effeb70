"""The one table of method names: each name is a shorthand for one method object."""

import types
from typing import Any

import diffrax

from ._fde import CaputoEuler, CaputoL1, GrunwaldLetnikov
from ._method import AbstractFDEMethod, AbstractMethod, AbstractODEMethod, AbstractSDEMethod
from ._ode import (
    RK3,
    RK4,
    BackwardEuler,
    Diffrax,
    Euler,
    ExpEuler,
    Heun,
    Midpoint,
    Ralston,
    RungeKutta,
)
from ._sde import DerivativeFreeMilstein, EulerHeun, EulerMaruyama, Milstein
from ._tableau import TABLEAUX, ButcherTableau

METHODS = types.MappingProxyType(
    {
        "euler": Euler(),
        "midpoint": Midpoint(),
        "heun": Heun(),
        "ralston": Ralston(),
        "rk3": RK3(),
        "rk4": RK4(),
        **{
            name: RungeKutta(TABLEAUX[name])
            for name in ("heun3", "ralston3", "ssprk3", "ralston4", "rk4_38")
        },
        "exp_euler": ExpEuler(),
        "backward_euler": BackwardEuler(),
        "bosh3": Diffrax(diffrax.Bosh3()),
        "tsit5": Diffrax(diffrax.Tsit5()),
        "dopri5": Diffrax(diffrax.Dopri5()),
        "dopri8": Diffrax(diffrax.Dopri8()),
        "kvaerno3": Diffrax(diffrax.Kvaerno3()),
        "kvaerno4": Diffrax(diffrax.Kvaerno4()),
        "kvaerno5": Diffrax(diffrax.Kvaerno5()),
        "euler_maruyama": EulerMaruyama(),
        "euler_heun": EulerHeun(),
        "milstein": Milstein(),
        "milstein_grad_free": DerivativeFreeMilstein(),
        "caputo_euler": CaputoEuler(),
        "caputo_l1": CaputoL1(),
        "gl_short_memory": GrunwaldLetnikov(),
    }
)
"""Every method name and the one method object it stands for, in every function that
takes a `method=` ([`dynax.integrate.odeint`][], [`dynax.integrate.sdeint`][],
[`dynax.integrate.ddeint`][], [`dynax.integrate.fdeint`][], [`dynax.integrate.solve`][],
`dx.neurons.LIF`): `"euler"` is `Euler()` everywhere, and a function that cannot use
that method (`sdeint("euler")`, `fdeint("rk4")`) raises instead of reading the name
differently. The fractional names stand for the methods with their default memory of
1000 steps (`"caputo_l1"` is `CaputoL1()`); `fdeint(..., num_memory=L)` sets another."""

_KIND: dict[type, str] = {
    AbstractODEMethod: "ODE ",
    AbstractSDEMethod: "SDE ",
    AbstractFDEMethod: "FDE ",
}
_FAMILY_NAMES: dict[type, str] = {
    AbstractODEMethod: "an ODE method",
    AbstractSDEMethod: "an SDE method",
    AbstractFDEMethod: "a fractional (FDE) method",
}
_OBJECTS: dict[type, str] = {AbstractFDEMethod: "(dx.integrate.CaputoL1(), ...)"}


def valid_names(family: type) -> list[str]:
    """The names in `METHODS` whose method belongs to `family`."""
    names = [name for name, method in METHODS.items() if isinstance(method, family)]
    if family is AbstractSDEMethod:  # not the Diffrax ODE solvers
        sde = {n: METHODS[n] for n in names}
        names = [
            n
            for n, m in sde.items()
            if isinstance(m, AbstractSDEMethod) and (m.solves("ito") or m.solves("stratonovich"))
        ]
    return names


def resolve_method(method, family: type, where: str) -> Any:
    """The method object `method` stands for, checked to be of `family`; a `ValueError`
    naming the valid choices otherwise."""
    valid = ", ".join(valid_names(family))
    if isinstance(method, str):
        if method not in METHODS:
            raise ValueError(
                f"unknown {_KIND.get(family, '')}method {method!r} for {where}; valid names "
                f"are {valid}, or pass a method object "
                f"{_OBJECTS.get(family, '(dx.integrate.RK4(), ...) or a Diffrax solver')}."
            )
        resolved = METHODS[method]
    elif isinstance(method, diffrax.AbstractSolver):
        resolved = Diffrax(method)
    elif isinstance(method, ButcherTableau):
        resolved = RungeKutta(method)
    elif isinstance(method, AbstractMethod):
        resolved = method
    else:
        raise ValueError(
            f"method must be a dx.integrate method object, a name ({valid}), a Diffrax "
            f"solver or a ButcherTableau; got {method!r}."
        )
    if not isinstance(resolved, family):
        raise ValueError(
            f"{method!r} is {type(resolved).__name__}(), which is not "
            f"{_FAMILY_NAMES.get(family, family.__name__)}, so {where} cannot use it; "
            f"valid names are {valid}."
        )
    return resolved
