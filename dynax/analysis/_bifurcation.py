"""Special points of branches, the result Modules they go into, and the test functions
that locate them."""

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float

KINDS = {
    "LP": "fold (limit point, saddle-node) of equilibria",
    "H": "Hopf point",
    "BP": "branch point (pitchfork, transcritical)",
    "UZ": "user point (a target parameter value)",
    "LPC": "fold of limit cycles",
    "PD": "period doubling (flip) of limit cycles",
    "NS": "Neimark–Sacker (torus) bifurcation of limit cycles",
    "BT": "Bogdanov–Takens point",
    "CP": "cusp point",
    "GH": "generalised Hopf (Bautin) point",
}
"""The labels of special points (MatCont's) and what they are."""


class SpecialPoint(eqx.Module):
    r"""A special point of a branch: a bifurcation, or a point at a requested parameter
    value. It is also a row of its branch (`branch.x[point.index]`, ...).

    **Fields:**

    - `kind`: the label, one of `"LP"` (fold), `"H"` (Hopf), `"BP"` (branch point),
      `"UZ"` (a target value), `"LPC"` (fold of cycles), `"PD"` (period doubling),
      `"NS"` (Neimark–Sacker), `"BT"` (Bogdanov–Takens), `"CP"` (cusp), `"GH"`
      (generalised Hopf).
    - `index`: its row in the branch.
    - `x`: the state, `(n,)` (for a cycle, its point at phase 0).
    - `p`: the full parameter vector there, `(k,)`.
    - `param`: the indices in `p` of the continued parameter(s).
    - `omega`: at a Hopf point the angular frequency $\omega$ of the eigenvalues
      $\pm i\omega$ (rad per unit of time); NaN elsewhere.
    - `l1`: at a Hopf point the first Lyapunov coefficient (< 0: supercritical, a stable
      cycle is born; > 0: subcritical), with the eigenvector normalised to $|q| = 1$;
      NaN elsewhere.
    - `period`: at a Hopf point $2\pi/\omega$; at a special point of cycles their
      period; NaN elsewhere.
    """

    kind: str = eqx.field(static=True)
    index: int = eqx.field(static=True)
    x: Float[Array, " n"]
    p: Float[Array, " k"]
    param: tuple[int, ...] = eqx.field(static=True)
    omega: Float[Array, ""]
    l1: Float[Array, ""]
    period: Float[Array, ""]

    @property
    def value(self) -> Float[Array, " d"]:
        """The continued parameter value(s) at the point, `(1,)` or `(2,)`."""
        return self.p[jnp.asarray(self.param)]

    def __repr__(self) -> str:
        values = ", ".join(f"{float(v):.6g}" for v in np.asarray(self.value))
        extra = ""
        if np.isfinite(np.asarray(self.omega)):
            extra = f", omega={float(self.omega):.6g}, l1={float(self.l1):.4g}"
        elif np.isfinite(np.asarray(self.period)):
            extra = f", period={float(self.period):.6g}"
        return f"SpecialPoint({self.kind} at p=({values}){extra}, index={self.index})"


class AbstractBranch(eqx.Module):
    """A curve computed by continuation: equilibria, limit cycles or a codimension-2
    curve. `dx.plot.bifurcation` draws any of them through `lines` and `marker`."""

    points: eqx.AbstractVar[tuple[SpecialPoint, ...]]
    names: eqx.AbstractVar[tuple[str, ...]]
    param_names: eqx.AbstractVar[tuple[str, ...]]
    p: eqx.AbstractVar[Array]
    params: eqx.AbstractVar[Float[Array, " k"]]
    param: eqx.AbstractVar[Any]

    def params_at(self, i: int) -> Float[Array, " k"]:
        """The full parameter vector at row `i` (the continued parameters at their values
        there, the others as at the start)."""
        return self.params.at[jnp.asarray(self.param)].set(self.p[i])

    @abc.abstractmethod
    def labels(self, var: int) -> tuple[str, str]:
        """The axis labels of `lines(var)`."""

    def var_index(self, var: int | str) -> int:
        """The index of a state variable given by index or name."""
        if isinstance(var, str):
            if var not in self.names:
                raise ValueError(f"no variable {var!r}; the variables are {self.names}.")
            return self.names.index(var)
        if not 0 <= int(var) < len(self.names):
            raise ValueError(f"variable index {var} out of range for {len(self.names)}.")
        return int(var)

    @abc.abstractmethod
    def lines(self, var: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The curves to draw, each `(abscissa, ordinate, stable)` with `stable` a bool
        mask per point (solid where true, dashed where false): the continued parameter
        against state variable `var` (cycles: its maximum and minimum over a period;
        codimension-2 curves: the second parameter against the first)."""

    @abc.abstractmethod
    def marker(self, point: SpecialPoint, var: int) -> list[tuple[float, float]]:
        """Where `point` is drawn: one or more `(abscissa, ordinate)`."""

    def special(self, kind: str) -> tuple[SpecialPoint, ...]:
        """The special points of one kind (e.g. `"H"`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; the kinds are {sorted(KINDS)}.")
        return tuple(pt for pt in self.points if pt.kind == kind)


# ----------------------------------------------------------------------------- tests


def kind_rows(codes: Array, kinds: tuple[str, ...], kind: str, size: int) -> Array:
    """The rows of the first `size` entries of `codes` (indices into `kinds`, -1 for an
    ordinary row) equal to `kind`, padded with -1: for `rows` of `BranchArrays` and
    `CycleArrays`."""
    if kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}; got {kind!r}.")
    return jnp.nonzero(codes == kinds.index(kind), size=size, fill_value=-1)[0]


def _sign_min(factors: Array) -> Array:
    """A continuous function that changes sign exactly where one of the (complex)
    `factors` passes through 0 when their product is real: the sign of the product times
    the smallest modulus. (The product itself over- or underflows for large systems.)"""
    if factors.shape[0] == 0:
        return jnp.ones((), jnp.real(factors).dtype)
    mag = jnp.abs(factors)
    unit = factors / jnp.where(mag > 0, mag, 1)
    return jnp.sign(jnp.real(jnp.prod(unit))) * jnp.min(mag)


def hopf_test(eigenvalues: Array) -> Array:
    r"""$\psi_H$: zero when two eigenvalues sum to zero (a pair $\pm i\omega$ at a Hopf
    point, or $\pm\lambda$ at a neutral saddle): the sign of $\prod_{i<j}(\lambda_i +
    \lambda_j)$, the determinant of the bialternate product $2A \odot I$, times the
    smallest $|\lambda_i + \lambda_j|$."""
    n = eigenvalues.shape[0]
    i, j = np.triu_indices(n, 1)
    return _sign_min(eigenvalues[i] + eigenvalues[j])


def period_doubling_test(multipliers: Array) -> Array:
    r"""$\psi_{PD}$: the sign of $\prod_i(\mu_i + 1)$ times $\min_i|\mu_i + 1|$."""
    return _sign_min(multipliers + 1)


def torus_test(multipliers: Array) -> Array:
    r"""$\psi_{NS}$: the sign of $\prod_{i<j}(\mu_i\mu_j - 1)$ over the non-trivial
    multipliers, times the smallest $|\mu_i\mu_j - 1|$."""
    n = multipliers.shape[0]
    i, j = np.triu_indices(n, 1)
    return _sign_min(multipliers[i] * multipliers[j] - 1)


def signed_det(M: Array) -> Array:
    """$\\mathrm{sign}(\\det M)\\,|\\det M|^{1/n}$: the determinant's sign change without
    its overflow."""
    sign, logdet = jnp.linalg.slogdet(M)
    return sign * jnp.exp(logdet / M.shape[0])
