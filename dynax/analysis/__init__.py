"""Analysis of dynamical systems: phase planes, fixed points and their stability,
bifurcations by continuation, fast–slow analysis, slow points and linearisation, all on
a model's `vector_field(t, y, args)` or a plain function, differentiable and batched."""

# --- systems, phase planes, fixed points, linearisation, slow points (helper "phase")
from ._system import System as System, flat_system as flat_system
# --- continuation, bifurcations, limit cycles, fast-slow (helper "continuation")
