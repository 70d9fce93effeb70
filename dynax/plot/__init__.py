"""Plotting helpers (need matplotlib: `pip install dynax[plot]`)."""

from ._raster import raster as raster
