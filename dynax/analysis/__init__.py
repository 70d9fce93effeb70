"""Analysis of dynamical systems: phase planes, fixed points and their stability,
bifurcations by continuation, fast–slow analysis, slow points and linearisation, all on
a model's `vector_field(t, y, args)` or a plain function, differentiable and batched."""

from ._bifurcation import (
    KINDS as KINDS,
    AbstractBranch as AbstractBranch,
    SpecialPoint as SpecialPoint,
)
from ._branch import BranchArrays as BranchArrays, EquilibriumBranch as EquilibriumBranch
from ._codim2 import Codim2Curve as Codim2Curve, codim2_curve as codim2_curve
from ._cycles import (
    CycleArrays as CycleArrays,
    CycleBranch as CycleBranch,
    continue_cycles as continue_cycles,
    limit_cycle_branch as limit_cycle_branch,
)
from ._equilibria import (
    continue_equilibria as continue_equilibria,
    equilibrium_branch as equilibrium_branch,
    switch_branch as switch_branch,
)
from ._fast_slow import FastSlow as FastSlow, fast_slow as fast_slow
from ._fixed_points import (
    LABELS as LABELS,
    FixedPoints as FixedPoints,
    classify as classify,
    fixed_points as fixed_points,
    grid_points as grid_points,
)
from ._grid import GridEquilibria as GridEquilibria, grid_equilibria as grid_equilibria
from ._implicit import fixed_point as fixed_point
from ._linearise import Linearisation as Linearisation, linearise as linearise
from ._phase_plane import (
    Cycle as Cycle,
    PhasePlane1D as PhasePlane1D,
    PhasePlane2D as PhasePlane2D,
    Trajectories as Trajectories,
    trajectories as trajectories,
)
from ._slow_points import (
    SOLVERS as SOLVERS,
    SlowPoints as SlowPoints,
    sample_states as sample_states,
    slow_points as slow_points,
)
from ._system import System as System, flat_system as flat_system
