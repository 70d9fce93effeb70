"""Analysis of dynamical systems: phase planes, fixed points and their stability,
bifurcations by continuation, fast–slow analysis, slow points and linearisation, all on
a model's `vector_field(t, y, args)` or a plain function, differentiable and batched."""

# --- systems, phase planes, fixed points, linearisation, slow points (helper "phase")
from ._fixed_points import (
    LABELS as LABELS,
    FixedPoints as FixedPoints,
    classify as classify,
    fixed_points as fixed_points,
    grid_points as grid_points,
)
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
# --- continuation, bifurcations, limit cycles, fast-slow (helper "continuation")
