"""Continuation of equilibria in one parameter: the whole branch, its stability, its
folds, Hopf and branch points as one compiled program (`jax.jit`, `jax.vmap`), the folds
and Hopf points differentiable (`jax.grad`)."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float
from ._augmented import correct_points, frozen, newton_square, with_params
from ._bifurcation import SpecialPoint, hopf_test, signed_det
from ._branch import BranchArrays, EquilibriumBranch
from ._branch_gradient import differentiable_rows
from ._engine import Settings, dense_jacobian, float_dtype, settings, trace
from ._hopf_values import hopf_rows, with_hopf_data
from ._system import System


class EquilibriumProblem(eqx.Module):
    """Equilibria $F(x, p) = 0$ with $u = (x, p_i)$; the tests of folds, Hopf points,
    branch points and target values."""

    F: Any
    base: Array
    idx: int = eqx.field(static=True)
    targets: Array

    def x_p(self, u: Array) -> tuple[Array, Array]:
        return u[:-1], with_params(self.base, (self.idx,), u[-1:])

    def __call__(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        return self.F(*self.x_p(u))

    def jacobian(self, u: Array, ref: Any = None, data: Any = None) -> Array:
        return dense_jacobian(self, u, ref, data)

    def analyse(self, u: Array, t: Array, data: Any = None) -> tuple[Array, Array]:
        J = self.jacobian(u)  # (F_x F_p)
        lam = jnp.linalg.eigvals(J[:, :-1])
        bordered = jnp.concatenate([J, t[None]])
        tests = jnp.stack([t[-1], hopf_test(lam), signed_det(bordered)])
        return lam, jnp.concatenate([tests, u[-1] - self.targets])


def parameters(system: Any, p0: Any, dtype: Any) -> Array:
    """The parameter vector (a name needs a `System`); traceable."""
    if isinstance(system, System):
        if system.discrete:
            raise ValueError("continuation supports flows only, not maps (discrete=True).")
        p = system.parameters(p0)  # None: p0; a dict: p0 with the named entries replaced
    elif p0 is None or isinstance(p0, Mapping):
        raise ValueError("p0 (the parameter vector) is required with a plain function F(x, p).")
    else:
        p = jnp.asarray(p0)
    p = jnp.atleast_1d(p).astype(dtype)
    if p.ndim != 1:
        raise ValueError(f"p0 must be a vector, shape (k,); got shape {p.shape}.")
    return p


def param_index(system: Any, param: int | str, k: int, what: str = "param") -> int:
    """The index of `param` (a name needs a `System`) among `k` parameters."""
    if isinstance(param, str):
        if not isinstance(system, System):
            raise ValueError(f"{what} given by name ({param!r}) needs a dx.analysis.System.")
        return system.param_index(param)
    if not 0 <= int(param) < k:
        raise ValueError(f"{what} index {param} is out of range for {k} parameters.")
    return int(param)


def names(system: Any, n: int, k: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(system, System):
        return system.names, system.params
    return tuple(f"x[{i}]" for i in range(n)), tuple(f"p[{i}]" for i in range(k))


def _hopf(lam: Array, j: Array) -> Array:
    """Whether a zero of test function `j` is a special point: not where the Hopf test
    vanishes for a real pair $\\pm\\lambda$ (a neutral saddle) instead of $\\pm i\\omega$."""
    n = lam.shape[0]
    pair = jnp.where(jnp.eye(n, dtype=bool), jnp.inf, jnp.abs(lam[:, None] + lam[None, :]))
    li = lam[jnp.argmin(pair) // n]
    return (j != 1) | (jnp.abs(li.imag) >= 1e-6 * (1 + jnp.abs(li)))


def _arrays(
    F, p, problem, u0, t0, go, lo, hi, s: Settings, both, refine, labels, start
) -> BranchArrays:
    """Continue the branch from `(u0, t0)`, then correct its first folds and Hopf points
    on their augmented systems (differentiably, at the live `F` and `p`); the others get
    their derivatives, and the rows without one their errors, from `differentiable_rows`
    (`start`: the guess the branch began from, so that its derivatives reach it too)."""
    dtype = u0.dtype
    n = u0.shape[0] - 1
    inf = jnp.full(n + 1, jnp.inf, dtype)
    witness = (lo, hi, start)
    # (the loop's inputs are constants to differentiation: reverse mode cannot pass a
    # while loop, and the derivatives come from the augmented systems instead)
    lo, hi, u0, t0 = jax.lax.stop_gradient((lo, hi, u0, t0))
    problem = eqx.tree_at(lambda q: q.targets, problem, jax.lax.stop_gradient(problem.targets))
    lo_u, hi_u = (-inf).at[-1].set(lo), inf.at[-1].set(hi)
    exact = (False, False, False) + (True,) * problem.targets.shape[0]
    w = jnp.ones(n + 1, dtype)
    curve = trace(problem, None, u0, t0, u0, w, lo_u, hi_u, s, exact, both, go, _hopf)
    R = curve.u.shape[0]
    lam = curve.info
    kind = jnp.where(curve.found >= 0, jnp.minimum(curve.found, 3), -1)
    x, pv = curve.u[:, :n], curve.u[:, n]
    omega = l1 = jnp.full(R, jnp.nan, dtype)
    n_jac = curve.n_jac
    refined = jnp.zeros(R, bool)

    if refine > 0:  # (constants too: their derivatives come from `differentiable_rows`)
        x, pv, omega, l1, extra, refined = correct_points(
            problem.F, problem.base, problem.idx, x, pv, kind, refine, s.tol
        )
        n_jac = n_jac + extra
    used = jnp.arange(R) < curve.size
    x, pv, omega, l1, lam, tangent = differentiable_rows(
        F, p, problem.idx, (x, pv, omega, l1, lam, curve.t), kind, refined, used, s.tol,
        witness,
    )  # fmt: skip
    nan_rows = lambda a: jnp.where(used.reshape((R,) + (1,) * (a.ndim - 1)), a, jnp.nan)  # noqa: E731
    return BranchArrays(
        x=nan_rows(x),
        p=nan_rows(pv),
        params=p,
        eigenvalues=nan_rows(lam),
        stable=used & jnp.all(jnp.real(lam) < 0, axis=1),
        tangent=nan_rows(tangent),
        kind=jnp.where(used, kind, -1),
        omega=omega,
        l1=l1,
        size=curve.size,
        n_jacobians=n_jac,
        status=curve.status,
        param=problem.idx,
        names=labels[0],
        param_names=labels[1],
    )


def _start(F, x0, p, idx: int, tol, direction):
    """The equilibrium near `x0` at `p` (Newton's method at fixed p), the branch's unit
    tangent there (its parameter component positive, or negative for `direction=-1`), and
    whether Newton's method converged."""
    x, ok, _ = newton_square(lambda y: F(y, p), x0, tol)
    u0 = jnp.concatenate([x, p[idx][None]])
    t0 = jnp.linalg.svd(EquilibriumProblem(F, p, idx, p[:0]).jacobian(u0))[2][-1]
    return u0, jnp.where((t0[-1] < 0) != (jnp.asarray(direction) == -1), -t0, t0), ok


@eqx.filter_jit
def _from_guess(F, x0, p, lo, hi, targets, s, idx, direction, refine, labels):
    Fs, ps = frozen(F), jax.lax.stop_gradient(p)
    u0, t0, ok = _start(Fs, jax.lax.stop_gradient(x0), ps, idx, s.tol, direction)
    problem = EquilibriumProblem(Fs, ps, idx, targets)
    both = jnp.asarray(direction) == 0
    return _arrays(F, p, problem, u0, t0, ok, lo, hi, s, both, refine, labels, x0)


@eqx.filter_jit
def _from_point(F, u0, t0, p, lo, hi, targets, s, idx, both, refine, labels):
    problem = EquilibriumProblem(frozen(F), jax.lax.stop_gradient(p), idx, targets)
    return _arrays(F, p, problem, u0, t0, True, lo, hi, s, both, refine, labels, (u0, t0))


def _check(direction: int, bounds: Any) -> None:
    if direction not in (-1, 0, 1):
        raise ValueError(f"direction must be -1, 0 or 1; got {direction}.")
    lo, hi = bounds
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and not lo < hi:
        raise ValueError(f"bounds must be (low, high) with low < high; got {bounds}.")


def continue_equilibria(
    system: System | Callable[[Array, Array], Array],
    x0: Float[ArrayLike, " n"],
    p0: Float[ArrayLike, " k"] | Mapping[str, ArrayLike] | None = None,
    *,
    param: int | str = 0,
    bounds: tuple[ArrayLike, ArrayLike] = (-np.inf, np.inf),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    targets: Sequence[float] = (),
    tol: float | None = None,
    refine: int = 8,
) -> BranchArrays:
    r"""[`dynax.analysis.equilibrium_branch`][] as one compiled program that returns
    fixed-size arrays: it works under `jax.jit` and `jax.vmap` (a batch of branches,
    e.g. for several values of another parameter or from several starts, in one call),
    and the folds and Hopf points it returns are differentiable with respect to the other
    parameters and to the model's arrays (`jax.grad`, `jax.jacrev`, also under
    `jax.vmap`: implicit differentiation of their augmented systems, solved by
    Optimistix's Newton method).

    ```python
    def hopf_currents(a):  # the first two Hopf points in I at this a, NaN if fewer
        arrays = dx.analysis.continue_equilibria(
            F, x0, {"a": a}, param="I_bias", bounds=(-0.5, 2.0), ds=0.05
        )
        return arrays.p[arrays.rows("H", 2)]

    jax.vmap(hopf_currents)(jnp.linspace(0.5, 0.9, 5))  # (5, 2), one compiled call
    jax.grad(lambda a: hopf_currents(a)[0])(0.7)  # dI_H/da: 1/b for FitzHugh-Nagumo
    jax.vmap(jax.grad(lambda a: hopf_currents(a)[1]))(jnp.linspace(0.5, 0.9, 5))
    ```

    The arguments are those of [`dynax.analysis.equilibrium_branch`][] (`x0` and the
    values in `p0` may be traced, `bounds` too), and `refine`: how many folds and how
    many Hopf points (the first along the branch) are corrected on their augmented
    systems (Newton's method from the located point; $\omega$ and $\ell_1$ are computed
    at those Hopf points); the others keep their located values (to about $10^{-13}$).

    **Derivatives** (reverse mode: `jax.grad`, `jax.jacrev`, `jax.vjp`; forward mode,
    `jax.jacfwd`, raises JAX's error for custom VJPs). Every fold and Hopf point,
    corrected or not, is differentiable: its $x$ and $p$ (and at the first `refine`
    Hopf points $\omega$ and $\ell_1$) by the implicit function theorem on its augmented
    system, $\partial z/\partial\theta = -G_z^{-1}G_\theta$, computed on the backward
    pass only, for the points the loss uses (the forward pass costs nothing more). A
    loss that reaches anything else raises an error when it is differentiated, naming
    the row: a regular point of the branch (or a branch or target point: where the
    continuation stepped, not a function of the parameters; for a differentiable
    equilibrium at a given parameter value use [`dynax.analysis.fixed_point`][]), the
    eigenvalues or the tangent, or $\omega$, $\ell_1$ beyond the first `refine` Hopf
    points (NaN there: raise `refine`). Select the points with `arrays.rows(kind, size)`;
    a row index padded to the last (NaN) row gets no derivative.

    Returns a [`dynax.analysis.BranchArrays`][]; `status[0] == 4` where Newton's method
    found no equilibrium near `x0` (nothing is continued then).
    """
    x0, p, idx, s, target, lo, hi, labels = _prepare(
        system, x0, p0, param, bounds, ds, ds_min, ds_max, max_points, direction, targets, tol
    )
    direction_ = jnp.asarray(direction)  # (traced: one compilation for all three)
    return _from_guess(system, x0, p, lo, hi, target, s, idx, direction_, refine, labels)


def _prepare(
    system, x0, p0, param, bounds, ds, ds_min, ds_max, max_points, direction, targets, tol
):
    """The checked arguments of a continuation of equilibria."""
    _check(direction, bounds)
    dtype = float_dtype()
    x0 = jnp.atleast_1d(jnp.asarray(x0, dtype))
    p = parameters(system, p0, dtype)
    idx = param_index(system, param, p.shape[0])
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=max_points)
    target = jnp.asarray(np.asarray(targets, dtype).reshape(-1))
    lo, hi = (jnp.asarray(b, dtype) for b in bounds)
    return x0, p, idx, s, target, lo, hi, names(system, x0.shape[0], p.shape[0])


def equilibrium_branch(
    system: System | Callable[[Array, Array], Array],
    x0: Float[ArrayLike, " n"],
    p0: Float[ArrayLike, " k"] | Mapping[str, float] | None = None,
    *,
    param: int | str = 0,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> EquilibriumBranch:
    r"""Continue a branch of equilibria $F(x, p) = 0$ in one parameter by
    pseudo-arclength continuation, with their stability and special points.

    From an equilibrium near `x0` at `p0` (found by Newton's method at fixed $p$), each
    step predicts along the unit tangent $t$ of the curve $u = (x, p_i)$ — the null
    vector of $[F_x\ F_{p_i}]$ — and corrects with Newton's method on
    $F(u) = 0,\ t^\top(u - u_k) = \Delta s$ (Keller's pseudo-arclength condition), so
    that it passes folds where $p_i$ turns back. The step $\Delta s$ grows by 1.5 after
    a corrector of at most 3 iterations (up to `ds_max`) and halves after a failure or a
    turn of the tangent by more than 26°.

    At each point the eigenvalues of $F_x$ give the stability, and test functions locate
    the special points: where one changes sign between two points, its zero is found by
    regula falsi (Illinois) on the arclength, each trial point corrected onto the branch,
    to the precision of the test function (about $10^{-13}$ in float64):

    - **fold** (`"LP"`): $\dot p_i$, the parameter component of the tangent;
    - **Hopf** (`"H"`): $\mathrm{sign}\prod_{i<j}(\lambda_i + \lambda_j)\cdot
      \min_{i<j}|\lambda_i + \lambda_j|$ (the determinant of the bialternate product
      $2F_x \odot I$, without its overflow); neutral saddles, where a real pair
      $\pm\lambda$ sums to zero, are discarded. At each Hopf point the frequency
      $\omega$ and the first Lyapunov coefficient $\ell_1$ (its sign: super- or
      subcritical) are computed;
    - **branch point** (`"BP"`, e.g. a pitchfork): $\det\begin{pmatrix}F_x & F_{p_i}\\
      t^\top\end{pmatrix}$; switch branches there with
      [`dynax.analysis.switch_branch`][];
    - **targets** (`"UZ"`): $p_i$ minus each value of `targets`.

    The whole continuation, both directions and the location of the special points
    included, is one compiled `lax.while_loop`.
    [`dynax.analysis.continue_equilibria`][] returns it as arrays, for `jax.jit` and
    `jax.vmap` over branches, with the folds and Hopf points corrected on their augmented
    systems ($F = 0,\ F_x v = 0,\ c^\top v = 1$; $F = 0,\ F_x v_1 = -v_2,\
    F_x v_2 = \omega^2 v_1$), which also make them differentiable (`jax.grad`). The
    augmented systems continue them in two parameters too:
    [`dynax.analysis.codim2_curve`][].

    **Arguments:**

    - `system`: a [`dynax.analysis.System`][] (from `flat_system`) or a function
      `F(x, p)`, `(n,)` from `(n,)` and `(k,)`.
    - `x0`: a guess of the equilibrium at `p0`, `(n,)`.
    - `p0`: the parameters, `(k,)`, or with a `System` a dict of some of them by name
      (the others from `system.p0`); default `system.p0` (required with a function).
    - `param`: the continued parameter, its index in `p` or (with a `System`) its name.
    - `bounds`: the parameter range; continuation stops at the first point outside it.
    - `ds`, `ds_min`, `ds_max`: first, smallest and largest arclength step (in the
      units of $(x, p)$); defaults `ds_min = 1e-4 ds`, `ds_max = 20 ds`.
    - `max_points`: the most points per direction.
    - `direction`: `+1` (increasing parameter first), `-1`, or `0` for both directions.
    - `targets`: parameter values at which to insert a point (`"UZ"`).
    - `tol`: Newton's tolerance (default `eps**0.65`: 7e-11 in float64). Enable
      float64 (`jax.config.update("jax_enable_x64", True)`) for accurate points.

    Returns an [`dynax.analysis.EquilibriumBranch`][].

    ??? cite "References"

        Keller, H. B. (1977). Numerical solution of bifurcation and nonlinear eigenvalue
        problems. In *Applications of Bifurcation Theory*, 359–384. Academic Press.

        Kuznetsov, Y. A. (2004). *Elements of Applied Bifurcation Theory* (3rd ed.),
        chapter 10. Springer.

        Govaerts, W. (2000). *Numerical Methods for Bifurcations of Dynamical
        Equilibria*. SIAM.
    """
    # (the points located to the test functions' precision, about 1e-13, without the
    # corrections on their augmented systems that make them differentiable: they would
    # only cost compilation here)
    x0, p, idx, s, target, lo, hi, labels = _prepare(
        system, x0, p0, param, bounds, ds, ds_min, ds_max, max_points, direction, targets, tol
    )
    direction_ = jnp.asarray(direction)  # (traced: one compilation for all three)
    arrays = _branch_program(system, x0, p, lo, hi, target, s, idx, direction_, labels)
    arrays = jax.device_get(arrays)  # (one transfer for all the rows)
    if arrays.status[0] == 4:
        raise ValueError(
            "Newton's method found no equilibrium near x0 at p0; give a better x0 "
            "(e.g. from a simulation or dx.analysis fixed points)."
        )
    return with_hopf_data(system, arrays).to_branch()


@eqx.filter_jit
def _branch_program(F, x0, p, lo, hi, targets, s, idx, direction, labels):
    """The branch of `equilibrium_branch` (no corrections on the augmented systems) with
    $\\omega$ and $\\ell_1$ at its first Hopf points: one compiled call."""
    arrays = _from_guess(F, x0, p, lo, hi, targets, s, idx, direction, 0, labels)
    return hopf_rows(F, arrays)


@eqx.filter_jit
def _point_program(F, u0, t0, p, lo, hi, targets, s, idx, both, labels):
    """As `_branch_program`, from a point and a tangent (`switch_branch`)."""
    arrays = _from_point(F, u0, t0, p, lo, hi, targets, s, idx, both, 0, labels)
    return hopf_rows(F, arrays)


def switch_branch(
    system: System | Callable[[Array, Array], Array],
    branch: EquilibriumBranch,
    point: SpecialPoint,
    *,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    ds: float = 0.01,
    ds_min: float | None = None,
    ds_max: float | None = None,
    max_points: int = 500,
    direction: int = 0,
    targets: Sequence[float] = (),
    tol: float | None = None,
) -> EquilibriumBranch:
    r"""The other branch through a branch point (`"BP"`) of `branch`: at the branch point
    the null space of $[F_x\ F_{p_i}]$ is two-dimensional; the new branch starts along its
    direction orthogonal to the old tangent (both ways with `direction=0`).

    The arguments after `point` are those of [`dynax.analysis.equilibrium_branch`][].
    """
    if point.kind != "BP":
        raise ValueError(f"switch_branch starts at a branch point ('BP'); got {point.kind!r}.")
    _check(direction, bounds)
    idx = branch.param
    dtype = np.dtype(branch.x.dtype)
    s = settings(dtype, ds=ds, ds_min=ds_min, ds_max=ds_max, tol=tol, max_points=max_points)
    target = jnp.asarray(np.asarray(targets, dtype).reshape(-1))
    problem = EquilibriumProblem(system, branch.params, idx, target)
    u0 = np.r_[np.asarray(point.x), np.asarray(point.p)[idx]].astype(dtype)
    null = np.asarray(_null_space(problem, u0))  # the two smallest right singular vectors
    t1 = np.asarray(branch.tangent)[point.index]
    a = null @ t1
    t2 = a[1] * null[0] - a[0] * null[1]
    t2 = t2 / np.linalg.norm(t2) * (-1 if direction == -1 else 1)
    lo, hi = (jnp.asarray(b, dtype) for b in bounds)
    labels = (branch.names, branch.param_names)
    arrays = _point_program(
        system, u0, t2, branch.params, lo, hi, target, s, idx, jnp.asarray(direction == 0),
        labels,
    )  # fmt: skip
    return with_hopf_data(system, jax.device_get(arrays)).to_branch()


@eqx.filter_jit
def _null_space(problem, u):
    return jnp.linalg.svd(jax.jacfwd(problem)(u))[2][-2:]
