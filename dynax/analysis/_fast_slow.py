"""Fast–slow analysis: the bifurcation diagram of the fast subsystem, with the slow
variables as its parameters."""

from collections.abc import Callable, Mapping

import equinox as eqx

from .._custom_types import Array, ArrayLike, Float
from ._branch import EquilibriumBranch
from ._cycles import CycleBranch, limit_cycle_branch
from ._equilibria import equilibrium_branch
from ._system import System


class FastSlow(eqx.Module):
    """The bifurcation diagram of a fast subsystem in a slow variable, from
    [`dynax.analysis.fast_slow`][]: draw it with `dx.plot.bifurcation(*fs.branches)`
    and a trajectory over it with `dx.plot.fast_slow(fs, slow, fast)`.

    **Fields:**

    - `equilibria`: the fast subsystem's equilibria as the slow variable varies (the
      critical manifold), with their stability, folds and Hopf points.
    - `cycles`: the branches of the fast subsystem's limit cycles, one from each Hopf
      point (spiking, in a burster), with their maxima and minima.
    - `slow`: the slow variable's name.
    """

    equilibria: EquilibriumBranch
    cycles: tuple[CycleBranch, ...]
    slow: str = eqx.field(static=True)

    @property
    def branches(self) -> tuple[EquilibriumBranch | CycleBranch, ...]:
        """The equilibria, then the cycle branches."""
        return (self.equilibria, *self.cycles)


def fast_slow(
    fast: System | Callable[[Array, Array], Array],
    x0: Float[ArrayLike, " n"],
    p0: Float[ArrayLike, " k"] | Mapping[str, float] | None = None,
    *,
    slow: int | str,
    bounds: tuple[float, float],
    ds: float = 0.01,
    ds_max: float | None = None,
    max_points: int = 500,
    cycles: bool = True,
    n_intervals: int = 60,
    degree: int = 4,
    cycle_ds: float = 0.02,
    cycle_points: int = 200,
    period_max: float | None = None,
    tol: float | None = None,
) -> FastSlow:
    r"""Dissect a fast–slow system: hold the slow variable(s) as parameters of the fast
    subsystem, continue the fast subsystem's equilibria in one slow variable, and
    continue its limit cycles from each Hopf point.

    When the slow variable $z$ moves on a time scale much longer than the fast
    subsystem's (Hindmarsh–Rose: $r = 0.001$), the full trajectory follows the fast
    subsystem's attractors at the current $z$: it rests on a stable branch of
    equilibria, jumps at a fold, spikes along a branch of stable cycles and stops where
    that branch ends (at a homoclinic orbit, in a fold/homoclinic burster). Overlaying
    the trajectory $(z(t), x(t))$ on this diagram (`dx.plot.fast_slow`) shows which
    bifurcations start and end each burst (Rinzel 1987; Izhikevich 2000).

    **Arguments:**

    - `fast`: the fast subsystem with the slow variable as a parameter, e.g.
      `dx.analysis.flat_system(hr, params=("z",), y0=..., names=("x", "y", "z"))`
      (a state variable named in `params` is held at the parameter's value), or a
      function `F(x, p)`.
    - `x0`: an equilibrium of the fast subsystem (a guess) at `p0`.
    - `p0`: the parameters (default `fast.p0`).
    - `slow`: the slow variable among the parameters (name or index).
    - `bounds`: its range for the diagram.
    - `ds`, `ds_max`, `max_points`, `tol`: the equilibria's continuation (as in
      [`dynax.analysis.equilibrium_branch`][]).
    - `cycles`: whether to continue the cycles from the Hopf points.
    - `n_intervals`, `degree`, `cycle_ds`, `cycle_points`, `period_max`: the cycles'
      continuation (as `n_intervals`, `degree`, `ds`, `max_points`, `period_max` of
      [`dynax.analysis.limit_cycle_branch`][]).

    ??? cite "References"

        Rinzel, J. (1987). A formal classification of bursting mechanisms in excitable
        systems. In *Mathematical Topics in Population Biology, Morphogenesis and
        Neurosciences*, 267–281. Springer.

        Izhikevich, E. M. (2000). Neural excitability, spiking and bursting.
        *International Journal of Bifurcation and Chaos*, 10(6), 1171–1266.
    """
    eq = equilibrium_branch(
        fast, x0, p0, param=slow, bounds=bounds, ds=ds, ds_max=ds_max,
        max_points=max_points, tol=tol,
    )  # fmt: skip
    found: list[CycleBranch] = []
    if cycles:
        for point in eq.special("H"):
            found.append(
                limit_cycle_branch(
                    fast,
                    point,
                    bounds=bounds,
                    n_intervals=n_intervals,
                    degree=degree,
                    ds=cycle_ds,
                    max_points=cycle_points,
                    period_max=period_max,
                    tol=tol,
                )  # fmt: skip
            )
    name = eq.param_names[eq.param]
    return FastSlow(eq, tuple(found), name)
