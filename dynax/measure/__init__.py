"""Measurements of simulated activity."""

from ._rates import firing_rate as firing_rate, population_rate as population_rate
