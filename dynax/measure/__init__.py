"""Measurements of simulated activity."""

from ._fc import (
    fc_correlation as fc_correlation,
    fcd as fcd,
    functional_connectivity as functional_connectivity,
)
from ._irregularity import cv_isi as cv_isi, power_spectrum as power_spectrum
from ._rates import firing_rate as firing_rate, population_rate as population_rate
