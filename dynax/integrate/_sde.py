"""One-step integrators for stochastic differential equations (Itô and Stratonovich)."""

import math
from collections.abc import Callable
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import jax.tree_util as jtu
import lineax as lx
from jax.flatten_util import ravel_pytree

from .._custom_types import Array, ArrayLike, PRNGKeyArray, PyTree
from ._linear import check_dt, diagonal_linearisation, phi1

SDE_METHODS = ("euler", "heun", "milstein", "milstein_grad_free", "exp_euler")
"""The method names `sdeint` accepts (besides a Diffrax SDE solver instance)."""
SDE_TYPES = ("ito", "stratonovich")
NOISE_TYPES = ("diagonal", "scalar", "general")
_ITO = ("euler", "milstein", "milstein_grad_free", "exp_euler")
_STRATONOVICH = ("euler", "heun", "milstein", "milstein_grad_free")

# What `apply` accepts as noise: the Brownian increment W itself, or a Diffrax
# increment carrying W (and the Lévy areas H, K that some solvers need).
Noise = PyTree[Array] | diffrax.AbstractBrownianIncrement


def _add(*trees):
    return jtu.tree_map(lambda *xs: sum(xs[1:], xs[0]), *trees)


def _sub(a, b):
    return jtu.tree_map(jnp.subtract, a, b)


def _scale(c, tree):
    return jtu.tree_map(lambda x: c * x, tree)


class _StepIncrement(diffrax.AbstractBrownianPath):
    """A Brownian "path" that knows only one step's increment (and its Lévy areas)."""

    t0: Any
    t1: Any
    increment: diffrax.AbstractBrownianIncrement
    levy_area: type = eqx.field(static=True)

    def evaluate(self, t0, t1=None, left=True, use_levy=False):
        del t0, t1, left
        return self.increment if use_levy else self.increment.W


class SDEStepper(eqx.Module):
    r"""One step of an SDE, $dy = f(t, y)\,dt + g(t, y)\,dW$ (Itô) or $\circ dW$
    (Stratonovich). Build it with [`dynax.integrate.sdeint`][]; see there for the methods.

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
    method: str = eqx.field(static=True)
    solver: diffrax.AbstractSolver | None
    sde_type: str = eqx.field(static=True)
    noise: str = eqx.field(static=True)

    def __init__(self, f, g, method="euler", sde_type="ito", noise="diagonal"):
        if sde_type not in SDE_TYPES:
            raise ValueError(f"sde_type must be one of {SDE_TYPES}, got {sde_type!r}.")
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {NOISE_TYPES}, got {noise!r}.")
        if isinstance(method, diffrax.AbstractSolver):
            ito = sde_type == "ito"
            kind = diffrax.AbstractItoSolver if ito else diffrax.AbstractStratonovichSolver
            if isinstance(method, diffrax.AbstractFosterLangevinSRK):
                raise ValueError(
                    f"{type(method).__name__} needs Diffrax's underdamped Langevin terms; "
                    "sdeint takes general SDE solvers such as diffrax.ShARK()."
                )
            if not isinstance(method, kind):
                raise ValueError(
                    f"{type(method).__name__} is not a diffrax.{kind.__name__}, so it "
                    f"cannot solve sde_type={sde_type!r}. (The SRK solvers SRA1, ShARK, SEA, "
                    "... are Stratonovich; for additive noise Itô and Stratonovich "
                    "coincide, so pass sde_type='stratonovich'.)"
                )
            self.method, self.solver = "diffrax", method
        elif method in SDE_METHODS:
            valid = _ITO if sde_type == "ito" else _STRATONOVICH
            if method not in valid:
                raise ValueError(
                    f"method={method!r} does not solve sde_type={sde_type!r}; "
                    f"the {sde_type} methods are {valid} (or a Diffrax SDE solver)."
                )
            self.method, self.solver = method, None
        else:
            raise ValueError(
                f"method must be one of {SDE_METHODS} or a Diffrax SDE solver instance "
                f"(e.g. diffrax.ShARK()), got {method!r}."
            )
        self.f, self.g = f, g
        self.sde_type, self.noise = sde_type, noise

    def __call__(
        self, y: PyTree[Array], t: ArrayLike, dt: ArrayLike, args: Any, key: PRNGKeyArray
    ) -> PyTree[Array]:
        """`y` at `t + dt` from `y` at `t`, the noise drawn from `key`."""
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
        levy = getattr(self.solver, "minimal_levy_area", diffrax.BrownianIncrement)
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
        if self.solver is not None:
            return self._diffrax_step(y, t, dt, args, dW)
        if isinstance(dW, diffrax.AbstractBrownianIncrement):
            dW = dW.W
        ito = self.sde_type == "ito"
        f0, g0 = self.f(t, y, args), self.g(t, y, args)
        if self.method == "euler" and ito:
            return _add(y, _scale(dt, f0), self._prod(g0, dW))
        if self.method == "euler":  # Euler–Heun: g averaged over y and a predictor
            g1 = self.g(t, _add(y, self._prod(g0, dW)), args)
            return _add(y, _scale(dt, f0), _scale(0.5, self._prod(_add(g0, g1), dW)))
        if self.method == "heun":
            y_bar = _add(y, _scale(dt, f0), self._prod(g0, dW))
            f1, g1 = self.f(t + dt, y_bar, args), self.g(t + dt, y_bar, args)
            drift = _scale(0.5 * dt, _add(f0, f1))
            return _add(y, drift, _scale(0.5, self._prod(_add(g0, g1), dW)))
        if self.method == "exp_euler":
            f0, slope = diagonal_linearisation(lambda z: self.f(t, z, args), y)
            drift = jtu.tree_map(lambda a, fx: dt * phi1(a * dt) * fx, slope, f0)
            return _add(y, drift, self._prod(g0, dW))
        # Milstein: y + f dt + g dW + ½ Σ_jk (g^j·∇) g^k (dW_j dW_k - δ_jk dt [Itô]).
        if self.method == "milstein":
            g_fn = lambda z: self.g(t, z, args)
            along = lambda v: jax.jvp(g_fn, (y,), (v,))[1]
        else:
            # Finite differences of g with step √dt. Itô: Rößler's one-sided support
            # value y + f dt + v √dt. Stratonovich needs a central difference: the
            # one-sided error, O(√dt), has a non-zero mean against dW² and would cost
            # half an order.
            h = jnp.sqrt(dt)
            g_at = lambda z: self.g(t, z, args)
            if ito:
                y_f = _add(y, _scale(dt, f0))
                along = lambda v: _scale(1 / h, _sub(g_at(_add(y_f, _scale(h, v))), g0))
            else:
                along = lambda v: _scale(
                    0.5 / h, _sub(g_at(_add(y, _scale(h, v))), g_at(_add(y, _scale(-h, v))))
                )
        c = dt if ito else 0.0
        if self.noise == "general":
            dgg = jax.vmap(along, in_axes=1)(g0)  # [j, i, k] = ((g^j·∇) g^k)_i
            dWdW = jnp.outer(dW, dW) - c * jnp.eye(dW.shape[0], dtype=dW.dtype)
            correction = 0.5 * jnp.einsum("jik,jk->i", dgg, dWdW)
        else:
            dW2 = jtu.tree_map(lambda w: w * w - c, dW)
            correction = _scale(0.5, self._prod(along(g0), dW2))
        return _add(y, _scale(dt, f0), self._prod(g0, dW), correction)

    def _prod(self, g, dW):
        if self.noise == "diagonal":
            return jtu.tree_map(jnp.multiply, g, dW)
        if self.noise == "scalar":
            return _scale(dW, g)
        return g @ dW

    def _diffrax_step(self, y, t, dt, args, dW):
        # Diffrax's control terms need arrays: solve for the flattened state.
        y_flat, unravel = ravel_pytree(y)
        flat = lambda tree: ravel_pytree(tree)[0]
        if self.noise == "diagonal":
            flat_noise = flat
            diffusion = lambda t, z, a: lx.DiagonalLinearOperator(flat(self.g(t, unravel(z), a)))
        else:  # g dW is g * W (scalar W) or g @ W (general): Diffrax's tensordot.
            flat_noise = lambda w: w
            flat_g = flat if self.noise == "scalar" else lambda G: G
            diffusion = lambda t, z, a: flat_g(self.g(t, unravel(z), a))
        if isinstance(dW, diffrax.AbstractBrownianIncrement):
            areas = {k: flat_noise(getattr(dW, k)) for k in ("W", "H", "K") if hasattr(dW, k)}
            inc = type(dW)(dt=dt, **areas)
        else:
            inc = diffrax.BrownianIncrement(dt=dt, W=flat_noise(dW))
        levy = getattr(self.solver, "minimal_levy_area", diffrax.BrownianIncrement)
        if not isinstance(inc, levy):
            raise ValueError(
                f"{type(self.solver).__name__} needs a {levy.__name__} (Brownian increment "
                "with Lévy area) as noise, as returned by `increment`; got a plain increment."
            )
        t1 = t + dt
        path = _StepIncrement(t, t1, inc, type(inc))
        drift = diffrax.ODETerm(lambda t, z, a: flat(self.f(t, unravel(z), a)))
        terms = diffrax.MultiTerm(drift, diffrax.ControlTerm(diffusion, path))
        state = self.solver.init(terms, t, t1, y_flat, args)
        y1 = self.solver.step(terms, t, t1, y_flat, args, state, made_jump=False)[0]
        return unravel(y1)


def sdeint(
    f: Callable,
    g: Callable,
    method: str | diffrax.AbstractSolver = "euler",
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
    - `method`: one of the names below or a Diffrax SDE solver instance.
    - `sde_type`: `"ito"` or `"stratonovich"` ($g \circ dW$).
    - `noise`: `"diagonal"` (`y` any pytree of float arrays; each element has its own
      Wiener process), `"scalar"` (`y` any pytree; one scalar Wiener process drives
      every element), or `"general"` (`y` of shape `(n,)`, `m` independent Wiener
      processes, with `m` read from the shape of `g`).

    Methods (strong order; "commutative" includes scalar noise, diagonal noise where
    $g_i$ depends only on $y_i$, and additive noise):

    - `"euler"`: Itô: Euler–Maruyama $y + f\,dt + g\,\Delta W$, order 0.5 (1.0 for
      additive noise). Stratonovich: Euler–Heun,
      $y + f\,dt + \tfrac12\big(g(y) + g(y + g\,\Delta W)\big)\Delta W$, order 0.5
      (1.0 for commutative noise).
    - `"heun"`: stochastic Heun, a predictor–corrector on both $f$ and $g$.
      Stratonovich only; order 0.5 (1.0 for commutative noise).
    - `"milstein"`: $y + f\,dt + g\,\Delta W + \tfrac12 \sum_{jk} (g^j\!\cdot\!\nabla)
      g^k\,(\Delta W_j \Delta W_k - \delta_{jk}dt)$ (Itô; without $\delta_{jk}dt$ for
      Stratonovich), the derivative by forward-mode autodiff. Order 1.0 for
      commutative noise. Lévy areas are dropped, so for non-commutative general noise
      the order is 0.5. For diagonal noise $(g\cdot\nabla)g$ is taken along $g$ itself:
      exact only when $g_i$ depends on $y_i$ alone.
    - `"milstein_grad_free"`: the same correction with $(g^j\!\cdot\!\nabla) g$
      replaced by the difference $\big(g(\bar y^j) - g(y)\big)/\sqrt{dt}$,
      $\bar y^j = y + f\,dt + g^j\sqrt{dt}$ (Itô; Kloeden–Platen, Rößler), or the
      central difference $\big(g(y + g^j\sqrt{dt}) - g(y - g^j\sqrt{dt})\big)/(2\sqrt{dt})$
      (Stratonovich, where the one-sided difference's error has a non-zero mean
      against $\Delta W^2$ and would lower the order to 0.5). Order 1.0 as
      `"milstein"`.
    - `"exp_euler"`: exponential Euler–Maruyama, Itô only:
      $y + dt\,\varphi_1(A\,dt)\,f(y) + g\,\Delta W$ with $A$ the diagonal of
      $\partial f/\partial y$; the drift is exact for linear $f$ (stiff leaky
      membranes). Order 0.5 (1.0 for additive noise).
    - A Diffrax solver (`diffrax.ShARK()`, `SRA1()`, `SEA()`, `GeneralShARK()`,
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
    return SDEStepper(f, g, method, sde_type, noise)
