"""Fixed points differentiable in the parameters, by implicit differentiation."""

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np
import optimistix as optx

from .._custom_types import Array, ArrayLike, Float
from ._system import System


def fixed_point(
    system: System,
    x0: Float[ArrayLike, " n"],
    p: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
    *,
    solver: Any = None,
    max_steps: int = 64,
    throw: bool = True,
) -> Float[Array, " n"]:
    r"""The fixed point $x^*(p)$, $F(x^*, p) = 0$, reached by Newton's method from `x0`,
    differentiable with respect to `p` (and to every array in `system`, the model's
    parameters included) by the implicit function theorem:

    $$\frac{\partial x^*}{\partial p} = -\Big(\frac{\partial F}{\partial x}\Big)^{-1}
    \frac{\partial F}{\partial p}\Bigg|_{x^*},$$

    one linear solve at the solution instead of differentiating through the iterations
    (Optimistix's `ImplicitAdjoint`). `jax.grad`, `jax.jacfwd` and `jax.vmap` work
    through it, so a loss of the fixed point, of its Jacobian or of its eigenvalues can be
    minimised over the parameters: placing an equilibrium, or a bifurcation
    (`examples/hopf_tuning.py` puts a Hopf point at a chosen input current).

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][].
    - `x0`: the initial guess, `(n,)` (the branch followed is the one Newton reaches
      from it: keep it near the point wanted).
    - `p`: the parameters, `(k,)`, or a dict of some of them by name
      (`{"I_bias": 0.5}`, the others from `system.p0`); default `system.p0`.
    - `solver`: an Optimistix root finder; default `optx.Newton` at tolerances
      $\epsilon^{3/4}$.
    - `max_steps`: iterations at most.
    - `throw`: raise when the solve fails (default); with `False` the last iterate is
      returned (check $|F|$ yourself).

    The derivative is exact at an exact root; it is undefined where $\partial F/\partial
    x$ is singular (a fold), as the fixed point itself is.
    """
    x0 = jnp.asarray(x0, system.x_all.dtype)
    if x0.shape != (system.n,):
        raise ValueError(f"x0 must have shape ({system.n},); got {x0.shape}.")
    p_arr = system.parameters(p)
    if solver is None:
        tol = float(np.finfo(x0.dtype).eps) ** 0.75
        solver = optx.Newton(rtol=tol, atol=tol)

    def fn(x, args):
        sys, params = args
        return sys(x, params)

    sol: Any = optx.root_find(
        fn,
        solver,
        x0,
        args=(system, p_arr),
        max_steps=max_steps,
        adjoint=optx.ImplicitAdjoint(),
        throw=throw,
    )
    return sol.value
