"""Branches of limit cycles: as the compiled continuation returns them (fixed-size
arrays, for `jax.jit` and `jax.vmap`) and cut to their cycles (for plots and
inspection)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Complex

from .._custom_types import Array, Bool, Float, Int
from ._bifurcation import AbstractBranch, SpecialPoint, kind_rows
from ._engine import STATUS

CYCLE_KINDS = ("LPC", "PD", "NS", "UZ")
"""The special points of a branch of cycles, in the order of `CycleArrays.kind`."""


class CycleBranch(AbstractBranch):
    r"""A branch of limit cycles in one parameter, from
    [`dynax.analysis.limit_cycle_branch`][].

    **Fields:**

    - `times`: the times of the stored points of each cycle, `(m, M)`, in
      $[0, T)$ (the mesh adapts along the branch).
    - `x`: the cycles at those times, `(m, M, n)`.
    - `period`: $T$, `(m,)` (in the system's unit of time).
    - `p`: the continued parameter, `(m,)`; `params` the full parameter vector of the
      start, `(k,)`; `params_at(i)` row `i`'s.
    - `multipliers`: the Floquet multipliers, `(m, n)`, complex: one is 1 (the trivial
      one, along the orbit); the others inside the unit circle for a stable cycle.
    - `stable`: whether every non-trivial multiplier has modulus < 1.
    - `x_max`, `x_min`: each variable's maximum and minimum over the cycle, `(m, n)`.
    - `points`: the special points: `"LPC"` (fold of cycles), `"PD"` (period doubling),
      `"NS"` (Neimark–Sacker), `"UZ"` (targets).
    - `param`, `names`, `param_names`, `n_jacobians`, `status`: as in
      [`dynax.analysis.EquilibriumBranch`][].
    """

    times: Float[Array, "m M"]
    x: Float[Array, "m M n"]
    period: Float[Array, " m"]
    p: Float[Array, " m"]
    params: Float[Array, " k"]
    multipliers: Array
    stable: Bool[Array, " m"]
    x_max: Float[Array, "m n"]
    x_min: Float[Array, "m n"]
    points: tuple[SpecialPoint, ...]
    param: int = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)
    param_names: tuple[str, ...] = eqx.field(static=True)
    n_jacobians: int = eqx.field(static=True)
    status: str = eqx.field(static=True)

    def labels(self, var: int) -> tuple[str, str]:
        return self.param_names[self.param], self.names[var]

    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        p, stable = np.asarray(self.p), np.asarray(self.stable)
        return [
            (p, np.asarray(self.x_max[:, var]), stable),
            (p, np.asarray(self.x_min[:, var]), stable),
        ]

    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        p = float(point.p[self.param])
        return [
            (p, float(self.x_max[point.index, var])),
            (p, float(self.x_min[point.index, var])),
        ]


class CycleArrays(eqx.Module):
    r"""A branch of limit cycles as the compiled continuation returns it, from
    [`dynax.analysis.continue_cycles`][]: every field an array of a fixed number of rows
    `R` (`max_points` and a chunk more), the first `size` of them the branch and the
    others NaN (the last row is always NaN), so that it comes out of `jax.jit` and
    `jax.vmap` (a batch of branches is one `CycleArrays` with a leading batch axis).

    **Fields:**

    - `times`, `x`, `period`, `p`, `params`, `multipliers`, `stable`, `x_max`, `x_min`:
      as in [`dynax.analysis.CycleBranch`][], `(R, ...)`; `M = n_intervals * degree`
      nodes per cycle.
    - `kind`: the special point at each row, `(R,)`: an index into `("LPC", "PD", "NS",
      "UZ")`, -1 for an ordinary cycle. A zero of a test function counts only where
      the multipliers show it (a multiplier within 1e-2 of 1 at a fold, within 1e-3 of
      -1 at a period doubling, a complex pair within 1e-3 of the unit circle at a
      Neimark–Sacker point): near a homoclinic orbit or in a canard the multipliers lose
      their accuracy and a test function may change sign by round-off alone.
    - `size`: the number of rows used; `n_jacobians`: the Jacobian evaluations spent;
      `status`: why the branch stopped (codes: 1 `"max_points"`, 2 `"bounds"` (the
      parameter or the period), 3 `"step too small"`, 4 no start: the Hopf point is not
      finite or has no pair $\pm i\omega$), `()`.
    - `param`, `names`, `param_names`: as in `CycleBranch`.
    """

    times: Float[Array, "R M"]
    x: Float[Array, "R M n"]
    period: Float[Array, " R"]
    p: Float[Array, " R"]
    params: Float[Array, " k"]
    multipliers: Complex[Array, "R n"]
    stable: Bool[Array, " R"]
    x_max: Float[Array, "R n"]
    x_min: Float[Array, "R n"]
    kind: Int[Array, " R"]
    size: Int[Array, ""]
    n_jacobians: Int[Array, ""]
    status: Int[Array, ""]
    param: int = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)
    param_names: tuple[str, ...] = eqx.field(static=True)

    def rows(self, kind: str, size: int) -> Int[Array, " size"]:
        """The rows of the first `size` special points of `kind` (`"LPC"`, `"PD"`,
        `"NS"`, `"UZ"`) along the branch, padded with -1 (the NaN row):
        `arrays.period[arrays.rows("UZ", 1)]`. Works under `jax.jit` and `jax.vmap`."""
        return kind_rows(self.kind, CYCLE_KINDS, kind, size)

    def params_at(self, i: int) -> Float[Array, " k"]:
        """The full parameter vector at row `i`."""
        return self.params.at[self.param].set(self.p[i])

    def to_branch(self) -> CycleBranch:
        """The branch cut to its `size` rows, with its special points (outside `jax.jit`
        and for one branch: index a batch first, `jax.tree.map(lambda a: a[i], batch)`)."""
        if np.ndim(self.size) != 0:
            raise ValueError("to_branch takes one branch; index the batch first.")
        k = int(self.size)
        cut = tuple(
            np.asarray(a)[:k]
            for a in (self.times, self.x, self.period, self.p, self.multipliers, self.stable,
                      self.x_max, self.x_min, self.kind)
        )  # fmt: skip
        times, x, period, p, mu, stable, x_max, x_min, kind = cut
        rows = np.flatnonzero(kind >= 0)
        params = np.repeat(np.asarray(self.params)[None], len(rows), 0)
        params[:, self.param] = p[rows]
        nan = np.full((), np.nan, p.dtype)
        per_point = [(x[r, 0], params[i], nan, period[r]) for i, r in enumerate(rows)]
        # (one transfer for everything: a transfer per array costs more than the rest)
        per_point, arrays = jax.device_put((per_point, cut[:-1]))
        points = tuple(
            SpecialPoint(CYCLE_KINDS[kind[r]], int(r), xr, pr, (self.param,), na, na, per)
            for r, (xr, pr, na, per) in zip(rows, per_point)
        )
        times, x, period, p, mu, stable, x_max, x_min = arrays
        return CycleBranch(
            times=times,
            x=x,
            period=period,
            p=p,
            params=jnp.asarray(self.params),
            multipliers=mu,
            stable=stable,
            x_max=x_max,
            x_min=x_min,
            points=points,
            param=self.param,
            names=self.names,
            param_names=self.param_names,
            n_jacobians=int(self.n_jacobians),
            status=STATUS.get(int(self.status), "running"),
        )
