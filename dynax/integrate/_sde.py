"""One-step integrators for stochastic differential equations (Itô and Stratonovich)."""

import math
from collections.abc import Callable
from typing import Any, TypeAlias

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import jax.tree_util as jtu
import lineax as lx
from jax.flatten_util import ravel_pytree

from .._custom_types import Array, ArrayLike, PRNGKeyArray, PyTree
from ._linear import check_dt
from ._method import AbstractMethod, AbstractSDEMethod, AbstractStepper
from ._ode import Diffrax, _add, _scale

SDE_TYPES = ("ito", "stratonovich")
NOISE_TYPES = ("diagonal", "scalar", "general")

# What `apply` accepts as noise: the Brownian increment W itself, or a Diffrax
# increment carrying W (and the Lévy areas H, K that some solvers need).
Noise: TypeAlias = PyTree[Array] | diffrax.AbstractBrownianIncrement


def _sub(a, b):
    return jtu.tree_map(jnp.subtract, a, b)


class _StepIncrement(diffrax.AbstractBrownianPath):
    """A Brownian "path" that knows only one step's increment (and its Lévy areas)."""

    # diffrax declares `t0`, `t1` as ClassVars to type checkers (AbstractVars at run time,
    # which instance fields implement): hence the ignores.
    t0: Any  # type: ignore[misc]
    t1: Any  # type: ignore[misc]
    increment: diffrax.AbstractBrownianIncrement
    levy_area: type = eqx.field(static=True)

    def evaluate(self, t0, t1=None, left=True, use_levy=False):
        del t0, t1, left
        return self.increment if use_levy else self.increment.W


class EulerMaruyama(AbstractSDEMethod):
    r"""Euler–Maruyama, $y_{n+1} = y_n + f\,h + g\,\Delta W$ (Itô only): strong order 0.5,
    1.0 for additive noise. The default of [`dynax.integrate.sdeint`][]: the cheapest
    consistent Itô method (one $f$ and one $g$ per step), and as accurate as Milstein
    for the additive noise of most neuron models.

    ??? cite "Reference"

        Kloeden, P. E., & Platen, E. (1992). *Numerical Solution of Stochastic
        Differential Equations*. Springer.
    """

    def order(self) -> float:
        return 0.5

    def solves(self, sde_type):
        return sde_type == "ito"

    def sde_step(self, terms, y, t, dt, args, dW):
        f0, g0 = terms.f(t, y, args), terms.g(t, y, args)
        return _add(y, _scale(dt, f0), terms.prod(g0, dW))


class EulerHeun(AbstractSDEMethod):
    r"""Euler–Heun (Stratonovich only): the diffusion averaged over $y$ and a predictor,
    $y_{n+1} = y_n + f\,h + \tfrac12\big(g(y_n) + g(y_n + g\,\Delta W)\big)\Delta W$;
    strong order 0.5 (1.0 for commutative noise)."""

    def order(self) -> float:
        return 0.5

    def solves(self, sde_type):
        return sde_type == "stratonovich"

    def sde_step(self, terms, y, t, dt, args, dW):
        f0, g0 = terms.f(t, y, args), terms.g(t, y, args)
        g1 = terms.g(t, _add(y, terms.prod(g0, dW)), args)
        return _add(y, _scale(dt, f0), _scale(0.5, terms.prod(_add(g0, g1), dW)))


def _milstein(terms, y, t, dt, args, dW, along, f0, g0):
    """$y + f dt + g dW + ½ Σ_jk (g^j·∇) g^k (dW_j dW_k - δ_jk dt [Itô])$."""
    c = dt if terms.sde_type == "ito" else 0.0
    if terms.noise == "general":
        dgg = jax.vmap(along, in_axes=1)(g0)  # [j, i, k] = ((g^j·∇) g^k)_i
        dWdW = jnp.outer(dW, dW) - c * jnp.eye(dW.shape[0], dtype=dW.dtype)
        correction = 0.5 * jnp.einsum("jik,jk->i", dgg, dWdW)
    else:
        dW2 = jtu.tree_map(lambda w: w * w - c, dW)
        correction = _scale(0.5, terms.prod(along(g0), dW2))
    return _add(y, _scale(dt, f0), terms.prod(g0, dW), correction)


class Milstein(AbstractSDEMethod):
    r"""Milstein's method, Itô or Stratonovich:
    $y + f\,h + g\,\Delta W + \tfrac12 \sum_{jk} (g^j\!\cdot\!\nabla) g^k\,
    (\Delta W_j \Delta W_k - \delta_{jk}h)$ (without $\delta_{jk}h$ for Stratonovich),
    the derivative by forward-mode autodiff. Strong order 1.0 for commutative noise;
    Lévy areas are dropped, so 0.5 for non-commutative general noise. For diagonal
    noise $(g\cdot\nabla)g$ is taken along $g$ itself: exact only when $g_i$ depends on
    $y_i$ alone.
    """

    def order(self) -> float:
        return 1.0

    def solves(self, sde_type):
        return True

    def sde_step(self, terms, y, t, dt, args, dW):
        f0, g0 = terms.f(t, y, args), terms.g(t, y, args)
        along = lambda v: jax.jvp(lambda z: terms.g(t, z, args), (y,), (v,))[1]
        return _milstein(terms, y, t, dt, args, dW, along, f0, g0)


class DerivativeFreeMilstein(AbstractSDEMethod):
    r"""Milstein's correction with $(g^j\!\cdot\!\nabla) g$ replaced by a difference of
    $g$: $\big(g(\bar y^j) - g(y)\big)/\sqrt{h}$, $\bar y^j = y + f\,h + g^j\sqrt{h}$
    (Itô; Kloeden–Platen, Rößler), or the central difference
    $\big(g(y + g^j\sqrt{h}) - g(y - g^j\sqrt{h})\big)/(2\sqrt{h})$ (Stratonovich, where
    the one-sided difference's error has a non-zero mean against $\Delta W^2$ and would
    lower the order to 0.5). Strong order 1.0 as `Milstein()`, without derivatives of $g$.

    ??? cite "Reference"

        Rößler, A. (2010). Runge–Kutta methods for the strong approximation of
        solutions of stochastic differential equations. *SIAM Journal on Numerical
        Analysis*, 48(3), 922–952.
    """

    def order(self) -> float:
        return 1.0

    def solves(self, sde_type):
        return True

    def sde_step(self, terms, y, t, dt, args, dW):
        f0, g0 = terms.f(t, y, args), terms.g(t, y, args)
        h = jnp.sqrt(dt)
        g_at = lambda z: terms.g(t, z, args)
        if terms.sde_type == "ito":
            y_f = _add(y, _scale(dt, f0))
            along = lambda v: _scale(1 / h, _sub(g_at(_add(y_f, _scale(h, v))), g0))
        else:
            along = lambda v: _scale(
                0.5 / h, _sub(g_at(_add(y, _scale(h, v))), g_at(_add(y, _scale(-h, v))))
            )
        return _milstein(terms, y, t, dt, args, dW, along, f0, g0)


def _minimal_levy_area(solver) -> type:
    """The Brownian increment type `solver` needs. Diffrax declares `minimal_levy_area`
    only on its stochastic Runge–Kutta solvers, not on `AbstractSolver`: the others take
    a plain increment."""
    return getattr(solver, "minimal_levy_area", diffrax.BrownianIncrement)


def diffrax_sde_step(solver, terms, y, t, dt, args, dW):
    """One `solver.step` of a Diffrax SDE solver over $[t, t + dt]$ for the increment `dW`."""
    # Diffrax's control terms need arrays: solve for the flattened state.
    y_flat, unravel = ravel_pytree(y)
    flat = lambda tree: ravel_pytree(tree)[0]
    if terms.noise == "diagonal":
        flat_noise = flat
        diffusion = lambda t, z, a: lx.DiagonalLinearOperator(flat(terms.g(t, unravel(z), a)))
    else:  # g dW is g * W (scalar W) or g @ W (general): Diffrax's tensordot.
        flat_noise = lambda w: w
        flat_g = flat if terms.noise == "scalar" else lambda G: G
        diffusion = lambda t, z, a: flat_g(terms.g(t, unravel(z), a))
    if isinstance(dW, diffrax.AbstractBrownianIncrement):
        areas = {"W": flat_noise(dW.W)}
        if isinstance(dW, diffrax.AbstractSpaceTimeLevyArea):
            areas["H"] = flat_noise(dW.H)
        if isinstance(dW, diffrax.AbstractSpaceTimeTimeLevyArea):
            areas["K"] = flat_noise(dW.K)
        inc = type(dW)(dt=dt, **areas)
    else:
        inc = diffrax.BrownianIncrement(dt=dt, W=flat_noise(dW))
    levy = _minimal_levy_area(solver)
    if not isinstance(inc, levy):
        raise ValueError(
            f"{type(solver).__name__} needs a {levy.__name__} (Brownian increment "
            "with Lévy area) as noise, as returned by `increment`; got a plain increment."
        )
    t1 = t + dt
    path = _StepIncrement(t, t1, inc, type(inc))
    drift = diffrax.ODETerm(lambda t, z, a: flat(terms.f(t, unravel(z), a)))
    sde_terms = diffrax.MultiTerm(drift, diffrax.ControlTerm(diffusion, path))
    state = solver.init(sde_terms, t, t1, y_flat, args)
    y1 = solver.step(sde_terms, t, t1, y_flat, args, state, made_jump=False)[0]
    return unravel(y1)


class SDEStepper(AbstractStepper):
    r"""An SDE method bound to $dy = f(t, y)\,dt + g(t, y)\,dW$ (Itô) or $\circ dW$
    (Stratonovich). Build it with [`dynax.integrate.sdeint`][]; see there for the methods.

    Its state is $y$ itself (`init(y0)` converts to float arrays, `value(y)` is `y`):

    - `step(y, t, dt, args, key)`: draws the noise from `key` and makes the step;
      it is `step.apply(y, t, dt, args, step.increment(y, t, dt, args, key))`.
    - `step.increment(y, t, dt, args, key)`: the Brownian increment over `dt`,
      $\Delta W \sim \mathcal N(0, dt)$: a pytree like `y` (diagonal noise), a scalar
      (scalar noise) or an `(m,)` array (general noise). For a Diffrax solver that
      needs Lévy area it is a `diffrax.SpaceTimeLevyArea` (or `SpaceTimeTimeLevyArea`)
      holding `W`, `H` $\sim \mathcal N(0, dt/12)$ and `K` $\sim \mathcal N(0, dt/720)$,
      independent of each other. `W` depends only on `key` and the shapes, so steppers
      with different methods see the same Brownian path for the same key.
    - `step.apply(y, t, dt, args, dW)`: the step driven by a given increment (e.g. the
      sum of several finer increments, to share one Brownian path between step sizes).
    """

    f: Callable
    g: Callable
    method: AbstractSDEMethod
    sde_type: str = eqx.field(static=True)
    noise: str = eqx.field(static=True)

    def __init__(self, f, g, method, sde_type="ito", noise="diagonal"):
        from ._names import resolve_method

        if sde_type not in SDE_TYPES:
            raise ValueError(f"sde_type must be one of {SDE_TYPES}, got {sde_type!r}.")
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {NOISE_TYPES}, got {noise!r}.")
        method = resolve_method(method, AbstractSDEMethod, "sdeint")
        if isinstance(method, Diffrax):
            solver = method.solver
            if isinstance(solver, diffrax.AbstractFosterLangevinSRK):
                raise ValueError(
                    f"{type(solver).__name__} needs Diffrax's underdamped Langevin terms; "
                    "sdeint takes general SDE solvers such as diffrax.ShARK()."
                )
            if not method.solves(sde_type):
                kind = "AbstractItoSolver" if sde_type == "ito" else "AbstractStratonovichSolver"
                raise ValueError(
                    f"{type(solver).__name__} is not a diffrax.{kind}, so it "
                    f"cannot solve sde_type={sde_type!r}. (The SRK solvers SRA1, ShARK, SEA, "
                    "... are Stratonovich; for additive noise Itô and Stratonovich "
                    "coincide, so pass sde_type='stratonovich'.)"
                )
        elif not method.solves(sde_type):
            from ._names import METHODS

            valid = [
                name
                for name, m in METHODS.items()
                if isinstance(m, AbstractSDEMethod) and m.solves(sde_type)
            ]
            raise ValueError(
                f"{method!r} does not solve sde_type={sde_type!r}; the {sde_type} methods "
                f"are {', '.join(valid)} (or a Diffrax SDE solver)."
            )
        self.f, self.g, self.method = f, g, method
        self.sde_type, self.noise = sde_type, noise

    @property
    def _solver(self):
        return self.method.solver if isinstance(self.method, Diffrax) else None

    def init(self, y0: PyTree) -> PyTree[Array]:
        return jtu.tree_map(
            lambda x: (
                jnp.asarray(x)
                if jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating)
                else jnp.asarray(x, float)
            ),
            y0,
        )

    def value(self, state):
        return state

    def __call__(
        self, y: PyTree[Array], t: ArrayLike, dt: ArrayLike, args: Any = None, key=None
    ) -> PyTree[Array]:
        """`y` at `t + dt` from `y` at `t`, the noise drawn from `key`."""
        if key is None:
            raise ValueError("an SDE step draws its noise from a PRNG key: pass key=...")
        return self.apply(y, t, dt, args, self.increment(y, t, dt, args, key))

    def increment(
        self, y: PyTree[Array], t: ArrayLike, dt: ArrayLike, args: Any, key: PRNGKeyArray
    ) -> Noise:
        """A Brownian increment over `dt` (with Lévy areas where the solver needs them)."""
        check_dt(dt)
        if self.noise == "diagonal":
            shape = jtu.tree_map(lambda x: jax.ShapeDtypeStruct(jnp.shape(x), x.dtype), y)
        elif self.noise == "scalar":
            shape = jax.ShapeDtypeStruct((), jnp.result_type(*jtu.tree_leaves(y)))
        else:
            g = jax.eval_shape(self.g, t, y, args)
            if jnp.ndim(y) != 1 or g.ndim != 2 or g.shape[0] != y.shape[0]:
                raise ValueError(
                    "noise='general' needs y of shape (n,) and g(t, y, args) of shape "
                    f"(n, m); got y {jnp.shape(y)} and g {g.shape}."
                )
            shape = jax.ShapeDtypeStruct(g.shape[1:], g.dtype)
        leaves, treedef = jtu.tree_flatten(shape)
        sqrt_dt = jnp.sqrt(dt)

        def draw(key, std):
            keys = jr.split(key, len(leaves))
            draws = [std * jr.normal(k, s.shape, s.dtype) for k, s in zip(keys, leaves)]
            return jtu.tree_unflatten(treedef, draws)

        key_w, key_h, key_k = jr.split(key, 3)
        W = draw(key_w, sqrt_dt)
        levy = _minimal_levy_area(self._solver)
        if issubclass(levy, diffrax.AbstractSpaceTimeTimeLevyArea):
            H, K = draw(key_h, sqrt_dt / math.sqrt(12)), draw(key_k, sqrt_dt / math.sqrt(720))
            return diffrax.SpaceTimeTimeLevyArea(dt=dt, W=W, H=H, K=K)
        if issubclass(levy, diffrax.AbstractSpaceTimeLevyArea):
            return diffrax.SpaceTimeLevyArea(dt=dt, W=W, H=draw(key_h, sqrt_dt / math.sqrt(12)))
        return W

    def apply(
        self, y: PyTree[Array], t: ArrayLike, dt: ArrayLike, args: Any, dW: Noise
    ) -> PyTree[Array]:
        """`y` at `t + dt` for the given increment `dW` (as `increment` returns it)."""
        check_dt(dt)
        if self._solver is None and isinstance(dW, diffrax.AbstractBrownianIncrement):
            dW = dW.W
        return self.method.sde_step(self, y, t, dt, args, dW)

    def prod(self, g, dW):
        r"""$g\,\Delta W$ for this stepper's noise type."""
        if self.noise == "diagonal":
            return jtu.tree_map(jnp.multiply, g, dW)
        if self.noise == "scalar":
            return _scale(dW, g)
        return g @ dW


def sdeint(
    f: Callable,
    g: Callable,
    method: AbstractMethod | str | diffrax.AbstractSolver | None = None,
    sde_type: str = "ito",
    noise: str = "diagonal",
) -> SDEStepper:
    r"""A one-step integrator for the SDE $dy = f(t, y)\,dt + g(t, y)\,dW(t)$.

    Returns an [`dynax.integrate.SDEStepper`][]: `step(y, t, dt, args, key) -> y_next`,
    pure and jit-able, drawing the Brownian increment $\Delta W \sim \mathcal N(0, dt)$
    from `key` (same key, same result); `step.increment(...)` and `step.apply(..., dW)`
    separate the sampling from the step. Time is in the unit of `t` (ms for dynax
    models), and $g$ is per $\sqrt{\text{time}}$.

    **Arguments:**

    - `f`: the drift, `f(t, y, args)` (Diffrax's signature), a pytree like `y`.
    - `g`: the diffusion, `g(t, y, args)`: a pytree like `y` for `noise="diagonal"` or
      `"scalar"`, an `(n, m)` matrix for `noise="general"`.
    - `method`: an [`dynax.integrate.AbstractSDEMethod`][] or a shorthand for one (a
      name of [`dynax.integrate.METHODS`][], or a Diffrax SDE solver for
      `Diffrax(solver)`). The default is the cheapest consistent method of the calculus,
      `EulerMaruyama()` for Itô and `EulerHeun()` for Stratonovich: one $f$ and one or
      two $g$ per step, order 1 for the additive noise of most neuron models. A name of
      an ODE-only method (`"euler"`, `"rk4"`) raises: it names one method everywhere,
      and that method has no stochastic form.
    - `sde_type`: `"ito"` or `"stratonovich"` ($g \circ dW$).
    - `noise`: `"diagonal"` (`y` any pytree of float arrays; each element has its own
      Wiener process), `"scalar"` (`y` any pytree; one scalar Wiener process drives
      every element), or `"general"` (`y` of shape `(n,)`, `m` independent Wiener
      processes, with `m` read from the shape of `g`).

    Methods (strong order; "commutative" includes scalar noise, diagonal noise where
    $g_i$ depends only on $y_i$, and additive noise):

    - `EulerMaruyama()` (`"euler_maruyama"`, Itô): $y + f\,dt + g\,\Delta W$, order 0.5
      (1.0 for additive noise).
    - `EulerHeun()` (`"euler_heun"`, Stratonovich):
      $y + f\,dt + \tfrac12\big(g(y) + g(y + g\,\Delta W)\big)\Delta W$, order 0.5
      (1.0 for commutative noise).
    - `Heun()` (`"heun"`, Stratonovich): stochastic Heun, a predictor–corrector on both
      $f$ and $g$; order 0.5 (1.0 for commutative noise).
    - `Milstein()` (`"milstein"`, both): the Milstein correction by autodiff; order 1.0
      for commutative noise (0.5 for non-commutative general noise: no Lévy areas).
    - `DerivativeFreeMilstein()` (`"milstein_grad_free"`, both): the same correction
      from differences of $g$; order 1.0 as `Milstein()`.
    - `ExpEuler()` (`"exp_euler"`, Itô): exponential Euler–Maruyama,
      $y + dt\,\varphi_1(A\,dt)\,f(y) + g\,\Delta W$ with $A$ the diagonal of
      $\partial f/\partial y$; the drift is exact for linear $f$ (stiff leaky
      membranes). Order 0.5 (1.0 for additive noise).
    - `Diffrax(solver)` (`diffrax.ShARK()`, `SRA1()`, `SEA()`, `GeneralShARK()`,
      `SlowRK()`, `SPaRK()`, `Euler()`, `Heun()`, `EulerHeun()`, `ItoMilstein()`, ...):
      one `solver.step` over $[t, t + dt]$, its order as documented by Diffrax (ShARK,
      SRA1: 1.5 for additive noise). It must be a `diffrax.AbstractItoSolver` for
      `"ito"`, a `diffrax.AbstractStratonovichSolver` for `"stratonovich"`. All of
      Diffrax's stochastic Runge–Kutta (SRK) solvers are Stratonovich; for additive
      noise (the case SRA1, ShARK and SEA are built for) the two calculi coincide,
      so use them with `sde_type="stratonovich"`. Solvers with state carried between
      steps (e.g. `ReversibleHeun`) are restarted at every step; the underdamped
      Langevin solvers (`ALIGN`, `ShOULD`, `QUICSORT`) need Diffrax's Langevin terms
      and are refused.

    ??? cite "References"

        Kloeden, P. E., & Platen, E. (1992). *Numerical Solution of Stochastic
        Differential Equations*. Springer.

        Rößler, A. (2010). Runge–Kutta methods for the strong approximation of
        solutions of stochastic differential equations. *SIAM Journal on Numerical
        Analysis*, 48(3), 922–952.

        Foster, J., dos Reis, G., & Strange, C. (2023). High order splitting methods
        for SDEs satisfying a commutativity condition. arXiv:2210.17543. (ShARK.)
    """
    if method is None:
        method = EulerMaruyama() if sde_type == "ito" else EulerHeun()
    return SDEStepper(f, g, method, sde_type, noise)
