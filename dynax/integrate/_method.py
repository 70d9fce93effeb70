"""The families of integration methods and the one base of the steppers built from them.

A *method* is a small immutable object (`RK4()`, `ExpEuler()`, `EulerMaruyama()`,
`Diffrax(diffrax.Tsit5())`, `CaputoL1(num_memory=500)`) that says how one step is taken;
a *stepper* binds a method to an equation (`odeint(f, method=RK4())`) and carries
whatever the method needs between steps (a delay history, a fractional memory) in its
state.
"""

import abc
from typing import Any

import equinox as eqx

from .._custom_types import Array, PRNGKeyArray, PyTree, RealScalarLike


class AbstractMethod(eqx.Module):
    """The family of integration methods: the objects passed as `method=` to
    [`dynax.integrate.odeint`][], [`dynax.integrate.sdeint`][],
    [`dynax.integrate.ddeint`][], [`dynax.integrate.fdeint`][] and
    [`dynax.integrate.solve`][] (and held by models,
    e.g. `dx.neurons.LIF(method=dx.integrate.RK4())`).

    A name such as `"rk4"` is only a shorthand for one of these objects: see
    [`dynax.integrate.METHODS`][] for the table.
    """

    @abc.abstractmethod
    def order(self) -> float | None:
        """The (strong, for SDEs) order of convergence under the usual smoothness
        assumptions, or `None` where it depends on the wrapped solver."""
        raise NotImplementedError


class AbstractODEMethod(AbstractMethod):
    r"""A one-step method for $dy/dt = f(t, y, \text{args})$."""

    @abc.abstractmethod
    def step(
        self, f, y: PyTree[Array], t: RealScalarLike, dt: RealScalarLike, args: Any
    ) -> PyTree[Array]:
        """`y` at `t + dt` (ms) from `y` at `t`, for the vector field `f(t, y, args)`."""
        raise NotImplementedError

    def affine_step(
        self,
        y: Array,
        t: RealScalarLike,
        dt: RealScalarLike,
        drive: Array,
        leak: Array,
        tau: Array,
    ) -> Array:
        r"""One step of the elementwise affine equation held constant over the step,

        $$\tau \frac{dy}{dt} = a - b\,y ,$$

        with `drive` $a$ (units of $y$), `leak` $b$ (dimensionless) and `tau` $\tau$ (ms):
        the membrane form $\tau\,dv/dt = -(v - v_\text{rest}) + R\,(I - g\,v)$ of a
        neuron with $a = v_\text{rest} + R I$ and $b = 1 + R g$. This generic version
        applies the method's `step` to that vector field; `ExpEuler` takes the exact
        solution instead.
        """
        return self.step(lambda t, y, args: (drive - leak * y) / tau, y, t, dt, None)


class AbstractSDEMethod(AbstractMethod):
    r"""A one-step method for $dy = f\,dt + g\,dW$ (Itô) or $g \circ dW$ (Stratonovich).

    `sde_step(terms, y, t, dt, args, dW)` is called by
    [`dynax.integrate.SDEStepper`][] with itself as `terms`: it provides `terms.f`,
    `terms.g`, `terms.sde_type`, `terms.noise` and `terms.prod(g, dW)` ($g\,\Delta W$
    for the stepper's noise type).
    """

    @abc.abstractmethod
    def sde_step(self, terms, y, t, dt, args, dW) -> PyTree[Array]:
        raise NotImplementedError

    @abc.abstractmethod
    def solves(self, sde_type: str) -> bool:
        """Whether the method converges for `sde_type` (`"ito"` or `"stratonovich"`)."""
        raise NotImplementedError


class AbstractFDEMethod(AbstractMethod):
    r"""A method for the Caputo fractional ODE $D^\alpha y = f(t, y, \text{args})$,
    $0 < \alpha \le 1$, with a bounded memory of `num_memory` steps:
    [`dynax.integrate.CaputoEuler`][], [`dynax.integrate.CaputoL1`][],
    [`dynax.integrate.GrunwaldLetnikov`][]. [`dynax.integrate.FDEStepper`][] calls
    `fde_step` and `fde_reset`; the memory lives in its
    [`dynax.integrate.FDEState`][], one array of shape `(num_memory, *leaf.shape)` per
    leaf of $y$, newest entry first, and what it holds is up to the method.
    """

    num_memory: eqx.AbstractVar[int]

    @abc.abstractmethod
    def fde_step(self, f, alpha: Array, state, t: RealScalarLike, dt: RealScalarLike, args):
        r"""The `FDEState` at `t + dt` (ms) from `state` at `t`, for $D^\alpha y = f$."""
        raise NotImplementedError

    @abc.abstractmethod
    def fde_reset(self, state, y: PyTree[Array], y0: PyTree[Array], first: Array):
        """The memory of `state` after its newest value is replaced by `y` (already cast
        to the dtypes of `state.y`); `y0` is the new initial value and `first` whether
        no step has been taken yet."""
        raise NotImplementedError


class AbstractStepper(eqx.Module):
    r"""The one base of the steppers that [`dynax.integrate.odeint`][],
    [`dynax.integrate.sdeint`][], [`dynax.integrate.ddeint`][] and
    [`dynax.integrate.fdeint`][] return, with one call convention:

    - `state = stepper.init(y0, ...)`: the state at the start of a run. For an ODE or
      SDE it is `y0` itself (as float arrays); a DDE's state is its
      [`dynax.integrate.History`][], an FDE's its [`dynax.integrate.FDEState`][] (the
      memory).
    - `state = stepper(state, t, dt, args=None, key=None)`: the state at `t + dt` (ms).
      `key` is the PRNG key of a stochastic equation and must be `None` otherwise.
    - `stepper.value(state)`: the current $y$ in that state.
    """

    @abc.abstractmethod
    def init(self, y0: PyTree, *args, **kwargs) -> PyTree:
        raise NotImplementedError

    @abc.abstractmethod
    def __call__(
        self,
        state: PyTree,
        t: RealScalarLike,
        dt: RealScalarLike,
        args: Any = None,
        key: PRNGKeyArray | None = None,
    ) -> PyTree:
        raise NotImplementedError

    @abc.abstractmethod
    def value(self, state: PyTree) -> PyTree[Array]:
        raise NotImplementedError
