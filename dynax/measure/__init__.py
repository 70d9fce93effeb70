"""Measurements of simulated activity."""

from ._irregularity import cv_isi as cv_isi, power_spectrum as power_spectrum
from ._rates import firing_rate as firing_rate, population_rate as population_rate
