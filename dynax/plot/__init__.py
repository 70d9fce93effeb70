"""Plotting helpers (need matplotlib: `pip install dynax[plot]`)."""

from ._activity import bump as bump, raster_with_rate as raster_with_rate
from ._bifurcation import bifurcation as bifurcation, fast_slow as fast_slow
from ._matrix import connectivity as connectivity, fc_comparison as fc_comparison
from ._phase import (
    eigenvalues as eigenvalues,
    fixed_point_projection as fixed_point_projection,
    phase_portrait as phase_portrait,
)
from ._raster import raster as raster
from ._spectrum import spectrum as spectrum
from ._traces import traces as traces
